//! Names to addresses: what [`TcpStream::connect`](crate::TcpStream::connect)
//! takes ([`ConnectAddr`]), and the resolver, which runs the system's
//! `getaddrinfo` on the loop's thread pool, as asyncio runs it in its
//! executor.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// What [`TcpStream::connect`](crate::TcpStream::connect) connects to:
/// addresses (`SocketAddr`, `(IpAddr, u16)`, a slice of them), or a host
/// name with a port (`"localhost:8080"`, `("example.com", 443)`), resolved
/// off the loop's thread. Sealed: corio resolves it.
pub trait ConnectAddr: sealed::Sealed {}

mod sealed {
    use std::net::SocketAddr;

    /// A host to resolve, or addresses already known.
    #[derive(Debug)]
    pub enum Target {
        Addrs(Vec<SocketAddr>),
        Host(String, u16),
    }

    pub trait Sealed {
        fn target(&self) -> std::io::Result<Target>;
    }
}

use sealed::{Sealed, Target};

/// `Sealed` (what the value names) and `ConnectAddr` for each type.
macro_rules! targets {
    ($($ty:ty => |$value:ident| $target:expr;)*) => {$(
        impl Sealed for $ty {
            fn target(&self) -> io::Result<Target> {
                let $value = self;
                $target
            }
        }
        impl ConnectAddr for $ty {}
    )*};
}

targets! {
    SocketAddr => |addr| Ok(Target::Addrs(vec![*addr]));
    SocketAddrV4 => |addr| Ok(Target::Addrs(vec![SocketAddr::V4(*addr)]));
    SocketAddrV6 => |addr| Ok(Target::Addrs(vec![SocketAddr::V6(*addr)]));
    (IpAddr, u16) => |pair| Ok(Target::Addrs(vec![SocketAddr::new(pair.0, pair.1)]));
    (Ipv4Addr, u16) => |pair| Ok(Target::Addrs(vec![SocketAddr::new(IpAddr::V4(pair.0), pair.1)]));
    (Ipv6Addr, u16) => |pair| Ok(Target::Addrs(vec![SocketAddr::new(IpAddr::V6(pair.0), pair.1)]));
    [SocketAddr] => |addrs| Ok(Target::Addrs(addrs.to_vec()));
    Vec<SocketAddr> => |addrs| Ok(Target::Addrs(addrs.clone()));
    (&str, u16) => |pair| Ok(host_target(pair.0, pair.1));
    (String, u16) => |pair| Ok(host_target(&pair.0, pair.1));
    // "host:port", "1.2.3.4:port" or "[::1]:port".
    str => |text| parse_host_port(text);
    String => |text| parse_host_port(text);
}

fn parse_host_port(text: &str) -> io::Result<Target> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(Target::Addrs(vec![addr]));
    }
    let invalid = || io::Error::new(io::ErrorKind::InvalidInput, format!("{text:?} is not host:port"));
    let (host, port) = text.rsplit_once(':').ok_or_else(invalid)?;
    let port = port.parse().map_err(|_| invalid())?;
    Ok(host_target(host, port))
}

impl<T: Sealed + ?Sized> Sealed for &T {
    fn target(&self) -> io::Result<Target> {
        (**self).target()
    }
}
impl<T: ConnectAddr + ?Sized> ConnectAddr for &T {}

fn host_target(host: &str, port: u16) -> Target {
    match host.parse::<IpAddr>() {
        Ok(ip) => Target::Addrs(vec![SocketAddr::new(ip, port)]),
        Err(_) => Target::Host(host.to_owned(), port),
    }
}

/// The addresses of `target`: at once for addresses, else from the system
/// resolver on the loop's thread pool.
///
/// # Errors
///
/// A malformed `"host:port"`, or the resolver's error.
pub(crate) async fn resolve(target: &(impl ConnectAddr + ?Sized)) -> io::Result<Vec<SocketAddr>> {
    match target.target()? {
        Target::Addrs(addrs) => Ok(addrs),
        Target::Host(host, port) => {
            let lookup =
                move || std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port)).map(Vec::from_iter);
            crate::to_thread(lookup).await.map_err(io::Error::from)?
        }
    }
}
