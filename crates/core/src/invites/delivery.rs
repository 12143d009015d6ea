//! Delivering the outbox as a job: one delivery at a time per process, started after invitations
//! are queued and, at every start of a front end, to finish what an interrupted delivery left
//! (queued messages go out; ones whose send was interrupted become uncertain, never resent).

use std::sync::Arc;

use super::outbox::{self, DeliveryProgress, DeliverySummary};
use crate::jobs::{self, Reporter, Slot, Throttle};
use crate::vault::Vault;
use crate::{Result, Workspace};

/// The delivery this process runs, if any.
pub type DeliverySlot = Slot<DeliveryProgress>;

/// Starts delivering the outbox on its own thread. `None` when a delivery is already going: it
/// picks up the newly queued messages before it ends.
pub fn start(
    ws: Workspace,
    vault: Arc<Vault>,
    slot: &Arc<DeliverySlot>,
    reporter: Arc<dyn Reporter<DeliveryProgress, DeliverySummary>>,
) -> Result<Option<std::thread::JoinHandle<()>>> {
    let Some(claim) = slot.claim() else { return Ok(None) };
    jobs::spawn("delivery", move || async move {
        let mut throttle = Throttle::per_second(10);
        let mut progress = |p: &DeliveryProgress| {
            claim.record(p);
            if throttle.ready(p.remaining == 0) {
                reporter.progress(p);
            }
        };
        let summary = outbox::deliver(&ws, &vault, &mut progress, claim.control().flag()).await.unwrap_or_else(|err| {
            tracing::warn!(code = err.code.as_str(), "invitation delivery failed: {}", err.chain());
            DeliverySummary::failed(err)
        });
        match outbox::finished_notice(ws.store(), &summary) {
            Ok(Some(notice)) => reporter.notice(&notice),
            Ok(None) => {}
            Err(err) => tracing::warn!("could not word the delivery notification: {}", err.chain()),
        }
        drop(claim);
        reporter.finished(&summary);
    })
    .map(Some)
}

/// Finishes an interrupted delivery: starts one when the outbox still holds queued messages or
/// ones whose send was interrupted. `None` when there is nothing to do or a delivery is going.
pub fn resume(
    ws: Workspace,
    vault: Arc<Vault>,
    slot: &Arc<DeliverySlot>,
    reporter: Arc<dyn Reporter<DeliveryProgress, DeliverySummary>>,
) -> Result<Option<std::thread::JoinHandle<()>>> {
    super::batches::recover_interrupted(ws.store())?;
    if !outbox::delivery_pending(ws.store())? {
        return Ok(None);
    }
    tracing::info!("resuming the delivery of queued invitations");
    start(ws, vault, slot, reporter)
}
