//! What a slot's sandbox looks like: the isolation level, the filesystem view,
//! the worker to run and the slot-wide limits. The supervisor hands a spec to
//! the init helper through its stdin in a small length-prefixed encoding.

use std::io::{self, Read, Write};
use std::path::PathBuf;

use crate::cgroup::CgroupLimits;

/// How strongly a slot is isolated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// New user, PID, network, mount, IPC and UTS namespaces, a read-only
    /// root, cgroups, seccomp, no capabilities. The default.
    Namespaces,
    /// Only rlimits, a private directory, a clean environment, an unprivileged
    /// uid where verdict runs as root, and the seccomp filter. No filesystem or
    /// network isolation. Used only when asked for by name.
    Process,
}

impl Isolation {
    /// The name used on the command line and in results.
    pub fn name(self) -> &'static str {
        match self {
            Isolation::Namespaces => "namespaces",
            Isolation::Process => "process",
        }
    }

    /// Parses a name given on the command line.
    pub fn from_name(name: &str) -> Option<Isolation> {
        match name {
            "namespaces" | "full" => Some(Isolation::Namespaces),
            "process" => Some(Isolation::Process),
            _ => None,
        }
    }
}

/// A host path shown read-only inside the sandbox.
#[derive(Debug, Clone)]
pub struct Bind {
    /// The path on the host.
    pub source: PathBuf,
    /// Where it appears inside the sandbox (absolute).
    pub target: PathBuf,
    /// Skip the bind silently when the source does not exist.
    pub optional: bool,
}

impl Bind {
    /// A read-only bind of `path` at the same place, required to exist.
    pub fn same(path: &str) -> Bind {
        Bind {
            source: path.into(),
            target: path.into(),
            optional: false,
        }
    }

    /// A read-only bind of `path` at the same place, skipped if absent.
    pub fn optional(path: &str) -> Bind {
        Bind {
            source: path.into(),
            target: path.into(),
            optional: true,
        }
    }
}

/// Everything needed to build one slot.
#[derive(Debug, Clone)]
pub struct SandboxSpec {
    /// The isolation level.
    pub isolation: Isolation,
    /// The slot's index; selects its host uid range.
    pub slot: usize,
    /// Host paths visible read-only inside (namespaces only).
    pub binds: Vec<Bind>,
    /// Files written into the sandbox root before it is made read-only, by
    /// path relative to the root.
    pub files: Vec<(PathBuf, Vec<u8>)>,
    /// Size of the writable work directory (`/work`), bytes.
    pub work_bytes: u64,
    /// Size of `/tmp` (and `/dev/shm`), bytes.
    pub tmp_bytes: u64,
    /// The worker command. `{root}` in an argument is replaced by the path of
    /// the root that `files` were written into.
    pub argv: Vec<String>,
    /// The worker's whole environment; nothing of the caller's leaks in.
    pub env: Vec<(String, String)>,
    /// Open files allowed to the worker and its jobs.
    pub max_open_files: u64,
    /// Slot-wide cgroup limits (namespaces only).
    pub cgroup: Option<CgroupLimits>,
    /// Let programs create IP sockets in the slot's network namespace, with
    /// its loopback interface up (namespaces only). The namespace has no
    /// other interface, so nothing outside the slot is reachable: a
    /// connection elsewhere fails at once. Off, any socket but a local
    /// (`AF_UNIX`) one is refused.
    pub loopback: bool,
}

/// The uid and gid programs run as inside a namespaced slot.
pub const SANDBOX_UID: u32 = 1000;

/// Host uids are mapped in blocks of this size, one per slot.
pub const UID_BLOCK: u32 = 65536;

/// The first host uid used for slot 0.
pub const UID_BASE: u32 = 1_000_000;

impl SandboxSpec {
    /// The host uid that uid 0 inside this slot maps to.
    pub fn host_uid_base(&self) -> u32 {
        UID_BASE + (self.slot as u32 % 4096) * UID_BLOCK
    }

    /// The files every namespaced root gets in `/etc`.
    pub fn default_etc_files() -> Vec<(PathBuf, Vec<u8>)> {
        vec![
            (
                "etc/passwd".into(),
                b"root:x:0:0:root:/root:/bin/sh\nsandbox:x:1000:1000:sandbox:/work:/bin/sh\n\
                  nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
                    .to_vec(),
            ),
            (
                "etc/group".into(),
                b"root:x:0:\nsandbox:x:1000:\nnogroup:x:65534:\n".to_vec(),
            ),
            (
                "etc/hosts".into(),
                b"127.0.0.1 localhost\n::1 localhost\n".to_vec(),
            ),
            ("etc/hostname".into(), b"verdict\n".to_vec()),
            ("etc/resolv.conf".into(), Vec::new()),
        ]
    }

    /// The binds every namespaced root gets: the system's programs and
    /// libraries, and the linker's configuration.
    pub fn default_binds() -> Vec<Bind> {
        vec![
            Bind::same("/usr"),
            Bind::optional("/etc/alternatives"),
            Bind::optional("/etc/ld.so.cache"),
            Bind::optional("/etc/ld.so.conf"),
            Bind::optional("/etc/ld.so.conf.d"),
            Bind::optional("/etc/localtime"),
        ]
    }

    pub(crate) fn encode(&self, out: &mut impl Write, procs_files: &[PathBuf]) -> io::Result<()> {
        let mut w = Writer(out);
        w.field("isolation", self.isolation.name().as_bytes())?;
        w.field("slot", self.slot.to_string().as_bytes())?;
        w.field("uid_base", self.host_uid_base().to_string().as_bytes())?;
        for bind in &self.binds {
            let flag = if bind.optional { "?" } else { "!" };
            let value = format!("{flag}{}\n{}", bind.source.display(), bind.target.display());
            w.field("bind", value.as_bytes())?;
        }
        for (path, contents) in &self.files {
            w.field("file_path", path.display().to_string().as_bytes())?;
            w.field("file_data", contents)?;
        }
        w.field("work_bytes", self.work_bytes.to_string().as_bytes())?;
        w.field("tmp_bytes", self.tmp_bytes.to_string().as_bytes())?;
        for arg in &self.argv {
            w.field("arg", arg.as_bytes())?;
        }
        for (k, v) in &self.env {
            w.field("env", format!("{k}={v}").as_bytes())?;
        }
        w.field("max_open_files", self.max_open_files.to_string().as_bytes())?;
        if self.loopback {
            w.field("loopback", b"1")?;
        }
        for file in procs_files {
            w.field("cgroup_procs", file.display().to_string().as_bytes())?;
        }
        Ok(())
    }
}

struct Writer<'a, W: Write>(&'a mut W);

impl<W: Write> Writer<'_, W> {
    fn field(&mut self, key: &str, value: &[u8]) -> io::Result<()> {
        self.0.write_all(&(key.len() as u32).to_le_bytes())?;
        self.0.write_all(key.as_bytes())?;
        self.0.write_all(&(value.len() as u32).to_le_bytes())?;
        self.0.write_all(value)
    }
}

/// The spec as the init helper reads it back.
#[derive(Debug, Default)]
pub(crate) struct DecodedSpec {
    pub isolation: String,
    pub uid_base: u32,
    pub binds: Vec<(String, String, bool)>,
    pub files: Vec<(String, Vec<u8>)>,
    pub work_bytes: u64,
    pub tmp_bytes: u64,
    pub argv: Vec<String>,
    pub env: Vec<String>,
    pub max_open_files: u64,
    pub procs_files: Vec<String>,
    pub loopback: bool,
}

pub(crate) fn decode(input: &mut impl Read) -> io::Result<DecodedSpec> {
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes)?;
    let mut spec = DecodedSpec::default();
    let mut rest = bytes.as_slice();
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "truncated sandbox spec");
    let take = |rest: &mut &[u8]| -> io::Result<Vec<u8>> {
        if rest.len() < 4 {
            return Err(bad());
        }
        let len = u32::from_le_bytes(rest[..4].try_into().unwrap()) as usize;
        if rest.len() < 4 + len {
            return Err(bad());
        }
        let value = rest[4..4 + len].to_vec();
        *rest = &rest[4 + len..];
        Ok(value)
    };
    let mut pending_path = None;
    while !rest.is_empty() {
        let key = String::from_utf8(take(&mut rest)?).map_err(|_| bad())?;
        let value = take(&mut rest)?;
        let text = || String::from_utf8_lossy(&value).into_owned();
        let number = || text().parse::<u64>().map_err(|_| bad());
        match key.as_str() {
            "isolation" => spec.isolation = text(),
            "uid_base" => spec.uid_base = number()? as u32,
            "bind" => {
                let t = text();
                let (source, target) = t.split_once('\n').ok_or_else(bad)?;
                let optional = source.starts_with('?');
                spec.binds
                    .push((source[1..].to_string(), target.to_string(), optional));
            }
            "file_path" => pending_path = Some(text()),
            "file_data" => spec
                .files
                .push((pending_path.take().ok_or_else(bad)?, value.clone())),
            "work_bytes" => spec.work_bytes = number()?,
            "tmp_bytes" => spec.tmp_bytes = number()?,
            "arg" => spec.argv.push(text()),
            "env" => spec.env.push(text()),
            "max_open_files" => spec.max_open_files = number()?,
            "cgroup_procs" => spec.procs_files.push(text()),
            "loopback" => spec.loopback = value == b"1",
            _ => {}
        }
    }
    Ok(spec)
}
