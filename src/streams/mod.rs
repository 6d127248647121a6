//! asyncio's streams: `StreamReader`, `StreamWriter`, `open_connection`,
//! `start_server` and their Unix-domain twins.

#[cfg(feature = "futures-io")]
pub(crate) mod foreign;
pub(crate) mod reader;
pub(crate) mod server;
#[cfg(feature = "tls")]
pub(crate) mod tls;
pub(crate) mod writer;

use std::cell::Cell;
use std::rc::Rc;

use crate::net::byte_socket::ByteSocket;
use reader::StreamReader;
use writer::StreamWriter;

/// Splits a connected socket into asyncio's two stream halves; the reader
/// learns when the writer has closed the connection.
pub(crate) fn split(socket: Rc<dyn ByteSocket>) -> (StreamReader, StreamWriter) {
    let closed = Rc::new(Cell::new(false));
    (StreamReader::over(socket.clone(), closed.clone()), StreamWriter::over(socket, closed))
}
