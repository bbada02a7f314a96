//! What isolation this host supports, and why: the facts behind
//! `verdict doctor` and behind refusing to run when something is missing.

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use crate::cgroup::CgroupHost;

/// One fact about the host.
#[derive(Debug, Clone)]
pub struct Check {
    /// What was checked.
    pub name: &'static str,
    /// Whether the host has it.
    pub ok: bool,
    /// What was found, or why not.
    pub detail: String,
}

/// Checks the kernel features the namespace isolation level needs.
pub fn host_checks() -> Vec<Check> {
    let mut checks = Vec::new();
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    checks.push(Check {
        name: "kernel",
        ok: true,
        detail: format!("Linux {}", release.trim()),
    });
    checks.push(user_namespaces());
    match CgroupHost::detect() {
        Ok(host) => {
            let pids = !matches!(&host, CgroupHost::V1 { pids: None, .. });
            checks.push(Check {
                name: "cgroups",
                ok: true,
                detail: host.describe(),
            });
            checks.push(Check {
                name: "pids controller",
                ok: pids,
                detail: if pids {
                    "available".into()
                } else {
                    "missing: fork bombs are held by RLIMIT_NPROC only".into()
                },
            });
        }
        Err(e) => checks.push(Check {
            name: "cgroups",
            ok: false,
            detail: e.to_string(),
        }),
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let seccomp = status.lines().any(|l| l.starts_with("Seccomp:"));
    checks.push(Check {
        name: "seccomp",
        ok: seccomp,
        detail: if seccomp {
            "filter mode available".into()
        } else {
            "the kernel does not report seccomp".into()
        },
    });
    checks
}

fn user_namespaces() -> Check {
    let max = std::fs::read_to_string("/proc/sys/user/max_user_namespaces").unwrap_or_default();
    if max.trim() == "0" {
        return Check {
            name: "user namespaces",
            ok: false,
            detail: "/proc/sys/user/max_user_namespaces is 0".into(),
        };
    }
    let flags = libc::CLONE_NEWUSER
        | libc::CLONE_NEWPID
        | libc::CLONE_NEWNS
        | libc::CLONE_NEWNET
        | libc::CLONE_NEWIPC
        | libc::CLONE_NEWUTS;
    let mut command = Command::new("/bin/true");
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: unshare is async-signal-safe and touches only the child.
    unsafe {
        command.pre_exec(move || {
            if libc::unshare(flags) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    match command.status() {
        Ok(status) if status.success() => Check {
            name: "user namespaces",
            ok: true,
            detail: "user, PID, mount, network, IPC and UTS namespaces can be created".into(),
        },
        Ok(status) => Check {
            name: "user namespaces",
            ok: false,
            detail: format!("test process failed: {status}"),
        },
        Err(e) => Check {
            name: "user namespaces",
            ok: false,
            detail: format!("unshare failed: {e}"),
        },
    }
}
