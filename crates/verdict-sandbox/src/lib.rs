//! Linux sandboxes for untrusted programs.
//!
//! A [`Slot`] is a sandbox built once — new user, PID, mount, network, IPC and
//! UTS namespaces, a read-only root showing only what the language needs,
//! size-limited tmpfs work and temp dirs, cgroups, an empty capability set,
//! `no_new_privs` and a [seccomp](seccomp) filter — with a long-lived worker as
//! PID 1 of its PID namespace. The layers above fork one job at a time from
//! that worker; this crate only builds, watches and destroys the sandbox.
//!
//! This is the only crate of verdict that contains `unsafe`: each block wraps
//! one system call and says why it is sound.

pub mod cgroup;
mod error;
pub mod fdpass;
mod init;
pub mod perf;
pub mod probe;
pub mod seccomp;
mod slot;
mod spec;
mod sys;

pub use cgroup::{CgroupHost, CgroupLimits, SlotCgroup};
pub use error::SandboxError;
pub use init::{CONTROL_FD, INIT_ARG, run_init_if_requested};
pub use slot::Slot;
pub use spec::{Bind, Isolation, SANDBOX_UID, SandboxSpec};
