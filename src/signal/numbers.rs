//! The signal numbers of Linux, named: what [`add_signal_handler`],
//! [`signal()`], [`Process::send_signal`] and
//! [`testing::dump_on_signal`] take, so nobody writes a raw number.
//!
//! [`add_signal_handler`]: crate::add_signal_handler
//! [`signal()`]: crate::signal()
//! [`Process::send_signal`]: crate::Process::send_signal
//! [`testing::dump_on_signal`]: crate::testing::dump_on_signal
//!
//! # Examples
//!
//! ```
//! use corio::signals::SIGTERM;
//!
//! corio::run(async {
//!     corio::add_signal_handler(SIGTERM, || println!("stopping")).unwrap();
//!     assert!(corio::remove_signal_handler(SIGTERM));
//! });
//! ```

/// Hangup; often "reload the configuration".
pub const SIGHUP: i32 = libc::SIGHUP;
/// Interrupt from the keyboard (Ctrl-C).
pub const SIGINT: i32 = libc::SIGINT;
/// Quit from the keyboard (Ctrl-\).
pub const SIGQUIT: i32 = libc::SIGQUIT;
/// Kill; cannot be handled.
pub const SIGKILL: i32 = libc::SIGKILL;
/// User-defined signal 1.
pub const SIGUSR1: i32 = libc::SIGUSR1;
/// User-defined signal 2.
pub const SIGUSR2: i32 = libc::SIGUSR2;
/// A write to a pipe with no reader.
pub const SIGPIPE: i32 = libc::SIGPIPE;
/// A timer set with `alarm`.
pub const SIGALRM: i32 = libc::SIGALRM;
/// Termination request (what `kill` sends by default).
pub const SIGTERM: i32 = libc::SIGTERM;
/// A child stopped or exited.
pub const SIGCHLD: i32 = libc::SIGCHLD;
/// Continue if stopped.
pub const SIGCONT: i32 = libc::SIGCONT;
/// Stop; cannot be handled.
pub const SIGSTOP: i32 = libc::SIGSTOP;
/// Stop from the keyboard (Ctrl-Z).
pub const SIGTSTP: i32 = libc::SIGTSTP;
/// Urgent data on a socket.
pub const SIGURG: i32 = libc::SIGURG;
/// The terminal window changed size.
pub const SIGWINCH: i32 = libc::SIGWINCH;
/// I/O is possible on a descriptor.
pub const SIGIO: i32 = libc::SIGIO;
/// Power failure.
pub const SIGPWR: i32 = libc::SIGPWR;
/// The first real-time signal free for programs.
pub fn sigrtmin() -> i32 {
    libc::SIGRTMIN()
}
/// The last real-time signal.
pub fn sigrtmax() -> i32 {
    libc::SIGRTMAX()
}
