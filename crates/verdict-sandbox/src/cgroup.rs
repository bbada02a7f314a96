//! Cgroups for slots: a v1 backend (separate `memory` and `pids` hierarchies)
//! and a v2 backend (one unified hierarchy), chosen by looking at the host.
//!
//! Slot cgroups are created *beneath* the cgroup verdict itself runs in, never
//! beside it, so that whatever limits and accounts for verdict also covers its
//! sandboxes. Each verdict process owns one directory, `verdict-<pid>`, with
//! one child per slot; directories left by a verdict that died are swept on
//! start-up.

use std::fs;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::SandboxError;

/// Which cgroup interface the host offers for the controllers slots need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CgroupHost {
    /// cgroup v1: one directory per controller, each our own cgroup in it.
    V1 {
        memory: PathBuf,
        pids: Option<PathBuf>,
    },
    /// cgroup v2: our own cgroup in the unified hierarchy.
    V2 { own: PathBuf },
}

impl CgroupHost {
    /// Looks at `/proc/self/cgroup` and `/proc/self/mountinfo` to find where
    /// this process's memory and pids controllers live.
    pub fn detect() -> Result<CgroupHost, SandboxError> {
        let cgroups = fs::read_to_string("/proc/self/cgroup")
            .map_err(|e| SandboxError::io("reading /proc/self/cgroup", e))?;
        let mountinfo = fs::read_to_string("/proc/self/mountinfo")
            .map_err(|e| SandboxError::io("reading /proc/self/mountinfo", e))?;
        detect_from(&cgroups, &mountinfo).ok_or_else(|| SandboxError::Unsupported {
            what: "a cgroup memory controller".into(),
            why: "neither a cgroup v1 `memory` hierarchy nor a cgroup v2 hierarchy with the \
                  `memory` controller is mounted and usable by this process"
                .into(),
        })
    }

    /// A one-line description for `verdict doctor` and results.
    pub fn describe(&self) -> String {
        match self {
            CgroupHost::V1 { memory, pids } => format!(
                "cgroup v1 (memory at {}, pids {})",
                memory.display(),
                pids.as_ref()
                    .map_or("unavailable".into(), |p| format!("at {}", p.display()))
            ),
            CgroupHost::V2 { own } => format!("cgroup v2 at {}", own.display()),
        }
    }

    fn roots(&self) -> Vec<PathBuf> {
        match self {
            CgroupHost::V1 { memory, pids } => {
                let mut roots = vec![memory.clone()];
                roots.extend(pids.clone());
                roots
            }
            CgroupHost::V2 { own } => vec![own.clone()],
        }
    }

    /// Removes `verdict-<pid>` directories whose verdict process is gone.
    /// Best effort: a directory still holding processes is left alone.
    pub fn sweep_stale(&self) {
        for root in self.roots() {
            let Ok(entries) = fs::read_dir(&root) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name();
                let Some(pid) = name.to_str().and_then(|n| n.strip_prefix("verdict-")) else {
                    continue;
                };
                let Ok(pid) = pid.parse::<u32>() else {
                    continue;
                };
                if Path::new(&format!("/proc/{pid}")).exists() {
                    continue;
                }
                remove_tree(&entry.path());
            }
        }
    }
}

fn detect_from(cgroups: &str, mountinfo: &str) -> Option<CgroupHost> {
    let mut v1_memory = None;
    let mut v1_pids = None;
    let mut v2_path = None;
    for line in cgroups.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if controllers.is_empty() {
            v2_path = Some(path.to_string());
        }
        for controller in controllers.split(',') {
            match controller {
                "memory" => v1_memory = Some(path.to_string()),
                "pids" => v1_pids = Some(path.to_string()),
                _ => {}
            }
        }
    }
    if let Some(path) = v1_memory {
        let memory = v1_mount(mountinfo, "memory")?.join(path.trim_start_matches('/'));
        let pids = v1_pids
            .and_then(|p| v1_mount(mountinfo, "pids").map(|m| m.join(p.trim_start_matches('/'))));
        return Some(CgroupHost::V1 { memory, pids });
    }
    let path = v2_path?;
    let mount = mountinfo
        .lines()
        .find(|l| {
            l.split(" - ")
                .nth(1)
                .is_some_and(|t| t.starts_with("cgroup2 "))
        })
        .and_then(|l| l.split(' ').nth(4))?;
    let own = Path::new(mount).join(path.trim_start_matches('/'));
    let controllers = fs::read_to_string(own.join("cgroup.controllers")).ok()?;
    controllers
        .split_whitespace()
        .any(|c| c == "memory")
        .then_some(CgroupHost::V2 { own })
}

fn v1_mount(mountinfo: &str, controller: &str) -> Option<PathBuf> {
    mountinfo.lines().find_map(|line| {
        let (pre, post) = line.split_once(" - ")?;
        let mut post = post.split(' ');
        if post.next()? != "cgroup" {
            return None;
        }
        let super_opts = post.nth(1)?;
        if !super_opts.split(',').any(|o| o == controller) {
            return None;
        }
        pre.split(' ').nth(4).map(PathBuf::from)
    })
}

/// The cgroup directories of one slot. Dropping it removes them (the slot's
/// processes must be dead by then).
#[derive(Debug)]
pub struct SlotCgroup {
    host: CgroupHost,
    /// Every directory a process must be written into, one per hierarchy.
    dirs: Vec<PathBuf>,
    /// The memory limit last written.
    memory_limit: AtomicU64,
    /// The file that counts OOM kills, kept open: it is read twice per job,
    /// and opening a cgroup file (a path walk through cgroupfs) cost the
    /// supervisor more than any other single step of a job.
    oom_events: Option<fs::File>,
}

/// Limits applied to a whole slot.
#[derive(Debug, Clone, Copy)]
pub struct CgroupLimits {
    /// Memory for everything in the slot, worker included.
    pub memory_bytes: u64,
    /// Processes and threads in the slot, worker included.
    pub pids: u64,
}

impl SlotCgroup {
    /// Creates the cgroups of slot `name` and applies `limits`.
    pub fn create(
        host: &CgroupHost,
        name: &str,
        limits: CgroupLimits,
    ) -> Result<Self, SandboxError> {
        let owner = format!("verdict-{}", std::process::id());
        let mut cgroup = match host {
            CgroupHost::V1 { memory, pids } => {
                let mem = make_dir(&memory.join(&owner).join(name))?;
                write(
                    &mem.join("memory.limit_in_bytes"),
                    &limits.memory_bytes.to_string(),
                )?;
                // Without swap accounting the file is absent; that is fine.
                let _ = fs::write(
                    mem.join("memory.memsw.limit_in_bytes"),
                    limits.memory_bytes.to_string(),
                );
                let mut dirs = vec![mem];
                if let Some(pids) = pids {
                    let p = make_dir(&pids.join(&owner).join(name))?;
                    write(&p.join("pids.max"), &limits.pids.to_string())?;
                    dirs.push(p);
                }
                SlotCgroup {
                    host: host.clone(),
                    dirs,
                    memory_limit: AtomicU64::new(limits.memory_bytes),
                    oom_events: None,
                }
            }
            CgroupHost::V2 { own } => {
                let parent = v2_prepare(own, &owner)?;
                let dir = make_dir(&parent.join(name))?;
                write(&dir.join("memory.max"), &limits.memory_bytes.to_string())?;
                let _ = fs::write(dir.join("memory.swap.max"), "0");
                write(&dir.join("pids.max"), &limits.pids.to_string())?;
                SlotCgroup {
                    host: host.clone(),
                    dirs: vec![dir],
                    memory_limit: AtomicU64::new(limits.memory_bytes),
                    oom_events: None,
                }
            }
        };
        cgroup.oom_events = fs::File::open(cgroup.dirs[0].join(cgroup.oom_events_file())).ok();
        Ok(cgroup)
    }

    /// The `cgroup.procs` files a process joins the slot through.
    pub fn procs_files(&self) -> Vec<PathBuf> {
        self.dirs.iter().map(|d| d.join("cgroup.procs")).collect()
    }

    /// The memory controller's file whose `oom_kill` line counts OOM kills.
    fn oom_events_file(&self) -> &'static str {
        match self.host {
            CgroupHost::V1 { .. } => "memory.oom_control",
            CgroupHost::V2 { .. } => "memory.events",
        }
    }

    /// How many times the kernel's OOM killer has fired in this slot.
    pub fn oom_kills(&self) -> u64 {
        let mut buf = [0u8; 1024];
        let text = match &self.oom_events {
            Some(file) => match file.read_at(&mut buf, 0) {
                Ok(n) => String::from_utf8_lossy(&buf[..n]).into_owned(),
                Err(_) => String::new(),
            },
            None => {
                fs::read_to_string(self.dirs[0].join(self.oom_events_file())).unwrap_or_default()
            }
        };
        text.lines()
            .find_map(|l| l.strip_prefix("oom_kill ")?.trim().parse().ok())
            .unwrap_or(0)
    }

    /// Starts a fresh peak-memory measurement: resets the slot's high-water
    /// mark and returns the current usage, or `None` where the kernel has no
    /// resettable peak (cgroup v2 before Linux 6.12 keeps a lifetime peak).
    pub fn start_peak(&self) -> Option<u64> {
        match self.host {
            CgroupHost::V1 { .. } => {
                let dir = &self.dirs[0];
                fs::write(dir.join("memory.max_usage_in_bytes"), "0").ok()?;
                read_number(&dir.join("memory.usage_in_bytes"))
            }
            CgroupHost::V2 { .. } => None,
        }
    }

    /// The slot's memory high-water mark since [`SlotCgroup::start_peak`].
    pub fn peak(&self) -> Option<u64> {
        match self.host {
            CgroupHost::V1 { .. } => read_number(&self.dirs[0].join("memory.max_usage_in_bytes")),
            CgroupHost::V2 { .. } => None,
        }
    }

    /// Changes the slot's memory limit (everything in it, worker included).
    /// The kernel refuses a limit below what the slot already uses.
    pub fn set_memory_limit(&self, bytes: u64) -> Result<(), SandboxError> {
        if self.memory_limit.load(Ordering::Relaxed) == bytes {
            return Ok(());
        }
        let value = bytes.to_string();
        let written = match self.host {
            CgroupHost::V1 { .. } => {
                let dir = &self.dirs[0];
                let limit = dir.join("memory.limit_in_bytes");
                let memsw = dir.join("memory.memsw.limit_in_bytes");
                // memory+swap may never be below memory: raise it first when
                // raising, lower it last when lowering.
                let raised_first = !memsw.exists() || write(&memsw, &value).is_ok();
                if raised_first {
                    write(&limit, &value)
                } else {
                    write(&limit, &value).and_then(|()| write(&memsw, &value))
                }
            }
            CgroupHost::V2 { .. } => write(&self.dirs[0].join("memory.max"), &value),
        };
        if written.is_ok() {
            self.memory_limit.store(bytes, Ordering::Relaxed);
        }
        written
    }

    /// Kills every process in the slot, where the kernel offers it in one
    /// step (`cgroup.kill`, v2 only). Returns false where it does not.
    pub fn kill_all(&self) -> bool {
        match self.host {
            CgroupHost::V2 { .. } => fs::write(self.dirs[0].join("cgroup.kill"), "1").is_ok(),
            CgroupHost::V1 { .. } => false,
        }
    }

    /// Whether any process is still in the slot's cgroups.
    pub fn is_empty(&self) -> bool {
        self.procs_files().iter().all(|f| {
            fs::read_to_string(f)
                .map(|s| s.trim().is_empty())
                .unwrap_or(true)
        })
    }
}

impl Drop for SlotCgroup {
    fn drop(&mut self) {
        self.oom_events = None;
        for dir in &self.dirs {
            // The last processes of a killed slot may take a moment to leave.
            for _ in 0..200 {
                match fs::remove_dir(dir) {
                    Ok(()) => break,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => break,
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(5)),
                }
            }
            if let Some(owner) = dir.parent() {
                // Succeeds only once the last slot is gone.
                let _ = fs::remove_dir(owner);
            }
        }
    }
}

/// Prepares `own/verdict-<pid>` so that its children get memory and pids
/// controllers. cgroup v2 forbids processes in a cgroup that delegates
/// controllers, so if our own cgroup holds processes, verdict first moves
/// itself into a leaf child of it (nesting, never leaving it).
fn v2_prepare(own: &Path, owner: &str) -> Result<PathBuf, SandboxError> {
    let enable = |dir: &Path| fs::write(dir.join("cgroup.subtree_control"), "+memory +pids");
    if let Err(first) = enable(own) {
        if first.raw_os_error() != Some(libc::EBUSY) {
            return Err(SandboxError::Cgroup {
                op: "enabling controllers in",
                path: own.into(),
                source: first,
            });
        }
        let leaf = make_dir(&own.join(format!("{owner}-supervisor")))?;
        write(&leaf.join("cgroup.procs"), &std::process::id().to_string())?;
        enable(own).map_err(|e| SandboxError::Cgroup {
            op: "enabling controllers in",
            path: own.into(),
            source: e,
        })?;
    }
    let parent = make_dir(&own.join(owner))?;
    enable(&parent).map_err(|e| SandboxError::Cgroup {
        op: "enabling controllers in",
        path: parent.clone(),
        source: e,
    })?;
    Ok(parent)
}

fn make_dir(path: &Path) -> Result<PathBuf, SandboxError> {
    match fs::create_dir_all(path) {
        Ok(()) => Ok(path.to_path_buf()),
        Err(e) => Err(SandboxError::Cgroup {
            op: "creating",
            path: path.into(),
            source: e,
        }),
    }
}

fn read_number(path: &Path) -> Option<u64> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

fn write(path: &Path, value: &str) -> Result<(), SandboxError> {
    fs::write(path, value).map_err(|e| SandboxError::Cgroup {
        op: "writing",
        path: path.into(),
        source: e,
    })
}

fn remove_tree(dir: &Path) {
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                remove_tree(&entry.path());
            }
        }
    }
    let _ = fs::remove_dir(dir);
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO_V1: &str = "\
30 25 0:27 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory
31 25 0:28 / /sys/fs/cgroup/pids rw,relatime shared:10 - cgroup cgroup rw,pids
32 25 0:29 / /sys/fs/cgroup/unified rw,relatime shared:11 - cgroup2 cgroup2 rw
";

    #[test]
    fn v1_memory_is_found_beneath_our_own_cgroup() {
        let cgroups = "8:pids:/\n4:memory:/process_api/abc\n0::/\n";
        let host = detect_from(cgroups, MOUNTINFO_V1).unwrap();
        assert_eq!(
            host,
            CgroupHost::V1 {
                memory: "/sys/fs/cgroup/memory/process_api/abc".into(),
                pids: Some("/sys/fs/cgroup/pids".into()),
            }
        );
    }

    #[test]
    fn nothing_usable_gives_none() {
        let cgroups = "1:name=systemd:/\n";
        assert_eq!(detect_from(cgroups, ""), None);
    }
}
