//! A fixed number of threads working through a list, for keeping every slot
//! of a pool busy.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Calls `work` on every item, from `threads` threads at once, and returns
/// when all are done.
pub fn for_each_parallel<T: Sync>(items: &[T], threads: usize, work: impl Fn(&T) + Sync) {
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1).min(items.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(index) else { break };
                    work(item);
                }
            });
        }
    });
}
