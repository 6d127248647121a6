//! The one word other threads may touch: a task's "scheduled" bit and the
//! count of references that can leave the loop's thread.
//!
//! # The word
//!
//! Bit 0 is `SCHEDULED`: the task sits in a ready queue or in its loop's
//! injection queue, or is about to. The bits above count **shared
//! references**: one for the loop's side as a whole (while any loop-side
//! reference lives: the registry, a `Task` handle, a ready-queue entry), one
//! per `Waker`, and one per injection-queue entry. Loop-side references are
//! counted apart, without atomics (`Header::local`); only the last of them
//! gives up the loop's shared reference.
//!
//! # The protocol
//!
//! - A wake from elsewhere sets `SCHEDULED` with a read-modify-write and,
//!   if it was clear, hands the task to the injection queue with a shared
//!   reference ([`State::schedule_shared`], [`State::schedule_by_value`]).
//! - The loop clears `SCHEDULED` as it takes an entry up
//!   ([`State::take_scheduled`]) and only then polls: so a wake that lands
//!   after the clear queues the task again, and a wake that lands before it
//!   is seen by the poll (the clear reads the waker's write, with `AcqRel`).
//! - **While the count is one** — no `Waker` and no injection entry exists —
//!   no other thread can reach the task: a waker is made only by cloning
//!   one, and the loop lends its first one only inside a poll on its own
//!   thread. Then the loop reads and writes the word with plain loads and
//!   stores, and pays no atomic read-modify-write for a task that never
//!   gives its waker away (most tasks, and every `yield_now`).
//! - The reference that brings the count to zero frees the task; the
//!   `Release` decrement and the `Acquire` fence before freeing order every
//!   earlier use before it, as `Arc` does.
//!
//! The loom model at the bottom checks these under every interleaving
//! (`RUSTFLAGS="--cfg corio_loom" cargo test --lib --release loom_`).

use crate::atomic::{fence, AtomicUsize, Ordering};

const SCHEDULED: usize = 1;
const REF: usize = 2;

/// A task's `SCHEDULED` bit and shared reference count.
pub(crate) struct State(AtomicUsize);

impl State {
    /// A new task's word: queued by its creator, one shared reference (the
    /// loop's side).
    pub(crate) fn new_scheduled() -> State {
        State(AtomicUsize::new(SCHEDULED | REF))
    }

    /// True while no reference but the loop's side is shared: the loop's
    /// thread is then alone with the word.
    #[inline]
    fn loop_alone(word: usize) -> bool {
        word & !SCHEDULED == REF
    }

    /// On the loop's thread: clears `SCHEDULED` as the loop takes the task
    /// up to poll it; false if it was clear (a stale entry).
    #[inline]
    pub(crate) fn take_scheduled(&self) -> bool {
        let word = self.0.load(Ordering::Acquire);
        if State::loop_alone(word) {
            self.0.store(word & !SCHEDULED, Ordering::Relaxed);
            return word & SCHEDULED != 0;
        }
        self.0.fetch_and(!SCHEDULED, Ordering::AcqRel) & SCHEDULED != 0
    }

    /// On the loop's thread, while it runs: sets `SCHEDULED`; true if it was
    /// clear, and the caller must queue the task.
    #[inline]
    pub(crate) fn schedule_local(&self) -> bool {
        let word = self.0.load(Ordering::Acquire);
        if State::loop_alone(word) {
            self.0.store(word | SCHEDULED, Ordering::Relaxed);
            return word & SCHEDULED == 0;
        }
        self.0.fetch_or(SCHEDULED, Ordering::AcqRel) & SCHEDULED == 0
    }

    /// From anywhere, through a waker that stays alive: sets `SCHEDULED`
    /// and, if it was clear, takes a shared reference for the injection
    /// entry the caller must make; true then.
    ///
    /// Always a read-modify-write, even when `SCHEDULED` is set already (the
    /// exchange then writes the word unchanged): the loop's clear, itself a
    /// read-modify-write, must read from this one, so that the poll after it
    /// sees what the waker published. A plain load that finds the bit set
    /// and gives up would let the clear and the poll miss the value — the
    /// lost wake-up the loom model below finds in that variant.
    pub(crate) fn schedule_shared(&self) -> bool {
        let mut word = self.0.load(Ordering::Relaxed);
        loop {
            let new = if word & SCHEDULED != 0 {
                word
            } else {
                (word | SCHEDULED).checked_add(REF).expect("task reference count overflow")
            };
            match self.0.compare_exchange_weak(word, new, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => return word & SCHEDULED == 0,
                Err(actual) => word = actual,
            }
        }
    }

    /// From anywhere, through a waker consumed by the wake: sets
    /// `SCHEDULED`; true if it was clear, and the waker's reference passes to
    /// the injection entry the caller must make. Else the caller drops the
    /// waker's reference.
    pub(crate) fn schedule_by_value(&self) -> bool {
        self.0.fetch_or(SCHEDULED, Ordering::AcqRel) & SCHEDULED == 0
    }

    /// Takes one more shared reference (a waker clone).
    pub(crate) fn ref_shared(&self) {
        let old = self.0.fetch_add(REF, Ordering::Relaxed);
        assert!(old <= usize::MAX / 2, "task reference count overflow");
    }

    /// Gives a shared reference up; true if it was the last, and the caller
    /// must free the task.
    pub(crate) fn unref_shared(&self) -> bool {
        if self.0.fetch_sub(REF, Ordering::Release) & !SCHEDULED != REF {
            return false;
        }
        fence(Ordering::Acquire);
        true
    }

    /// On the loop's thread: gives up the loop's side's shared reference,
    /// when its last local reference goes; true if the task must be freed.
    #[inline]
    pub(crate) fn unref_loop(&self) -> bool {
        if State::loop_alone(self.0.load(Ordering::Acquire)) {
            return true;
        }
        self.unref_shared()
    }

    /// True if the task is queued (or about to be), for `TaskState`.
    pub(crate) fn is_scheduled(&self) -> bool {
        self.0.load(Ordering::Relaxed) & SCHEDULED != 0
    }

    /// How many shared references exist beyond the loop's side: wakers and
    /// injection entries.
    pub(crate) fn shared_refs(&self) -> usize {
        (self.0.load(Ordering::Acquire) >> 1).saturating_sub(1)
    }
}

#[cfg(all(test, corio_loom))]
mod loom_tests {
    //! The protocol under every interleaving loom finds. The injection queue
    //! is a mutex around a `Vec`, as `runtime::shared`'s is.

    use super::State;
    use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use loom::sync::{Arc, Mutex};
    use loom::thread;

    /// A task, the value its waker publishes, and the injection queue.
    struct World {
        state: State,
        published: AtomicBool,
        injected: Mutex<Vec<()>>,
        freed: AtomicUsize,
    }

    fn world(state: State) -> Arc<World> {
        Arc::new(World {
            state,
            published: AtomicBool::new(false),
            injected: Mutex::new(Vec::new()),
            freed: AtomicUsize::new(0),
        })
    }

    /// The loop's turn: take the entry up, then poll (read the value).
    /// Returns whether the poll saw the value.
    fn loop_polls(world: &World) -> bool {
        assert!(world.state.take_scheduled());
        world.published.load(Ordering::Acquire)
    }

    /// 12.1: the loop re-polls while another thread publishes and wakes
    /// through a waker it keeps. The poll sees the value, or the task is
    /// queued again: never neither.
    #[test]
    fn loom_a_wake_racing_the_repoll_is_never_lost() {
        loom::model(|| {
            let world = world(State::new_scheduled());
            world.state.ref_shared(); // the helper's waker
            let helper = {
                let world = world.clone();
                thread::spawn(move || {
                    world.published.store(true, Ordering::Release);
                    if world.state.schedule_shared() {
                        world.injected.lock().unwrap().push(());
                    }
                    assert!(!world.state.unref_shared(), "the loop's side still holds the task");
                })
            };
            let saw = loop_polls(&world);
            helper.join().unwrap();
            let requeued = !world.injected.lock().unwrap().is_empty();
            assert!(saw || requeued, "a lost wake-up");
            assert_eq!(requeued, world.state.is_scheduled());
        });
    }

    /// The same race with a wake by value: the waker's reference becomes
    /// the injection entry's, or is dropped.
    #[test]
    fn loom_a_wake_by_value_racing_the_repoll_is_never_lost() {
        loom::model(|| {
            let world = world(State::new_scheduled());
            world.state.ref_shared();
            let helper = {
                let world = world.clone();
                thread::spawn(move || {
                    world.published.store(true, Ordering::Release);
                    if world.state.schedule_by_value() {
                        world.injected.lock().unwrap().push(());
                    } else {
                        assert!(!world.state.unref_shared());
                    }
                })
            };
            let saw = loop_polls(&world);
            helper.join().unwrap();
            let requeued = !world.injected.lock().unwrap().is_empty();
            assert!(saw || requeued, "a lost wake-up");
            // The entry's reference, if any, is the one left beyond the loop's.
            assert_eq!(world.state.shared_refs(), usize::from(requeued));
        });
    }

    /// A waker dropped on another thread while the loop lets go of the task:
    /// freed exactly once, by whichever goes last.
    #[test]
    fn loom_the_last_reference_frees_once() {
        loom::model(|| {
            let world = world(State::new_scheduled());
            world.state.ref_shared();
            let helper = {
                let world = world.clone();
                thread::spawn(move || {
                    if world.state.unref_shared() {
                        world.freed.fetch_add(1, Ordering::Relaxed);
                    }
                })
            };
            assert!(world.state.take_scheduled());
            if world.state.unref_loop() {
                world.freed.fetch_add(1, Ordering::Relaxed);
            }
            helper.join().unwrap();
            assert_eq!(world.freed.load(Ordering::Relaxed), 1);
        });
    }

    /// The loop's plain-store path is taken only while it is alone: a waker
    /// cloned during the poll and sent to a thread that wakes turns the next
    /// clear into a read-modify-write, so the wake is not erased.
    #[test]
    fn loom_a_waker_given_away_during_the_poll_is_honoured() {
        loom::model(|| {
            let world = world(State::new_scheduled());
            assert!(world.state.take_scheduled()); // alone: a plain store
            world.state.ref_shared(); // the poll clones its waker…
            let helper = {
                let world = world.clone();
                thread::spawn(move || {
                    // …and another thread wakes through it.
                    if world.state.schedule_by_value() {
                        world.injected.lock().unwrap().push(());
                    } else {
                        world.state.unref_shared();
                    }
                })
            };
            // Meanwhile the poll wakes itself too, as a yield does.
            let local = world.state.schedule_local();
            helper.join().unwrap();
            let remote = !world.injected.lock().unwrap().is_empty();
            assert!(local ^ remote, "queued exactly once: local {local}, remote {remote}");
        });
    }
}
