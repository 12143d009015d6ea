//! What a workspace's connectors share about the remote systems they talk to: one budget per
//! remote instance and the access tokens of its clients. It lives in the workspace, not in the
//! process, so two workspaces (or two sandboxes in one test run) never throttle each other or
//! reuse each other's tokens.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use secrecy::SecretString;

use super::Budget;

/// Whose token: the instance (base URL), the client ID and the SHA-256 of the secret, so a
/// changed secret is always proven afresh.
pub type TokenKey = (String, String, [u8; 32]);

/// Budgets and cached access tokens of one workspace's remote systems.
#[derive(Debug, Default)]
pub struct Remotes {
    budgets: Mutex<HashMap<String, Arc<Budget>>>,
    tokens: Mutex<HashMap<TokenKey, (SecretString, Instant)>>,
}

/// A poisoned lock only means another thread panicked mid-update; the maps stay usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Remotes {
    /// The budget of one remote instance (e.g. one Marketo subscription), shared by every client
    /// and job of this workspace, so that together they stay within the instance's limits.
    pub fn budget(&self, key: &str, make: impl FnOnce() -> Arc<Budget>) -> Arc<Budget> {
        lock(&self.budgets).entry(key.to_owned()).or_insert_with(make).clone()
    }

    /// Sets the budget of one remote instance (for an instance whose clock runs faster than ours:
    /// the built-in sandbox under time scaling keeps its limits in its own time).
    pub fn set_budget(&self, key: &str, budget: Arc<Budget>) {
        lock(&self.budgets).insert(key.to_owned(), budget);
    }

    /// A cached access token that is still valid.
    pub fn token(&self, key: &TokenKey) -> Option<SecretString> {
        lock(&self.tokens).get(key).filter(|(_, until)| Instant::now() < *until).map(|(t, _)| t.clone())
    }

    /// Caches an access token until `until`.
    pub fn keep_token(&self, key: TokenKey, token: SecretString, until: Instant) {
        lock(&self.tokens).insert(key, (token, until));
    }

    /// Drops a cached token (the remote rejected it).
    pub fn forget_token(&self, key: &TokenKey) {
        lock(&self.tokens).remove(key);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn budgets_are_shared_per_instance() {
        let remotes = Remotes::default();
        let a = remotes.budget("marketo:https://1.example", || Budget::new("m", 10, 100, Duration::from_secs(20)));
        let b = remotes.budget("marketo:https://1.example", || Budget::new("m", 1, 1, Duration::from_secs(1)));
        let c = remotes.budget("marketo:https://2.example", || Budget::new("m", 10, 100, Duration::from_secs(20)));
        assert!(Arc::ptr_eq(&a, &b) && !Arc::ptr_eq(&a, &c));
    }

    #[test]
    fn expired_and_forgotten_tokens_are_not_served() {
        let remotes = Remotes::default();
        let key: TokenKey = ("https://1.example".into(), "id".into(), [0; 32]);
        remotes.keep_token(key.clone(), SecretString::from("old"), Instant::now());
        assert!(remotes.token(&key).is_none());
        remotes.keep_token(key.clone(), SecretString::from("t"), Instant::now() + Duration::from_secs(60));
        assert_eq!(remotes.token(&key).unwrap().expose_secret(), "t");
        remotes.forget_token(&key);
        assert!(remotes.token(&key).is_none());
    }
}
