//! A real `verdict serve` for the tests that talk to it over HTTP: started on
//! an ephemeral loopback port, reached with a real client, killed when
//! dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Host, verdict_bin};

/// The shared benchmark files (`$VERDICT_DATA_DIR`, else `../shared/data`).
pub fn data_dir() -> PathBuf {
    match std::env::var_os("VERDICT_DATA_DIR") {
        Some(dir) if !dir.is_empty() => dir.into(),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    }
}

/// A running `verdict serve`, killed when dropped.
pub struct Server {
    pub child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
}

impl Server {
    /// Starts a server with 2 slots (plus `extra` arguments) and waits until
    /// `/healthz` says the slots are warm.
    pub fn start(host: &Host, extra: &[&str]) -> Server {
        Server::with_slots(host, 2, extra)
    }

    /// Starts a server with `slots` slots (plus `extra` arguments) and waits
    /// until `/healthz` says the slots are warm.
    pub fn with_slots(host: &Host, slots: usize, extra: &[&str]) -> Server {
        Server::launch(Command::new(verdict_bin()), host, slots, extra)
    }

    /// Like [`Server::with_slots`], with the server confined to one CPU (the
    /// first this process may use; `taskset`), so that its pool sees every
    /// CPU busy as soon as one slot is.
    pub fn on_one_cpu(host: &Host, slots: usize, extra: &[&str]) -> Server {
        let allowed =
            std::fs::read_to_string("/proc/self/status").expect("reading /proc/self/status");
        let first = allowed
            .lines()
            .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
            .and_then(|list| list.trim().split([',', '-']).next())
            .expect("Cpus_allowed_list in /proc/self/status")
            .to_string();
        let mut command = Command::new("taskset");
        command.args(["--cpu-list", &first]).arg(verdict_bin());
        Server::launch(command, host, slots, extra)
    }

    fn launch(mut command: Command, host: &Host, slots: usize, extra: &[&str]) -> Server {
        let mut child = command
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--isolation",
                host.isolation,
            ])
            .args(["--slots", &slots.to_string()])
            .args(extra)
            .env("VERDICT_DATA_DIR", data_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawning verdict serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("reading the address");
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        let server = Server {
            child,
            base: base.to_string(),
        };
        let started = Instant::now();
        while server.get("/healthz").0 != 200 {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "slots not ready after 60 s"
            );
            thread::sleep(Duration::from_millis(50));
        }
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        answer(ureq::get(&self.url(path)).call())
    }

    pub fn post_raw(
        &self,
        path: &str,
        body: &str,
        token: Option<&str>,
    ) -> (u16, Value, Option<String>) {
        let mut request = ureq::post(&self.url(path)).set("Content-Type", "application/json");
        if let Some(token) = token {
            request = request.set("Authorization", &format!("Bearer {token}"));
        }
        let response = match request.send_string(body) {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("POST {path}: {e}"),
        };
        let status = response.status();
        let retry_after = response.header("Retry-After").map(str::to_string);
        let text = response.into_string().unwrap();
        let value = serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text));
        (status, value, retry_after)
    }

    pub fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let (status, value, _) = self.post_raw(path, &body.to_string(), None);
        (status, value)
    }

    /// The value of a metric line that starts with `name` (labels included),
    /// or 0 when there is none.
    pub fn metric(&self, name: &str) -> u64 {
        self.metric_as(name, None)
    }

    /// [`Server::metric`] of a server that requires `token`.
    pub fn metric_as(&self, name: &str, token: Option<&str>) -> u64 {
        let mut request = ureq::get(&self.url("/metrics"));
        if let Some(token) = token {
            request = request.set("Authorization", &format!("Bearer {token}"));
        }
        let (status, text) = answer(request.call());
        assert_eq!(status, 200, "GET /metrics: {text}");
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
            .unwrap_or(0)
    }

    pub fn terminate(&self) {
        self.signal("TERM");
    }

    /// Sends SIGKILL: the server goes away at once, connections cut.
    pub fn kill(&self) {
        self.signal("KILL");
    }

    fn signal(&self, name: &str) {
        // A plain signal to the child this test started, by its pid.
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The status and body of an answer, whatever its status.
pub fn answer(result: Result<ureq::Response, ureq::Error>) -> (u16, String) {
    match result {
        Ok(r) | Err(ureq::Error::Status(_, r)) => (r.status(), r.into_string().unwrap()),
        Err(e) => panic!("request failed: {e}"),
    }
}
