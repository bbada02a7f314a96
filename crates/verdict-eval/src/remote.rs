//! Judging on `verdict serve` servers instead of a local pool (`verdict eval
//! --remote URL[,URL...]`).
//!
//! The samples are cut into chunks of consecutive samples, queued in input
//! order. Each server gets a few streams (threads, each with at most one
//! request in flight); a stream takes the next chunk, sends it to its server's
//! `POST /v1/evaluate` and hands each row on as its NDJSON line arrives. A
//! server that judges faster comes back for chunks sooner, so the work goes to
//! the least-loaded servers by itself.
//!
//! Nothing is lost or written twice: a row is handed on only the first time
//! its sample arrives, and whatever a request did not deliver goes back to the
//! front of the queue for any stream to take. A 429 or 503 puts the chunk back
//! and pauses that stream for the answer's `Retry-After`; a server that cannot
//! be reached or drops the connection mid-stream puts the rest of the chunk
//! back and is retried with exponential backoff, and after
//! [`MAX_FAILURES`] failures in a row its streams retire. Judging fails only
//! when every stream has retired with work left, or a server refuses the batch
//! itself (a 4xx other than 429: a bad token, a benchmark it does not have).

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::dataset::Benchmark;
use crate::results::ResultRow;
use crate::runner::{EvalError, Judging, Pending};

/// Failures in a row (connection refused or reset, a 5xx, a cut stream) after
/// which a stream stops using its server: with the backoff, about 24 s.
pub const MAX_FAILURES: u32 = 8;

/// Longest pause a `Retry-After` may ask for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// How to reach the servers.
#[derive(Debug, Clone)]
pub struct RemoteOptions {
    /// Base URLs of the servers (`http://host:8080`).
    pub servers: Vec<String>,
    /// A bearer token sent to every server.
    pub token: Option<String>,
    /// Samples per request.
    pub chunk: usize,
    /// Requests in flight per server.
    pub streams: usize,
    /// The time limit of check()-style samples, milliseconds (default: the
    /// server's, which is the benchmark's).
    pub time_limit_ms: Option<u64>,
}

/// Why remote judging failed.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// A server refused the request itself (not for load): a 4xx other than 429.
    #[error("server {url} refused the batch ({status}): {message}")]
    Refused {
        /// The server.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The error message of its answer.
        message: String,
    },
    /// A server sent a line that is not a row or the summary.
    #[error("server {url} sent a line that is not a result row: {line}")]
    BadLine {
        /// The server.
        url: String,
        /// The line (clipped).
        line: String,
    },
    /// Every server failed repeatedly with samples still unjudged.
    #[error(
        "every server failed {MAX_FAILURES} times in a row with {left} samples left; last error: {last}"
    )]
    NoServer {
        /// Samples not judged.
        left: usize,
        /// The last failure seen.
        last: String,
    },
}

/// Judging on `verdict serve` servers (see the module docs).
pub struct RemoteJudging {
    options: RemoteOptions,
    benchmark: Benchmark,
    agent: ureq::Agent,
    warn: Box<dyn Fn(&str) + Send + Sync>,
}

impl RemoteJudging {
    /// Judging of `benchmark` samples on the servers of `options`.
    pub fn new(benchmark: Benchmark, options: RemoteOptions) -> RemoteJudging {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(10))
            // The first bytes of an answer may wait for a server to compute
            // expected outputs; a silent server is given up after this.
            .timeout_read(Duration::from_secs(15 * 60))
            .build();
        RemoteJudging {
            options,
            benchmark,
            agent,
            warn: Box::new(|_| {}),
        }
    }

    /// Calls `warn` with a line of text when a server fails (and its samples
    /// are re-sent) or is given up on.
    pub fn with_warnings(mut self, warn: impl Fn(&str) + Send + Sync + 'static) -> RemoteJudging {
        self.warn = Box::new(warn);
        self
    }
}

impl Judging for RemoteJudging {
    fn judge(
        &self,
        samples: &[Pending<'_>],
        stop: &AtomicBool,
        done: &(dyn Fn(usize, ResultRow) + Sync),
    ) -> Result<(), EvalError> {
        let streams = self.options.servers.len() * self.options.streams.max(1);
        // A small batch is cut finer, so that every stream gets some of it.
        let chunk = self
            .options
            .chunk
            .min(samples.len().div_ceil(streams))
            .max(1);
        let positions: Vec<usize> = (0..samples.len()).collect();
        let chunks = positions.chunks(chunk).map(<[usize]>::to_vec);
        let queue = Queue::new(chunks.collect(), streams);
        let delivered: Vec<AtomicBool> = samples.iter().map(|_| AtomicBool::new(false)).collect();
        let batch = Delivery {
            samples,
            delivered: &delivered,
            done,
            stop,
        };
        std::thread::scope(|scope| {
            // Started server by server in turn, so that the first chunks go
            // round the servers.
            for _ in 0..self.options.streams.max(1) {
                for url in &self.options.servers {
                    let (queue, batch) = (&queue, &batch);
                    scope.spawn(move || self.stream(url.trim_end_matches('/'), queue, batch));
                }
            }
        });
        match queue.into_error() {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }
}

/// What the streams share about the batch.
struct Delivery<'a, 'b> {
    samples: &'a [Pending<'b>],
    delivered: &'a [AtomicBool],
    done: &'a (dyn Fn(usize, ResultRow) + Sync),
    stop: &'a AtomicBool,
}

impl Delivery<'_, '_> {
    /// Hands on the row of sample `position` unless it was already handed on.
    fn deliver(&self, position: usize, row: ResultRow) {
        if !self.delivered[position].swap(true, Ordering::SeqCst) {
            (self.done)(self.samples[position].index, row);
        }
    }

    /// The positions of `chunk` not delivered yet.
    fn undelivered(&self, chunk: &[usize]) -> Vec<usize> {
        chunk
            .iter()
            .copied()
            .filter(|&p| !self.delivered[p].load(Ordering::SeqCst))
            .collect()
    }
}

/// How one request ended.
enum Sent {
    /// Every sample of the chunk was delivered (or judging stopped).
    Finished,
    /// The server is full: try again after the pause.
    Busy(Duration),
    /// The server could not be reached or went away.
    Gone(String),
    /// The server refused the batch; judging cannot go on.
    Fatal(RemoteError),
}

impl RemoteJudging {
    /// One stream: takes chunks and sends them to `url` until the queue is
    /// done, judging stops, or the server failed too often.
    fn stream(&self, url: &str, queue: &Queue, batch: &Delivery<'_, '_>) {
        let mut failures = 0;
        while let Some(chunk) = queue.take(batch.stop) {
            let sent = self.send(url, &chunk, batch);
            let rest = batch.undelivered(&chunk);
            let back = rest.len();
            queue.put_back(rest);
            match sent {
                Sent::Finished => failures = 0,
                Sent::Busy(pause) => queue.pause(pause, batch.stop),
                Sent::Gone(error) => {
                    failures += 1;
                    if failures >= MAX_FAILURES {
                        (self.warn)(&format!(
                            "server {url}: {error}; giving up on it after {failures} failures in a row"
                        ));
                        queue.retire(Some(format!("{url}: {error}")));
                        return;
                    }
                    let pause = backoff(failures);
                    (self.warn)(&format!(
                        "server {url}: {error}; {back} of the request's {} samples are re-sent, \
                         this stream retries in {:.1} s",
                        chunk.len(),
                        pause.as_secs_f64()
                    ));
                    queue.pause(pause, batch.stop);
                }
                Sent::Fatal(error) => {
                    queue.fail(error);
                    return;
                }
            }
        }
        queue.retire(None);
    }

    /// Sends `chunk` to `url` and delivers the rows as they arrive.
    fn send(&self, url: &str, chunk: &[usize], batch: &Delivery<'_, '_>) -> Sent {
        let samples: Vec<&Map<String, Value>> = chunk
            .iter()
            .map(|&p| &batch.samples[p].sample.fields)
            .collect();
        let mut body = json!({ "benchmark": self.benchmark.name(), "samples": samples, "k": [1] });
        if let Some(ms) = self.options.time_limit_ms {
            body["time_limit_ms"] = json!(ms);
        }
        let mut request = self
            .agent
            .post(&format!("{url}/v1/evaluate"))
            .set("Content-Type", "application/json");
        if let Some(token) = &self.options.token {
            request = request.set("Authorization", &format!("Bearer {token}"));
        }
        let response = match request.send_string(&body.to_string()) {
            Ok(response) => response,
            Err(ureq::Error::Status(429 | 503, response)) => {
                return Sent::Busy(retry_after(&response).unwrap_or(Duration::from_secs(1)));
            }
            Err(ureq::Error::Status(status, response)) if status >= 500 => {
                return Sent::Gone(format!("answered {status}: {}", error_message(response)));
            }
            Err(ureq::Error::Status(status, response)) => {
                return Sent::Fatal(RemoteError::Refused {
                    url: url.to_string(),
                    status,
                    message: error_message(response),
                });
            }
            Err(ureq::Error::Transport(e)) => return Sent::Gone(e.to_string()),
        };
        let mut lines = BufReader::new(response.into_reader());
        let mut line = String::new();
        loop {
            if batch.stop.load(Ordering::SeqCst) {
                // Dropping the connection tells the server to start no more
                // samples of this chunk; those not delivered stay unjudged.
                return Sent::Finished;
            }
            line.clear();
            match lines.read_line(&mut line) {
                Ok(0) => return Sent::Gone("the stream was cut before its summary".into()),
                Ok(_) if !line.ends_with('\n') => {
                    return Sent::Gone("the stream was cut mid-line".into());
                }
                Ok(_) => {}
                Err(e) => return Sent::Gone(format!("the stream was cut: {e}")),
            }
            match parse_line(&line, chunk.len()) {
                Some(Line::Row(index, row)) => batch.deliver(chunk[index], *row),
                Some(Line::Summary) => {
                    return if batch.undelivered(chunk).is_empty() {
                        Sent::Finished
                    } else {
                        Sent::Gone("the summary came before every row".into())
                    };
                }
                None => {
                    return Sent::Fatal(RemoteError::BadLine {
                        url: url.to_string(),
                        line: line.chars().take(200).collect(),
                    });
                }
            }
        }
    }
}

enum Line {
    Row(usize, Box<ResultRow>),
    Summary,
}

/// A line of `/v1/evaluate`'s answer: `{"index", "row"}` or `{"summary"}`.
fn parse_line(line: &str, chunk_len: usize) -> Option<Line> {
    let value: Value = serde_json::from_str(line).ok()?;
    if value.get("summary").is_some() {
        return Some(Line::Summary);
    }
    let index = usize::try_from(value.get("index")?.as_u64()?).ok()?;
    if index >= chunk_len {
        return None;
    }
    let Value::Object(fields) = value.get("row")?.clone() else {
        return None;
    };
    // The server's row is the whole row as written (input fields and the
    // added ones in place); kept as the fields, the added keys are replaced
    // where they stand when the row is written again.
    let row = ResultRow {
        passed: fields.get("passed")?.as_bool()?,
        result: fields.get("result")?.as_str()?.to_string(),
        status: fields.get("status")?.as_str()?.to_string(),
        details: fields.get("details").cloned(),
        fields,
    };
    Some(Line::Row(index, Box::new(row)))
}

fn retry_after(response: &ureq::Response) -> Option<Duration> {
    let seconds: u64 = response.header("Retry-After")?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds).min(MAX_RETRY_AFTER))
}

fn error_message(response: ureq::Response) -> String {
    let text = response.into_string().unwrap_or_default();
    serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
        .unwrap_or(text)
}

/// 250 ms after the first failure, doubling up to 8 s, with up to a quarter
/// more at random so that streams of one server do not retry in step.
fn backoff(failures: u32) -> Duration {
    let base = Duration::from_millis(250) * 2u32.pow(failures.saturating_sub(1).min(5));
    let jitter = rand::random::<f64>() * 0.25;
    base.mul_f64(1.0 + jitter)
}

/// The chunks not yet sent, shared by the streams.
struct Queue {
    state: Mutex<QueueState>,
    changed: Condvar,
}

struct QueueState {
    chunks: VecDeque<Vec<usize>>,
    in_flight: usize,
    streams: usize,
    last_failure: String,
    error: Option<RemoteError>,
}

impl QueueState {
    fn finished(&self) -> bool {
        self.error.is_some() || (self.chunks.is_empty() && self.in_flight == 0)
    }
}

impl Queue {
    fn new(chunks: VecDeque<Vec<usize>>, streams: usize) -> Queue {
        Queue {
            state: Mutex::new(QueueState {
                chunks,
                in_flight: 0,
                streams,
                last_failure: String::new(),
                error: None,
            }),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next chunk, waiting while others are in flight (their samples may
    /// come back); `None` when everything is judged, judging failed or stops.
    fn take(&self, stop: &AtomicBool) -> Option<Vec<usize>> {
        let mut state = self.lock();
        loop {
            if state.finished() || stop.load(Ordering::SeqCst) {
                return None;
            }
            if let Some(chunk) = state.chunks.pop_front() {
                state.in_flight += 1;
                return Some(chunk);
            }
            // A timeout, so that a stop request is seen.
            state = self
                .changed
                .wait_timeout(state, Duration::from_millis(100))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Ends a taken chunk, queueing `rest` (its undelivered samples) first.
    fn put_back(&self, rest: Vec<usize>) {
        let mut state = self.lock();
        state.in_flight -= 1;
        if !rest.is_empty() {
            state.chunks.push_front(rest);
        }
        self.changed.notify_all();
    }

    /// Waits `pause`, or less if judging ends meanwhile.
    fn pause(&self, pause: Duration, stop: &AtomicBool) {
        let until = Instant::now() + pause;
        let mut state = self.lock();
        while !state.finished() && !stop.load(Ordering::SeqCst) {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            state = self
                .changed
                .wait_timeout(state, left.min(Duration::from_millis(100)))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// A stream ends: `failure` says why when its server failed too often.
    /// The last stream to end by failure with work left fails judging (one
    /// that ends otherwise with work left was stopped).
    fn retire(&self, failure: Option<String>) {
        let mut state = self.lock();
        state.streams -= 1;
        let failed = failure.is_some();
        if let Some(failure) = failure {
            state.last_failure = failure;
        }
        if failed && state.streams == 0 && !state.finished() {
            let left = state.chunks.iter().map(Vec::len).sum();
            if left > 0 {
                state.error = Some(RemoteError::NoServer {
                    left,
                    last: state.last_failure.clone(),
                });
            }
        }
        self.changed.notify_all();
    }

    /// Judging cannot go on.
    fn fail(&self, error: RemoteError) {
        let mut state = self.lock();
        state.streams -= 1;
        state.error.get_or_insert(error);
        self.changed.notify_all();
    }

    fn into_error(self) -> Option<RemoteError> {
        self.state
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_rows_or_the_summary() {
        let row = r#"{"index":1,"row":{"task_id":"T/0","passed":true,"result":"passed","status":"passed"}}"#;
        match parse_line(row, 2) {
            Some(Line::Row(1, row)) => {
                assert!(row.passed);
                assert_eq!(row.status, "passed");
                assert_eq!(
                    serde_json::to_string(&row.to_json()).unwrap(),
                    r#"{"task_id":"T/0","passed":true,"result":"passed","status":"passed"}"#,
                    "written back unchanged"
                );
            }
            _ => panic!("not a row"),
        }
        assert!(matches!(
            parse_line(r#"{"summary":{}}"#, 2),
            Some(Line::Summary)
        ));
        assert!(parse_line(row, 1).is_none(), "index outside the chunk");
        assert!(parse_line(r#"{"index":0,"row":{"passed":true}}"#, 1).is_none());
        assert!(parse_line("{", 1).is_none());
    }

    #[test]
    fn a_chunk_put_back_is_taken_first() {
        let stop = AtomicBool::new(false);
        let queue = Queue::new(VecDeque::from([vec![0, 1], vec![2, 3]]), 1);
        let first = queue.take(&stop).unwrap();
        queue.put_back(vec![first[1]]);
        assert_eq!(queue.take(&stop), Some(vec![1]));
        queue.put_back(Vec::new());
        assert_eq!(queue.take(&stop), Some(vec![2, 3]));
        queue.put_back(Vec::new());
        assert_eq!(queue.take(&stop), None, "all delivered");
        queue.retire(None);
        assert!(queue.into_error().is_none());
    }

    #[test]
    fn the_last_stream_to_retire_with_work_left_fails() {
        let queue = Queue::new(VecDeque::from([vec![0, 1, 2]]), 2);
        queue.retire(Some("a: refused".into()));
        queue.retire(Some("b: reset".into()));
        match queue.into_error() {
            Some(RemoteError::NoServer { left: 3, last }) => assert_eq!(last, "b: reset"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn streams_stopped_with_work_left_are_no_failure() {
        let stop = AtomicBool::new(true);
        let queue = Queue::new(VecDeque::from([vec![0, 1, 2]]), 2);
        assert_eq!(queue.take(&stop), None);
        queue.retire(Some("a: refused".into()));
        queue.retire(None);
        assert!(queue.into_error().is_none());
    }

    #[test]
    fn backoff_grows_to_a_cap() {
        assert!(backoff(1) < Duration::from_millis(320));
        assert!(backoff(3) >= Duration::from_secs(1));
        assert!(backoff(20) <= Duration::from_secs(10));
    }
}
