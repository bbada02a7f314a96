//! Running identical requests once. RL loops send the same completion many
//! times (a group of rollouts often repeats one); a request whose key (a hash
//! of its code, tests and limits) matches one in flight waits for that one's
//! result, and one matching a result finished within the window reuses it.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::error::ApiError;

/// A result as shared between requests.
pub type SharedResult = Result<Arc<Value>, ApiError>;

enum Entry {
    Running(watch::Receiver<Option<SharedResult>>),
    Done(Arc<Value>, Instant),
}

/// The table of results in flight and recently finished.
pub struct Share {
    window: Duration,
    entries: Mutex<HashMap<[u8; 32], Entry>>,
    /// The table size past which the next claim sweeps it.
    sweep_above: AtomicUsize,
}

/// Beyond this many entries, finished ones past the window are swept.
const SWEEP_ABOVE: usize = 1024;

impl Share {
    /// A table keeping finished results for `window`; a zero window turns
    /// sharing off altogether.
    pub fn new(window: Duration) -> Share {
        Share {
            window,
            entries: Mutex::new(HashMap::new()),
            sweep_above: AtomicUsize::new(SWEEP_ABOVE),
        }
    }

    /// The key of a request: a SHA-256 of the endpoint and the request's
    /// canonical JSON (defaults filled in, so equal requests hash equal).
    pub fn key(endpoint: &str, request: &Value) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(endpoint.as_bytes());
        hasher.update([0]);
        hasher.update(request.to_string().as_bytes());
        hasher.finalize().into()
    }

    /// Runs `work` unless an identical request is in flight or finished
    /// within the window; returns the result and whether it was shared.
    pub async fn run<F, Fut>(&self, key: [u8; 32], work: F) -> (SharedResult, bool)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = SharedResult>,
    {
        if self.window.is_zero() {
            return (work().await, false);
        }
        loop {
            let waiting = match self.claim(key) {
                Claim::Done(value) => return (Ok(value), true),
                Claim::Wait(receiver) => receiver,
                Claim::Lead(sender) => {
                    let leader = Leader {
                        share: self,
                        key,
                        sender: Some(sender),
                    };
                    let result = work().await;
                    leader.finish(&result);
                    return (result, false);
                }
            };
            if let Some(result) = wait(waiting).await {
                return (result, true);
            }
            // The leader went away (its client hung up): try again, perhaps
            // as the leader.
        }
    }

    fn claim(&self, key: [u8; 32]) -> Claim {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.get(&key) {
            Some(Entry::Done(value, at)) if at.elapsed() < self.window => {
                return Claim::Done(value.clone());
            }
            Some(Entry::Running(receiver)) => return Claim::Wait(receiver.clone()),
            _ => {}
        }
        if entries.len() > self.sweep_above.load(Ordering::Relaxed) {
            let (window, now) = (self.window, Instant::now());
            entries.retain(|_, e| !matches!(e, Entry::Done(_, at) if now - *at >= window));
            // Under a steady stream of distinct requests most entries are
            // still within the window; sweeping again only once the table
            // has doubled keeps the cost per request constant.
            self.sweep_above
                .store((entries.len() * 2).max(SWEEP_ABOVE), Ordering::Relaxed);
        }
        let (sender, receiver) = watch::channel(None);
        entries.insert(key, Entry::Running(receiver));
        Claim::Lead(sender)
    }
}

enum Claim {
    Done(Arc<Value>),
    Wait(watch::Receiver<Option<SharedResult>>),
    Lead(watch::Sender<Option<SharedResult>>),
}

async fn wait(mut receiver: watch::Receiver<Option<SharedResult>>) -> Option<SharedResult> {
    loop {
        if let Some(result) = receiver.borrow_and_update().clone() {
            return Some(result);
        }
        receiver.changed().await.ok()?;
    }
}

/// The request doing the work; if it is dropped before finishing, its entry
/// goes so that the waiting requests retry.
struct Leader<'a> {
    share: &'a Share,
    key: [u8; 32],
    sender: Option<watch::Sender<Option<SharedResult>>>,
}

impl Leader<'_> {
    fn finish(mut self, result: &SharedResult) {
        let mut entries = self.share.entries.lock().unwrap_or_else(|e| e.into_inner());
        match result {
            Ok(value) => entries.insert(self.key, Entry::Done(value.clone(), Instant::now())),
            Err(_) => entries.remove(&self.key),
        };
        drop(entries);
        if let Some(sender) = self.sender.take() {
            sender.send_replace(Some(result.clone()));
        }
    }
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        if self.sender.is_some() {
            self.share
                .entries
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn identical_requests_run_once() {
        let share = Arc::new(Share::new(Duration::from_secs(5)));
        let runs = Arc::new(AtomicUsize::new(0));
        let key = Share::key("run", &serde_json::json!({"code": "print(1)"}));
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let (share, runs) = (share.clone(), runs.clone());
            tasks.push(tokio::spawn(async move {
                share
                    .run(key, || async {
                        runs.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok(Arc::new(serde_json::json!(1)))
                    })
                    .await
            }));
        }
        let mut shared = 0;
        for task in tasks {
            let (result, was_shared) = task.await.unwrap();
            assert_eq!(*result.unwrap(), serde_json::json!(1));
            shared += usize::from(was_shared);
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(shared, 3);
        let (_, again) = share
            .run(key, || async { Ok(Arc::new(serde_json::json!(2))) })
            .await;
        assert!(again, "a result finished within the window is reused");
    }

    #[tokio::test]
    async fn finished_entries_past_the_window_are_swept() {
        let share = Share::new(Duration::from_nanos(1));
        for n in 0..5 * SWEEP_ABOVE {
            let key = Share::key("run", &serde_json::json!(n));
            let (_, shared) = share
                .run(key, || async { Ok(Arc::new(serde_json::json!(n))) })
                .await;
            assert!(!shared);
        }
        let len = share.entries.lock().unwrap().len();
        assert!(len <= SWEEP_ABOVE + 1, "{len} entries kept");
    }

    #[tokio::test]
    async fn errors_are_not_kept() {
        let share = Share::new(Duration::from_secs(5));
        let key = Share::key("run", &serde_json::json!(1));
        let (first, _) = share.run(key, || async { Err(ApiError::NotReady) }).await;
        assert!(first.is_err());
        let (second, shared) = share
            .run(key, || async { Ok(Arc::new(serde_json::json!(2))) })
            .await;
        assert!(second.is_ok() && !shared);
    }
}
