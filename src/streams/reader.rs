//! `StreamReader`: asyncio's buffered reading half of a connection.

use std::cell::Cell;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::rc::Rc;

use crate::error::{IncompleteReadError, LimitOverrunError};
use crate::net::byte_socket::ByteSocket;

/// The default limit of `readline` and `readuntil`: 64 KiB, as asyncio's.
pub const DEFAULT_LIMIT: usize = 64 * 1024;

/// How much one read from the socket asks for.
const CHUNK: usize = 64 * 1024;

/// The reading half of a connection, with asyncio's buffered reads
/// (`asyncio.StreamReader`).
///
/// Bytes are read from the socket into a buffer only when a read method
/// needs more, so a slow reader holds its peer back through TCP's flow
/// control. Every read method is cancel safe in one sense that matters: a
/// read dropped halfway loses no bytes; they stay in the buffer for the
/// next read. Dropping the reader alone closes nothing.
///
/// # Examples
///
/// ```
/// corio::run(async {
///     let server = corio::start_server(
///         |_reader, mut writer: corio::StreamWriter| async move {
///             writer.write(b"first line\nsecond");
///             writer.close();
///         },
///         "127.0.0.1",
///         0,
///     )
///     .await
///     .unwrap();
///     let port = server.local_addrs()[0].port();
///     let (mut reader, _writer) = corio::open_connection("127.0.0.1", port).await.unwrap();
///     assert_eq!(reader.readline().await.unwrap(), b"first line\n");
///     assert_eq!(reader.read_to_end().await.unwrap(), b"second");
///     assert!(reader.at_eof());
/// });
/// ```
pub struct StreamReader {
    socket: Rc<dyn ByteSocket>,
    /// Set once this connection's writer has closed it: nothing more is
    /// read (asyncio's `connection_lost` feeds the reader end of stream).
    closed: Rc<Cell<bool>>,
    buffer: Buffer,
    /// Where each socket read lands before its bytes join `buffer`: zeroed
    /// once, so reads do not zero-fill `buffer`'s growth every time.
    scratch: Box<[u8]>,
    eof: bool,
    limit: usize,
}

impl StreamReader {
    /// A reader of `socket`, whose writer sets `closed` when it closes it.
    pub(crate) fn over(socket: Rc<dyn ByteSocket>, closed: Rc<Cell<bool>>) -> StreamReader {
        StreamReader {
            socket,
            closed,
            buffer: Buffer::default(),
            scratch: Box::default(),
            eof: false,
            limit: DEFAULT_LIMIT,
        }
    }

    /// Reads from `socket` from now on (the TLS stream over the old one);
    /// what is buffered stays, as asyncio's reader keeps it.
    #[cfg(feature = "tls")]
    pub(crate) fn switch_to(&mut self, socket: Rc<dyn ByteSocket>, closed: Rc<Cell<bool>>) {
        (self.socket, self.closed) = (socket, closed);
    }

    /// Sets the limit of `readline` and `readuntil`.
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit;
    }

    /// Reads up to `n` bytes: what is buffered, or else one read from the
    /// socket. An empty result means end of stream.
    ///
    /// # Errors
    ///
    /// The socket's error.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: no byte is lost.
    pub async fn read(&mut self, n: usize) -> io::Result<Vec<u8>> {
        if n > 0 && self.buffer.is_empty() && !self.eof {
            self.fill().await?;
        }
        Ok(self.buffer.take(n.min(self.buffer.len())))
    }

    /// Reads until end of stream (asyncio's `read(-1)`).
    ///
    /// # Errors
    ///
    /// The socket's error.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: what was read stays buffered.
    pub async fn read_to_end(&mut self) -> io::Result<Vec<u8>> {
        while !self.eof {
            self.fill().await?;
        }
        Ok(self.buffer.take(self.buffer.len()))
    }

    /// Reads exactly `n` bytes.
    ///
    /// # Errors
    ///
    /// At end of stream, an `io::Error` of kind `UnexpectedEof` wrapping an
    /// [`IncompleteReadError`] with the bytes that came (they are
    /// consumed); else the socket's error.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the bytes stay buffered until all `n` are there.
    pub async fn readexactly(&mut self, n: usize) -> io::Result<Vec<u8>> {
        while self.buffer.len() < n && !self.eof {
            self.fill().await?;
        }
        if self.buffer.len() >= n {
            return Ok(self.buffer.take(n));
        }
        let partial = self.buffer.take(self.buffer.len());
        Err(io::Error::new(io::ErrorKind::UnexpectedEof, IncompleteReadError { partial, expected: Some(n) }))
    }

    /// Reads up to and including `separator`.
    ///
    /// # Errors
    ///
    /// - the separator is not within the limit: an `io::Error` of kind
    ///   `InvalidData` wrapping a [`LimitOverrunError`]; the buffered bytes
    ///   stay, to be read another way;
    /// - end of stream first: kind `UnexpectedEof` wrapping an
    ///   [`IncompleteReadError`] with the rest of the stream (consumed);
    /// - else the socket's error.
    ///
    /// # Panics
    ///
    /// Panics if `separator` is empty.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the bytes stay buffered until the separator arrives.
    pub async fn readuntil(&mut self, separator: &[u8]) -> io::Result<Vec<u8>> {
        assert!(!separator.is_empty(), "readuntil needs a non-empty separator");
        // asyncio's arithmetic, so that `LimitOverrunError::consumed` is
        // its: `offset` is how far the separator cannot start, so each byte
        // is looked at about once however the data arrives; the limit
        // bounds the bytes before the separator.
        let mut offset = 0;
        let found = loop {
            let len = self.buffer.len();
            if len - offset >= separator.len() {
                if let Some(at) = find(&self.buffer.as_slice()[offset..], separator) {
                    break offset + at;
                }
                offset = len + 1 - separator.len();
                if offset > self.limit {
                    return Err(limit_overrun("Separator is not found, and chunk exceed the limit", offset));
                }
            }
            if self.eof {
                let partial = self.buffer.take(len);
                let err = IncompleteReadError { partial, expected: None };
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, err));
            }
            self.fill().await?;
        };
        if found > self.limit {
            return Err(limit_overrun("Separator is found, but chunk is longer than limit", found));
        }
        Ok(self.buffer.take(found + separator.len()))
    }

    /// Reads one line, ending in `\n` (or the end of the stream: the last
    /// line comes back without it, then empty lines).
    ///
    /// # Errors
    ///
    /// A line longer than the limit (not counting its `\n`): an `io::Error`
    /// of kind `InvalidData` wrapping a [`LimitOverrunError`], and, as in
    /// asyncio, the buffer is discarded up to and including the separator
    /// (all of it if none was found). Else the socket's error.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the bytes stay buffered until the line is complete.
    pub async fn readline(&mut self) -> io::Result<Vec<u8>> {
        match self.readuntil(b"\n").await {
            Ok(line) => Ok(line),
            Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => {
                let partial = err.into_inner().and_then(|inner| inner.downcast::<IncompleteReadError>().ok());
                Ok(partial.map(|incomplete| incomplete.partial).unwrap_or_default())
            }
            Err(err) if err.kind() == io::ErrorKind::InvalidData => {
                let consumed = err.get_ref().and_then(|inner| inner.downcast_ref::<LimitOverrunError>());
                match consumed.map(|overrun| overrun.consumed) {
                    Some(at) if self.buffer.as_slice().get(at) == Some(&b'\n') => self.buffer.discard(at + 1),
                    _ => self.buffer.clear(),
                }
                Err(err)
            }
            Err(err) => Err(err),
        }
    }

    /// True once the stream has ended (or this connection's writer has
    /// closed it) and the buffer is empty.
    pub fn at_eof(&self) -> bool {
        (self.eof || self.closed.get()) && self.buffer.is_empty()
    }

    /// Reads once from the socket into the buffer; marks the end of the
    /// stream when the read returns nothing, or the connection was closed.
    async fn fill(&mut self) -> io::Result<()> {
        if self.closed.get() {
            self.eof = true;
            return Ok(());
        }
        if self.scratch.is_empty() {
            self.scratch = vec![0; CHUNK].into_boxed_slice();
        }
        let n = poll_fn(|cx| self.socket.poll_read(cx, &mut self.scratch)).await?;
        self.buffer.extend(&self.scratch[..n]);
        if n == 0 {
            self.eof = true;
        }
        Ok(())
    }
}

/// The bytes read and not yet taken: `bytes[start..]`. Taking from the
/// front moves `start`, not the bytes, so many short reads off a long buffer
/// cost what they take rather than what is left; the taken front is let go
/// when it is at least half of the vector and a read needs room.
#[derive(Default)]
struct Buffer {
    bytes: Vec<u8>,
    start: usize,
}

impl Buffer {
    fn as_slice(&self) -> &[u8] {
        &self.bytes[self.start..]
    }

    fn len(&self) -> usize {
        self.bytes.len() - self.start
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes the first `n` bytes out.
    fn take(&mut self, n: usize) -> Vec<u8> {
        if self.start == 0 && n == self.bytes.len() {
            return std::mem::take(&mut self.bytes);
        }
        let taken = self.as_slice()[..n].to_vec();
        self.discard(n);
        taken
    }

    /// Drops the first `n` bytes.
    fn discard(&mut self, n: usize) {
        assert!(n <= self.len());
        self.start += n;
        if self.start == self.bytes.len() {
            self.clear();
        }
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.start = 0;
    }

    fn extend(&mut self, data: &[u8]) {
        let needs_room = self.bytes.len() + data.len() > self.bytes.capacity();
        if needs_room && self.start >= self.len() {
            self.bytes.drain(..self.start);
            self.start = 0;
        }
        self.bytes.extend_from_slice(data);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

fn limit_overrun(message: &'static str, consumed: usize) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, LimitOverrunError::new(message, consumed))
}

impl fmt::Debug for StreamReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamReader")
            .field("buffered", &self.buffer.len())
            .field("eof", &self.eof)
            .field("limit", &self.limit)
            .finish()
    }
}
