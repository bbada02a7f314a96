//! What every handler shares: the configuration, the pool (once warm), the
//! admission queue in front of its slots, the shared-result table, the loaded
//! benchmarks and the metrics.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use verdict_eval::dataset::{Benchmark, TaskSet};
use verdict_exec::{Job, Outcome, Pool};

use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::share::{Share, SharedResult};

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct Config {
    /// Slots in the pool (jobs run at once).
    pub slots: usize,
    /// Requests that may wait for a slot beyond those running; past that, 429.
    pub queue: usize,
    /// Longest time a request may take, queueing included.
    pub deadline: Duration,
    /// Largest request body, bytes.
    pub body_limit: usize,
    /// A bearer token every request but `/healthz` must carry.
    pub token: Option<String>,
    /// How long a finished result is reused for identical requests (zero: never share).
    pub share_window: Duration,
    /// Largest memory limit a request may ask for (the slots' job memory), bytes.
    pub max_memory_bytes: u64,
    /// A local mirror of the benchmark files (else `$VERDICT_DATA_DIR`, then the cache).
    pub data_dir: Option<PathBuf>,
    /// Where EvalPlus expected outputs are cached.
    pub expected_cache: Option<PathBuf>,
}

/// The state behind the router; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    pool: OnceLock<Arc<Pool>>,
    slots: Arc<Semaphore>,
    metrics: Metrics,
    share: Share,
    draining: AtomicBool,
    benchmarks: Mutex<HashMap<Benchmark, Arc<TaskSet>>>,
}

impl AppState {
    /// A state with no pool yet: job endpoints answer 503 and `/healthz` is
    /// not ready until [`AppState::set_pool`].
    pub fn new(config: Config) -> AppState {
        let slots = Arc::new(Semaphore::new(config.slots.max(1)));
        let share = Share::new(config.share_window);
        AppState {
            inner: Arc::new(Inner {
                config,
                pool: OnceLock::new(),
                slots,
                metrics: Metrics::default(),
                share,
                draining: AtomicBool::new(false),
                benchmarks: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Hands over the warm pool; from now on jobs run.
    pub fn set_pool(&self, pool: Arc<Pool>) {
        let _ = self.inner.pool.set(pool);
    }

    /// Marks the server as draining: new job requests get 503.
    pub fn start_draining(&self) {
        self.inner.draining.store(true, Ordering::SeqCst);
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Runs `work` once for identical requests (see [`Share::run`]), counting
    /// the shared answers.
    pub async fn run_once<F, Fut>(&self, key: [u8; 32], work: F) -> (SharedResult, bool)
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = SharedResult>,
    {
        let (result, shared) = self.inner.share.run(key, work).await;
        if shared {
            self.inner.metrics.shared.fetch_add(1, Ordering::Relaxed);
        }
        (result, shared)
    }

    /// Whether every slot is warm.
    pub fn ready(&self) -> bool {
        self.inner.pool.get().is_some()
    }

    /// Requests that may be queued or running at once.
    pub fn capacity(&self) -> usize {
        self.inner.config.slots.max(1) + self.inner.config.queue
    }

    /// The pool, or 503 while it warms up.
    pub fn pool(&self) -> Result<Arc<Pool>, ApiError> {
        self.inner.pool.get().cloned().ok_or(ApiError::NotReady)
    }

    /// Admits a request that will run jobs, or refuses it at once (429) when
    /// the queue is full: a request is never left waiting for room.
    pub fn admit(&self) -> Result<Ticket, ApiError> {
        if self.inner.draining.load(Ordering::SeqCst) {
            return Err(ApiError::ShuttingDown);
        }
        self.pool()?;
        let metrics = &self.inner.metrics;
        let capacity = self.capacity() as i64;
        let admitted = metrics.admitted.fetch_add(1, Ordering::SeqCst) + 1;
        if admitted > capacity {
            metrics.admitted.fetch_sub(1, Ordering::SeqCst);
            metrics.rejected.fetch_add(1, Ordering::Relaxed);
            return Err(ApiError::Overloaded {
                capacity: capacity as usize,
                retry_after_s: 1,
            });
        }
        Ok(Ticket {
            state: self.clone(),
            deadline: Instant::now() + self.inner.config.deadline,
        })
    }

    /// Where this server reads `benchmark`'s problems file.
    pub fn problems_path(&self, benchmark: Benchmark) -> Result<std::path::PathBuf, String> {
        verdict_eval::data::resolve(benchmark, self.inner.config.data_dir.as_deref())
            .map_err(|e| e.to_string())
    }

    /// The tasks of `benchmark`, loaded once.
    pub fn tasks(&self, benchmark: Benchmark) -> Result<Arc<TaskSet>, String> {
        if let Some(tasks) = self
            .inner
            .benchmarks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&benchmark)
        {
            return Ok(tasks.clone());
        }
        let path = verdict_eval::data::resolve(benchmark, self.inner.config.data_dir.as_deref())
            .map_err(|e| e.to_string())?;
        let tasks = Arc::new(TaskSet::load(benchmark, &path).map_err(|e| e.to_string())?);
        self.inner
            .benchmarks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(benchmark, tasks.clone());
        Ok(tasks)
    }
}

/// An admitted request: holds its place in the queue until dropped, and
/// carries the request's deadline.
pub struct Ticket {
    state: AppState,
    deadline: Instant,
}

impl Ticket {
    /// The request's deadline.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Waits for a free slot (within the deadline), then runs `job` on it and
    /// returns its outcome. A deadline that passes while the job runs gives
    /// 504; the job itself still ends within its own limits.
    pub async fn run(&self, job: Job) -> Result<Outcome, ApiError> {
        let permit = self.slot().await?;
        let pool = self.state.pool()?;
        let state = self.state.clone();
        let running = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let _busy = Gauge::up(&state, |m| &m.busy);
            let outcome = pool.run(job);
            state.inner.metrics.outcome(outcome.status.name());
            outcome
        });
        match tokio::time::timeout_at(self.deadline.into(), running).await {
            Ok(Ok(outcome)) => Ok(outcome),
            Ok(Err(e)) => Err(ApiError::Internal(format!("running a job: {e}"))),
            Err(_) => Err(self.deadline_error()),
        }
    }

    /// Waits for a free slot (within the deadline), then runs `work` with
    /// the pool on a blocking thread: work that runs several jobs in turn on
    /// the one slot it holds (a compile and its runs, a program's cases).
    pub async fn run_with<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Pool) -> T + Send + 'static,
    {
        let permit = self.slot().await?;
        let pool = self.state.pool()?;
        let state = self.state.clone();
        let running = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let _busy = Gauge::up(&state, |m| &m.busy);
            work(&pool)
        });
        match tokio::time::timeout_at(self.deadline.into(), running).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(ApiError::Internal(format!("running a job: {e}"))),
            Err(_) => Err(self.deadline_error()),
        }
    }

    /// Waits for a free slot within the deadline; the permit holds it.
    pub async fn slot(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        let acquire = self.acquire();
        match tokio::time::timeout_at(self.deadline.into(), acquire).await {
            Ok(result) => result,
            Err(_) => Err(self.deadline_error()),
        }
    }

    /// Waits for a free slot however long it takes (a batch's samples, whose
    /// request has no overall deadline).
    pub async fn slot_unbounded(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        self.acquire().await
    }

    async fn acquire(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        let _queued = Gauge::up(&self.state, |m| &m.queued);
        self.state
            .inner
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ApiError::ShuttingDown)
    }

    /// Marks a slot busy for as long as the returned guard lives (for work
    /// that runs jobs itself, such as a batch sample).
    pub fn busy(&self) -> impl Drop + Send + 'static {
        Gauge::up(&self.state, |m| &m.busy)
    }

    fn deadline_error(&self) -> ApiError {
        ApiError::Deadline {
            deadline_ms: self.state.inner.config.deadline.as_millis() as u64,
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.state
            .inner
            .metrics
            .admitted
            .fetch_sub(1, Ordering::SeqCst);
    }
}

/// Adds one to a gauge of the metrics until dropped.
struct Gauge {
    state: AppState,
    gauge: fn(&Metrics) -> &AtomicI64,
}

impl Gauge {
    fn up(state: &AppState, gauge: fn(&Metrics) -> &AtomicI64) -> Gauge {
        gauge(&state.inner.metrics).fetch_add(1, Ordering::SeqCst);
        Gauge {
            state: state.clone(),
            gauge,
        }
    }
}

impl Drop for Gauge {
    fn drop(&mut self) {
        (self.gauge)(&self.state.inner.metrics).fetch_sub(1, Ordering::SeqCst);
    }
}
