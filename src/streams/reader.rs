//! `StreamReader`: asyncio's buffered reading half of a connection.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::rc::Rc;

use super::ByteSocket;
use crate::error::{IncompleteReadError, LimitOverrunError};

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
    buffer: Vec<u8>,
    /// Where each socket read lands before its bytes join `buffer`: zeroed
    /// once, so reads do not zero-fill `buffer`'s growth every time.
    scratch: Box<[u8]>,
    eof: bool,
    limit: usize,
}

impl StreamReader {
    pub(crate) fn new(socket: Rc<dyn ByteSocket>) -> StreamReader {
        StreamReader { socket, buffer: Vec::new(), scratch: Box::default(), eof: false, limit: DEFAULT_LIMIT }
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
        Ok(self.take(n.min(self.buffer.len())))
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
        Ok(self.take(self.buffer.len()))
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
            return Ok(self.take(n));
        }
        let partial = self.take(self.buffer.len());
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
        // Where the separator could still start, so each byte is looked at
        // about once however the data arrives.
        let mut searched = 0;
        loop {
            if let Some(at) = find(&self.buffer[searched..], separator).map(|at| at + searched) {
                let end = at + separator.len();
                if end > self.limit {
                    return Err(limit_overrun("Separator is found, but chunk is longer than limit", at));
                }
                return Ok(self.take(end));
            }
            if self.buffer.len() > self.limit {
                let len = self.buffer.len();
                return Err(limit_overrun("Separator is not found, and chunk exceed the limit", len));
            }
            if self.eof {
                let partial = self.take(self.buffer.len());
                let err = IncompleteReadError { partial, expected: None };
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, err));
            }
            searched = self.buffer.len().saturating_sub(separator.len() - 1);
            self.fill().await?;
        }
    }

    /// Reads one line, ending in `\n` (or the end of the stream: the last
    /// line comes back without it, then empty lines).
    ///
    /// # Errors
    ///
    /// A line longer than the limit: an `io::Error` of kind `InvalidData`
    /// wrapping a [`LimitOverrunError`], and, as in asyncio, the buffer is
    /// discarded up to and including the separator (all of it if none was
    /// found). Else the socket's error.
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
                match find(&self.buffer, b"\n") {
                    Some(at) => drop(self.take(at + 1)),
                    None => self.buffer.clear(),
                }
                Err(err)
            }
            Err(err) => Err(err),
        }
    }

    /// True once the stream has ended and the buffer is empty.
    pub fn at_eof(&self) -> bool {
        self.eof && self.buffer.is_empty()
    }

    /// Reads once from the socket into the buffer; marks the end of the
    /// stream when the read returns nothing.
    async fn fill(&mut self) -> io::Result<()> {
        if self.scratch.is_empty() {
            self.scratch = vec![0; CHUNK].into_boxed_slice();
        }
        let n = poll_fn(|cx| self.socket.poll_read(cx, &mut self.scratch)).await?;
        self.buffer.extend_from_slice(&self.scratch[..n]);
        if n == 0 {
            self.eof = true;
        }
        Ok(())
    }

    fn take(&mut self, n: usize) -> Vec<u8> {
        let rest = self.buffer.split_off(n);
        std::mem::replace(&mut self.buffer, rest)
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
