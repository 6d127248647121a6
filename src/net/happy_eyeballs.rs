//! Happy Eyeballs (RFC 8305), as asyncio's `create_connection` does it with
//! `happy_eyeballs_delay` and `interleave`: the addresses of a host, their
//! families interleaved, are tried in a staggered race, each attempt
//! starting when the one before fails or `delay` passes without an answer;
//! the first connection made wins, and the attempts still running are
//! dropped (their sockets closed).

use std::future::{poll_fn, Future};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use super::resolve::resolve;
use super::tcp::TcpStream;
use crate::time::clock::deadline_after;
use crate::time::sleep::Sleep;

type Attempt = Pin<Box<dyn Future<Output = io::Result<TcpStream>>>>;

/// How the addresses of a host are tried: asyncio's `happy_eyeballs_delay`
/// and `interleave` keywords.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Staggering {
    /// Without it, each address is tried only after the one before failed.
    pub(crate) delay: Option<Duration>,
    /// Without it: 1 with a delay, the resolver's order without.
    pub(crate) interleave: Option<usize>,
}

/// Resolves `host` (off the loop's thread) and connects to one of its
/// addresses, tried as `staggering` says; sets `TCP_NODELAY`, as asyncio
/// does on every TCP transport.
///
/// # Errors
///
/// The resolver's error, `NotFound` if `host` has no address, else as
/// [`connect_staggered`].
pub(crate) async fn connect_host(host: &str, port: u16, staggering: Staggering) -> io::Result<TcpStream> {
    let addrs = resolve(&(host, port)).await?;
    if addrs.is_empty() {
        return Err(io::Error::new(io::ErrorKind::NotFound, format!("{host} has no address")));
    }
    let addrs = match staggering.interleave.or(staggering.delay.map(|_| 1)) {
        Some(first_family_count) if first_family_count > 0 => interleave(addrs, first_family_count),
        _ => addrs,
    };
    let stream = match staggering.delay {
        Some(delay) => connect_staggered(addrs, delay).await?,
        None => connect_in_turn(addrs).await?,
    };
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Reorders `addrs` as asyncio's `_interleave_addrinfos`: grouped by family
/// in the order the families first appear, the first `first_family_count`
/// (at least one) from the first family, then one of each family in turn.
pub(crate) fn interleave(addrs: Vec<SocketAddr>, first_family_count: usize) -> Vec<SocketAddr> {
    let mut families: Vec<Vec<SocketAddr>> = Vec::new();
    for addr in addrs {
        match families.iter_mut().find(|family| family[0].is_ipv4() == addr.is_ipv4()) {
            Some(family) => family.push(addr),
            None => families.push(vec![addr]),
        }
    }
    let mut queues: Vec<std::vec::IntoIter<SocketAddr>> = families.into_iter().map(Vec::into_iter).collect();
    let mut ordered: Vec<SocketAddr> = match queues.first_mut() {
        Some(first) => first.by_ref().take(first_family_count.saturating_sub(1)).collect(),
        None => return Vec::new(),
    };
    loop {
        let before = ordered.len();
        ordered.extend(queues.iter_mut().filter_map(Iterator::next));
        if ordered.len() == before {
            return ordered;
        }
    }
}

/// Connects to each of `addrs` in turn, until one answers: the race
/// without Happy Eyeballs, where an attempt starts only when the one before
/// failed, with none of its timer and boxes.
///
/// # Errors
///
/// As [`connect_staggered`].
pub(crate) async fn connect_in_turn(addrs: Vec<SocketAddr>) -> io::Result<TcpStream> {
    let mut errors = Vec::new();
    for addr in addrs {
        match TcpStream::connect_addr(addr).await {
            Ok(stream) => return Ok(stream),
            Err(err) => errors.push(Some(err)),
        }
    }
    Err(all_failed(&mut errors))
}

/// Connects to the first of `addrs` that answers, starting the next
/// attempt when the one started last failed, or `delay` passed since it
/// started (asyncio's `staggered_race`).
///
/// # Errors
///
/// When every attempt failed: the error, if there was one or all say the
/// same; else "Multiple exceptions: …" listing them in the order the
/// attempts started, as asyncio's `create_connection` raises. `NotFound`
/// for no address.
pub(crate) async fn connect_staggered(addrs: Vec<SocketAddr>, delay: Duration) -> io::Result<TcpStream> {
    let mut waiting = addrs.into_iter();
    let mut running: Vec<(usize, Attempt)> = Vec::new();
    let mut errors: Vec<Option<io::Error>> = Vec::new();
    let mut next_start = crate::sleep(delay);
    // The first attempt starts at once, and so does the next one when the
    // last one started fails (RFC 8305, 5).
    let mut start_now = true;
    poll_fn(|cx| loop {
        if start_now || Pin::new(&mut next_start).poll(cx).is_ready() {
            start_now = false;
            if let Some(addr) = waiting.next() {
                running.push((errors.len(), Box::pin(TcpStream::connect_addr(addr))));
                errors.push(None);
                // Polled again at once, which arms its timer.
                restart(&mut next_start, delay);
                continue;
            }
        }
        let mut latest_failed = false;
        let mut index = 0;
        while index < running.len() {
            let (attempt, connect) = &mut running[index];
            match connect.as_mut().poll(cx) {
                Poll::Ready(Ok(stream)) => return Poll::Ready(Ok(stream)),
                Poll::Ready(Err(err)) => {
                    latest_failed |= *attempt + 1 == errors.len();
                    errors[*attempt] = Some(err);
                    drop(running.swap_remove(index));
                }
                Poll::Pending => index += 1,
            }
        }
        if running.is_empty() && waiting.len() == 0 {
            return Poll::Ready(Err(all_failed(&mut errors)));
        }
        if !latest_failed {
            return Poll::Pending;
        }
        start_now = true;
    })
    .await
}

/// The error of a race every attempt lost.
fn all_failed(errors: &mut Vec<Option<io::Error>>) -> io::Error {
    let mut errors: Vec<io::Error> = errors.drain(..).flatten().collect();
    if errors.is_empty() {
        return io::Error::new(io::ErrorKind::NotFound, "no address to connect to");
    }
    let first = errors[0].to_string();
    if errors.iter().all(|err| err.to_string() == first) {
        return errors.swap_remove(0);
    }
    let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
    io::Error::other(format!("Multiple exceptions: {}", all.join(", ")))
}

fn restart(timer: &mut Sleep, delay: Duration) {
    timer.reset(deadline_after(crate::time(), delay));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(n: u8) -> SocketAddr {
        SocketAddr::from(([10, 0, 0, n], 80))
    }

    fn v6(n: u16) -> SocketAddr {
        SocketAddr::from(([0xfd00, 0, 0, 0, 0, 0, 0, n], 80))
    }

    /// CPython 3.11's `base_events._interleave_addrinfos` gives these
    /// orders for the same families.
    #[test]
    fn interleaves_as_asyncio() {
        let addrs = vec![v6(1), v6(2), v6(3), v4(1), v4(2)];
        assert_eq!(interleave(addrs.clone(), 1), [v6(1), v4(1), v6(2), v4(2), v6(3)]);
        assert_eq!(interleave(addrs.clone(), 2), [v6(1), v6(2), v4(1), v6(3), v4(2)]);
        assert_eq!(interleave(addrs, 0), [v6(1), v4(1), v6(2), v4(2), v6(3)]);
        assert_eq!(interleave(vec![v4(1), v6(1), v4(2)], 1), [v4(1), v6(1), v4(2)]);
        assert_eq!(interleave(Vec::new(), 1), []);
    }

    /// A listener whose accept queue is full drops new SYNs: a connect to it
    /// hangs, as one to an address that does not answer. Returns it, and a
    /// connection that proved it full (kept open).
    async fn unanswering_address() -> (std::net::TcpListener, Vec<TcpStream>, SocketAddr) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mut queued = Vec::new();
        loop {
            match crate::wait_for(Duration::from_millis(300), TcpStream::connect_addr(addr)).await {
                Ok(stream) => queued.push(stream.unwrap()),
                Err(_) => return (listener, queued, addr),
            }
            assert!(queued.len() < 10_000, "the accept queue never filled");
        }
    }

    #[test]
    fn a_silent_address_gives_way_after_the_delay() {
        crate::run(async {
            let (_full, _queued, silent) = unanswering_address().await;
            let live = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let live_addr = live.local_addr().unwrap();
            let started = std::time::Instant::now();
            let stream = connect_staggered(vec![silent, live_addr], Duration::from_millis(50)).await.unwrap();
            assert_eq!(stream.peer_addr().unwrap(), live_addr);
            // Without the race it would wait for the kernel's SYN retries (a
            // minute and more); the generous bound only rules that out.
            assert!(started.elapsed() < Duration::from_secs(20));
        });
    }

    #[test]
    fn a_refused_address_gives_way_at_once_and_refusals_report_once() {
        crate::run(async {
            let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
            let live = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let live_addr = live.local_addr().unwrap();
            // A delay of an hour: only the refusal can start the second attempt.
            let stream = connect_staggered(vec![closed, live_addr], Duration::from_secs(3600)).await.unwrap();
            assert_eq!(stream.peer_addr().unwrap(), live_addr);
            let err = connect_staggered(vec![closed], Duration::from_secs(3600)).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
            // Two refusals say the same: that error, not a list.
            let err = connect_staggered(vec![closed, closed], Duration::from_secs(3600)).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
            let none = connect_staggered(Vec::new(), Duration::from_secs(1)).await.unwrap_err();
            assert_eq!(none.kind(), io::ErrorKind::NotFound);
        });
    }
}
