//! The I/O sources registered with the reactor, and their cached readiness.
//!
//! # Implementation
//!
//! Each source (a socket) is registered with mio once, edge-triggered, for
//! both directions. Its slot here caches what epoll last reported, per
//! direction, with a waker per direction. Operations try their syscall
//! first — a fresh source counts as ready — and only on `WouldBlock` clear
//! the direction and park; so when a socket is ready an operation costs one
//! syscall.
//!
//! Two counters keep stale information harmless:
//! - each slot's `tick` counts events; an operation clears readiness only if
//!   no event arrived since it looked, so a clear can never erase a newer
//!   event (the edge would be lost for good);
//! - each slot's `generation` is part of its mio token, so an event for a
//!   source that was deregistered, and whose slot was reused, is ignored.
//!
//! Like the timers, this stores wakers, never tasks: a reactor turn hands
//! back the wakers to wake.

use std::task::{Context, Poll, Waker};

use mio::Token;
use slab::Slab;

/// A direction of readiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

/// Names one registered source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SourceKey {
    index: usize,
    generation: u32,
}

impl SourceKey {
    /// The mio token: the slot index below, the generation above.
    pub(crate) fn token(self) -> Token {
        Token(self.index | ((self.generation as usize) << 32))
    }

    fn from_token(token: Token) -> SourceKey {
        SourceKey { index: token.0 & 0xffff_ffff, generation: (token.0 >> 32) as u32 }
    }
}

/// What one epoll event says of a source.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Readiness {
    pub(crate) readable: bool,
    /// The peer will send no more (end of stream), or the socket failed.
    pub(crate) read_closed: bool,
    pub(crate) writable: bool,
    /// Writing can no longer succeed (the peer is gone), or the socket failed.
    pub(crate) write_closed: bool,
}

/// Readiness seen at a given tick; pass it back to [`Sources::clear`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadyAt {
    tick: u64,
}

#[derive(Debug, Default)]
struct DirectionState {
    ready: bool,
    /// The peer closed this direction (or the socket failed): it stays ready
    /// for good, so that a read that was short because end of stream
    /// follows still gets to read that end.
    closed: bool,
    /// Also set by errors and hang-ups, which wake both directions.
    waker: Option<Waker>,
}

#[derive(Debug)]
struct Slot {
    generation: u32,
    tick: u64,
    read: DirectionState,
    write: DirectionState,
}

impl Slot {
    fn direction(&mut self, direction: Direction) -> &mut DirectionState {
        match direction {
            Direction::Read => &mut self.read,
            Direction::Write => &mut self.write,
        }
    }
}

/// The registered sources of one reactor.
#[derive(Debug, Default)]
pub(crate) struct Sources {
    slots: Slab<Slot>,
    next_generation: u32,
}

impl Sources {
    /// Adds a source; it starts ready both ways, so its first operation
    /// tries the syscall.
    pub(crate) fn insert(&mut self) -> SourceKey {
        let generation = self.next_generation;
        self.next_generation = self.next_generation.wrapping_add(1);
        let ready = || DirectionState { ready: true, closed: false, waker: None };
        let index = self.slots.insert(Slot { generation, tick: 0, read: ready(), write: ready() });
        assert!(index <= 0xffff_ffff, "more than 4 billion sources");
        SourceKey { index, generation }
    }

    /// Removes a source; returns its wakers, to be woken (they would
    /// otherwise wait for ever).
    pub(crate) fn remove(&mut self, key: SourceKey) -> Vec<Waker> {
        if !self.is_live(key) {
            return Vec::new();
        }
        let slot = self.slots.remove(key.index);
        slot.read.waker.into_iter().chain(slot.write.waker).collect()
    }

    fn is_live(&self, key: SourceKey) -> bool {
        self.slots.get(key.index).is_some_and(|slot| slot.generation == key.generation)
    }

    /// `Ready` if the direction may be ready; else keeps `cx`'s waker.
    pub(crate) fn poll_ready(
        &mut self,
        key: SourceKey,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<ReadyAt> {
        let Some(slot) = self.slots.get_mut(key.index).filter(|slot| slot.generation == key.generation)
        else {
            // Deregistered: let the operation run and report the error.
            return Poll::Ready(ReadyAt { tick: 0 });
        };
        let tick = slot.tick;
        let state = slot.direction(direction);
        if state.ready {
            return Poll::Ready(ReadyAt { tick });
        }
        match &state.waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => state.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// Marks the direction not ready (after a `WouldBlock`, or an operation
    /// that showed the kernel's buffer drained), unless an event arrived
    /// since `seen` or the direction is closed.
    pub(crate) fn clear(&mut self, key: SourceKey, direction: Direction, seen: ReadyAt) {
        if let Some(slot) = self.slots.get_mut(key.index).filter(|slot| slot.generation == key.generation) {
            if slot.tick == seen.tick {
                let state = slot.direction(direction);
                state.ready = state.closed;
            }
        }
    }

    /// Records an event from epoll and collects the wakers it releases.
    pub(crate) fn dispatch(&mut self, token: Token, event: Readiness, wakers: &mut Vec<Waker>) {
        let key = SourceKey::from_token(token);
        let Some(slot) = self.slots.get_mut(key.index).filter(|slot| slot.generation == key.generation)
        else {
            return; // a source gone since; its slot may hold another now
        };
        slot.tick += 1;
        let directions = [
            (Direction::Read, event.readable, event.read_closed),
            (Direction::Write, event.writable, event.write_closed),
        ];
        for (direction, ready, closed) in directions {
            let state = slot.direction(direction);
            state.closed |= closed;
            if ready || closed {
                state.ready = true;
                wakers.extend(state.waker.take());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn context() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        (count.clone(), Waker::from(count))
    }

    #[test]
    fn a_new_source_is_ready_and_parks_after_a_clear() {
        let mut sources = Sources::default();
        let key = sources.insert();
        let (count, waker) = context();
        let mut cx = Context::from_waker(&waker);
        let Poll::Ready(seen) = sources.poll_ready(key, Direction::Read, &mut cx) else { panic!() };
        sources.clear(key, Direction::Read, seen);
        assert!(sources.poll_ready(key, Direction::Read, &mut cx).is_pending());
        assert!(sources.poll_ready(key, Direction::Write, &mut cx).is_ready(), "directions are apart");
        let mut wakers = Vec::new();
        sources.dispatch(key.token(), Readiness { readable: true, ..Readiness::default() }, &mut wakers);
        wakers.into_iter().for_each(Waker::wake);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(sources.poll_ready(key, Direction::Read, &mut cx).is_ready());
    }

    #[test]
    fn a_stale_clear_does_not_erase_a_newer_event() {
        let mut sources = Sources::default();
        let key = sources.insert();
        let (_, waker) = context();
        let mut cx = Context::from_waker(&waker);
        let Poll::Ready(seen) = sources.poll_ready(key, Direction::Read, &mut cx) else { panic!() };
        // An event arrives between the syscall's WouldBlock and the clear.
        sources.dispatch(key.token(), Readiness { readable: true, ..Readiness::default() }, &mut Vec::new());
        sources.clear(key, Direction::Read, seen);
        assert!(sources.poll_ready(key, Direction::Read, &mut cx).is_ready());
    }

    #[test]
    fn a_closed_direction_stays_ready_after_a_clear() {
        let mut sources = Sources::default();
        let key = sources.insert();
        let (_, waker) = context();
        let mut cx = Context::from_waker(&waker);
        // The last data and the end of stream came in one event.
        let event = Readiness { readable: true, read_closed: true, ..Readiness::default() };
        sources.dispatch(key.token(), event, &mut Vec::new());
        let Poll::Ready(seen) = sources.poll_ready(key, Direction::Read, &mut cx) else { panic!() };
        // A short read drained the data; the end of stream is still to read.
        sources.clear(key, Direction::Read, seen);
        assert!(sources.poll_ready(key, Direction::Read, &mut cx).is_ready());
    }

    #[test]
    fn an_event_for_a_reused_slot_is_ignored() {
        let mut sources = Sources::default();
        let old = sources.insert();
        sources.remove(old);
        let new = sources.insert();
        assert_eq!(old.index, new.index, "the slot was reused");
        let (_, waker) = context();
        let mut cx = Context::from_waker(&waker);
        let Poll::Ready(seen) = sources.poll_ready(new, Direction::Read, &mut cx) else { panic!() };
        sources.clear(new, Direction::Read, seen);
        assert!(sources.poll_ready(new, Direction::Read, &mut cx).is_pending());
        let mut wakers = Vec::new();
        sources.dispatch(
            old.token(),
            Readiness { readable: true, writable: true, ..Readiness::default() },
            &mut wakers,
        );
        assert!(wakers.is_empty(), "the old source's event must not wake the new one");
        assert!(sources.poll_ready(new, Direction::Read, &mut cx).is_pending());
    }
}
