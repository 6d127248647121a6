//! Every system call corio makes itself, each behind a safe wrapper. (mio
//! and the standard library make the others.) This is one of the two
//! modules allowed `unsafe`; the other is the task cell.
//!
//! Each wrapper states, in a `// SAFETY:` comment at its call, why the call
//! is sound: which pointers it passes and why they are valid, which
//! descriptor it uses and who owns it. [`syscall!`] turns the C convention
//! (a negative return and `errno`) into an `io::Result`, as mio's macro of
//! the same name does.

#![allow(unsafe_code)]

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// Calls `libc::$fn($args)`, mapping a negative return to the OS error.
macro_rules! syscall {
    ($fn:ident ( $($arg:expr),* $(,)? )) => {{
        // SAFETY: each use of `syscall!` says, in a `SAFETY` comment just
        // above it, why its arguments are valid for this call.
        let rc = unsafe { libc::$fn($($arg),*) };
        if rc < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(rc)
        }
    }};
}

// ----- timers -----

/// A non-blocking, close-on-exec `timerfd` on `CLOCK_MONOTONIC`.
pub(crate) fn timerfd_create() -> io::Result<OwnedFd> {
    // SAFETY: timerfd_create takes no pointers.
    let fd = syscall!(timerfd_create(libc::CLOCK_MONOTONIC, libc::TFD_NONBLOCK | libc::TFD_CLOEXEC))?;
    // SAFETY: the kernel just returned this descriptor; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Arms the timerfd to fire once, `delay` from now (at least a nanosecond:
/// zero would disarm it).
pub(crate) fn timerfd_set(fd: BorrowedFd<'_>, delay: Duration) -> io::Result<()> {
    let delay = delay.max(Duration::from_nanos(1));
    let spec = libc::itimerspec {
        it_interval: libc::timespec { tv_sec: 0, tv_nsec: 0 },
        it_value: libc::timespec {
            tv_sec: delay.as_secs().min(libc::time_t::MAX as u64) as libc::time_t,
            tv_nsec: libc::c_long::from(delay.subsec_nanos() as i32),
        },
    };
    // SAFETY: `spec` is a valid itimerspec that outlives the call; a null
    // old-value pointer is allowed; `fd` is borrowed, so open.
    syscall!(timerfd_settime(fd.as_raw_fd(), 0, &spec, std::ptr::null_mut()))?;
    Ok(())
}

/// Reads a timerfd's expiry count, so its next expiry is a fresh edge. A
/// timerfd with nothing to read (`EAGAIN`) is left as it is.
pub(crate) fn timerfd_clear(fd: BorrowedFd<'_>) {
    let mut count = 0u64;
    // SAFETY: the buffer is a valid, writable u64, which is what a timerfd
    // read fills; `fd` is borrowed, so open.
    let _ = syscall!(read(fd.as_raw_fd(), (&mut count as *mut u64).cast(), 8));
}

// ----- clocks -----

/// `CLOCK_MONOTONIC`, the clock of std's `Instant`, in nanoseconds since
/// boot.
pub(crate) fn monotonic_nanos() -> io::Result<u64> {
    clock_nanos(libc::CLOCK_MONOTONIC)
}

/// `CLOCK_MONOTONIC_COARSE`, in nanoseconds since boot: the monotonic clock
/// as of the last tick; a plain read of the vDSO's data page.
pub(crate) fn monotonic_coarse_nanos() -> io::Result<u64> {
    clock_nanos(libc::CLOCK_MONOTONIC_COARSE)
}

/// How far `CLOCK_MONOTONIC_COARSE` may lag, in nanoseconds: one tick.
pub(crate) fn monotonic_coarse_resolution_nanos() -> io::Result<u64> {
    let mut res = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `res` is a valid, writable timespec for the call.
    syscall!(clock_getres(libc::CLOCK_MONOTONIC_COARSE, &mut res))?;
    Ok(res.tv_sec as u64 * 1_000_000_000 + res.tv_nsec as u64)
}

fn clock_nanos(id: libc::clockid_t) -> io::Result<u64> {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `now` is a valid, writable timespec for the call.
    syscall!(clock_gettime(id, &mut now))?;
    Ok(now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64)
}

// ----- sockets and descriptors -----

/// Listens again on a listening socket with `backlog`: Linux lets a
/// listening socket change its backlog that way.
pub(crate) fn listen(fd: BorrowedFd<'_>, backlog: i32) -> io::Result<()> {
    // SAFETY: listen takes no pointers; `fd` is borrowed, so open.
    syscall!(listen(fd.as_raw_fd(), backlog))?;
    Ok(())
}

/// Whether `fd` is ready for `events` (`POLLIN`, `POLLOUT`) right now,
/// without waiting: a zero-timeout `poll`. Hang-ups and errors count as
/// ready, as the caller's read or write will report them.
pub(crate) fn poll_now(fd: RawFd, events: libc::c_short) -> io::Result<bool> {
    let mut entry = libc::pollfd { fd, events, revents: 0 };
    // SAFETY: `entry` is one valid `pollfd`, alive for the call; a timeout
    // of zero never blocks.
    let ready = syscall!(poll(&mut entry, 1, 0))?;
    if entry.revents & libc::POLLNVAL != 0 {
        return Err(io::Error::from_raw_os_error(libc::EBADF));
    }
    Ok(ready > 0)
}

// ----- processes -----

/// A pidfd for `pid`: readable once the process exits.
pub(crate) fn pidfd_open(pid: u32) -> io::Result<OwnedFd> {
    // SAFETY: the pidfd_open syscall takes a pid and flags, no pointers.
    let fd = syscall!(syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0))?;
    // SAFETY: the kernel just returned this descriptor; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// Sends `signal` to the process of `pidfd`. Through the pidfd, the signal
/// can only reach that process, never one that reused its pid.
pub(crate) fn pidfd_send_signal(pidfd: BorrowedFd<'_>, signal: i32) -> io::Result<()> {
    // SAFETY: the syscall takes the pidfd (borrowed, so open), a signal, a
    // null siginfo (allowed) and flags 0.
    syscall!(syscall(libc::SYS_pidfd_send_signal, pidfd.as_raw_fd(), signal, std::ptr::null::<u8>(), 0))?;
    Ok(())
}

/// Sends `signal` to `pid`: the fallback where there are no pidfds. The
/// caller makes sure `pid` was not reaped yet, so it was not reused.
pub(crate) fn kill(pid: u32, signal: i32) -> io::Result<()> {
    // SAFETY: kill takes no pointers.
    syscall!(kill(pid as libc::pid_t, signal))?;
    Ok(())
}

// ----- signals -----

/// A signal disposition, as `sigaction` reports it, to restore later.
#[derive(Clone, Copy)]
pub(crate) struct SigAction(libc::sigaction);

/// Makes `handler` the handler of `signal` (with `SA_RESTART`, nothing
/// masked); returns the disposition it replaces. `handler` must do only
/// async-signal-safe work.
pub(crate) fn install_handler(signal: i32, handler: extern "C" fn(libc::c_int)) -> io::Result<SigAction> {
    // SAFETY: an all-zero sigaction is a valid value (no handler, no flags,
    // an empty mask) to fill in.
    let mut new: libc::sigaction = unsafe { std::mem::zeroed() };
    new.sa_sigaction = handler as libc::sighandler_t;
    new.sa_flags = libc::SA_RESTART;
    // SAFETY: `new.sa_mask` is a valid, writable sigset_t.
    syscall!(sigemptyset(&mut new.sa_mask))?;
    // SAFETY: as above, a zeroed sigaction is valid for the kernel to fill.
    let mut previous: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: `new` and `previous` are valid for the call; the handler is
    // an `extern "C"` fn, as the kernel calls it.
    syscall!(sigaction(signal, &new, &mut previous))?;
    Ok(SigAction(previous))
}

/// Puts back a disposition that [`install_handler`] replaced.
pub(crate) fn restore_handler(signal: i32, previous: &SigAction) {
    // SAFETY: `previous` is a disposition sigaction gave us; a null
    // old-action pointer is allowed. A failure leaves our handler in place,
    // which does nothing for signals no loop wants.
    let _ = syscall!(sigaction(signal, &previous.0, std::ptr::null_mut()));
}

/// Inside a signal handler: writes `byte` to `fd`, keeping `errno` as the
/// interrupted code had it. A full pipe drops the byte. Async-signal-safe:
/// `write` is, and reading and restoring `errno` through its location is.
pub(crate) fn write_byte_from_handler(fd: RawFd, byte: u8) {
    // SAFETY: `__errno_location` returns this thread's errno, valid for
    // the thread's life.
    let errno = unsafe { *libc::__errno_location() };
    // SAFETY: `byte` outlives the call. `fd` is open: a loop keeps its
    // pipe open until no handler is writing to it (`signal::slots`).
    let _ = syscall!(write(fd, (&byte as *const u8).cast(), 1));
    // SAFETY: as above.
    unsafe { *libc::__errno_location() = errno };
}
