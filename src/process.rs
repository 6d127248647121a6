//! Subprocesses: `create_subprocess_exec` and `create_subprocess_shell`
//! (asyncio's `asyncio.subprocess`).
//!
//! # Implementation
//!
//! A child's exit is learned from the reactor: a `pidfd` (Linux 5.3+),
//! registered like a socket, becomes readable when the child exits, and only
//! then is it reaped with a non-blocking `waitpid`. Where the kernel has no
//! pidfds (or under valgrind, which does not emulate them), each `SIGCHLD`
//! delivery — through the loop's signal self-pipe — prompts the
//! non-blocking `waitpid` instead. No polling loop, no thread per child. Piped stdio becomes corio streams. A `Process` dropped
//! before its child exits leaves a task (or, without a running loop, a
//! thread) behind to reap it, and a reaping task dropped when its loop closes
//! leaves a thread in turn, so no zombie is left.

use std::cell::RefCell;
use std::ffi::OsStr;
use std::fmt;
use std::future::{poll_fn, Future, IntoFuture};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::Path;
use std::pin::Pin;
use std::process::{Child, ExitStatus, Stdio};
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_core::Stream;

use mio::unix::pipe;

use crate::net::byte_socket::ByteSocket;
use crate::net::io::{Fd, Io};
use crate::reactor::sources::Direction;
use crate::streams::reader::StreamReader;
use crate::streams::writer::StreamWriter;
use crate::sys;

/// Runs `program` with `args`: `asyncio.create_subprocess_exec(program,
/// *args)`. Set the child's stdio and more on the returned builder, then
/// `.await` it; stdio not piped is inherited.
///
/// # Examples
///
/// ```
/// use std::process::Stdio;
///
/// corio::run(async {
///     let mut child = corio::create_subprocess_exec("echo", ["hello"]).stdout(Stdio::piped()).await.unwrap();
///     let (out, _) = child.communicate(None).await.unwrap();
///     assert_eq!(out, b"hello\n");
///     assert_eq!(child.returncode(), Some(0));
/// });
/// ```
pub fn create_subprocess_exec<I, A>(program: impl AsRef<OsStr>, args: I) -> ProcessBuilder
where
    I: IntoIterator<Item = A>,
    A: AsRef<OsStr>,
{
    let mut command = std::process::Command::new(program);
    command.args(args);
    ProcessBuilder { command, kill_on_drop: false }
}

/// Runs `cmd` with `/bin/sh -c`: `asyncio.create_subprocess_shell(cmd)`.
///
/// # Examples
///
/// ```
/// corio::run(async {
///     let mut child = corio::create_subprocess_shell("exit 3").await.unwrap();
///     assert_eq!(child.wait().await.unwrap().code(), Some(3));
/// });
/// ```
pub fn create_subprocess_shell(cmd: impl AsRef<OsStr>) -> ProcessBuilder {
    create_subprocess_exec("/bin/sh", [OsStr::new("-c"), cmd.as_ref()])
}

/// How to start a child; `.await` it to start it.
#[must_use = "the process starts when the builder is awaited"]
#[derive(Debug)]
pub struct ProcessBuilder {
    command: std::process::Command,
    kill_on_drop: bool,
}

impl ProcessBuilder {
    /// The child's standard input.
    pub fn stdin(mut self, stdio: Stdio) -> ProcessBuilder {
        self.command.stdin(stdio);
        self
    }

    /// The child's standard output.
    pub fn stdout(mut self, stdio: Stdio) -> ProcessBuilder {
        self.command.stdout(stdio);
        self
    }

    /// The child's standard error.
    pub fn stderr(mut self, stdio: Stdio) -> ProcessBuilder {
        self.command.stderr(stdio);
        self
    }

    /// The child's working directory.
    pub fn cwd(mut self, dir: impl AsRef<Path>) -> ProcessBuilder {
        self.command.current_dir(dir);
        self
    }

    /// Sets an environment variable of the child.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> ProcessBuilder {
        self.command.env(key, value);
        self
    }

    /// Kill the child (`SIGKILL`) if the [`Process`] is dropped before it
    /// exits (default false).
    pub fn kill_on_drop(mut self, kill: bool) -> ProcessBuilder {
        self.kill_on_drop = kill;
        self
    }

    fn spawn(mut self) -> io::Result<Process> {
        // Listening for SIGCHLD before the fork, so that no exit is missed
        // if the fallback below is needed; dropped at once otherwise.
        let sigchld = crate::signal::signal(libc::SIGCHLD)?;
        let mut child = self.command.spawn()?;
        let exit = match PidFd::open(child.id()) {
            Ok(pidfd) => ExitWatch::PidFd(Io::new(Fd(pidfd))?),
            Err(err) if err.raw_os_error() == Some(libc::ENOSYS) => ExitWatch::SigChld(sigchld),
            Err(err) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(err);
            }
        };
        let stdin = child.stdin.take().map(|stdin| pipe_writer(pipe::Sender::from(stdin))).transpose()?;
        let stdout = child.stdout.take().map(|out| pipe_reader(pipe::Receiver::from(out))).transpose()?;
        let stderr = child.stderr.take().map(|err| pipe_reader(pipe::Receiver::from(err))).transpose()?;
        Ok(Process {
            child: Some(child),
            exit,
            status: None,
            stdin,
            stdout,
            stderr,
            kill_on_drop: self.kill_on_drop,
        })
    }
}

impl IntoFuture for ProcessBuilder {
    type Output = io::Result<Process>;
    type IntoFuture = SpawnProcess;

    /// A future that starts the child when first polled (a plain
    /// `fork`/`exec`, as asyncio does on the loop's thread), so that one
    /// dropped unpolled starts nothing, as an un-awaited coroutine.
    ///
    /// # Errors
    ///
    /// `NotFound` for a program that does not exist, and the OS's other
    /// errors.
    fn into_future(self) -> SpawnProcess {
        SpawnProcess(Some(self))
    }
}

/// The future of a [`ProcessBuilder`]: starts the child when first polled.
#[derive(Debug)]
#[must_use = "a future does nothing unless polled"]
pub struct SpawnProcess(Option<ProcessBuilder>);

impl Future for SpawnProcess {
    type Output = io::Result<Process>;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<Process>> {
        let builder = self.0.take().expect("SpawnProcess polled after it completed");
        Poll::Ready(builder.spawn())
    }
}

/// A running child (`asyncio.subprocess.Process`).
pub struct Process {
    child: Option<Child>,
    exit: ExitWatch,
    status: Option<ExitStatus>,
    /// The child's standard input, if piped.
    pub stdin: Option<StreamWriter>,
    /// The child's standard output, if piped.
    pub stdout: Option<StreamReader>,
    /// The child's standard error, if piped.
    pub stderr: Option<StreamReader>,
    kill_on_drop: bool,
}

impl Process {
    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// The exit code once the child has exited and been waited for; `None`
    /// before, and for a child killed by a signal.
    pub fn returncode(&self) -> Option<i32> {
        self.status.and_then(|status| status.code())
    }

    /// Waits for the child to exit.
    ///
    /// # Errors
    ///
    /// The OS's error.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: waiting again later works.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        if let Some(status) = self.status {
            return Ok(status);
        }
        let child = self.child.as_mut().expect("the child is kept until dropped");
        let status = self.exit.wait(child).await?;
        self.status = Some(status);
        Ok(status)
    }

    /// Sends `input` to the child's stdin (then closes it) while reading
    /// all of its stdout and stderr, then waits for it to exit; returns
    /// (stdout, stderr). Feeding and reading go on together, so a child that
    /// fills its output pipes before reading all its input cannot deadlock.
    /// A stream that was not piped gives an empty `Vec`.
    ///
    /// # Errors
    ///
    /// The OS's error. A child that exits without reading all its input is
    /// not an error (as in asyncio, the broken pipe is ignored).
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: the pipes are taken by the first call.
    pub async fn communicate(&mut self, input: Option<&[u8]>) -> io::Result<(Vec<u8>, Vec<u8>)> {
        let (stdin, stdout, stderr) = (self.stdin.take(), self.stdout.take(), self.stderr.take());
        let feed = async move {
            let Some(mut stdin) = stdin else { return Ok(()) };
            if let Some(input) = input {
                stdin.write(input);
            }
            stdin.close();
            match stdin.wait_closed().await {
                Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                other => other,
            }
        };
        let read_all = |pipe: Option<StreamReader>| async move {
            match pipe {
                Some(mut pipe) => pipe.read_to_end().await,
                None => Ok(Vec::new()),
            }
        };
        let (fed, out, err) = crate::gather!(feed, read_all(stdout), read_all(stderr)).await;
        fed?;
        self.wait().await?;
        Ok((out?, err?))
    }

    /// Kills the child with `SIGKILL`.
    ///
    /// # Errors
    ///
    /// The OS's error.
    pub fn kill(&mut self) -> io::Result<()> {
        self.send_signal(libc::SIGKILL)
    }

    /// Asks the child to stop with `SIGTERM`.
    ///
    /// # Errors
    ///
    /// The OS's error.
    pub fn terminate(&mut self) -> io::Result<()> {
        self.send_signal(libc::SIGTERM)
    }

    /// Sends `signal` to the child. Does nothing once the child was waited
    /// for (its pid may belong to another process by then).
    ///
    /// # Errors
    ///
    /// The OS's error, such as `InvalidInput` for an invalid signal.
    pub fn send_signal(&mut self, signal: i32) -> io::Result<()> {
        if self.status.is_some() {
            return Ok(());
        }
        match &self.exit {
            ExitWatch::PidFd(pidfd) => pidfd.get_ref().0.send_signal(signal),
            // Not reaped yet (checked above), so the pid was not reused.
            ExitWatch::SigChld(_) | ExitWatch::Taken => sys::kill(self.pid(), signal),
        }
    }
}

impl Drop for Process {
    /// Kills the child if asked to (`kill_on_drop`), and makes sure it is
    /// reaped once it exits: by a task of the running loop, or else (no
    /// loop, or the loop closed first) by a thread.
    fn drop(&mut self) {
        if self.status.is_some() {
            return;
        }
        let Some(mut child) = self.child.take() else { return };
        if self.kill_on_drop {
            let _ = child.kill();
        }
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        let mut orphan = Orphan(Some(child));
        if crate::try_get_running_loop().is_some() {
            let mut exit = std::mem::replace(&mut self.exit, ExitWatch::Taken);
            drop(crate::task::spawn::create_internal_task("corio: reaping a child", async move {
                if let Some(child) = &mut orphan.0 {
                    let _ = exit.wait(child).await;
                }
            }));
        }
    }
}

/// A child nobody will wait for. The reaping task holds it; if that task
/// is dropped before the child exits (the loop closed under it), or there
/// is no loop at all, a thread is left to wait for the child, so that no
/// zombie outlives it.
struct Orphan(Option<Child>);

impl Drop for Orphan {
    fn drop(&mut self) {
        let Some(mut child) = self.0.take() else { return };
        // `Child` remembers a status once reaped: `Some` here means done.
        if let Ok(None) = child.try_wait() {
            std::thread::spawn(move || child.wait());
        }
    }
}

impl fmt::Debug for Process {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Process").field("pid", &self.pid()).field("returncode", &self.returncode()).finish()
    }
}

/// How a `Process` learns that its child exited.
enum ExitWatch {
    /// A pidfd on the reactor: readable once the child exits.
    PidFd(Io<Fd<PidFd>>),
    /// Without pidfds: every `SIGCHLD` delivery to the loop.
    SigChld(crate::signal::Signal),
    /// Handed to the reaping task of a dropped `Process`.
    Taken,
}

impl ExitWatch {
    /// Waits until `child` has exited, and reaps it.
    async fn wait(&mut self, child: &mut Child) -> io::Result<ExitStatus> {
        match self {
            ExitWatch::PidFd(pidfd) => {
                poll_fn(|cx| {
                    pidfd.poll_io(cx, Direction::Read, |_| match child.try_wait()? {
                        Some(status) => Ok(status),
                        None => Err(io::ErrorKind::WouldBlock.into()),
                    })
                })
                .await
            }
            ExitWatch::SigChld(deliveries) => loop {
                if let Some(status) = child.try_wait()? {
                    return Ok(status);
                }
                // Some child of the process exited; maybe this one.
                std::future::poll_fn(|cx| Pin::new(&mut *deliveries).poll_next(cx)).await;
            },
            ExitWatch::Taken => unreachable!("only a dropped Process gives its watch away"),
        }
    }
}

/// A process file descriptor: readable once the process exits.
#[derive(Debug)]
struct PidFd(OwnedFd);

impl PidFd {
    fn open(pid: u32) -> io::Result<PidFd> {
        sys::pidfd_open(pid).map(PidFd)
    }

    fn send_signal(&self, signal: i32) -> io::Result<()> {
        sys::pidfd_send_signal(self.0.as_fd(), signal)
    }
}

impl AsRawFd for PidFd {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.0.as_raw_fd()
    }
}

/// The read end of a pipe from the child, as a stream.
struct PipeReader(Io<pipe::Receiver>);

/// The write end of a pipe to the child; closing it drops the descriptor so
/// the child reads end of file.
struct PipeWriter(RefCell<Option<Io<pipe::Sender>>>);

fn pipe_reader(receiver: pipe::Receiver) -> io::Result<StreamReader> {
    receiver.set_nonblocking(true)?;
    Ok(StreamReader::over(Rc::new(PipeReader(Io::new(receiver)?)), Rc::default()))
}

fn pipe_writer(sender: pipe::Sender) -> io::Result<StreamWriter> {
    sender.set_nonblocking(true)?;
    Ok(StreamWriter::over(Rc::new(PipeWriter(RefCell::new(Some(Io::new(sender)?)))), Rc::default()))
}

fn not_this_way() -> io::Error {
    io::Error::new(io::ErrorKind::Unsupported, "a pipe goes one way only, and has no address")
}

impl ByteSocket for PipeReader {
    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let len = buf.len();
        self.0.poll_stream(cx, Direction::Read, len, |mut pipe| pipe.read(buf))
    }
    fn poll_write(&self, _cx: &mut Context<'_>, _buf: &[u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(Err(not_this_way()))
    }
    fn shutdown(&self, _how: Shutdown) -> io::Result<()> {
        Ok(())
    }
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        Err(not_this_way())
    }
    fn local_addr(&self) -> io::Result<SocketAddr> {
        Err(not_this_way())
    }
}

impl ByteSocket for PipeWriter {
    fn poll_read(&self, _cx: &mut Context<'_>, _buf: &mut [u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(Err(not_this_way()))
    }
    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match &*self.0.borrow() {
            Some(io) => io.poll_stream(cx, Direction::Write, buf.len(), |mut pipe| pipe.write(buf)),
            None => Poll::Ready(Err(io::ErrorKind::BrokenPipe.into())),
        }
    }
    fn shutdown(&self, _how: Shutdown) -> io::Result<()> {
        let closed = self.0.borrow_mut().take();
        drop(closed);
        Ok(())
    }
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        Err(not_this_way())
    }
    fn local_addr(&self) -> io::Result<SocketAddr> {
        Err(not_this_way())
    }
}
