//! Counting the user-space CPU instructions a process executes, with a hardware
//! performance counter opened by `perf_event_open(2)`.
//!
//! EvalPerf and COFFE score efficiency by instruction counts rather than time,
//! because counts barely move with machine load. The counter is opened from
//! outside the sandbox, on a process the caller started: the seccomp policy
//! ([`crate::seccomp`]) refuses `perf_event_open` to everything inside a slot,
//! so a candidate can neither open counters nor learn about the host from them.
//! The descriptor can be handed to a process that only reads it.
//!
//! Many machines have no counter to open: most virtual machines do not expose
//! the PMU, and `perf_event_paranoid` or a missing capability can forbid it.
//! [`probe`] answers once whether this host can count, and
//! [`CounterUnavailable`] says why not in terms of what to change.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::sync::OnceLock;

/// `PERF_TYPE_HARDWARE`: one of the generic hardware events.
const PERF_TYPE_HARDWARE: u32 = 0;
/// `PERF_COUNT_HW_INSTRUCTIONS`: retired instructions.
const PERF_COUNT_HW_INSTRUCTIONS: u64 = 1;
/// `PERF_FLAG_FD_CLOEXEC`: open the descriptor close-on-exec.
const PERF_FLAG_FD_CLOEXEC: libc::c_ulong = 1 << 3;
/// `PERF_FORMAT_TOTAL_TIME_ENABLED`: a read also returns how long the event was enabled.
const PERF_FORMAT_TOTAL_TIME_ENABLED: u64 = 1 << 0;
/// `PERF_FORMAT_TOTAL_TIME_RUNNING`: and how long it was actually on the PMU.
const PERF_FORMAT_TOTAL_TIME_RUNNING: u64 = 1 << 1;
/// What one `read(2)` of a counter returns with the read format used here: the
/// count, the time enabled and the time running, each a native-endian `u64`.
const READ_LEN: usize = 3 * std::mem::size_of::<u64>();

/// `PERF_ATTR_SIZE_VER8`, the size of [`PerfEventAttr`]. A kernel that knows a
/// shorter version accepts it because every byte it does not know is zero.
const PERF_ATTR_SIZE: u32 = 136;

/// The bit of the flags word of `perf_event_attr` that holds the one-bit field
/// declared `index`-th in `<linux/perf_event.h>`. C compilers allocate
/// bit-fields from the least significant bit on little-endian targets and from
/// the most significant bit on big-endian ones.
const fn attr_flag(index: u32) -> u64 {
    if cfg!(target_endian = "little") {
        1 << index
    } else {
        1 << (63 - index)
    }
}

/// `disabled`: the event starts off. Left clear, so counting starts at once.
#[cfg(test)]
const ATTR_DISABLED: u64 = attr_flag(0);
/// `inherit`: threads and processes the target creates after the counter is
/// opened are counted too.
const ATTR_INHERIT: u64 = attr_flag(1);
/// `exclude_kernel`: instructions executed in the kernel on the target's
/// behalf are not counted (and an unprivileged user may open the counter).
const ATTR_EXCLUDE_KERNEL: u64 = attr_flag(5);
/// `exclude_hv`: nor are the hypervisor's.
const ATTR_EXCLUDE_HV: u64 = attr_flag(6);

/// `struct perf_event_attr` of `<linux/perf_event.h>` up to `config3`
/// (`PERF_ATTR_SIZE_VER8`). The unions are represented by the member used
/// here; the one-bit fields from `disabled` to the end of the word are the
/// `flags` word, built from the `ATTR_*` constants.
#[repr(C)]
#[derive(Debug, Default)]
struct PerfEventAttr {
    kind: u32,
    size: u32,
    config: u64,
    sample_period: u64,
    sample_type: u64,
    read_format: u64,
    flags: u64,
    wakeup_events: u32,
    bp_type: u32,
    config1: u64,
    config2: u64,
    branch_sample_type: u64,
    sample_regs_user: u64,
    sample_stack_user: u32,
    clockid: i32,
    sample_regs_intr: u64,
    aux_watermark: u32,
    sample_max_stack: u16,
    reserved_2: u16,
    aux_sample_size: u32,
    aux_action: u32,
    sig_data: u64,
    config3: u64,
}

const _: () = assert!(std::mem::size_of::<PerfEventAttr>() == PERF_ATTR_SIZE as usize);

/// A counter of the user-space instructions one thread, and every thread and
/// process it starts after the counter is opened, executes.
///
/// Counting starts when the counter is opened and goes on until it is dropped,
/// which closes the descriptor.
#[derive(Debug)]
pub struct InstructionCounter {
    fd: OwnedFd,
}

/// One reading of a counter with the times the kernel keeps beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CounterReading {
    /// Instructions counted so far.
    pub count: u64,
    /// Nanoseconds the counter has been enabled while its target ran.
    pub time_enabled_ns: u64,
    /// Nanoseconds it was actually counting on the PMU.
    pub time_running_ns: u64,
}

impl CounterReading {
    /// Whether the kernel shared the hardware counter with other events
    /// (multiplexing) while the target ran, so that `count` misses the
    /// instructions executed while the counter was off the PMU.
    pub fn multiplexed(&self) -> bool {
        self.time_running_ns < self.time_enabled_ns
    }
}

impl InstructionCounter {
    /// Opens a counter of user-space instructions (`PERF_TYPE_HARDWARE`,
    /// `PERF_COUNT_HW_INSTRUCTIONS`, kernel and hypervisor excluded) on the
    /// thread `pid`, on whichever CPU it runs, enabled at once.
    ///
    /// `pid` is a thread id as perf understands it: 0 is the calling thread,
    /// and a process's pid names its main thread. Threads and child processes
    /// the target starts *after* this call are counted too (`inherit`); threads
    /// that already exist are not, so open the counter on a process before it
    /// starts threads, typically right after it is forked. The descriptor is
    /// close-on-exec.
    pub fn open(pid: libc::pid_t) -> Result<InstructionCounter, CounterUnavailable> {
        Self::open_event(pid, PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS)
    }

    /// Opens a counting event of any type with the settings of [`Self::open`];
    /// the tests use a software event to exercise everything on machines
    /// without a hardware counter.
    fn open_event(
        pid: libc::pid_t,
        kind: u32,
        config: u64,
    ) -> Result<InstructionCounter, CounterUnavailable> {
        let mut attr = PerfEventAttr {
            kind,
            size: PERF_ATTR_SIZE,
            config,
            read_format: PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING,
            flags: ATTR_INHERIT | ATTR_EXCLUDE_KERNEL | ATTR_EXCLUDE_HV,
            ..PerfEventAttr::default()
        };
        let cpu: libc::c_int = -1;
        let group_fd: libc::c_int = -1;
        // SAFETY: `attr` is a perf_event_attr whose `size` field is its true
        // size, and it stays alive and exclusively borrowed for the call: the
        // kernel reads it and, on E2BIG, writes its own size into `size`. The
        // other arguments are integers.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_perf_event_open,
                &mut attr as *mut PerfEventAttr,
                pid,
                cpu,
                group_fd,
                PERF_FLAG_FD_CLOEXEC,
            )
        };
        if rc < 0 {
            let errno = io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO);
            return Err(CounterUnavailable::new(pid, errno));
        }
        // SAFETY: `rc` is a descriptor the kernel just created for us and that
        // nothing else owns, so `OwnedFd` may close it when dropped.
        let fd = unsafe { OwnedFd::from_raw_fd(rc as libc::c_int) };
        Ok(InstructionCounter { fd })
    }

    /// The number of instructions counted so far.
    ///
    /// This is the raw count: if the kernel had to multiplex the counter (see
    /// [`CounterReading::multiplexed`]) it is too low; use [`Self::reading`] to
    /// tell.
    pub fn read(&self) -> io::Result<u64> {
        self.reading().map(|reading| reading.count)
    }

    /// The count with the times enabled and running.
    pub fn reading(&self) -> io::Result<CounterReading> {
        let mut buf = [0u8; READ_LEN];
        let n = crate::sys::read_fd(self.fd.as_raw_fd(), &mut buf)?;
        if n != READ_LEN {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("reading a perf counter returned {n} bytes instead of {READ_LEN}"),
            ));
        }
        let word = |i: usize| {
            let bytes: [u8; 8] = buf[i * 8..(i + 1) * 8].try_into().expect("8 bytes");
            u64::from_ne_bytes(bytes)
        };
        Ok(CounterReading {
            count: word(0),
            time_enabled_ns: word(1),
            time_running_ns: word(2),
        })
    }

    /// The counter's descriptor, to hand to a process that reads it (for
    /// instance over a Unix socket with [`crate::fdpass`]). Whoever holds it
    /// can also reset or disable the counter with `ioctl(2)`, so it must not
    /// reach the program being measured.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsFd for InstructionCounter {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// Why a hardware instruction counter could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnavailableReason {
    /// The machine exposes no hardware counter for instructions (`ENOENT`,
    /// `EOPNOTSUPP`, `ENODEV`); most virtual machines do not.
    NoHardwareCounter,
    /// The kernel or a seccomp filter forbids it (`EACCES`, `EPERM`).
    NotPermitted,
    /// The kernel has no perf events at all (`ENOSYS`).
    NoPerfEvents,
    /// No thread has the pid asked for (`ESRCH`).
    NoSuchProcess,
    /// Any other errno.
    Other,
}

/// The failure of `perf_event_open` for an instruction counter, with the errno
/// and what it means on this host.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("opening a hardware instruction counter for {target}: {errno_name}: {meaning}")]
pub struct CounterUnavailable {
    target: String,
    errno: i32,
    errno_name: String,
    meaning: String,
}

impl CounterUnavailable {
    /// The error for `perf_event_open` on `pid` failing with `errno`; reads
    /// `perf_event_paranoid` when the errno is a refusal.
    fn new(pid: libc::pid_t, errno: i32) -> Self {
        let paranoid = match errno {
            libc::EACCES | libc::EPERM => {
                Some(std::fs::read_to_string(PARANOID_PATH).map(|s| s.trim().to_string()))
            }
            _ => None,
        };
        CounterUnavailable {
            target: if pid == 0 {
                "this process".to_string()
            } else {
                format!("pid {pid}")
            },
            errno,
            errno_name: errno_name(errno),
            meaning: meaning(errno, pid, paranoid),
        }
    }

    /// The errno `perf_event_open` returned.
    pub fn errno(&self) -> i32 {
        self.errno
    }

    /// What the errno means.
    pub fn reason(&self) -> UnavailableReason {
        match self.errno {
            libc::ENOENT | libc::EOPNOTSUPP | libc::ENODEV => UnavailableReason::NoHardwareCounter,
            libc::EACCES | libc::EPERM => UnavailableReason::NotPermitted,
            libc::ENOSYS => UnavailableReason::NoPerfEvents,
            libc::ESRCH => UnavailableReason::NoSuchProcess,
            _ => UnavailableReason::Other,
        }
    }
}

/// The setting that decides what unprivileged users may count.
const PARANOID_PATH: &str = "/proc/sys/kernel/perf_event_paranoid";

/// The symbolic name and number of `errno`, as in "ENOENT (os error 2)".
fn errno_name(errno: i32) -> String {
    let name = match errno {
        libc::ENOENT => "ENOENT",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::ENODEV => "ENODEV",
        libc::EACCES => "EACCES",
        libc::EPERM => "EPERM",
        libc::ENOSYS => "ENOSYS",
        libc::ESRCH => "ESRCH",
        libc::EINVAL => "EINVAL",
        libc::E2BIG => "E2BIG",
        libc::EMFILE => "EMFILE",
        libc::EBUSY => "EBUSY",
        _ => return format!("errno {errno} (os error {errno})"),
    };
    format!("{name} (os error {errno})")
}

/// What `errno` from `perf_event_open` on `pid` means. `paranoid` is the
/// content of `perf_event_paranoid`, read only for refusals.
fn meaning(errno: i32, pid: libc::pid_t, paranoid: Option<io::Result<String>>) -> String {
    match errno {
        libc::ENOENT | libc::EOPNOTSUPP | libc::ENODEV => {
            "this machine has no hardware instruction counter (common in VMs)".to_string()
        }
        libc::EACCES | libc::EPERM => {
            let setting = match paranoid {
                Some(Ok(value)) => format!("{PARANOID_PATH} is {value}"),
                Some(Err(e)) => format!("{PARANOID_PATH} could not be read ({e})"),
                None => format!("see {PARANOID_PATH}"),
            };
            format!(
                "not permitted: {setting}; counting the user-space instructions of your \
                 own processes needs it at 2 or below (Debian and Android kernels refuse \
                 all unprivileged use above 2), or the CAP_PERFMON capability; a seccomp \
                 filter (verdict's sandbox denies perf_event_open) or a target owned by \
                 another user also refuses it"
            )
        }
        libc::ENOSYS => "this kernel was built without perf events (CONFIG_PERF_EVENTS)".into(),
        libc::ESRCH => format!("no process or thread has pid {pid}"),
        _ => io::Error::from_raw_os_error(errno).to_string(),
    }
}

/// Whether this host can count instructions: opens a counter on the calling
/// thread and closes it again. The answer is computed once per process.
pub fn probe() -> Result<(), CounterUnavailable> {
    static ANSWER: OnceLock<Result<(), CounterUnavailable>> = OnceLock::new();
    ANSWER
        .get_or_init(|| InstructionCounter::open(0).map(drop))
        .clone()
}

/// The host's pid of the process that is `ns_pid` in the PID namespace of
/// the process `init` (a slot's worker, its namespace's PID 1), read from
/// `/proc` (`NSpid`, and the namespace link to tell namespaces apart).
/// `Ok(None)`: no such process.
pub fn host_pid(init: libc::pid_t, ns_pid: libc::pid_t) -> io::Result<Option<libc::pid_t>> {
    let namespace = std::fs::read_link(format!("/proc/{init}/ns/pid"))?;
    let wanted = ns_pid.to_string();
    for entry in std::fs::read_dir("/proc")? {
        let Ok(entry) = entry else { continue };
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<libc::pid_t>().ok()) else {
            continue;
        };
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            continue;
        };
        let inner = status
            .lines()
            .find_map(|l| l.strip_prefix("NSpid:"))
            .and_then(|ids| ids.split_whitespace().last());
        if inner != Some(wanted.as_str()) {
            continue;
        }
        if std::fs::read_link(format!("/proc/{pid}/ns/pid"))
            .ok()
            .as_ref()
            == Some(&namespace)
        {
            return Ok(Some(pid));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `PERF_TYPE_SOFTWARE`.
    const PERF_TYPE_SOFTWARE: u32 = 1;
    /// `PERF_COUNT_SW_TASK_CLOCK`: nanoseconds of CPU time of the task.
    const PERF_COUNT_SW_TASK_CLOCK: u64 = 1;

    fn busy_loop(iterations: u64) -> u64 {
        let mut acc = 0u64;
        for i in 0..iterations {
            acc = std::hint::black_box(acc.wrapping_mul(31).wrapping_add(i));
        }
        acc
    }

    /// CPU time of the calling thread.
    fn thread_cpu_ns() -> u64 {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid out-pointer for the call.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        assert_eq!(rc, 0);
        ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
    }

    #[test]
    fn attr_matches_the_kernel_layout() {
        assert_eq!(std::mem::size_of::<PerfEventAttr>(), 136);
        assert_eq!(std::mem::offset_of!(PerfEventAttr, flags), 40);
        assert_eq!(std::mem::offset_of!(PerfEventAttr, config1), 56);
        assert_eq!(std::mem::offset_of!(PerfEventAttr, sample_regs_intr), 96);
        assert_eq!(std::mem::offset_of!(PerfEventAttr, config3), 128);
        let flags = ATTR_INHERIT | ATTR_EXCLUDE_KERNEL | ATTR_EXCLUDE_HV;
        assert_eq!(flags & ATTR_DISABLED, 0);
        #[cfg(target_endian = "little")]
        assert_eq!(flags, 0b110_0010);
    }

    #[test]
    fn probe_answers_with_a_count_or_a_reason() {
        match probe() {
            Ok(()) => {
                let counter = InstructionCounter::open(0).expect("probe succeeded");
                let before = counter.read().unwrap();
                busy_loop(1_000_000);
                let after = counter.read().unwrap();
                assert!(
                    after >= before + 1_000_000,
                    "{before} -> {after} for a million iterations"
                );
            }
            Err(e) => {
                eprintln!("SKIPPED counting on this host: {e}");
                let text = e.to_string();
                assert!(
                    text.contains(&format!("(os error {})", e.errno())),
                    "{text}"
                );
                match e.reason() {
                    UnavailableReason::NoHardwareCounter => {
                        assert!(text.contains("no hardware instruction counter"), "{text}")
                    }
                    UnavailableReason::NotPermitted => {
                        assert!(text.contains("perf_event_paranoid"), "{text}");
                        assert!(text.contains("CAP_PERFMON"), "{text}");
                    }
                    UnavailableReason::NoPerfEvents => assert!(text.contains("kernel"), "{text}"),
                    UnavailableReason::NoSuchProcess | UnavailableReason::Other => {
                        panic!("unexpected answer for the calling process: {text}")
                    }
                }
                // The answer is cached.
                assert_eq!(probe(), Err(e));
            }
        }
    }

    #[test]
    fn a_missing_process_is_named() {
        let e = InstructionCounter::open(libc::pid_t::MAX).unwrap_err();
        if e.reason() == UnavailableReason::NotPermitted {
            eprintln!("SKIPPED: refused before the pid was looked up: {e}");
            return;
        }
        assert_eq!(e.errno(), libc::ESRCH);
        assert_eq!(e.reason(), UnavailableReason::NoSuchProcess);
        let text = e.to_string();
        assert!(text.contains("ESRCH (os error 3)"), "{text}");
        assert!(
            text.contains(&format!(
                "no process or thread has pid {}",
                libc::pid_t::MAX
            )),
            "{text}"
        );
    }

    #[test]
    fn every_errno_is_explained() {
        let hardware = meaning(libc::ENOENT, 0, None);
        assert!(hardware.contains("common in VMs"));
        assert_eq!(meaning(libc::EOPNOTSUPP, 0, None), hardware);
        let refused = meaning(libc::EACCES, 0, Some(Ok("3".into())));
        assert!(
            refused.contains("/proc/sys/kernel/perf_event_paranoid is 3"),
            "{refused}"
        );
        assert!(refused.contains("CAP_PERFMON"), "{refused}");
        assert!(meaning(libc::ENOSYS, 0, None).contains("without perf events"));
        assert!(meaning(libc::EINVAL, 0, None).contains("Invalid argument"));
        assert_eq!(errno_name(libc::EPERM), "EPERM (os error 1)");
        assert_eq!(errno_name(4095), "errno 4095 (os error 4095)");
    }

    #[test]
    fn software_counter_counts_and_inherits() {
        // The same attributes with a software clock, so the plumbing is tested
        // where there is no hardware counter.
        let counter =
            match InstructionCounter::open_event(0, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK) {
                Ok(counter) => counter,
                Err(e) => {
                    eprintln!("SKIPPED: no software perf events either: {e}");
                    return;
                }
            };
        // SAFETY: F_GETFD on a descriptor we own.
        let fd_flags = unsafe { libc::fcntl(counter.fd().as_raw_fd(), libc::F_GETFD) };
        assert_eq!(fd_flags & libc::FD_CLOEXEC, libc::FD_CLOEXEC);

        let first = counter.reading().unwrap();
        busy_loop(2_000_000);
        let second = counter.reading().unwrap();
        assert!(second.count > first.count, "{first:?} -> {second:?}");
        assert!(second.time_enabled_ns > 0);
        assert!(!second.multiplexed(), "{second:?}");

        // A thread started after opening is counted once it has run.
        const SPIN_NS: u64 = 50_000_000;
        std::thread::spawn(|| {
            let start = thread_cpu_ns();
            while thread_cpu_ns() - start < SPIN_NS {
                busy_loop(10_000);
            }
        })
        .join()
        .unwrap();
        let third = counter.read().unwrap();
        assert!(
            third - second.count >= SPIN_NS,
            "the thread's {SPIN_NS} ns were not inherited: {} -> {third}",
            second.count
        );
    }

    #[test]
    fn the_sandbox_denies_perf_event_open() {
        for loopback in [false, true] {
            let rules = crate::seccomp::policy_for(loopback);
            let rule = rules
                .iter()
                .find(|rule| rule.nr == libc::SYS_perf_event_open)
                .expect("perf_event_open is in the policy");
            assert_eq!(rule.when, crate::seccomp::ArgCondition::Always);
            assert_eq!(rule.action, crate::seccomp::Action::Errno(libc::EPERM));
        }
    }

    #[test]
    fn host_pid_finds_a_process_by_its_pid_in_its_namespace() {
        // In the test's own namespace a process's pid is its host pid.
        let me = std::process::id() as libc::pid_t;
        assert_eq!(host_pid(me, me).unwrap(), Some(me));
        assert_eq!(host_pid(me, libc::pid_t::MAX).unwrap(), None);
    }
}
