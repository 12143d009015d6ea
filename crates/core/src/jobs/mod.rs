//! Long-running jobs — the data sync, invitation delivery, and the exports to come — as both
//! front ends run them: one job of a kind at a time in a process, progress at most ten times a
//! second, cancel, a notice at the end, and the job's own thread. A front end only says how to
//! show what a job reports: the desktop turns [`Reporter`] calls into events and notifications,
//! the CLI into a progress bar on stderr.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::invites::outbox::Notice;
use crate::store::Store;
use crate::{Error, ErrorCode, Result, msg};

/// How a job tells its front end what happens. `P` is its progress, `F` how it ended.
pub trait Reporter<P, F>: Send + Sync {
    /// Progress, at most ten times a second (and on every phase change).
    fn progress(&self, progress: &P);
    /// The notice for the admin at the end (a desktop notification, a line on the terminal).
    fn notice(&self, notice: &Notice);
    /// How the job ended; the last call.
    fn finished(&self, outcome: &F);
}

/// A job's cancel switch: the job stops at its next safe point (after the batch or message in
/// flight), keeping its checkpoint.
#[derive(Debug, Default)]
pub struct Control {
    cancel: AtomicBool,
}

impl Control {
    /// Asks the job to stop.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::SeqCst);
    }

    /// Whether the job was asked to stop.
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }

    /// The switch as a flag, for loops that poll one.
    pub fn flag(&self) -> &AtomicBool {
        &self.cancel
    }
}

/// The one job of a kind this process runs: its control (for Cancel) and its latest progress
/// (for a window opened while it runs).
pub struct Slot<P> {
    current: Mutex<Option<(Arc<Control>, Option<P>)>>,
}

impl<P> Default for Slot<P> {
    fn default() -> Self {
        Self { current: Mutex::new(None) }
    }
}

impl<P: Clone> Slot<P> {
    fn lock(&self) -> MutexGuard<'_, Option<(Arc<Control>, Option<P>)>> {
        // The value is replaced whole, so a panic while it was held cannot leave it half-written.
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes the slot for a new job; `None` while another job of the kind runs.
    pub fn claim(self: &Arc<Self>) -> Option<Claim<P>> {
        let mut current = self.lock();
        if current.is_some() {
            return None;
        }
        let control = Arc::new(Control::default());
        *current = Some((control.clone(), None));
        Some(Claim { slot: self.clone(), control })
    }

    /// Whether a job of the kind is going.
    pub fn running(&self) -> bool {
        self.lock().is_some()
    }

    /// The running job's latest progress.
    pub fn latest(&self) -> Option<P> {
        self.lock().as_ref().and_then(|(_, p)| p.clone())
    }

    /// Asks the running job to stop; false when none runs.
    pub fn cancel(&self) -> bool {
        match self.lock().as_ref() {
            Some((control, _)) => {
                control.cancel();
                true
            }
            None => false,
        }
    }
}

/// The slot, held by a running job; dropping it frees the slot.
pub struct Claim<P: Clone> {
    slot: Arc<Slot<P>>,
    control: Arc<Control>,
}

impl<P: Clone> Claim<P> {
    /// The job's cancel switch.
    pub fn control(&self) -> &Arc<Control> {
        &self.control
    }

    /// Keeps `progress` as the latest.
    pub fn record(&self, progress: &P) {
        if let Some((_, last)) = self.slot.lock().as_mut() {
            *last = Some(progress.clone());
        }
    }
}

impl<P: Clone> Drop for Claim<P> {
    fn drop(&mut self) {
        *self.slot.lock() = None;
    }
}

/// Passes on at most one update per interval (and every forced one: a phase change, the end).
#[derive(Debug)]
pub struct Throttle {
    every: Duration,
    last: Option<Instant>,
}

impl Throttle {
    /// At most `n` updates a second.
    pub fn per_second(n: u32) -> Self {
        Self { every: Duration::from_secs(1) / n.max(1), last: None }
    }

    /// Whether an update may go now.
    pub fn ready(&mut self, force: bool) -> bool {
        let due = self.last.is_none_or(|t| t.elapsed() >= self.every);
        if force || due {
            self.last = Some(Instant::now());
        }
        force || due
    }
}

/// Keeps a run's heartbeat (`runs.heartbeat_at`) fresh on its own timer while the run is alive,
/// not only when a batch commits: a run waiting on a slow remote call is never taken for dead by
/// another process. Dropping it stops the timer.
pub struct Heartbeat {
    stop: Arc<(Mutex<bool>, std::sync::Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Heartbeat {
    /// Beats every `every` for the run `run_id` (of `runs`) while it is running or paused.
    pub fn start(store: Store, run_id: String, every: Duration) -> Self {
        Self::beating(
            store,
            run_id,
            every,
            "UPDATE runs SET heartbeat_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
              WHERE id = ?1 AND state IN ('running', 'paused')",
        )
    }

    /// Beats every `every` by running `update` (one `?1`: the run's ID), for a run kept in a
    /// table of its own.
    pub fn beating(store: Store, run_id: String, every: Duration, update: &'static str) -> Self {
        let stop = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
        let signal = stop.clone();
        let thread = std::thread::Builder::new()
            .name("liaison-heartbeat".into())
            .spawn(move || {
                let (lock, wake) = &*signal;
                let mut stopped = lock.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    let (guard, _) = wake.wait_timeout(stopped, every).unwrap_or_else(|e| e.into_inner());
                    stopped = guard;
                    if *stopped {
                        return;
                    }
                    let beat = store.write(|tx| {
                        tx.execute(update, [&run_id])?;
                        Ok(())
                    });
                    if let Err(err) = beat {
                        tracing::warn!(
                            run = run_id.as_str(),
                            "the run's heartbeat could not be written: {}",
                            err.chain()
                        );
                    }
                }
            })
            .map_err(|e| tracing::warn!("the heartbeat thread could not start: {e}"))
            .ok();
        Self { stop, thread }
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        let (lock, wake) = &*self.stop;
        *lock.lock().unwrap_or_else(|e| e.into_inner()) = true;
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Which process holds a lease or runs a job: its machine and process ID, so a holder killed on
/// this machine is known to be gone at once instead of when its lease or heartbeat goes stale.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProcessId {
    pub host: String,
    pub pid: u32,
}

impl ProcessId {
    /// This process.
    pub fn this() -> Self {
        Self {
            host: hostname::get().map(|h| h.to_string_lossy().into_owned()).unwrap_or_default(),
            pid: std::process::id(),
        }
    }

    /// Whether the process is certainly gone: it ran on this machine and no process has its ID.
    /// When in doubt (another machine, no way to ask) it counts as alive.
    pub fn is_gone(&self) -> bool {
        let this = Self::this();
        if self.host != this.host || self.pid == this.pid || self.pid == 0 {
            return false;
        }
        #[cfg(target_os = "linux")]
        {
            // No /proc entry, or only a zombie's: the process has ended.
            match std::fs::read_to_string(format!("/proc/{}/stat", self.pid)) {
                Err(e) => e.kind() == std::io::ErrorKind::NotFound,
                Ok(stat) => stat.rsplit_once(") ").is_some_and(|(_, rest)| rest.starts_with('Z')),
            }
        }
        #[cfg(all(unix, not(target_os = "linux")))]
        {
            // `kill -0` asks whether the process exists; nothing is sent.
            std::process::Command::new("kill")
                .args(["-0", &self.pid.to_string()])
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| !s.success())
        }
        #[cfg(not(unix))]
        {
            false
        }
    }
}

/// Runs a job on a thread of its own with a single-threaded runtime: jobs hold a SQLite
/// connection across awaits, so their futures are not `Send`.
pub fn spawn<T, Fut>(name: &str, job: impl FnOnce() -> Fut + Send + 'static) -> Result<std::thread::JoinHandle<T>>
where
    T: Send + 'static,
    Fut: Future<Output = T>,
{
    std::thread::Builder::new()
        .name(format!("liaison-{name}"))
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a current-thread runtime builds (only fails when the OS refuses timers)");
            runtime.block_on(job())
        })
        .map_err(|e| Error::internal(msg!("job-thread-failed", job = name)).caused_by(e))
}

/// Waits for a job's thread to end; a job that panicked is reported, not propagated.
pub fn join<T>(handle: std::thread::JoinHandle<T>, job: &str) -> Result<T> {
    handle.join().map_err(|_| {
        tracing::error!(job, "a job's thread panicked");
        Error::internal(msg!("job-stopped-unexpectedly", job = job))
    })
}

/// The refusal when a job of the kind already runs.
pub fn busy(job: &str) -> Error {
    Error::new(ErrorCode::Conflict, msg!("job-already-running", job = job))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_holds_one_job_at_a_time_and_frees_itself_when_the_job_ends() {
        let slot: Arc<Slot<u32>> = Arc::default();
        let claim = slot.claim().expect("free");
        assert!(slot.claim().is_none(), "one at a time");
        claim.record(&7);
        assert_eq!(slot.latest(), Some(7));
        assert!(slot.cancel());
        assert!(claim.control().cancelled());
        drop(claim);
        assert!(!slot.running());
        assert!(!slot.cancel(), "nothing to cancel");
        assert!(slot.claim().is_some());
    }

    #[test]
    fn the_throttle_lets_one_update_through_per_interval_and_every_forced_one() {
        let mut throttle = Throttle::per_second(10);
        assert!(throttle.ready(false), "the first goes");
        assert!(!throttle.ready(false), "the next within 100 ms waits");
        assert!(throttle.ready(true), "a forced one always goes");
        std::thread::sleep(Duration::from_millis(110));
        assert!(throttle.ready(false));
    }

    #[test]
    fn the_heartbeat_beats_on_its_own_timer_and_stops_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&crate::Paths::in_dir(dir.path())).unwrap();
        store
            .write(|tx| {
                tx.execute(
                    "INSERT INTO runs (id, kind, state, started_at, heartbeat_at)
                     VALUES ('r1', 'sync', 'running', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z')",
                    [],
                )?;
                Ok(())
            })
            .unwrap();
        let beat = || -> String {
            store.read(|c| Ok(c.query_row("SELECT heartbeat_at FROM runs WHERE id = 'r1'", [], |r| r.get(0))?)).unwrap()
        };
        let heartbeat = Heartbeat::start(store.clone(), "r1".into(), Duration::from_millis(20));
        let started = Instant::now();
        while beat().starts_with("2020") {
            assert!(started.elapsed() < Duration::from_secs(5), "no beat without a batch commit");
            std::thread::sleep(Duration::from_millis(10));
        }
        drop(heartbeat);
        store
            .write(|tx| {
                tx.execute("UPDATE runs SET heartbeat_at = '2020-01-01T00:00:00Z' WHERE id = 'r1'", [])?;
                Ok(())
            })
            .unwrap();
        std::thread::sleep(Duration::from_millis(80));
        assert!(beat().starts_with("2020"), "a dropped heartbeat beats no more");
    }

    #[test]
    fn a_spawned_job_runs_a_non_send_future_to_its_end() {
        let handle = spawn("test", || async {
            let local = std::rc::Rc::new(2);
            tokio::task::yield_now().await;
            *local * 21
        })
        .unwrap();
        assert_eq!(handle.join().unwrap(), 42);
    }

    #[cfg(unix)]
    #[test]
    fn a_killed_process_on_this_machine_is_known_to_be_gone() {
        let mut child = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        let holder = ProcessId { pid: child.id(), ..ProcessId::this() };
        assert!(!holder.is_gone(), "a running process is not gone");
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(holder.is_gone());
        assert!(!ProcessId::this().is_gone(), "this process is alive");
        let elsewhere = ProcessId { host: "another-machine".into(), pid: holder.pid };
        assert!(!elsewhere.is_gone(), "a process on another machine cannot be asked about");
    }
}
