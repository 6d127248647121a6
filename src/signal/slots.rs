//! The table the C signal handler reads: one slot per loop that handles
//! signals, with the write end of that loop's self-pipe and the signals it
//! wants.
//!
//! The handler may only do async-signal-safe work, so it takes no lock and
//! allocates nothing: it walks a linked list of slots with atomic loads.
//! Slots are allocated outside the handler, leaked and reused, never freed,
//! so the list grows to the most loops that ever handled signals at once
//! and a slot the handler holds stays valid for ever.
//!
//! A loop gives its slot back before closing its pipe, and must not close
//! it while a handler may still write to it: the descriptor's number could
//! be reused by then, and the byte land in an unrelated file. So the pipe
//! and the count of handlers using it share one word: a handler reads the
//! pipe in the very step that counts it in, and the loop, having cleared
//! the pipe, waits until the count is zero. Either the handler's step comes
//! first in the word's order (the loop sees the count and waits), or the
//! loop's (the handler sees no pipe): one word needs no fence.

use std::os::fd::RawFd;
use std::sync::OnceLock;

use crate::atomic::{spin_loop, yield_now, AtomicU64, Ordering};

/// The pipe half of a free slot's word (no descriptor is this large).
const FREE: u64 = u32::MAX as u64;

pub(super) struct Slot {
    /// The write end of the loop's self-pipe in the high half (`FREE` when
    /// no loop has the slot); in the low half, how many handlers are
    /// between reading the pipe and finishing their write.
    pipe_and_writers: AtomicU64,
    /// Bit `sig - 1`: the loop wants signal `sig`.
    wanted: AtomicU64,
    next: OnceLock<&'static Slot>,
}

fn pipe_of(word: u64) -> Option<RawFd> {
    let pipe = word >> 32;
    (pipe != FREE).then_some(pipe as RawFd)
}

fn writers_of(word: u64) -> u64 {
    word & u64::from(u32::MAX)
}

/// The first slot; each slot links the next.
static SLOTS: OnceLock<&'static Slot> = OnceLock::new();

/// The bit of `signal` (1 to 64) in a `wanted` mask.
pub(super) fn bit(signal: i32) -> u64 {
    1 << (signal - 1)
}

/// Every slot, free or not. Safe in a signal handler: `OnceLock::get`
/// "never blocks" (std's documentation; it is one atomic load) and
/// allocates nothing. (A child made by `fork` while a handler was counted
/// in would wait for it for ever in `release`; corio's children `exec` at
/// once, as `std::process::Command` does.)
pub(super) fn all() -> impl Iterator<Item = &'static Slot> {
    std::iter::successors(SLOTS.get().copied(), |slot| slot.next.get().copied())
}

/// A free slot, now holding `pipe`; a new one if every slot is taken. Not
/// for the signal handler (it may allocate).
pub(super) fn claim(pipe: RawFd) -> &'static Slot {
    let mut link = &SLOTS;
    loop {
        let slot = *link.get_or_init(|| Box::leak(Box::new(Slot::new())));
        if slot.try_claim(pipe) {
            return slot;
        }
        link = &slot.next;
    }
}

impl Slot {
    fn new() -> Slot {
        Slot {
            pipe_and_writers: AtomicU64::new(FREE << 32),
            wanted: AtomicU64::new(0),
            next: OnceLock::new(),
        }
    }

    /// Takes the slot for `pipe` if it is free. (Handlers that found it
    /// free may still be counted in; they keep their count.)
    fn try_claim(&self, pipe: RawFd) -> bool {
        let pipe = u64::try_from(pipe).expect("a descriptor is not negative");
        self.pipe_and_writers
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |word| {
                pipe_of(word).is_none().then_some(pipe << 32 | writers_of(word))
            })
            .is_ok()
    }

    /// The handler's side: calls `write` with the pipe if its loop wants
    /// `signal`. The pipe stays open until `write` returns.
    pub(super) fn deliver(&self, signal: i32, write: impl FnOnce(RawFd)) {
        let word = self.pipe_and_writers.fetch_add(1, Ordering::Acquire);
        if let Some(pipe) = pipe_of(word) {
            if self.wants(signal) {
                write(pipe);
            }
        }
        self.pipe_and_writers.fetch_sub(1, Ordering::Release);
    }

    /// Whether the loop wants `signal`.
    pub(super) fn wants(&self, signal: i32) -> bool {
        self.wanted.load(Ordering::Acquire) & bit(signal) != 0
    }

    pub(super) fn want(&self, signal: i32) {
        self.wanted.fetch_or(bit(signal), Ordering::AcqRel);
    }

    /// Stops wanting `signal`; returns whether it was wanted.
    pub(super) fn unwant(&self, signal: i32) -> bool {
        self.wanted.fetch_and(!bit(signal), Ordering::AcqRel) & bit(signal) != 0
    }

    /// Gives the slot back; returns the signals it wanted. Once this
    /// returns, no handler is writing to the pipe or will: the loop may
    /// close it.
    pub(super) fn release(&self) -> u64 {
        let wanted = self.wanted.swap(0, Ordering::AcqRel);
        self.pipe_and_writers.fetch_or(FREE << 32, Ordering::AcqRel);
        // A handler is a few instructions long and never blocks; one on a
        // thread that was descheduled mid-write is waited for by yielding.
        let mut spins = 0u32;
        while writers_of(self.pipe_and_writers.load(Ordering::Acquire)) != 0 {
            if spins < 100 {
                spins += 1;
                spin_loop();
            } else {
                yield_now();
            }
        }
        wanted
    }
}

#[cfg(all(test, corio_loom))]
mod loom_tests {
    //! The slot's hand-back under every interleaving loom finds.

    use super::Slot;
    use loom::sync::atomic::{AtomicBool, Ordering};
    use loom::sync::Arc;
    use loom::thread;

    const SIGNAL: i32 = 10;

    /// A signal arrives on another thread while the loop gives its slot
    /// back and closes the pipe: the handler never writes to the closed
    /// pipe, and a new loop claiming the slot gets only its own bytes.
    #[test]
    fn loom_a_handler_never_writes_to_a_closed_pipe() {
        loom::model(|| {
            let slot = Arc::new(Slot::new());
            let open = Arc::new([AtomicBool::new(true), AtomicBool::new(true)]);
            assert!(slot.try_claim(0));
            slot.want(SIGNAL);
            let handler = {
                let (slot, open) = (slot.clone(), open.clone());
                thread::spawn(move || {
                    slot.deliver(SIGNAL, |pipe| {
                        assert_eq!(pipe, 0, "a byte for the loop that never asked");
                        assert!(open[pipe as usize].load(Ordering::Relaxed), "a write to a closed pipe");
                    });
                })
            };
            assert_ne!(slot.release() & super::bit(SIGNAL), 0);
            open[0].store(false, Ordering::Relaxed);
            assert!(slot.try_claim(1), "a released slot is free");
            handler.join().unwrap();
        });
    }

    /// Two handlers at once while the slot passes to a new loop that wants
    /// the same signal: each writes to a pipe that is open when it writes,
    /// the old loop's or the new one's. Three threads: bounded to three
    /// preemptions (as tokio's models are), which keeps it to seconds.
    #[test]
    fn loom_a_slot_passed_on_under_two_handlers() {
        let mut model = loom::model::Builder::new();
        model.preemption_bound = Some(3);
        model.check(|| {
            let slot = Arc::new(Slot::new());
            let open = Arc::new([AtomicBool::new(true), AtomicBool::new(false)]);
            assert!(slot.try_claim(0));
            slot.want(SIGNAL);
            let handlers: Vec<_> = (0..2)
                .map(|_| {
                    let (slot, open) = (slot.clone(), open.clone());
                    thread::spawn(move || {
                        slot.deliver(SIGNAL, |pipe| {
                            assert!(open[pipe as usize].load(Ordering::Acquire), "a write to a closed pipe");
                        });
                    })
                })
                .collect();
            slot.release();
            open[0].store(false, Ordering::Release);
            open[1].store(true, Ordering::Release);
            assert!(slot.try_claim(1));
            slot.want(SIGNAL);
            for handler in handlers {
                handler.join().unwrap();
            }
        });
    }
}
