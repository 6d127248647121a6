//! The driver: the internal task that runs one stream transport, calling
//! its protocol as bytes come and sending its buffer as the socket takes
//! it.

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};

use super::call;
use super::control::{pause_writing, Next};
use super::feed::Feed;
use super::transport::Transport;
use crate::net::byte_socket::ByteSocket;
use crate::task::promise::Resolver;
use crate::task::spawn::create_internal_task;

/// What one read may take at most, as asyncio's `max_size`.
const READ_SIZE: usize = 256 * 1024;

/// The buffer a driver reads into.
pub(crate) type ReadBuffer = Rc<RefCell<Box<[u8]>>>;

thread_local! {
    /// One read buffer for every driver of the thread's loops (their reads
    /// never overlap), freed when the last driver goes.
    static READ_BUFFER: RefCell<Weak<RefCell<Box<[u8]>>>> = const { RefCell::new(Weak::new()) };
}

pub(crate) fn read_buffer() -> ReadBuffer {
    READ_BUFFER.with(|shared| {
        let live = shared.borrow().upgrade();
        live.unwrap_or_else(|| {
            let buffer = Rc::new(RefCell::new(vec![0; READ_SIZE].into_boxed_slice()));
            *shared.borrow_mut() = Rc::downgrade(&buffer);
            buffer
        })
    })
}

/// Starts a transport of `socket` for `protocol`: its driver calls
/// `connection_made` on the next turn, then resolves `made`.
pub(crate) fn start<Kind: 'static, P: Feed<Kind>>(
    socket: Rc<dyn ByteSocket>,
    protocol: Rc<RefCell<P>>,
    made: Option<Resolver<()>>,
) -> Transport {
    let transport = Transport::new(socket, pause_writing(&protocol, Feed::pause));
    let driver = Driver {
        transport: transport.clone(),
        protocol,
        buffer: read_buffer(),
        made,
        started: false,
        eof_seen: false,
        lost: false,
        kind: PhantomData,
    };
    drop(create_internal_task("corio: transport", driver));
    transport
}

struct Driver<Kind, P: Feed<Kind>> {
    transport: Transport,
    protocol: Rc<RefCell<P>>,
    buffer: ReadBuffer,
    made: Option<Resolver<()>>,
    started: bool,
    /// The peer ended its side: nothing more to read.
    eof_seen: bool,
    /// `connection_lost` was called.
    lost: bool,
    kind: PhantomData<fn() -> Kind>,
}

impl<Kind, P: Feed<Kind>> Future for Driver<Kind, P> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let inner = this.transport.inner.clone();
        if !this.started {
            this.started = true;
            inner.next(cx.waker());
            let transport = this.transport.clone();
            this.call("connection_made", |protocol| protocol.made(transport));
            if let Some(made) = this.made.take() {
                made.resolve(());
            }
            // asyncio starts reading a callback later, after what this
            // turn made ready (such as the task that awaited the
            // connection).
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        loop {
            match inner.next(cx.waker()) {
                Next::Pause => {
                    this.call("pause_writing", Feed::pause);
                    continue;
                }
                Next::Lose(error) => {
                    this.lose(error);
                    return Poll::Ready(());
                }
                Next::Serve => {}
            }
            if inner.flush(cx).resume {
                this.call("resume_writing", Feed::resume);
            }
            if inner.is_lost() {
                continue;
            }
            if !inner.is_reading() || this.eof_seen {
                return Poll::Pending;
            }
            let mut shared = this.buffer.borrow_mut();
            let mut read = |buf: &mut [u8]| inner.poll_read(cx, buf);
            let received = this.call("data_received", |protocol| protocol.receive(&mut shared, &mut read));
            drop(shared);
            match received {
                None => continue,
                Some((Poll::Pending, _)) => return Poll::Pending,
                Some((Poll::Ready(Ok(0)), _)) => this.on_eof(),
                Some((Poll::Ready(Ok(n)), len)) if n == len => {
                    // The socket may hold more: read again after the
                    // turn's other work.
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                Some((Poll::Ready(Ok(_)), _)) => {}
                Some((Poll::Ready(Err(error)), _)) => inner.force_close(Some(error)),
            }
        }
    }
}

impl<Kind, P: Feed<Kind>> Driver<Kind, P> {
    /// Calls the protocol; a panic closes the transport with its error.
    fn call<R>(&self, what: &str, callback: impl FnOnce(&mut P) -> R) -> Option<R> {
        match call(&self.protocol, what, callback) {
            Ok(result) => Some(result),
            Err(error) => {
                self.transport.inner.force_close(Some(error));
                None
            }
        }
    }

    /// asyncio's `_read_ready__on_eof`: the protocol keeps the transport
    /// open for writing, or it is closed.
    fn on_eof(&mut self) {
        self.eof_seen = true;
        if self.call("eof_received", Feed::eof) == Some(false) {
            self.transport.close();
        }
    }

    fn lose(&mut self, error: Option<io::Error>) {
        self.lost = true;
        let _ = call(&self.protocol, "connection_lost", |protocol| protocol.lost(error));
        self.transport.inner.release();
    }
}

impl<Kind, P: Feed<Kind>> Drop for Driver<Kind, P> {
    /// Dropped before `connection_lost` (the loop closing, or its task
    /// cancelled): the protocol still hears of it, once.
    fn drop(&mut self) {
        if self.started && !self.lost {
            self.lose(None);
        }
    }
}
