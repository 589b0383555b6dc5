"""The seccomp filter every python snippet runs under (bubblewrap ``--seccomp FD``).

A deny-list in the spirit of the usual container profiles: the syscalls a snippet never needs
and that widen the kernel surface an escape would use (tracing, mounts, new namespaces, kernel
keyrings, eBPF, perf, module loading, kexec, userfaultfd, io_uring, clock changes...). They fail
with ``EPERM`` rather than killing the process, so a library that probes one keeps working.
Compiled by libseccomp (through ``pyseccomp``); syscalls of a foreign architecture are killed
(libseccomp's default for a filter built for the native one).
"""

from __future__ import annotations

import errno
import functools
import logging
import os

import pyseccomp as seccomp

log = logging.getLogger(__name__)

DENIED_SYSCALLS = (
    # tracing and reading other processes' memory
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    # mounts and namespaces
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "fsopen", "fsmount", "fsconfig",
    "fspick", "move_mount", "open_tree", "mount_setattr", "open_by_handle_at", "name_to_handle_at",
    # kernel keyrings
    "keyctl", "add_key", "request_key",
    # eBPF, perf, fanotify, userfaultfd, io_uring
    "bpf", "perf_event_open", "fanotify_init", "userfaultfd",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    # the machine itself: modules, kexec, reboot, swap, clocks, accounting, quotas, I/O ports
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot",
    "swapon", "swapoff", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "acct",
    "quotactl", "iopl", "ioperm", "syslog", "vhangup", "lookup_dcookie", "uselib",
    # execution domain changes (e.g. turning off address space randomisation)
    "personality",
)  # fmt: skip

# clone() flags that would create a namespace: refused like unshare()
_CLONE_NAMESPACE_FLAGS = (
    0x00000080,  # CLONE_NEWTIME
    0x00020000,  # CLONE_NEWNS
    0x02000000,  # CLONE_NEWCGROUP
    0x04000000,  # CLONE_NEWUTS
    0x08000000,  # CLONE_NEWIPC
    0x10000000,  # CLONE_NEWUSER
    0x20000000,  # CLONE_NEWPID
    0x40000000,  # CLONE_NEWNET
)


@functools.cache
def compiled_filter() -> bytes:
    """The filter as BPF bytes (built once per process)."""
    deny = seccomp.ERRNO(errno.EPERM)
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in DENIED_SYSCALLS:
        try:
            rules.add_rule(deny, name)
        except (RuntimeError, ValueError, OSError):  # a syscall this kernel/architecture lacks
            log.debug("seccomp: no syscall %s here", name)
    for flag in _CLONE_NAMESPACE_FLAGS:
        rules.add_rule(deny, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    # clone3 passes its flags in memory a filter cannot read: answer "not implemented", so
    # libc falls back to clone(), whose flags the rules above check
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    with os.fdopen(os.memfd_create("berrys-seccomp"), "w+b") as buffer:
        rules.export_bpf(buffer)
        buffer.seek(0)
        return buffer.read()
