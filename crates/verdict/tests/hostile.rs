//! A corpus of hostile Python programs run through the real `verdict run`
//! binary. Each test asserts the program's judged outcome and that nothing
//! it tried reached the host: no process outlives the run, no file appears,
//! no connection arrives, no secret is read.

mod support;

use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use support::{Listeners, Need, Share};

const MIB: i64 = 1 << 20;

#[test]
fn infinite_loop_hits_the_time_limit() {
    let Some(host) = support::host("infinite_loop", Need::Any, Share::Shared) else {
        return;
    };
    let r = host
        .python("while True:\n    pass\n")
        .args(&["--time-limit", "1s"])
        .run();
    r.assert_status(&["time_limit"]);
    let wall = r.int("wall_ms").unwrap();
    assert!(
        wall < 10_000,
        "a 1 s CPU limit took {wall} ms of wall time:\n{}",
        r.describe()
    );
    let cpu = r.int("cpu_ms").unwrap();
    assert!(
        cpu >= 500,
        "the loop spun until the limit, yet cpu_ms is {cpu}:\n{}",
        r.describe()
    );
}

#[test]
fn sleeping_forever_hits_the_wall_clock_backstop() {
    let Some(host) = support::host("sleep_forever", Need::Any, Share::Shared) else {
        return;
    };
    let r = host
        .python("import time\ntime.sleep(1000)\n")
        .args(&["--time-limit", "1s"])
        .run();
    r.assert_status(&["time_limit"]);
    let wall = r.int("wall_ms").unwrap();
    assert!(
        wall < 30_000,
        "the wall-clock backstop of a 1 s limit took {wall} ms:\n{}",
        r.describe()
    );
}

#[test]
fn fork_bomb_ends_and_leaves_no_process() {
    let Some(host) = support::host("fork_bomb", Need::Namespaces, Share::Exclusive) else {
        return;
    };
    let before = support::sandbox_processes();
    let code =
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n";
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        thread::spawn(move || {
            let mut most = 0;
            while !done.load(Ordering::Relaxed) {
                most = most.max(support::sandbox_processes_of_test_runs().len());
                thread::sleep(Duration::from_millis(20));
            }
            most
        })
    };
    let r = host.python(code).args(&["--time-limit", "2s"]).run();
    done.store(true, Ordering::Relaxed);
    let most = sampler.join().unwrap();
    eprintln!("fork bomb: at most {most} sandbox processes at once");
    // 64 processes for the program, plus the slot's worker and a margin.
    assert!(
        most <= 80,
        "{most} sandbox processes at once; the process limit is 64:\n{}",
        r.describe()
    );
    r.assert_judged();
    assert_ne!(
        r.status(),
        "ok",
        "a fork bomb cannot finish ok:\n{}",
        r.describe()
    );
    assert!(
        ["runtime_error", "time_limit", "memory_limit"].contains(&r.status()),
        "unexpected status for a fork bomb:\n{}",
        r.describe()
    );
    let left = support::leftover_sandbox_processes(&before);
    assert!(
        left.is_empty(),
        "sandbox processes outlived the fork bomb's run: {left:#?}"
    );
}

#[test]
fn huge_allocation_hits_the_memory_limit() {
    let Some(host) = support::host("huge_allocation", Need::Any, Share::Shared) else {
        return;
    };
    let r = host
        .python("buf = bytearray(48 << 30)\nprint('allocated', len(buf))\n")
        .run();
    r.assert_status(&["memory_limit"]);
    assert!(
        !r.out().contains("allocated"),
        "48 GiB were allocated:\n{}",
        r.describe()
    );
}

#[test]
fn memory_creep_hits_the_memory_limit() {
    let Some(host) = support::host("memory_creep", Need::Any, Share::Shared) else {
        return;
    };
    let code = "hoard = []\nwhile True:\n    hoard.append('x' * 10_000_000)\n";
    let r = host
        .python(code)
        .args(&["--memory-limit", "256MiB", "--time-limit", "10s"])
        .run();
    r.assert_status(&["memory_limit"]);
    let peak = r.int("peak_memory_bytes").unwrap_or(0);
    assert!(
        (64 * MIB..=1024 * MIB).contains(&peak),
        "a creep to a 256 MiB limit should peak between 64 MiB and 1 GiB, got {peak}:\n{}",
        r.describe()
    );
}

#[test]
fn flood_of_output_is_cut_and_keeps_its_head() {
    let Some(host) = support::host("output_flood", Need::Any, Share::Shared) else {
        return;
    };
    let code = "import sys\n\
                sys.stdout.write('BEGIN-OF-FLOOD\\n')\n\
                line = 'y' * 99 + '\\n'\n\
                for _ in range(2_000_000):\n    sys.stdout.write(line)\n\
                sys.stdout.write('END-OF-FLOOD\\n')\n";
    let r = host.python(code).args(&["--time-limit", "20s"]).run();
    r.assert_status(&["output_limit"]);
    assert!(
        r.flag("stdout_truncated"),
        "200 MB of output was not marked as cut:\n{}",
        r.describe()
    );
    let kept = r.out().len() as i64;
    assert!(
        kept < 4 * MIB,
        "kept {kept} bytes of stdout, want under 4 MiB"
    );
    assert!(
        r.out().starts_with("BEGIN-OF-FLOOD\n"),
        "the head of the output is lost:\n{}",
        r.describe()
    );
    assert!(
        r.stdout.len() < 8 << 20,
        "verdict printed a {} byte report",
        r.stdout.len()
    );
}

#[test]
fn flood_of_errors_is_cut_too() {
    let Some(host) = support::host("stderr_flood", Need::Any, Share::Shared) else {
        return;
    };
    let code = "import sys\n\
                sys.stderr.write('BEGIN-OF-FLOOD\\n')\n\
                line = 'e' * 99 + '\\n'\n\
                for _ in range(1_000_000):\n    sys.stderr.write(line)\n";
    let r = host.python(code).args(&["--time-limit", "20s"]).run();
    r.assert_status(&["output_limit"]);
    assert!(
        r.flag("stderr_truncated"),
        "100 MB of stderr was not marked as cut:\n{}",
        r.describe()
    );
    let kept = r.err().len() as i64;
    assert!(
        kept < 4 * MIB,
        "kept {kept} bytes of stderr, want under 4 MiB"
    );
    assert!(
        r.err().starts_with("BEGIN-OF-FLOOD\n"),
        "the head of stderr is lost:\n{}",
        r.describe()
    );
}

#[test]
fn filling_scratch_space_is_bounded() {
    let Some(host) = support::host("fill_scratch", Need::Namespaces, Share::Shared) else {
        return;
    };
    // Files just under any per-file size limit, so that only the size of
    // each tmpfs can stop the writer; a 4 GiB cap per dir keeps a missing
    // limit from filling the host.
    let code = r#"import os
chunk = b"x" * (1 << 20)
for d in ("/work", "/tmp", "/dev/shm"):
    total = 0
    try:
        for i in range(64):
            with open(os.path.join(d, f"fill{i}"), "wb") as f:
                for _ in range(63):
                    f.write(chunk)
                    f.flush()
                    total += 1
        print(d, "unbounded", total)
    except OSError as e:
        print(d, "stopped", total, e.errno)
    for i in range(64):
        try:
            os.remove(os.path.join(d, f"fill{i}"))
        except OSError:
            pass
"#;
    let r = host.python(code).args(&["--time-limit", "30s"]).run();
    r.assert_status(&["ok"]);
    let lines: Vec<&str> = r.out().lines().collect();
    assert_eq!(lines.len(), 3, "{}", r.describe());
    for line in lines {
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            fields[1],
            "stopped",
            "{} took 4 GiB without a limit:\n{}",
            fields[0],
            r.describe()
        );
        let mib: u64 = fields[2].parse().unwrap();
        assert!(
            mib <= 1024,
            "{} took {mib} MiB before it filled:\n{}",
            fields[0],
            r.describe()
        );
    }
}

#[test]
fn host_loopback_is_unreachable() {
    let Some(host) = support::host("host_loopback", Need::Namespaces, Share::Shared) else {
        return;
    };
    let listeners = Listeners::start();
    let code = format!(
        r#"import json, socket
results = {{}}
def attempt(name, action):
    try:
        action()
        results[name] = "ok"
    except Exception as e:
        results[name] = type(e).__name__ + ": " + str(e)
def tcp(family, addr):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(3)
    s.connect(addr)
attempt("create_connection", lambda: socket.create_connection(("127.0.0.1", {tcp4}), timeout=3))
attempt("tcp4", lambda: tcp(socket.AF_INET, ("127.0.0.1", {tcp4})))
attempt("tcp6", lambda: tcp(socket.AF_INET6, ("::1", {tcp6})))
attempt("udp4", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", {udp4})))
attempt("udp6", lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).sendto(b"x", ("::1", {udp4})))
attempt("raw", lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))
attempt("packet", lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW))
attempt("abstract_unix", lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).connect("\0{name}"))
print(json.dumps(results))
"#,
        tcp4 = listeners.tcp4,
        tcp6 = listeners.tcp6.unwrap_or(listeners.tcp4),
        udp4 = listeners.udp4,
        name = listeners.abstract_name,
    );
    let r = host.python(&code).args(&["--time-limit", "10s"]).run();
    let hits = listeners.stop();
    r.assert_status(&["ok"]);
    assert_eq!(
        hits, 0,
        "the host's loopback listeners received {hits} connections or datagrams"
    );
    let results: serde_json::Value = serde_json::from_str(r.out().trim())
        .unwrap_or_else(|e| panic!("the program's output is not JSON ({e}):\n{}", r.describe()));
    let results = results.as_object().expect("an object");
    assert_eq!(results.len(), 8, "every attempt reports:\n{}", r.describe());
    for (name, outcome) in results {
        assert_ne!(
            outcome,
            "ok",
            "`{name}` succeeded inside the sandbox:\n{}",
            r.describe()
        );
    }
}

#[test]
fn writes_do_not_reach_the_host() {
    let Some(host) = support::host("host_writes", Need::Namespaces, Share::Shared) else {
        return;
    };
    let name = support::unique("verdict-hostile-write-");
    let test_dir = tempfile::tempdir().expect("creating a temp dir");
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    let targets = [
        format!("/tmp/{name}"),
        format!("/work/{name}"),
        format!("HOME/{name}"),
        format!("/etc/{name}"),
        format!("{home}/{name}"),
        format!("{}/{name}", test_dir.path().display()),
        format!("/dev/shm/{name}"),
        format!("/usr/{name}"),
    ];
    let code = format!(
        r#"import os
for path in {targets:?}:
    if path.startswith("HOME/"):
        path = os.path.join(os.path.expanduser("~"), path[5:])
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("escaped")
        print("wrote", path)
    except OSError as e:
        print("refused", path, e.errno)
"#
    );
    let r = host.python(&code).run();
    r.assert_status(&["ok"]);
    assert!(
        r.out().contains(&format!("wrote /tmp/{name}")),
        "the private /tmp is not writable:\n{}",
        r.describe()
    );
    assert!(
        r.out().contains(&format!("wrote /work/{name}")),
        "the work dir is not writable:\n{}",
        r.describe()
    );
    assert!(
        r.out().contains(&format!("refused /etc/{name}")),
        "/etc is writable inside:\n{}",
        r.describe()
    );
    assert!(
        r.out().contains(&format!("refused /usr/{name}")),
        "/usr is writable inside:\n{}",
        r.describe()
    );
    let host_paths = [
        format!("/tmp/{name}"),
        format!("/work/{name}"),
        format!("{home}/{name}"),
        format!("/etc/{name}"),
        format!("{}/{name}", test_dir.path().display()),
        format!("/dev/shm/{name}"),
        format!("/usr/{name}"),
    ];
    let found: Vec<&String> = host_paths
        .iter()
        .filter(|p| Path::new(p).exists())
        .collect();
    for p in &found {
        let _ = fs::remove_file(p);
    }
    assert!(
        found.is_empty(),
        "files written in the sandbox appeared on the host: {found:?}\n{}",
        r.describe()
    );
}

#[test]
fn secrets_on_the_host_are_unreadable() {
    let Some(host) = support::host("host_secrets", Need::Namespaces, Share::Shared) else {
        return;
    };
    let secret = support::unique("SECRET-CONTENT-");
    let home = std::env::var("HOME").unwrap_or_default();
    let dir = ["/root", home.as_str()]
        .into_iter()
        .find(|d| !d.is_empty() && tempfile::tempfile_in(d).is_ok())
        .expect("a writable home dir");
    let secret_file = tempfile::Builder::new()
        .prefix("verdict-secret-")
        .tempfile_in(dir)
        .unwrap();
    fs::write(secret_file.path(), &secret).unwrap();
    let code = format!(
        r#"for path in ["/etc/shadow", "/etc/gshadow", {secret:?}, "/proc/1/environ", "/root/.bash_history"]:
    try:
        with open(path) as f:
            print("READ", path, f.read(200).replace("\n", " "))
    except OSError as e:
        print("DENIED", path, e.errno)
"#,
        secret = secret_file.path().display().to_string(),
    );
    let r = host.python(&code).run();
    r.assert_status(&["ok"]);
    assert!(
        !r.out().contains(&secret),
        "the program read a file in the host's home:\n{}",
        r.describe()
    );
    for path in ["/etc/shadow", "/etc/gshadow"] {
        assert!(
            r.out().contains(&format!("DENIED {path} ")),
            "{path} was readable:\n{}",
            r.describe()
        );
    }
    let shadow = fs::read_to_string("/etc/shadow").unwrap_or_default();
    if let Some(root_line) = shadow.lines().find(|l| l.starts_with("root:")) {
        assert!(
            !r.out().contains(root_line),
            "the host's /etc/shadow leaked:\n{}",
            r.describe()
        );
    }
}

#[test]
fn caller_environment_does_not_leak() {
    let Some(host) = support::host("caller_env", Need::Any, Share::Shared) else {
        return;
    };
    let name = support::unique("VERDICT_SECRET_");
    let value = support::unique("value-");
    let code = "import os, json\nprint(json.dumps(dict(os.environ)))\n";
    let r = host.python(code).env(&name, &value).run();
    r.assert_status(&["ok"]);
    let env: serde_json::Map<String, serde_json::Value> = serde_json::from_str(r.out().trim())
        .unwrap_or_else(|e| panic!("the program's output is not JSON ({e}):\n{}", r.describe()));
    assert!(
        !env.contains_key(&name),
        "{name} leaked into the sandbox:\n{}",
        r.describe()
    );
    assert!(
        !r.out().contains(&value),
        "the secret's value leaked into the sandbox:\n{}",
        r.describe()
    );
    let cargo: Vec<&String> = env.keys().filter(|k| k.starts_with("CARGO")).collect();
    assert!(
        cargo.is_empty(),
        "the caller's CARGO* variables leaked: {cargo:?}"
    );
}

/// A program that double-forks a daemon into a new session; the daemon
/// execs a sleeper whose argv carries `marker`. With `close_fds`, the daemon
/// detaches from stdout/stderr as a real daemon does; without, it holds them.
fn daemon_program(marker: &str, close_fds: bool) -> String {
    format!(
        r#"import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        if {close}:
            null = os.open("/dev/null", os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
        os.execv("/usr/bin/python3", ["/usr/bin/python3", "-c", "import time; time.sleep(1000)", "{marker}"])
    os._exit(0)
os.wait()
for _ in range(100):
    seen = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{{pid}}/cmdline", "rb") as f:
                if b"{marker}" in f.read():
                    seen.append(pid)
        except OSError:
            pass
    if seen:
        print("daemon running")
        break
    time.sleep(0.05)
"#,
        close = if close_fds { "True" } else { "False" },
    )
}

fn assert_daemon_dies(test: &str, close_fds: bool) {
    let Some(host) = support::host(test, Need::Namespaces, Share::Shared) else {
        return;
    };
    let marker = support::unique("MARKER_");
    let r = host
        .python(&daemon_program(&marker, close_fds))
        .args(&["--time-limit", "5s"])
        .run();
    let left = support::wait_until_gone(support::REAP_GRACE, || {
        support::processes_with_marker(&marker)
    });
    assert!(
        left.is_empty(),
        "the daemon outlived the run: {left:#?}\n{}",
        r.describe()
    );
    r.assert_status(&["ok"]);
    assert!(
        r.out().contains("daemon running"),
        "the daemon never started, so this proves nothing:\n{}",
        r.describe()
    );
    assert!(
        r.elapsed < Duration::from_secs(20),
        "the run took {:?}:\n{}",
        r.elapsed,
        r.describe()
    );
}

#[test]
fn double_forked_daemon_dies_with_the_run() {
    assert_daemon_dies("daemon", true);
}

#[test]
fn daemon_holding_stdout_dies_with_the_run() {
    assert_daemon_dies("daemon_holding_stdout", false);
}

/// Runs a program that tries to kill what surrounds it, then prints
/// `survived`; verdict must live through it and report. Runs alone, so that
/// a kill escaping the sandbox fails this test and not a bystander.
fn assert_engine_survives(test: &str, attack: &str) -> Option<support::Report> {
    let host = support::host(test, Need::Namespaces, Share::Exclusive)?;
    let code = format!("import os, signal, time\n{attack}\ntime.sleep(0.2)\nprint('survived')\n");
    let r = host.python(&code).args(&["--time-limit", "5s"]).run();
    r.assert_judged();
    assert!(
        r.status() != "ok" || r.out().contains("survived"),
        "status ok although the program did not run to its end:\n{}",
        r.describe()
    );
    Some(r)
}

#[test]
fn killing_the_parent_does_not_kill_verdict() {
    let Some(r) = assert_engine_survives("kill_parent", "os.kill(os.getppid(), signal.SIGKILL)")
    else {
        return;
    };
    r.assert_status(&["ok", "runtime_error", "sandbox_error"]);
}

#[test]
fn killing_the_process_group_does_not_kill_verdict() {
    let Some(r) = assert_engine_survives("kill_group", "os.killpg(0, signal.SIGKILL)") else {
        return;
    };
    r.assert_status(&["runtime_error"]);
    assert_eq!(
        r.int("signal"),
        Some(9),
        "killpg(0) kills the program itself:\n{}",
        r.describe()
    );
}

#[test]
fn killing_every_process_does_not_kill_verdict() {
    let Some(r) = assert_engine_survives("kill_all", "os.kill(-1, signal.SIGKILL)") else {
        return;
    };
    r.assert_status(&["ok", "runtime_error", "sandbox_error"]);
}

#[test]
fn killing_parent_group_and_everyone_is_a_failure() {
    let attack = "for attempt in (lambda: os.kill(os.getppid(), 9), lambda: os.kill(-1, 9), lambda: os.killpg(0, 9)):\n    \
                  try:\n        attempt()\n    except OSError:\n        pass";
    let Some(r) = assert_engine_survives("kill_everything", attack) else {
        return;
    };
    r.assert_status(&["runtime_error", "sandbox_error"]);
}

#[test]
fn killing_the_process_group_spares_other_sandboxes() {
    let Some(host) = support::host("kill_group_neighbour", Need::Namespaces, Share::Exclusive)
    else {
        return;
    };
    let marker = support::unique("MARKER_");
    let victim = format!(
        "import subprocess\n\
         subprocess.run(['/usr/bin/python3', '-c', 'import time; time.sleep(3)', '{marker}'])\n\
         print('alive')\n"
    );
    let victim = host.python(&victim).args(&["--time-limit", "10s"]);
    let victim = thread::spawn(move || victim.run());
    assert!(
        support::wait_for_marker(&marker, Duration::from_secs(20)),
        "the victim sandbox never started"
    );
    let attacker = host.python("import os\nos.killpg(0, 9)\n").run();
    attacker.assert_status(&["runtime_error"]);
    let victim = victim.join().expect("the victim's run");
    victim.assert_status(&["ok"]);
    assert_eq!(
        victim.out(),
        "alive\n",
        "a neighbour's killpg(0) reached this sandbox:\n{}",
        victim.describe()
    );
}

#[test]
fn cpu_time_of_children_counts_against_the_limit() {
    let Some(host) = support::host("cpu_in_children", Need::Any, Share::Shared) else {
        return;
    };
    let code = r#"import os, time
def spin(seconds):
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass
children = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        spin(0.8)
        os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
print("done")
"#;
    // A generous wall limit, so that only CPU accounting can end the run.
    let r = host
        .python(code)
        .args(&["--time-limit", "1s", "--wall-limit", "60s"])
        .run();
    assert_ne!(
        r.status(),
        "ok",
        "3.2 s of CPU in four children passed a 1 s time limit (cpu_ms {:?}):\n{}",
        r.int("cpu_ms"),
        r.describe()
    );
    r.assert_status(&["time_limit"]);
}

#[test]
fn killing_verdict_takes_its_sandbox_with_it() {
    let Some(host) = support::host("verdict_killed", Need::Namespaces, Share::Shared) else {
        return;
    };
    let marker = support::unique("MARKER_");
    let code = format!(
        "import os\nos.execv('/usr/bin/python3', ['/usr/bin/python3', '-c', 'import time; time.sleep(1000)', '{marker}'])\n"
    );
    let (mut verdict, _dir) = host.python(&code).args(&["--time-limit", "30s"]).spawn();
    let started = support::wait_for_marker(&marker, Duration::from_secs(20));
    verdict.kill().expect("killing verdict");
    verdict.wait().expect("reaping verdict");
    assert!(started, "the sandboxed sleeper never started");
    let left = support::wait_until_gone(support::REAP_GRACE, || {
        support::processes_with_marker(&marker)
    });
    assert!(
        left.is_empty(),
        "the sandbox outlived a SIGKILLed verdict: {left:#?}"
    );
}

/// The process limit (64 by default) counts every process of the job's
/// user: the worker and the job itself, and also what the slot keeps for
/// the jobs after it (its zygote, and the next job's process where a CPU is
/// idle), which the job's limit makes room for.
#[test]
fn process_limit_leaves_the_job_its_full_share() {
    let Some(host) = support::host("process_limit", Need::Namespaces, Share::Shared) else {
        return;
    };
    let code = "import os, time\nn = 0\nwhile True:\n    try:\n        pid = os.fork()\n    \
                except OSError:\n        break\n    if pid == 0:\n        time.sleep(5)\n        \
                os._exit(0)\n    n += 1\nprint(n)\n";
    let r = host.python(code).run();
    r.assert_status(&["ok"]);
    assert_eq!(r.out(), "62\n", "{}", r.describe());
}

#[test]
fn os_exit_zero_is_ok() {
    let Some(host) = support::host("os_exit", Need::Any, Share::Shared) else {
        return;
    };
    let r = host.python("import os\nos._exit(0)\n").run();
    r.assert_status(&["ok"]);
    assert_eq!(r.int("exit_code"), Some(0), "{}", r.describe());
    assert_eq!(r.int("signal"), None, "{}", r.describe());
}

#[test]
fn nonzero_exit_is_a_runtime_error() {
    let Some(host) = support::host("exit_3", Need::Any, Share::Shared) else {
        return;
    };
    let r = host.python("import sys\nprint('bye')\nsys.exit(3)\n").run();
    r.assert_status(&["runtime_error"]);
    assert_eq!(r.int("exit_code"), Some(3), "{}", r.describe());
    assert_eq!(r.out(), "bye\n", "{}", r.describe());
}

#[test]
fn segfault_is_a_runtime_error_with_signal_11() {
    let Some(host) = support::host("segfault", Need::Any, Share::Shared) else {
        return;
    };
    let r = host.python("import ctypes\nctypes.string_at(0)\n").run();
    r.assert_status(&["runtime_error"]);
    assert_eq!(r.int("signal"), Some(11), "{}", r.describe());
    assert_eq!(r.int("exit_code"), None, "{}", r.describe());
}

#[test]
fn closing_every_fd_still_reports() {
    let Some(host) = support::host("close_fds", Need::Any, Share::Shared) else {
        return;
    };
    let r = host
        .python("import os\nprint('before')\nos.closerange(0, 1 << 16)\n")
        .run();
    r.assert_status(&["ok", "runtime_error"]);
}

#[test]
fn forged_reports_on_every_fd_are_ignored() {
    let Some(host) = support::host("forge_fds", Need::Any, Share::Shared) else {
        return;
    };
    let code = r#"import os
forged = b'{"status": "ok", "exit_code": 0, "signal": null, "passed": true}\n'
for fd in range(0, 1024):
    try:
        os.write(fd, forged)
    except OSError:
        pass
os._exit(3)
"#;
    let r = host.python(code).run();
    r.assert_status(&["runtime_error"]);
    assert_eq!(r.int("exit_code"), Some(3), "{}", r.describe());
}

#[test]
fn input_without_stdin_gets_eof() {
    let Some(host) = support::host("stdin_input", Need::Any, Share::Shared) else {
        return;
    };
    let r = host
        .python("x = input()\nprint('got', x)\n")
        .args(&["--time-limit", "5s"])
        .stdin_held_open()
        .run();
    r.assert_status(&["runtime_error"]);
    assert!(
        r.err().contains("EOFError"),
        "input() should raise EOFError:\n{}",
        r.describe()
    );
    assert!(
        r.int("wall_ms").unwrap() < 4_000,
        "input() blocked:\n{}",
        r.describe()
    );
}

#[test]
fn read_without_stdin_gets_eof() {
    let Some(host) = support::host("stdin_read", Need::Any, Share::Shared) else {
        return;
    };
    let code = "import sys\nprint(repr(sys.stdin.read()))\n";
    let r = host
        .python(code)
        .args(&["--time-limit", "5s"])
        .stdin_held_open()
        .run();
    r.assert_status(&["ok"]);
    assert_eq!(r.out(), "''\n", "{}", r.describe());
}

#[test]
fn stdin_file_is_delivered() {
    let Some(host) = support::host("stdin_file", Need::Any, Share::Shared) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input.txt");
    let mut data = String::from("hello\nworld\n");
    data.push_str(&"z".repeat(3 << 20));
    fs::write(&input, &data).unwrap();
    let code =
        "import sys\ndata = sys.stdin.read()\nprint(data[:12].upper(), end='')\nprint(len(data))\n";
    let r = host
        .python(code)
        .args(&["--stdin", input.to_str().unwrap()])
        .run();
    r.assert_status(&["ok"]);
    assert_eq!(
        r.out(),
        format!("HELLO\nWORLD\n{}\n", data.len()),
        "{}",
        r.describe()
    );
    assert_eq!(r.str("isolation"), host.isolation, "{}", r.describe());
}

#[test]
fn program_can_come_from_stdin() {
    let Some(host) = support::host("program_stdin", Need::Any, Share::Shared) else {
        return;
    };
    let r = host.python("print(6 * 7)\n").program_on_stdin().run();
    r.assert_status(&["ok"]);
    assert_eq!(r.out(), "42\n", "{}", r.describe());
}

#[test]
fn stderr_is_captured_apart_from_stdout() {
    let Some(host) = support::host("stderr", Need::Any, Share::Shared) else {
        return;
    };
    let r = host
        .python("import sys\nprint('to out')\nprint('to err', file=sys.stderr)\n")
        .run();
    r.assert_status(&["ok"]);
    assert_eq!(r.out(), "to out\n", "{}", r.describe());
    assert_eq!(r.err(), "to err\n", "{}", r.describe());
    assert!(
        !r.flag("stdout_truncated") && !r.flag("stderr_truncated"),
        "{}",
        r.describe()
    );
}

/// The worker's own frames sit under a program's, and Python's recursion
/// limit counts them: a program still recurses exactly as deep as under
/// `python3 main.py`, at the default limit and at one it sets, and sees the
/// limits it would see there.
#[test]
fn recursion_goes_as_deep_as_under_python3() {
    let Some(host) = support::host("recursion_depth", Need::Any, Share::Shared) else {
        return;
    };
    let program = "import sys\n\
                   def probe(k):\n    try:\n        return probe(k + 1)\n    except RecursionError:\n        return k\n\
                   print(sys.getrecursionlimit(), probe(0))\n\
                   sys.setrecursionlimit(5000)\n\
                   print(sys.getrecursionlimit(), probe(0))\n";
    let native = std::process::Command::new("/usr/bin/python3")
        .args(["-c", program])
        .output()
        .expect("running /usr/bin/python3");
    let expected = String::from_utf8(native.stdout).unwrap();
    assert!(expected.starts_with("1000 "), "{expected}");
    let r = host.python(program).run();
    r.assert_status(&["ok"]);
    assert_eq!(r.out(), expected, "{}", r.describe());
}
