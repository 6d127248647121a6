//! The driver: the internal task that runs one stream transport, calling
//! its protocol as bytes come and sending its buffer as the socket takes
//! it.

use std::cell::RefCell;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use super::call;
use super::control::{poll_drive, Drive, Life, Next, Pauser};
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
    let transport = Transport::new(socket, Pauser::new(&protocol, Feed::pause));
    let driver = Driver {
        transport: transport.clone(),
        protocol,
        buffer: read_buffer(),
        life: Life::new(made),
        eof_seen: false,
        kind: PhantomData,
    };
    drop(create_internal_task("corio: transport", driver));
    transport
}

struct Driver<Kind, P: Feed<Kind>> {
    transport: Transport,
    protocol: Rc<RefCell<P>>,
    buffer: ReadBuffer,
    life: Life,
    /// The peer ended its side: nothing more to read.
    eof_seen: bool,
    kind: PhantomData<fn() -> Kind>,
}

impl<Kind, P: Feed<Kind>> Future for Driver<Kind, P> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        poll_drive(self.get_mut(), cx)
    }
}

impl<Kind, P: Feed<Kind>> Drive for Driver<Kind, P> {
    fn life(&mut self) -> &mut Life {
        &mut self.life
    }

    fn next(&self, waker: &Waker) -> Next {
        self.transport.inner.next(waker)
    }

    fn connection_made(&mut self) {
        let transport = self.transport.clone();
        self.call("connection_made", |protocol| protocol.made(transport));
    }

    fn pause_writing(&mut self) {
        self.call("pause_writing", Feed::pause);
    }

    fn lose(&mut self) {
        if self.life.end() {
            let error = self.transport.inner.take_lost();
            let _ = call(&self.protocol, "connection_lost", |protocol| protocol.lost(error));
            self.transport.inner.release();
        }
    }

    fn serve(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let inner = self.transport.inner.clone();
        if inner.flush(cx) {
            self.call("resume_writing", Feed::resume);
        }
        inner.end_if_flushed();
        if inner.is_lost() {
            return Poll::Ready(());
        }
        if !inner.is_reading() || self.eof_seen {
            return Poll::Pending;
        }
        let mut shared = self.buffer.borrow_mut();
        let mut read = |buf: &mut [u8]| inner.poll_read(cx, buf);
        let received = self.call(P::RECEIVED, |protocol| protocol.receive(&mut shared, &mut read));
        drop(shared);
        match received {
            None => {}
            Some((Poll::Pending, _)) => return Poll::Pending,
            Some((Poll::Ready(Ok(0)), _)) => self.on_eof(),
            Some((Poll::Ready(Ok(n)), len)) if n == len => {
                // The socket may hold more: read again after the turn's
                // other work.
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            Some((Poll::Ready(Ok(_)), _)) => {}
            Some((Poll::Ready(Err(error)), _)) => inner.force_close(Some(error)),
        }
        Poll::Ready(())
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
}

impl<Kind, P: Feed<Kind>> Drop for Driver<Kind, P> {
    /// Dropped before `connection_lost` (the loop closing, or its task
    /// cancelled): the protocol still hears of it, once.
    fn drop(&mut self) {
        self.lose();
    }
}
