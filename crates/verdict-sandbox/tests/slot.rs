//! A real slot: namespaces, mounts, uid drop, seccomp, cgroups.

use std::io::Read;
use std::path::Path;

use verdict_sandbox::{CgroupHost, CgroupLimits, Isolation, SandboxSpec, Slot};

fn init_program() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_verdict-sandbox-init"))
}

fn spec(script: &str) -> SandboxSpec {
    let mut files = SandboxSpec::default_etc_files();
    files.push((".verdict/probe.py".into(), script.as_bytes().to_vec()));
    SandboxSpec {
        isolation: Isolation::Namespaces,
        slot: 7,
        binds: SandboxSpec::default_binds(),
        files,
        work_bytes: 8 << 20,
        tmp_bytes: 8 << 20,
        argv: vec![
            "/usr/bin/python3".into(),
            "-I".into(),
            "{root}.verdict/probe.py".into(),
        ],
        env: vec![("PATH".into(), "/usr/bin:/bin".into())],
        max_open_files: 64,
        cgroup: Some(CgroupLimits {
            memory_bytes: 256 << 20,
            pids: 64,
        }),
        loopback: false,
    }
}

/// Runs `script` as the worker of a fresh slot and returns what it wrote to
/// its control socket.
fn run_in_slot(script: &str) -> String {
    let host = match CgroupHost::detect() {
        Ok(host) => host,
        Err(e) => {
            eprintln!("SKIPPED: {e}");
            return String::new();
        }
    };
    let slot = Slot::spawn(&spec(script), init_program(), Some(&host)).expect("slot starts");
    let mut out = String::new();
    let mut control = slot.control();
    control.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn worker_runs_unprivileged_in_its_own_namespaces() {
    let out = run_in_slot(
        r#"
import os, socket
s = socket.socket(fileno=3)
facts = [
    "uid=%d" % os.getuid(),
    "pid=%d" % os.getpid(),
    "host=%s" % socket.gethostname(),
    "root_ro=%s" % (not os.access("/", os.W_OK)),
    "work_rw=%s" % os.access("/work", os.W_OK),
    "shadow=%s" % os.path.exists("/etc/shadow"),
    "env=%s" % sorted(os.environ),
    "caps=%s" % [l for l in open("/proc/self/status") if l.startswith("CapBnd")][0].split()[1],
    "nnp=%s" % [l for l in open("/proc/self/status") if l.startswith("NoNewPrivs")][0].split()[1],
]
try:
    socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    facts.append("inet=allowed")
except OSError as e:
    facts.append("inet=denied")
s.sendall(("\n".join(facts)).encode())
"#,
    );
    if out.is_empty() {
        return;
    }
    for expected in [
        "uid=1000",
        "pid=1",
        "host=verdict",
        "root_ro=True",
        "work_rw=True",
        "shadow=False",
        "caps=0000000000000000",
        "nnp=1",
        "inet=denied",
    ] {
        assert!(
            out.lines().any(|l| l == expected),
            "missing {expected} in:\n{out}"
        );
    }
    assert!(!out.contains("CARGO"), "caller's environment leaked: {out}");
}
