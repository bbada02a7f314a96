//! A pool of warm slots, one thread each, and a supervisor loop per slot that
//! replaces a slot whose worker dies, hangs or leaves a mess.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, bounded, unbounded};
use verdict_sandbox::{CgroupHost, Isolation, SandboxError, Slot};

use crate::error::ExecError;
use crate::job::{Job, Outcome, Status};
use crate::language::{Language, SlotSettings, slot_spec};
use crate::program::BuildCache;
use crate::runner::{await_ready, read_frame, run_job};

/// How a pool is set up.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// Number of slots (jobs run at once). About one per core is right.
    pub slots: usize,
    /// The language of every slot.
    pub language: Language,
    /// Slot settings (interpreter, isolation, sizes).
    pub settings: SlotSettings,
    /// A binary that runs the sandbox init helper (see
    /// `verdict_sandbox::run_init_if_requested`); usually the current one.
    pub init_program: PathBuf,
}

impl PoolConfig {
    /// A pool for `language` with one slot per core, run by the current
    /// binary.
    pub fn new(language: Language) -> PoolConfig {
        PoolConfig {
            slots: std::thread::available_parallelism().map_or(2, |n| n.get()),
            language,
            settings: SlotSettings::default(),
            init_program: std::env::current_exe()
                .unwrap_or_else(|_| PathBuf::from("/proc/self/exe")),
        }
    }
}

struct Request {
    job: Job,
    watch: Option<RecordWatch>,
    reply: Sender<Outcome>,
}

/// Looks at each harness record of a calls job as it arrives (the text
/// after the job's nonce, one input's result); `true` stops the job there.
/// Its caller then judges the records that came before the stop.
pub type RecordWatch = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// Warm slots serving jobs. `run` may be called from many threads at once;
/// each call waits for a free slot.
pub struct Pool {
    requests: Option<Sender<Request>>,
    threads: Vec<JoinHandle<()>>,
    isolation: Isolation,
    slots: usize,
    builds: Arc<BuildCache>,
}

impl Pool {
    /// Starts every slot and waits until their workers are warm. Fails if a
    /// slot cannot be built: verdict never runs half-isolated.
    pub fn start(config: PoolConfig) -> Result<Pool, ExecError> {
        let cgroups = match config.settings.isolation {
            Isolation::Namespaces => {
                let host = CgroupHost::detect()?;
                host.sweep_stale();
                Some(Arc::new(host))
            }
            Isolation::Process => None,
        };
        let builds = Arc::new(
            BuildCache::create(&crate::program::build_parent())
                .map_err(|e| ExecError::Sandbox(SandboxError::io("creating the build cache", e)))?,
        );
        let build_dir = builds.dir().to_path_buf();
        let (requests, queue) = unbounded::<Request>();
        let busy = Arc::new(Busy {
            slots: AtomicUsize::new(0),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        });
        let (ready_tx, ready_rx) = unbounded();
        let mut threads = Vec::new();
        for index in 0..config.slots.max(1) {
            let config = config.clone();
            let queue = queue.clone();
            let cgroups = cgroups.clone();
            let ready = ready_tx.clone();
            let build_dir = build_dir.clone();
            let busy = busy.clone();
            threads.push(std::thread::spawn(move || {
                slot_thread(
                    index,
                    &config,
                    cgroups.as_deref(),
                    &build_dir,
                    &queue,
                    &ready,
                    &busy,
                );
            }));
        }
        drop(ready_tx);
        let mut pool = Pool {
            requests: Some(requests),
            threads,
            isolation: config.settings.isolation,
            slots: config.slots.max(1),
            builds,
        };
        for _ in 0..config.slots.max(1) {
            match ready_rx.recv() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    pool.shutdown();
                    return Err(e);
                }
                Err(_) => {
                    pool.shutdown();
                    return Err(ExecError::ShutDown);
                }
            }
        }
        Ok(pool)
    }

    /// The isolation level of every slot.
    pub fn isolation(&self) -> Isolation {
        self.isolation
    }

    /// The pool's build cache.
    pub(crate) fn build_cache(&self) -> &BuildCache {
        &self.builds
    }

    /// The number of slots (jobs that can run at once).
    pub fn slots(&self) -> usize {
        self.slots
    }

    /// Runs one job on the next free slot and returns its outcome.
    pub fn run(&self, job: Job) -> Outcome {
        self.submit(job, None)
    }

    /// Runs a calls job, showing `watch` each record as it arrives: a job
    /// whose answer is known before its last input (a wrong output, for a
    /// caller comparing outputs) stops there instead of running on.
    pub fn run_watched(&self, job: Job, watch: RecordWatch) -> Outcome {
        self.submit(job, Some(watch))
    }

    fn submit(&self, job: Job, watch: Option<RecordWatch>) -> Outcome {
        let (reply, outcome) = bounded(1);
        let sent = self
            .requests
            .as_ref()
            .is_some_and(|r| r.send(Request { job, watch, reply }).is_ok());
        match sent {
            true => outcome.recv().unwrap_or_else(|_| {
                Outcome::sandbox_error(self.isolation.name(), "the slot thread stopped")
            }),
            false => Outcome::sandbox_error(self.isolation.name(), "the slot pool is shut down"),
        }
    }

    /// Stops accepting jobs, lets running ones finish and tears every slot
    /// down.
    pub fn shutdown(&mut self) {
        self.requests = None;
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// How long a freshly built slot has to say its worker is ready.
const WORKER_START_TIMEOUT: Duration = Duration::from_secs(20);

/// The same for a slot whose worker first imports a benchmark
/// environment's libraries (BigCodeBench's take ~15 s on an idle 2-core
/// machine, several times that while other slots start beside it).
const PRELOADING_WORKER_START_TIMEOUT: Duration = Duration::from_secs(180);

fn start_slot(
    index: usize,
    config: &PoolConfig,
    cgroups: Option<&CgroupHost>,
    build_dir: &Path,
) -> Result<Slot, ExecError> {
    let spec = slot_spec(config.language, index, &config.settings, Some(build_dir));
    let slot = Slot::spawn(&spec, &config.init_program, cgroups)?;
    let limit = if config.settings.environment.is_some() {
        PRELOADING_WORKER_START_TIMEOUT
    } else {
        WORKER_START_TIMEOUT
    };
    slot.control()
        .set_read_timeout(Some(limit))
        .map_err(|e| ExecError::Sandbox(SandboxError::io("setting a timeout", e)))?;
    let hello = read_frame(&slot).map_err(|e| ExecError::WorkerStart {
        slot: index,
        message: match e.kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                format!(
                    "the worker did not say it was ready within {} s",
                    limit.as_secs()
                )
            }
            _ => e.to_string(),
        },
    })?;
    slot.control()
        .set_read_timeout(None)
        .map_err(|e| ExecError::Sandbox(SandboxError::io("clearing a timeout", e)))?;
    if hello.get("ready") != Some(&serde_json::Value::Bool(true)) {
        return Err(ExecError::WorkerStart {
            slot: index,
            message: format!("unexpected greeting {hello}"),
        });
    }
    Ok(slot)
}

/// How many slots are running a job, against the CPUs there are.
struct Busy {
    slots: AtomicUsize,
    cpus: usize,
}

fn slot_thread(
    index: usize,
    config: &PoolConfig,
    cgroups: Option<&CgroupHost>,
    build_dir: &Path,
    queue: &Receiver<Request>,
    ready: &Sender<Result<(), ExecError>>,
    busy: &Busy,
) {
    let mut slot = match start_slot(index, config, cgroups, build_dir) {
        Ok(slot) => {
            let _ = ready.send(Ok(()));
            Some(slot)
        }
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let isolation = config.settings.isolation.name();
    for request in queue.iter() {
        if slot.as_mut().is_none_or(|s| !s.is_alive()) {
            // Tear the old slot down before building its replacement.
            drop(slot.take());
            slot = start_slot(index, config, cgroups, build_dir).ok();
        }
        let Some(current) = slot.as_ref() else {
            let _ = request.reply.send(Outcome::sandbox_error(
                isolation,
                "the slot could not be rebuilt",
            ));
            continue;
        };
        let mut ran = false;
        // This slot included: with fewer busy slots than CPUs, one is idle.
        let ahead = busy.slots.fetch_add(1, Ordering::Relaxed) + 1 < busy.cpus;
        let result = run_job(
            current,
            &request.job,
            request.watch.as_ref(),
            ahead,
            config.settings.count_instructions,
        );
        busy.slots.fetch_sub(1, Ordering::Relaxed);
        let outcome = match result {
            Ok(outcome) => {
                ran = true;
                outcome
            }
            Err(failure) => {
                // Kill first: a dead worker may be the job's fault (the slot's
                // OOM killer), which the cgroup tells us.
                let oom = current.cgroup().map_or(0, |c| c.oom_kills());
                slot = None;
                let mut outcome = Outcome::sandbox_error(isolation, failure.0);
                if oom > 0 {
                    outcome.status = Status::MemoryLimit;
                }
                outcome
            }
        };
        let _ = request.reply.send(outcome);
        // The caller has its outcome; now the worker's cleanup. A job that
        // left files the worker could not remove spoils the slot for the
        // next one (its own outcome stands): the slot is rebuilt.
        if ran && slot.as_ref().is_some_and(|s| await_ready(s).is_err()) {
            slot = None;
        }
    }
}
