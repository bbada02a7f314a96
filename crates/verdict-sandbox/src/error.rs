//! The one error type of the sandbox crate: every variant names the operation
//! that failed and the thing (path, pid, step) it failed on.

use std::io;
use std::path::PathBuf;

/// A failure of verdict's own isolation machinery. A program that crashes,
/// overruns or misbehaves inside a sandbox is *not* an error; it is reported
/// as data by the layers above.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The host lacks a kernel feature the requested isolation level needs.
    #[error("{what} is not available on this host: {why}")]
    Unsupported { what: String, why: String },

    /// A cgroup file or directory could not be created, written or removed.
    #[error("{op} cgroup `{path}`: {source}")]
    Cgroup {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// The sandbox init helper could not be started.
    #[error("starting the sandbox init helper `{program}`: {source}")]
    SpawnHelper {
        program: PathBuf,
        #[source]
        source: io::Error,
    },

    /// A step of building the sandbox failed; the sandbox was torn down.
    #[error("setting up the sandbox failed at step `{step}`: {message}")]
    Setup { step: String, message: String },

    /// Talking to a running slot failed.
    #[error("{op} on the control channel of slot {slot}: {source}")]
    Channel {
        op: &'static str,
        slot: usize,
        #[source]
        source: io::Error,
    },

    /// Any other system call failed.
    #[error("{op}: {source}")]
    Io {
        op: String,
        #[source]
        source: io::Error,
    },
}

impl SandboxError {
    /// An `Io` error for operation `op`.
    pub fn io(op: impl Into<String>, source: io::Error) -> Self {
        SandboxError::Io {
            op: op.into(),
            source,
        }
    }
}
