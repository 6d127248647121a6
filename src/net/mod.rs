//! Sockets on the running loop's reactor: `TcpListener`, `TcpStream` and
//! `UdpSocket` (asyncio's transports, in the shape Rust users expect).

pub(crate) mod io;
pub(crate) mod tcp;
pub(crate) mod udp;
