//! Running jobs on warm sandboxed workers.
//!
//! A [`Pool`] keeps a few slots (sandboxes from `verdict-sandbox`), each with
//! a warm worker as PID 1. A [`Job`] goes to a free slot; the worker forks a
//! child for it; the outcome comes back as an [`Outcome`] whose [`Status`] is
//! data. Only verdict's own faults are errors ([`ExecError`]).

#![forbid(unsafe_code)]

mod capture;
mod error;
pub mod java;
pub mod job;
pub mod language;
mod marshal;
mod pool;
mod program;
mod runner;

pub use capture::CUT_MARKER;
pub use error::ExecError;
pub use job::{
    Artifact, Guard, Job, JobKind, Limits, Outcome, Status, TraceRequest, UnittestHarness,
};
pub use language::{Language, MemoryMode, Recipe, SlotEnvironment, SlotSettings};
pub use pool::{Pool, PoolConfig, RecordWatch};
pub use program::{Build, Prepared, Program, compile_limits};
pub use verdict_sandbox::Isolation;
