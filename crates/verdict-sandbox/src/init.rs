//! The init helper: a small process the supervisor starts (by re-executing
//! its own binary with [`INIT_ARG`]) for each slot. Being single-threaded, it
//! can safely fork into new namespaces and build the sandbox with ordinary
//! Rust code. It stays behind as the slot's outside parent: it wrote the uid
//! maps, and it reaps the slot's PID 1.
//!
//! The isolation sequence, in order (each step aborts the slot on failure):
//!
//!  1. join the slot's cgroups (the helper, so its children inherit them);
//!  2. `clone` into new user, PID, mount, network, IPC and UTS namespaces;
//!     the child is PID 1 of the new PID namespace;
//!  3. the helper writes the child's uid/gid maps: uid 0..65536 inside maps to
//!     an unprivileged block of host uids of this slot's own;
//!  4. the child makes all mounts private, builds a tmpfs root with read-only
//!     binds of only what the spec lists, synthesized `/etc` files, fresh
//!     `/proc`, a minimal `/dev`, size-limited tmpfs `/work`, `/tmp` and
//!     `/dev/shm`, then `pivot_root`s into it and makes `/` read-only;
//!  5. sets the hostname; the new network namespace has no interfaces up;
//!  6. sets rlimits, clears supplementary groups, empties the capability
//!     bounding set and drops to the unprivileged sandbox uid (all
//!     capabilities gone);
//!  7. `PR_SET_NO_NEW_PRIVS`, the parent-death signal, the seccomp filter;
//!  8. execs the worker with exactly the spec's environment.

use std::ffi::OsStr;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use crate::seccomp;
use crate::spec::{self, DecodedSpec, SANDBOX_UID, UID_BLOCK};
use crate::sys;

/// The first argument that turns a binary into the init helper.
pub const INIT_ARG: &str = "__verdict-sandbox-init";

/// The file descriptor on which the worker finds its control socket.
pub const CONTROL_FD: i32 = 3;

/// Where the root is assembled before `pivot_root`, inside the new mount
/// namespace only (the host's `/tmp` is untouched).
const STAGING: &str = "/tmp";

/// Runs the init helper and exits if this process was started as one;
/// returns otherwise. Binaries that create slots call this first in `main`.
pub fn run_init_if_requested() {
    let mut args = std::env::args_os();
    if args.nth(1).as_deref() != Some(OsStr::new(INIT_ARG)) {
        return;
    }
    let code = match helper_main() {
        Ok(code) => code,
        Err(message) => {
            let mut out = io::stdout();
            let _ = writeln!(out, "error {}", message.replace('\n', " "));
            let _ = out.flush();
            1
        }
    };
    std::process::exit(code);
}

fn helper_main() -> Result<i32, String> {
    let spec = spec::decode(&mut io::stdin().lock()).map_err(|e| format!("reading spec: {e}"))?;
    for procs in &spec.procs_files {
        fs::write(procs, std::process::id().to_string())
            .map_err(|e| format!("joining cgroup `{procs}`: {e}"))?;
    }
    let namespaces = spec.isolation == "namespaces";
    let (err_read, err_write) = sys::pipe().map_err(|e| format!("pipe: {e}"))?;
    let (go_read, go_write) = sys::pipe().map_err(|e| format!("pipe: {e}"))?;
    let flags = if namespaces {
        libc::CLONE_NEWUSER
            | libc::CLONE_NEWPID
            | libc::CLONE_NEWNS
            | libc::CLONE_NEWNET
            | libc::CLONE_NEWIPC
            | libc::CLONE_NEWUTS
    } else {
        0
    };
    let pid = sys::clone_fork(flags).map_err(|e| format!("clone into new namespaces: {e}"))?;
    if pid == 0 {
        sys::close(err_read);
        sys::close(go_write);
        let mut byte = [0u8; 1];
        let _ = sys::read_fd(go_read, &mut byte);
        let err = child_main(&spec);
        let _ = sys::write_all_fd(err_write, err.as_bytes());
        sys::exit_now(127);
    }
    sys::close(err_write);
    sys::close(go_read);
    if namespaces && let Err(e) = write_id_maps(pid, spec.uid_base) {
        let _ = sys::kill(pid, libc::SIGKILL);
        let _ = sys::wait_for(pid);
        return Err(format!("writing uid/gid maps of pid {pid}: {e}"));
    }
    sys::write_all_fd(go_write, b"g").map_err(|e| format!("waking the sandbox child: {e}"))?;
    sys::close(go_write);
    let mut message = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = sys::read_fd(err_read, &mut buf) {
        if n == 0 {
            break;
        }
        message.extend_from_slice(&buf[..n]);
    }
    if !message.is_empty() {
        let _ = sys::wait_for(pid);
        return Err(String::from_utf8_lossy(&message).into_owned());
    }
    let mut out = io::stdout();
    writeln!(out, "ready {pid}").map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())?;
    let status = sys::wait_for(pid).map_err(|e| format!("waiting for pid {pid}: {e}"))?;
    Ok(if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    })
}

fn write_id_maps(pid: libc::pid_t, base: u32) -> io::Result<()> {
    let map = format!("0 {base} {UID_BLOCK}\n");
    fs::write(format!("/proc/{pid}/uid_map"), &map)?;
    fs::write(format!("/proc/{pid}/gid_map"), &map)
}

/// Runs in the forked child; returns only with a description of the step
/// that failed.
fn child_main(spec: &DecodedSpec) -> String {
    let result = if spec.isolation == "namespaces" {
        build_namespaced(spec)
    } else {
        build_process(spec)
    };
    match result {
        Ok(never) => match never {},
        Err((step, err)) => format!("{step}: {err}"),
    }
}

type StepResult<T> = Result<T, (String, io::Error)>;

fn step<T>(name: impl Into<String>, result: io::Result<T>) -> StepResult<T> {
    result.map_err(|e| (name.into(), e))
}

enum Never {}

fn build_namespaced(spec: &DecodedSpec) -> StepResult<Never> {
    // Become uid 0 of the new namespace (host: the slot's base uid) so that
    // files we create in the root have a mapped owner.
    step(
        "becoming root of the user namespace",
        sys::become_user(0, 0),
    )?;
    step(
        "making mounts private",
        sys::mount(
            None,
            Path::new("/"),
            None,
            libc::MS_REC | libc::MS_PRIVATE,
            None,
        ),
    )?;
    let root = Path::new(STAGING);
    step(
        "mounting the root tmpfs",
        sys::mount(
            Some("tmpfs"),
            root,
            Some("tmpfs"),
            libc::MS_NOSUID | libc::MS_NODEV,
            Some("size=64m,mode=0755"),
        ),
    )?;
    link_or_bind_top_dirs(root)?;
    for (source, target, optional) in &spec.binds {
        bind_read_only(root, Path::new(source), Path::new(target), *optional)?;
    }
    for (path, data) in &spec.files {
        let dest = root.join(path.trim_start_matches('/'));
        step(
            format!("creating /{path}"),
            create_parent(&dest).and_then(|()| fs::write(&dest, data)),
        )?;
        step(
            format!("chmod /{path}"),
            fs::set_permissions(&dest, fs::Permissions::from_mode(0o644)),
        )?;
    }
    mount_proc_and_dev(root)?;
    let tmp_opts = format!("size={},mode=1777", spec.tmp_bytes);
    mount_tmpfs(root, "tmp", &tmp_opts)?;
    mount_tmpfs(root, "dev/shm", &tmp_opts)?;
    mount_tmpfs(root, "work", &format!("size={},mode=0755", spec.work_bytes))?;
    step(
        "chown /work",
        std::os::unix::fs::chown(root.join("work"), Some(SANDBOX_UID), Some(SANDBOX_UID)),
    )?;
    step("setting the hostname", sys::sethostname("verdict"))?;
    if spec.loopback {
        step("bringing up the slot's loopback", sys::loopback_up())?;
    }
    pivot_into(root)?;
    step(
        "making / read-only",
        sys::mount(
            None,
            Path::new("/"),
            None,
            libc::MS_REMOUNT | libc::MS_BIND | libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV,
            None,
        ),
    )?;
    step("chdir /work", std::env::set_current_dir("/work"))?;
    drop_privileges(spec, SANDBOX_UID, "/")
}

fn build_process(spec: &DecodedSpec) -> StepResult<Never> {
    step("starting a new session", sys::setsid())?;
    let root = spec
        .env
        .iter()
        .find_map(|e| e.strip_prefix("VERDICT_ROOT="))
        .map(PathBuf::from)
        .ok_or_else(|| {
            (
                "finding the private directory".to_string(),
                io::Error::other("VERDICT_ROOT is not set"),
            )
        })?;
    for (path, data) in &spec.files {
        let dest = root.join(path.trim_start_matches('/'));
        step(
            format!("creating {}", dest.display()),
            create_parent(&dest).and_then(|()| fs::write(&dest, data)),
        )?;
    }
    step(
        "chdir to the private directory",
        std::env::set_current_dir(root.join("work")),
    )?;
    // As root, drop to `nobody`; otherwise keep the caller's own uid.
    let uid = if sys::getuid() == 0 { 65534 } else { u32::MAX };
    drop_privileges(spec, uid, &root.display().to_string())
}

fn link_or_bind_top_dirs(root: &Path) -> StepResult<()> {
    for name in ["bin", "sbin", "lib", "lib32", "lib64", "libx32"] {
        let host = Path::new("/").join(name);
        match fs::symlink_metadata(&host) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = step(format!("reading link /{name}"), fs::read_link(&host))?;
                step(format!("linking /{name}"), symlink(target, root.join(name)))?;
            }
            Ok(meta) if meta.is_dir() => bind_read_only(root, &host, &host, false)?,
            _ => {}
        }
    }
    Ok(())
}

fn bind_read_only(root: &Path, source: &Path, target: &Path, optional: bool) -> StepResult<()> {
    let name = format!("binding {} read-only", source.display());
    let meta = match fs::metadata(source) {
        Ok(meta) => meta,
        Err(_) if optional => return Ok(()),
        Err(e) => return Err((name, e)),
    };
    let dest = root.join(target.strip_prefix("/").unwrap_or(target));
    if meta.is_dir() {
        step(name.clone(), fs::create_dir_all(&dest))?;
    } else {
        step(
            name.clone(),
            create_parent(&dest).and_then(|()| fs::write(&dest, b"")),
        )?;
    }
    step(
        name.clone(),
        sys::mount(
            Some(&source.display().to_string()),
            &dest,
            None,
            libc::MS_BIND | libc::MS_REC,
            None,
        ),
    )?;
    let locked = step(name.clone(), sys::locked_mount_flags(&dest))?;
    step(
        name,
        sys::mount(
            None,
            &dest,
            None,
            libc::MS_REMOUNT | libc::MS_BIND | libc::MS_RDONLY | libc::MS_NOSUID | locked,
            None,
        ),
    )
}

fn mount_proc_and_dev(root: &Path) -> StepResult<()> {
    let proc_dir = root.join("proc");
    step("mkdir /proc", fs::create_dir_all(&proc_dir))?;
    step(
        "mounting /proc",
        sys::mount(
            Some("proc"),
            &proc_dir,
            Some("proc"),
            libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
            None,
        ),
    )?;
    mount_tmpfs(root, "dev", "size=64k,mode=0755")?;
    for dev in ["null", "zero", "full", "random", "urandom"] {
        bind_device(root, dev)?;
    }
    for (link, target) in [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ] {
        step(
            format!("linking /dev/{link}"),
            symlink(target, root.join("dev").join(link)),
        )?;
    }
    Ok(())
}

fn bind_device(root: &Path, name: &str) -> StepResult<()> {
    let dest = root.join("dev").join(name);
    step(format!("creating /dev/{name}"), fs::write(&dest, b""))?;
    step(
        format!("binding /dev/{name}"),
        sys::mount(
            Some(&format!("/dev/{name}")),
            &dest,
            None,
            libc::MS_BIND,
            None,
        ),
    )
}

fn mount_tmpfs(root: &Path, dir: &str, options: &str) -> StepResult<()> {
    let dest = root.join(dir);
    step(format!("mkdir /{dir}"), fs::create_dir_all(&dest))?;
    step(
        format!("mounting tmpfs on /{dir}"),
        sys::mount(
            Some("tmpfs"),
            &dest,
            Some("tmpfs"),
            libc::MS_NOSUID | libc::MS_NODEV,
            Some(options),
        ),
    )
}

fn pivot_into(root: &Path) -> StepResult<()> {
    let old = root.join(".oldroot");
    step("mkdir .oldroot", fs::create_dir_all(&old))?;
    step("chdir to the new root", std::env::set_current_dir(root))?;
    step(
        "pivot_root",
        sys::pivot_root(Path::new("."), Path::new(".oldroot")),
    )?;
    step("chdir /", std::env::set_current_dir("/"))?;
    step(
        "detaching the old root",
        sys::umount2(Path::new("/.oldroot"), libc::MNT_DETACH),
    )?;
    step("removing /.oldroot", fs::remove_dir("/.oldroot"))
}

fn drop_privileges(spec: &DecodedSpec, uid: u32, root: &str) -> StepResult<Never> {
    let argv: Vec<String> = spec
        .argv
        .iter()
        .map(|a| a.replace("{root}", root))
        .collect();
    let argv = step("preparing argv", sys::cstrings(&argv))?;
    let env = step("preparing the environment", sys::cstrings(&spec.env))?;
    let filter = seccomp::compile(&seccomp::policy_for(spec.loopback));
    step(
        "RLIMIT_NOFILE",
        sys::set_rlimit(libc::RLIMIT_NOFILE, spec.max_open_files),
    )?;
    step("RLIMIT_CORE", sys::set_rlimit(libc::RLIMIT_CORE, 0))?;
    if uid != u32::MAX {
        step("clearing supplementary groups", sys::clear_groups())?;
        step(
            "emptying the capability bounding set",
            sys::drop_all_capabilities_bounding(),
        )?;
        step("dropping to the sandbox user", sys::become_user(uid, uid))?;
        step("clearing capabilities", sys::drop_all_capabilities())?;
    }
    step(
        "PR_SET_NO_NEW_PRIVS",
        sys::prctl(libc::PR_SET_NO_NEW_PRIVS, 1),
    )?;
    step(
        "PR_SET_PDEATHSIG",
        sys::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong),
    )?;
    step("installing the seccomp filter", seccomp::install(&filter))?;
    let err = sys::execve(&argv, &env);
    Err((
        format!(
            "executing the worker `{}`",
            spec.argv.first().map_or("", |s| s.as_str())
        ),
        err,
    ))
}

fn create_parent(path: &Path) -> io::Result<()> {
    match path.parent() {
        Some(parent) => fs::create_dir_all(parent),
        None => Ok(()),
    }
}
