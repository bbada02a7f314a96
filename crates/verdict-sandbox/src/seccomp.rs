//! The seccomp policy, kept as data with a reason for every rule, and its
//! compilation to a classic BPF program.
//!
//! The policy is a deny list on top of "allow": interpreters and compilers use
//! a long tail of ordinary system calls, and an allow list that misses one
//! turns correct programs into crashes. What is denied is what lets a program
//! reach outside its namespaces or attack the kernel's less-travelled paths.
//! The filter is installed once per slot, in the slot's PID 1, right before it
//! execs the worker, so every job forked from the worker inherits it for free.

use std::io;

/// What the filter does with a system call that matches a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Fail the call with this errno.
    Errno(i32),
}

/// A condition on the first argument of a system call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgCondition {
    /// The rule applies to every call.
    Always,
    /// The rule applies unless the low 32 bits of argument 0 equal this value.
    Arg0Not(u32),
    /// The rule applies when argument 0 has any of these bits set.
    Arg0AnyBits(u32),
}

/// One rule of the policy.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The system call's name, for `verdict doctor` and error messages.
    pub name: &'static str,
    /// The system call number on this architecture.
    pub nr: i64,
    /// When the rule applies.
    pub when: ArgCondition,
    /// What happens then.
    pub action: Action,
    /// Why the rule exists.
    pub reason: &'static str,
}

const NAMESPACE_FLAGS: u32 = (libc::CLONE_NEWNS
    | libc::CLONE_NEWUSER
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWCGROUP) as u32;

macro_rules! deny {
    ($sys:ident, $errno:expr, $reason:expr) => {
        Rule {
            name: stringify!($sys),
            nr: libc::$sys as i64,
            when: ArgCondition::Always,
            action: Action::Errno($errno),
            reason: $reason,
        }
    };
}

/// The policy every sandboxed process runs under.
/// The policy of a slot: [`policy`], less the rule against IP sockets
/// where the slot's network namespace has its loopback up (`loopback`):
/// the namespace has no other interface, so the sockets reach nothing
/// beyond the slot.
pub fn policy_for(loopback: bool) -> Vec<Rule> {
    let mut rules = policy();
    if loopback {
        rules.retain(|rule| rule.name != "socket");
    }
    rules
}

pub fn policy() -> Vec<Rule> {
    use libc::{EAFNOSUPPORT, ENOSYS, EPERM};
    vec![
        deny!(
            SYS_ptrace,
            EPERM,
            "debugging another process would let a job read or steer its worker"
        ),
        deny!(
            SYS_process_vm_readv,
            EPERM,
            "reads another process's memory"
        ),
        deny!(
            SYS_process_vm_writev,
            EPERM,
            "writes another process's memory"
        ),
        deny!(
            SYS_pidfd_getfd,
            EPERM,
            "steals file descriptors from another process"
        ),
        deny!(
            SYS_mount,
            EPERM,
            "the filesystem view is fixed when the slot is built"
        ),
        deny!(
            SYS_umount2,
            EPERM,
            "unmounting could uncover what the sandbox hides"
        ),
        deny!(
            SYS_pivot_root,
            EPERM,
            "the root is fixed when the slot is built"
        ),
        deny!(
            SYS_chroot,
            EPERM,
            "the root is fixed when the slot is built"
        ),
        deny!(SYS_open_tree, EPERM, "new mount API"),
        deny!(SYS_move_mount, EPERM, "new mount API"),
        deny!(SYS_fsopen, EPERM, "new mount API"),
        deny!(SYS_fsconfig, EPERM, "new mount API"),
        deny!(SYS_fsmount, EPERM, "new mount API"),
        deny!(SYS_fspick, EPERM, "new mount API"),
        deny!(SYS_mount_setattr, EPERM, "new mount API"),
        deny!(
            SYS_unshare,
            EPERM,
            "new namespaces are the usual first step of kernel exploits"
        ),
        deny!(SYS_setns, EPERM, "joining other namespaces"),
        Rule {
            name: "clone",
            nr: libc::SYS_clone,
            when: ArgCondition::Arg0AnyBits(NAMESPACE_FLAGS),
            action: Action::Errno(EPERM),
            reason: "plain fork and threads are fine; clone into new namespaces is not",
        },
        deny!(
            SYS_clone3,
            ENOSYS,
            "its flags live in memory a filter cannot read; ENOSYS makes libc fall back to clone"
        ),
        deny!(SYS_keyctl, EPERM, "kernel keyrings are not namespaced"),
        deny!(SYS_add_key, EPERM, "kernel keyrings are not namespaced"),
        deny!(SYS_request_key, EPERM, "kernel keyrings are not namespaced"),
        deny!(SYS_bpf, EPERM, "eBPF is a large kernel attack surface"),
        deny!(
            SYS_perf_event_open,
            EPERM,
            "performance counters leak host information and are an attack surface"
        ),
        deny!(
            SYS_userfaultfd,
            EPERM,
            "used to widen kernel race windows in exploits"
        ),
        deny!(
            SYS_io_uring_setup,
            EPERM,
            "io_uring operations are not seen by seccomp"
        ),
        deny!(
            SYS_io_uring_enter,
            EPERM,
            "io_uring operations are not seen by seccomp"
        ),
        deny!(
            SYS_io_uring_register,
            EPERM,
            "io_uring operations are not seen by seccomp"
        ),
        deny!(SYS_init_module, EPERM, "kernel module loading"),
        deny!(SYS_finit_module, EPERM, "kernel module loading"),
        deny!(SYS_delete_module, EPERM, "kernel module unloading"),
        deny!(SYS_kexec_load, EPERM, "replacing the running kernel"),
        deny!(SYS_kexec_file_load, EPERM, "replacing the running kernel"),
        deny!(SYS_reboot, EPERM, "rebooting the host"),
        deny!(SYS_swapon, EPERM, "host swap configuration"),
        deny!(SYS_swapoff, EPERM, "host swap configuration"),
        deny!(SYS_acct, EPERM, "host process accounting"),
        deny!(SYS_quotactl, EPERM, "host disk quotas"),
        deny!(SYS_syslog, EPERM, "the kernel log leaks host information"),
        deny!(
            SYS_open_by_handle_at,
            EPERM,
            "opens files by handle, bypassing the mount view"
        ),
        deny!(SYS_name_to_handle_at, EPERM, "pairs with open_by_handle_at"),
        deny!(SYS_settimeofday, EPERM, "host clock"),
        deny!(SYS_clock_settime, EPERM, "host clock"),
        deny!(SYS_clock_adjtime, EPERM, "host clock"),
        deny!(SYS_adjtimex, EPERM, "host clock"),
        deny!(
            SYS_sethostname,
            EPERM,
            "the hostname is fixed when the slot is built"
        ),
        deny!(
            SYS_setdomainname,
            EPERM,
            "the domain name is fixed when the slot is built"
        ),
        deny!(SYS_vhangup, EPERM, "terminal control of the host"),
        deny!(SYS_lookup_dcookie, EPERM, "kernel profiling interface"),
        Rule {
            name: "prlimit64",
            nr: libc::SYS_prlimit64,
            when: ArgCondition::Arg0Not(0),
            action: Action::Errno(EPERM),
            reason: "another process's limits: a job could lower its worker's, which the next job inherits",
        },
        Rule {
            name: "sched_setaffinity",
            nr: libc::SYS_sched_setaffinity,
            when: ArgCondition::Arg0Not(0),
            action: Action::Errno(EPERM),
            reason: "another process's CPUs: a job could pin its worker, and every later job, to one CPU",
        },
        Rule {
            name: "socket",
            nr: libc::SYS_socket,
            when: ArgCondition::Arg0Not(libc::AF_UNIX as u32),
            action: Action::Errno(EAFNOSUPPORT),
            reason: "no network of any kind; local AF_UNIX sockets (multiprocessing) stay usable",
        },
    ]
}

#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: u32 = 0xc000_003e; // AUDIT_ARCH_X86_64
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: u32 = 0xc000_00b7; // AUDIT_ARCH_AARCH64

/// System call numbers at or above this are the x32 ABI, which shares the
/// x86_64 audit arch: without this check every rule could be bypassed.
#[cfg(target_arch = "x86_64")]
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

const SECCOMP_RET_KILL_PROCESS: u32 = 0x8000_0000;
const SECCOMP_RET_ERRNO: u32 = 0x0005_0000;
const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;

const BPF_LD_W_ABS: u16 = 0x20;
const BPF_JEQ_K: u16 = 0x15;
const BPF_JGE_K: u16 = 0x35;
const BPF_JSET_K: u16 = 0x45;
const BPF_RET_K: u16 = 0x06;

const OFFSET_NR: u32 = 0;
const OFFSET_ARCH: u32 = 4;
const OFFSET_ARG0_LOW: u32 = 16;

fn stmt(code: u16, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter { code, jt, jf, k }
}

fn ret_action(action: Action) -> libc::sock_filter {
    match action {
        Action::Errno(errno) => stmt(BPF_RET_K, SECCOMP_RET_ERRNO | (errno as u32 & 0xffff)),
    }
}

/// Compiles the rules to a BPF program for `SECCOMP_SET_MODE_FILTER`.
pub fn compile(rules: &[Rule]) -> Vec<libc::sock_filter> {
    let mut prog = vec![
        stmt(BPF_LD_W_ABS, OFFSET_ARCH),
        jump(BPF_JEQ_K, AUDIT_ARCH, 1, 0),
        stmt(BPF_RET_K, SECCOMP_RET_KILL_PROCESS),
        stmt(BPF_LD_W_ABS, OFFSET_NR),
    ];
    #[cfg(target_arch = "x86_64")]
    {
        prog.push(jump(BPF_JGE_K, X32_SYSCALL_BIT, 0, 1));
        prog.push(stmt(BPF_RET_K, SECCOMP_RET_ERRNO | libc::ENOSYS as u32));
    }
    for rule in rules {
        let nr = rule.nr as u32;
        match rule.when {
            ArgCondition::Always => {
                prog.push(jump(BPF_JEQ_K, nr, 0, 1));
                prog.push(ret_action(rule.action));
            }
            ArgCondition::Arg0Not(value) => {
                // nr matches: load arg0; equal -> allow, else the action.
                prog.push(jump(BPF_JEQ_K, nr, 0, 4));
                prog.push(stmt(BPF_LD_W_ABS, OFFSET_ARG0_LOW));
                prog.push(jump(BPF_JEQ_K, value, 0, 1));
                prog.push(stmt(BPF_RET_K, SECCOMP_RET_ALLOW));
                prog.push(ret_action(rule.action));
            }
            ArgCondition::Arg0AnyBits(bits) => {
                prog.push(jump(BPF_JEQ_K, nr, 0, 4));
                prog.push(stmt(BPF_LD_W_ABS, OFFSET_ARG0_LOW));
                prog.push(jump(BPF_JSET_K, bits, 0, 1));
                prog.push(ret_action(rule.action));
                prog.push(stmt(BPF_RET_K, SECCOMP_RET_ALLOW));
            }
        }
    }
    prog.push(stmt(BPF_RET_K, SECCOMP_RET_ALLOW));
    prog
}

/// Installs a compiled filter on the calling thread. `PR_SET_NO_NEW_PRIVS`
/// must already be set.
pub(crate) fn install(prog: &[libc::sock_filter]) -> io::Result<()> {
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: `fprog` points at `prog`, which outlives the call; the kernel
    // copies the program before returning.
    let rc = unsafe {
        libc::prctl(
            libc::PR_SET_SECCOMP,
            libc::SECCOMP_MODE_FILTER as libc::c_ulong,
            &fprog as *const libc::sock_fprog as libc::c_ulong,
            0,
            0,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_reason_and_a_distinct_number() {
        let rules = policy();
        let mut seen = std::collections::HashSet::new();
        for rule in &rules {
            assert!(!rule.reason.is_empty(), "{} has no reason", rule.name);
            assert!(seen.insert(rule.nr), "{} appears twice", rule.name);
        }
    }

    #[test]
    fn program_fits_in_a_classic_bpf_program() {
        let prog = compile(&policy());
        assert!(prog.len() < 4096);
        assert_eq!(prog.last().unwrap().k, SECCOMP_RET_ALLOW);
    }
}
