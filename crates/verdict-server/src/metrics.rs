//! Counters and histograms for `/metrics`, rendered in the Prometheus text
//! format by hand (a few families do not need a metrics crate).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency histogram buckets, seconds.
const BUCKETS: [f64; 14] = [
    0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Everything `/metrics` reports.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    outcomes: Mutex<BTreeMap<&'static str, u64>>,
    /// Requests waiting for a free slot.
    pub queued: AtomicI64,
    /// Jobs running on a slot.
    pub busy: AtomicI64,
    /// Requests admitted and not yet answered (queued or running).
    pub admitted: AtomicI64,
    /// Requests answered from another request's run.
    pub shared: AtomicU64,
    /// Requests refused because the queue was full.
    pub rejected: AtomicU64,
    /// Samples of `/v1/evaluate` batches judged.
    pub evaluated: AtomicU64,
}

impl Metrics {
    /// Counts one answered request of `endpoint` with `code`, taking `elapsed`.
    pub fn request(&self, endpoint: &str, code: u16, elapsed: Duration) {
        *lock(&self.requests)
            .entry((endpoint.to_string(), code))
            .or_default() += 1;
        let mut latency = lock(&self.latency);
        let histogram = latency.entry(endpoint.to_string()).or_default();
        let seconds = elapsed.as_secs_f64();
        for (count, bound) in histogram.counts.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *count += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    /// Counts one finished job by its outcome status.
    pub fn outcome(&self, status: &'static str) {
        *lock(&self.outcomes).entry(status).or_default() += 1;
    }

    /// The Prometheus text exposition of every metric; `slots` and `ready`
    /// describe the pool.
    pub fn render(&self, slots: usize, ready: bool, capacity: usize) -> String {
        let mut out = String::new();
        let gauge = |out: &mut String, name: &str, help: &str, value: i64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        };
        gauge(
            &mut out,
            "verdict_slots",
            "Sandbox slots (jobs that can run at once).",
            slots as i64,
        );
        gauge(
            &mut out,
            "verdict_ready",
            "1 when every slot is warm.",
            i64::from(ready),
        );
        gauge(
            &mut out,
            "verdict_queue_capacity",
            "Requests that may be queued or running at once.",
            capacity as i64,
        );
        gauge(
            &mut out,
            "verdict_queue_depth",
            "Requests waiting for a free slot.",
            self.queued.load(Ordering::Relaxed),
        );
        gauge(
            &mut out,
            "verdict_busy_slots",
            "Slots running a job.",
            self.busy.load(Ordering::Relaxed),
        );
        gauge(
            &mut out,
            "verdict_requests_in_flight",
            "Requests admitted and not yet answered.",
            self.admitted.load(Ordering::Relaxed),
        );
        let counter = |out: &mut String, name: &str, help: &str, value: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        };
        counter(
            &mut out,
            "verdict_shared_results_total",
            "Requests answered with another identical request's result.",
            self.shared.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "verdict_rejected_total",
            "Requests refused with 429 because the queue was full.",
            self.rejected.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "verdict_evaluated_samples_total",
            "Samples of /v1/evaluate batches judged.",
            self.evaluated.load(Ordering::Relaxed),
        );

        let _ = writeln!(
            out,
            "# HELP verdict_requests_total Requests answered, by endpoint and status code.\n# TYPE verdict_requests_total counter"
        );
        for ((endpoint, code), n) in lock(&self.requests).iter() {
            let _ = writeln!(
                out,
                "verdict_requests_total{{endpoint=\"{endpoint}\",code=\"{code}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP verdict_outcomes_total Jobs run, by outcome status.\n# TYPE verdict_outcomes_total counter"
        );
        for (status, n) in lock(&self.outcomes).iter() {
            let _ = writeln!(out, "verdict_outcomes_total{{status=\"{status}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "# HELP verdict_request_duration_seconds Time to answer a request (to the first byte for streams).\n# TYPE verdict_request_duration_seconds histogram"
        );
        for (endpoint, h) in lock(&self.latency).iter() {
            for (count, bound) in h.counts.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "verdict_request_duration_seconds_bucket{{endpoint=\"{endpoint}\",le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "verdict_request_duration_seconds_bucket{{endpoint=\"{endpoint}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "verdict_request_duration_seconds_sum{{endpoint=\"{endpoint}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "verdict_request_duration_seconds_count{{endpoint=\"{endpoint}\"}} {}",
                h.count
            );
        }
        out
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
