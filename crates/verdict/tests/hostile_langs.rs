//! The hostile corpus in the other languages: each program runs through the
//! real `verdict run --lang …` with the real toolchain in the sandbox, and
//! each test asserts the judged outcome and that nothing reached the host.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use support::{Listeners, Need, Share};

#[test]
fn infinite_loops_hit_the_time_limit_in_every_language() {
    let Some(host) = support::host("loops", Need::Any, Share::Shared) else {
        return;
    };
    let programs = [
        (
            "c",
            "int main(void) { volatile unsigned long n = 0; for (;;) n++; }\n",
        ),
        (
            "cpp",
            "int main() { volatile unsigned long n = 0; for (;;) n++; }\n",
        ),
        (
            "rust",
            "fn main() { let mut n: u64 = 0; loop { unsafe { std::ptr::write_volatile(&mut n, n + 1) } } }\n",
        ),
        ("go", "package main\nfunc main() { n := 0\n for { n++ } }\n"),
        (
            "java",
            "public class Main { public static void main(String[] a) { long n = 0; while (true) n++; } }\n",
        ),
        ("javascript", "let n = 0; for (;;) n++;\n"),
        ("bash", "while :; do :; done\n"),
        ("ruby", "n = 0\nloop { n += 1 }\n"),
        ("php", "<?php $n = 0; while (true) $n++;\n"),
        ("perl", "my $n = 0; while (1) { $n++ }\n"),
    ];
    for (lang, code) in programs {
        let r = host.program(lang, code).args(&["--time-limit", "1s"]).run();
        r.assert_status(&["time_limit"]);
        let wall = r.int("wall_ms").unwrap();
        assert!(
            wall < 15_000,
            "{lang}: a 1 s limit took {wall} ms:\n{}",
            r.describe()
        );
    }
}

#[test]
fn fork_bomb_in_c_ends_and_leaves_no_process() {
    let Some(host) = support::host("c_fork_bomb", Need::Namespaces, Share::Exclusive) else {
        return;
    };
    let before = support::sandbox_processes();
    let code = "#include <unistd.h>\nint main(void) { for (;;) fork(); }\n";
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
    let r = host.program("c", code).args(&["--time-limit", "2s"]).run();
    done.store(true, Ordering::Relaxed);
    let most = sampler.join().unwrap();
    assert!(
        most <= 80,
        "{most} sandbox processes at once:\n{}",
        r.describe()
    );
    r.assert_judged();
    assert_ne!(r.status(), "ok", "{}", r.describe());
    let left = support::leftover_sandbox_processes(&before);
    assert!(
        left.is_empty(),
        "processes outlived the C fork bomb: {left:#?}"
    );
}

#[test]
fn memory_hogs_hit_the_memory_limit() {
    let Some(host) = support::host("memory_hogs", Need::Namespaces, Share::Shared) else {
        return;
    };
    let programs = [
        // Runtimes limited by the memory cgroup.
        (
            "java",
            "import java.util.*;\npublic class Main { public static void main(String[] a) {\n\
             List<long[]> keep = new ArrayList<>();\n\
             while (true) keep.add(new long[1 << 20]);\n} }\n",
        ),
        (
            "go",
            "package main\nimport \"fmt\"\nfunc main() {\n\
             var keep [][]byte\n\
             for { b := make([]byte, 1<<20)\n for i := range b { b[i] = 1 }\n keep = append(keep, b) }\n\
             fmt.Println(len(keep)) }\n",
        ),
        (
            "javascript",
            "const keep = [];\nfor (;;) keep.push(new Array(1 << 20).fill(1.5));\n",
        ),
        // Languages limited by their address space.
        (
            "c",
            "#include <stdlib.h>\n#include <string.h>\n#include <stdio.h>\nint main(void) {\n\
             for (;;) { char *p = malloc(1 << 20); if (!p) { fputs(\"Cannot allocate memory\", stderr); return 1; } memset(p, 1, 1 << 20); }\n}\n",
        ),
        (
            "cpp",
            "#include <vector>\nint main() { std::vector<std::vector<char>> keep;\n\
             for (;;) keep.emplace_back(1 << 20, 'x'); }\n",
        ),
        (
            "rust",
            "fn main() { let mut keep: Vec<Vec<u8>> = Vec::new();\n\
             loop { keep.push(vec![1u8; 1 << 20]); } }\n",
        ),
    ];
    for (lang, code) in programs {
        let r = host
            .program(lang, code)
            .args(&["--memory-limit", "256MiB", "--time-limit", "20s"])
            .run();
        r.assert_status(&["memory_limit"]);
    }
}

#[test]
fn host_loopback_is_unreachable_from_c_and_node() {
    let Some(host) = support::host("langs_loopback", Need::Namespaces, Share::Shared) else {
        return;
    };
    let listeners = Listeners::start();
    let c = format!(
        "#include <arpa/inet.h>\n#include <stdio.h>\n#include <sys/socket.h>\n#include <unistd.h>\n\
         int main(void) {{\n\
           int s = socket(AF_INET, SOCK_STREAM, 0);\n\
           if (s < 0) {{ perror(\"socket\"); return 0; }}\n\
           struct sockaddr_in a = {{0}}; a.sin_family = AF_INET; a.sin_port = htons({port});\n\
           a.sin_addr.s_addr = htonl(0x7f000001);\n\
           if (connect(s, (struct sockaddr *)&a, sizeof a) == 0) {{ puts(\"connected\"); return 0; }}\n\
           perror(\"connect\"); return 0;\n\
         }}\n",
        port = listeners.tcp4
    );
    let node = format!(
        "const net = require('net');\n\
         const s = net.connect({port}, '127.0.0.1', () => {{ console.log('connected'); s.end(); }});\n\
         s.on('error', e => console.log('error', e.code));\n",
        port = listeners.tcp4
    );
    let runs = [
        host.program("c", &c).run(),
        host.program("javascript", &node).run(),
    ];
    let hits = listeners.stop();
    for r in &runs {
        r.assert_status(&["ok"]);
        assert!(!r.out().contains("connected"), "{}", r.describe());
    }
    assert_eq!(hits, 0, "the host's listeners received {hits} connections");
}

#[test]
fn writes_and_reads_outside_are_contained() {
    let Some(host) = support::host("langs_files", Need::Namespaces, Share::Shared) else {
        return;
    };
    let name = support::unique("verdict-hostile-c-write-");
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    let targets = [
        format!("/tmp/{name}"),
        format!("{home}/{name}"),
        format!("/etc/{name}"),
        format!("/var/tmp/{name}"),
    ];
    let mut c = String::from("#include <stdio.h>\nint main(void) {\n  FILE *f;\n  char buf[64];\n");
    for target in &targets {
        c.push_str(&format!(
            "  f = fopen(\"{target}\", \"w\"); if (f) {{ fputs(\"x\", f); fclose(f); }}\n"
        ));
    }
    c.push_str(
        "  f = fopen(\"/etc/shadow\", \"r\");\n\
         if (f && fgets(buf, sizeof buf, f)) puts(\"read shadow\"); else puts(\"no shadow\");\n\
         return 0;\n}\n",
    );
    let r = host.program("c", &c).run();
    r.assert_status(&["ok"]);
    assert!(r.out().contains("no shadow"), "{}", r.describe());
    let java = "import java.nio.file.*;\npublic class Main { public static void main(String[] a) {\n\
                try { Files.readAllBytes(Paths.get(\"/etc/shadow\")); System.out.println(\"read shadow\"); }\n\
                catch (Exception e) { System.out.println(\"no shadow\"); } } }\n";
    let r = host.program("java", java).run();
    r.assert_status(&["ok"]);
    assert!(r.out().contains("no shadow"), "{}", r.describe());
    for target in &targets {
        assert!(
            !std::path::Path::new(target).exists(),
            "{target} appeared on the host"
        );
    }
}

#[test]
fn daemon_started_from_c_dies_with_the_run() {
    let Some(host) = support::host("c_daemon", Need::Namespaces, Share::Shared) else {
        return;
    };
    let marker = support::unique("verdictcdaemon");
    let code = format!(
        "#include <unistd.h>\n#include <stdlib.h>\n\
         int main(void) {{\n\
           if (fork() == 0) {{ setsid(); if (fork() == 0) {{\n\
             for (int fd = 0; fd < 64; fd++) close(fd);\n\
             execl(\"/bin/sh\", \"{marker}\", \"-c\", \"while :; do sleep 1; done\", (char *)0); }}\n\
             _exit(0); }}\n\
           sleep(1); return 0;\n\
         }}\n"
    );
    let r = host.program("c", &code).run();
    r.assert_status(&["ok"]);
    let left = support::wait_until_gone(Duration::from_secs(5), || {
        support::processes_with_marker(&marker)
    });
    assert!(left.is_empty(), "the daemon outlived its run: {left:#?}");
}

#[test]
fn compile_errors_are_verdicts() {
    let Some(host) = support::host("compile_errors", Need::Any, Share::Shared) else {
        return;
    };
    for (lang, code) in [
        ("c", "int main(void) { return undefined_name; }\n"),
        ("cpp", "int main() { std::vector<int> v; }\n"),
        ("rust", "fn main() { let x: u32 = \"no\"; }\n"),
        ("go", "package main\nfunc main() { x := 1 }\n"),
        (
            "java",
            "public class Main { public static void main(String[] a) { int x = \"no\"; } }\n",
        ),
        ("typescript", "const x: number = \"no\";\n"),
    ] {
        let r = host.program(lang, code).run();
        r.assert_status(&["compile_error"]);
        assert!(
            !r.err().trim().is_empty(),
            "{lang}: the compiler's message is missing:\n{}",
            r.describe()
        );
    }
}

#[test]
fn build_cache_is_removed_when_verdict_exits() {
    let Some(host) = support::host("build_cache_cleanup", Need::Namespaces, Share::Shared) else {
        return;
    };
    let r = host
        .program(
            "cpp",
            "#include <cstdio>\nint main() { std::puts(\"built\"); }\n",
        )
        .run();
    r.assert_status(&["ok"]);
    assert_eq!(r.out(), "built\n");
    let prefix = format!("verdict-build-{}-", r.pid);
    let left: Vec<String> = std::fs::read_dir("/var/tmp")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with(&prefix))
        .collect();
    assert!(left.is_empty(), "build caches left behind: {left:?}");
}
