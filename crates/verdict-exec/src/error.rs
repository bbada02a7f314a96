//! Errors of the execution layer: verdict's own faults, never a program's.

use verdict_sandbox::SandboxError;

/// A failure to start or keep running the slots.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The sandbox could not be built.
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    /// A slot's worker did not come up.
    #[error("worker of slot {slot} did not start: {message}")]
    WorkerStart { slot: usize, message: String },
    /// The pool has been shut down.
    #[error("the slot pool is shut down")]
    ShutDown,
}
