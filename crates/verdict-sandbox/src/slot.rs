//! The supervisor's side of a slot: starting its init helper, holding the
//! control channel to the worker inside, and tearing the whole sandbox down.

use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::cgroup::{CgroupHost, SlotCgroup};
use crate::init::{CONTROL_FD, INIT_ARG};
use crate::spec::{Isolation, SandboxSpec};
use crate::{SandboxError, sys};

/// One running sandbox with its worker as PID 1. Dropping it kills every
/// process inside and removes its cgroups and directories.
#[derive(Debug)]
pub struct Slot {
    id: usize,
    isolation: Isolation,
    helper: Child,
    worker_pid: i32,
    control: UnixStream,
    cgroup: Option<SlotCgroup>,
    private_dir: Option<PathBuf>,
}

impl Slot {
    /// Builds a sandbox from `spec` and starts its worker.
    ///
    /// `init_program` is a binary that calls
    /// [`run_init_if_requested`](crate::run_init_if_requested) first in
    /// `main` (usually the running binary itself). With
    /// [`Isolation::Namespaces`], `cgroups` must be given.
    ///
    /// The helper dies with the thread that spawned it (`PR_SET_PDEATHSIG`),
    /// so spawn slots from threads that live as long as the slots do.
    pub fn spawn(
        spec: &SandboxSpec,
        init_program: &Path,
        cgroups: Option<&CgroupHost>,
    ) -> Result<Slot, SandboxError> {
        let mut spec = spec.clone();
        let name = format!("slot-{}-{}", spec.slot, unique_suffix());
        let cgroup = match (spec.isolation, cgroups, spec.cgroup) {
            (Isolation::Namespaces, Some(host), Some(limits)) => {
                Some(SlotCgroup::create(host, &name, limits)?)
            }
            (Isolation::Namespaces, None, _) => {
                return Err(SandboxError::Unsupported {
                    what: "namespace isolation".into(),
                    why: "no cgroup hierarchy was given to hold the slot".into(),
                });
            }
            _ => None,
        };
        let private_dir = match spec.isolation {
            Isolation::Process => Some(make_private_dir(&name)?),
            Isolation::Namespaces => None,
        };
        add_standard_env(&mut spec, private_dir.as_deref());
        let (ours, theirs) =
            UnixStream::pair().map_err(|e| SandboxError::io("creating the control socket", e))?;
        let theirs_fd = theirs.as_raw_fd();
        let mut command = Command::new(init_program);
        command
            .arg(INIT_ARG)
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        // SAFETY: the closure only makes async-signal-safe system calls
        // (prctl, setsid, dup2, fcntl) in the forked child before exec.
        unsafe {
            command.pre_exec(move || {
                sys::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong)?;
                // A session of its own: a Ctrl-C at verdict's terminal must
                // reach verdict (which drains and writes results), not the
                // slots running the jobs in flight.
                if libc::setsid() < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                if theirs_fd == CONTROL_FD {
                    if libc::fcntl(theirs_fd, libc::F_SETFD, 0) < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                } else if libc::dup2(theirs_fd, CONTROL_FD) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut helper = command.spawn().map_err(|e| SandboxError::SpawnHelper {
            program: init_program.into(),
            source: e,
        })?;
        drop(theirs);
        let procs = cgroup.as_ref().map(|c| c.procs_files()).unwrap_or_default();
        let mut stdin = helper.stdin.take().expect("piped stdin");
        let written = spec.encode(&mut stdin, &procs).and_then(|()| stdin.flush());
        drop(stdin);
        let mut line = String::new();
        let stdout = helper.stdout.take().expect("piped stdout");
        let read = BufReader::new(stdout).read_line(&mut line);
        let setup_failed = |message: String| {
            let (step, message) = match message.split_once(": ") {
                Some((s, m)) => (s.to_string(), m.to_string()),
                None => ("starting the helper".to_string(), message),
            };
            SandboxError::Setup { step, message }
        };
        let worker_pid = match (written, read, line.trim_end().split_once(' ')) {
            (Ok(()), Ok(_), Some(("ready", pid))) => pid.parse().unwrap_or(0),
            (_, _, Some(("error", message))) => {
                let _ = helper.wait();
                return Err(setup_failed(message.to_string()));
            }
            (written, read, _) => {
                let _ = helper.kill();
                let status = helper.wait();
                let why = written
                    .err()
                    .or(read.err())
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| {
                        format!("the helper exited ({status:?}) without saying why")
                    });
                return Err(setup_failed(why));
            }
        };
        Ok(Slot {
            id: spec.slot,
            isolation: spec.isolation,
            helper,
            worker_pid,
            control: ours,
            cgroup,
            private_dir,
        })
    }

    /// The slot's index.
    pub fn id(&self) -> usize {
        self.id
    }

    /// The isolation level the slot runs at.
    pub fn isolation(&self) -> Isolation {
        self.isolation
    }

    /// The supervisor's end of the control socket; the worker has the other
    /// end as file descriptor 3.
    pub fn control(&self) -> &UnixStream {
        &self.control
    }

    /// The slot's cgroups, when it has them.
    pub fn cgroup(&self) -> Option<&SlotCgroup> {
        self.cgroup.as_ref()
    }

    /// The worker's pid as the host sees it.
    pub fn worker_pid(&self) -> i32 {
        self.worker_pid
    }

    /// Whether the worker (and so the sandbox) is still running.
    pub fn is_alive(&mut self) -> bool {
        matches!(self.helper.try_wait(), Ok(None))
    }

    /// Kills every process of the slot and waits for the helper.
    pub fn kill(&mut self) {
        if let Some(cgroup) = &self.cgroup {
            cgroup.kill_all();
        }
        if self.is_alive() && self.worker_pid > 0 {
            match self.isolation {
                // PID 1 dying takes its whole PID namespace with it.
                Isolation::Namespaces => {
                    let _ = sys::kill(self.worker_pid, libc::SIGKILL);
                }
                Isolation::Process => {
                    let _ = sys::kill(-self.worker_pid, libc::SIGKILL);
                }
            }
        }
        let _ = self.helper.kill();
        let _ = self.helper.wait();
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.kill();
        if let Some(dir) = self.private_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
        // The cgroup's own Drop waits for its last processes and removes it.
    }
}

fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    COUNTER.fetch_add(1, Ordering::Relaxed).to_string()
}

fn add_standard_env(spec: &mut SandboxSpec, private_dir: Option<&Path>) {
    let (root, work, tmp) = match private_dir {
        Some(dir) => (
            dir.display().to_string(),
            dir.join("work").display().to_string(),
            dir.join("tmp").display().to_string(),
        ),
        None => ("/".to_string(), "/work".to_string(), "/tmp".to_string()),
    };
    spec.env.retain(|(k, _)| {
        !matches!(
            k.as_str(),
            "HOME"
                | "TMPDIR"
                | "VERDICT_ROOT"
                | "VERDICT_WORK_DIR"
                | "VERDICT_TMP_DIR"
                | "VERDICT_ISOLATION"
        )
    });
    spec.env.extend([
        ("HOME".to_string(), work.clone()),
        ("TMPDIR".to_string(), tmp.clone()),
        ("VERDICT_ROOT".to_string(), root),
        ("VERDICT_WORK_DIR".to_string(), work),
        ("VERDICT_TMP_DIR".to_string(), tmp),
        (
            "VERDICT_ISOLATION".to_string(),
            spec.isolation.name().to_string(),
        ),
    ]);
}

fn make_private_dir(name: &str) -> Result<PathBuf, SandboxError> {
    let dir = std::env::temp_dir().join(format!("verdict-{}-{name}", std::process::id()));
    for sub in ["work", "tmp"] {
        let path = dir.join(sub);
        std::fs::create_dir_all(&path)
            .map_err(|e| SandboxError::io(format!("creating `{}`", path.display()), e))?;
        if sys::getuid() == 0 {
            std::os::unix::fs::chown(&path, Some(65534), Some(65534))
                .map_err(|e| SandboxError::io(format!("chown `{}`", path.display()), e))?;
        }
    }
    Ok(dir)
}
