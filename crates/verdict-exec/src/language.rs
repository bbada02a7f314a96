//! Language definitions: what a slot for a language looks like inside and
//! which warm worker runs as its PID 1.

use std::path::PathBuf;

use verdict_sandbox::{CgroupLimits, Isolation, SandboxSpec};

/// The Python fork server, embedded in the binary and written into each
/// slot's root.
pub const PYTHON_WORKER: &str = include_str!("python/worker.py");

/// A language verdict can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// CPython, run from a warm fork server.
    Python,
}

impl Language {
    /// Parses a language name or its usual short form.
    pub fn from_name(name: &str) -> Option<Language> {
        match name.to_ascii_lowercase().as_str() {
            "python" | "python3" | "py" => Some(Language::Python),
            _ => None,
        }
    }

    /// The canonical name.
    pub fn name(self) -> &'static str {
        match self {
            Language::Python => "python",
        }
    }

    /// The names accepted by [`Language::from_name`], for error messages.
    pub fn known_names() -> &'static str {
        "python (py)"
    }
}

/// Settings for the slots of one language.
#[derive(Debug, Clone)]
pub struct SlotSettings {
    /// The interpreter.
    pub python: PathBuf,
    /// Isolation level.
    pub isolation: Isolation,
    /// Memory a job may use; the slot's cgroup gets this plus the worker's.
    pub job_memory_bytes: u64,
    /// Processes a job may have; the slot's pids cgroup gets a few more.
    pub job_processes: u64,
    /// Size of `/work` and of `/tmp`.
    pub scratch_bytes: u64,
}

impl Default for SlotSettings {
    fn default() -> Self {
        SlotSettings {
            python: PathBuf::from("/usr/bin/python3"),
            isolation: Isolation::Namespaces,
            job_memory_bytes: 1 << 30,
            job_processes: 64,
            scratch_bytes: 64 << 20,
        }
    }
}

/// Memory the worker itself may need beyond a job's own.
const WORKER_MEMORY_BYTES: u64 = 256 << 20;

/// The sandbox spec of slot `slot` for `language`.
pub fn slot_spec(language: Language, slot: usize, settings: &SlotSettings) -> SandboxSpec {
    match language {
        Language::Python => {
            let mut files = SandboxSpec::default_etc_files();
            files.push((
                ".verdict/worker.py".into(),
                PYTHON_WORKER.as_bytes().to_vec(),
            ));
            SandboxSpec {
                isolation: settings.isolation,
                slot,
                binds: SandboxSpec::default_binds(),
                files,
                work_bytes: settings.scratch_bytes,
                tmp_bytes: settings.scratch_bytes,
                argv: vec![
                    settings.python.display().to_string(),
                    "-I".into(),
                    "-B".into(),
                    "{root}/.verdict/worker.py".into(),
                ],
                env: vec![
                    ("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()),
                    ("LANG".into(), "C.UTF-8".into()),
                    ("LC_ALL".into(), "C.UTF-8".into()),
                ],
                max_open_files: 1024,
                cgroup: Some(CgroupLimits {
                    memory_bytes: settings.job_memory_bytes + WORKER_MEMORY_BYTES,
                    pids: settings.job_processes + 16,
                }),
            }
        }
    }
}
