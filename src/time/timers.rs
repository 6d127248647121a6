//! The timer queue: a 4-ary min-heap of 16-byte entries with O(log n)
//! removal, no allocation per timer.
//!
//! # Implementation
//!
//! asyncio keeps a heap of `TimerHandle`s and deletes lazily, leaving a
//! cancelled timer in the heap until it surfaces (or until more than half are
//! cancelled). Timeouts that never fire are the common case, so here a
//! cancelled timer is removed at once.
//!
//! A heap entry is a deadline in nanoseconds since the queue's epoch (the
//! loop's start), a slot index and a sequence number: 16 bytes, so a sift
//! moves little and compares one `u64` and one `u32`. The values (wakers,
//! callbacks) live in a slot table beside the heap, each slot recording its
//! entry's heap position, so a removal finds its entry in O(1), swaps the
//! last entry into the hole and sifts it. A 4-ary heap is shallower than a
//! binary one, and its four children share a cache line. Vacant slots form
//! a free list and hold `T::default()`, a cheap placeholder.
//!
//! Entries are ordered by `(deadline, seq)`, where `seq` counts insertions,
//! so timers due at the same instant fire in the order they were set (as
//! long as fewer than 2³¹ timers were set between two with the same
//! deadline: `seq` is 32 bits and compared with wrapping). Deadlines are
//! kept to the nanosecond, never rounded. A [`TimerKey`] carries its
//! timer's `seq`, so a key whose timer already fired (and whose slot was
//! reused) is recognised as stale.
//!
//! A deadline too far away for 64 bits of nanoseconds (about 584 years) is
//! "never": it is kept, so it can be removed, but it is never due and
//! [`next_deadline`](Timers::next_deadline) ignores it.
//!
//! The table gives memory back in batches: when fewer than a quarter of its
//! slots are in use, it trims the vacant tail and shrinks, so a burst of
//! timers that were all cancelled does not stay allocated.
//!
//! The queue stores plain values and never sees a task or the loop, so it
//! is unit-tested alone.

use std::time::{Duration, Instant};

/// Names one timer in a [`Timers`] queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimerKey {
    slot: u32,
    seq: u32,
}

/// The deadline of a timer that never fires.
const NEVER: u64 = u64::MAX;
/// Marks a vacant slot's `heap_index`.
const VACANT: u32 = u32::MAX;
/// Tables smaller than this are not worth shrinking.
const SHRINK_FLOOR: usize = 64;

#[derive(Debug, Clone, Copy)]
struct Entry {
    deadline: u64,
    slot: u32,
    seq: u32,
}

impl Entry {
    /// True if `self` fires before `other`.
    fn before(&self, other: &Entry) -> bool {
        self.deadline < other.deadline
            || (self.deadline == other.deadline && (self.seq.wrapping_sub(other.seq) as i32) < 0)
    }
}

#[derive(Debug)]
struct Slot<T> {
    value: T,
    /// The entry's position in the heap; for a vacant slot, [`VACANT`].
    heap_index: u32,
    /// The occupant's `seq`; for a vacant slot, the next vacant slot (or
    /// [`VACANT`]).
    seq: u32,
}

/// A queue of values, each due at a deadline.
#[derive(Debug)]
pub(crate) struct Timers<T: Default> {
    epoch: Instant,
    heap: Vec<Entry>,
    slots: Vec<Slot<T>>,
    /// The first vacant slot, or [`VACANT`].
    free: u32,
    next_seq: u32,
}

impl<T: Default> Timers<T> {
    /// An empty queue; deadlines are measured from `epoch`.
    pub(crate) fn new(epoch: Instant) -> Timers<T> {
        Timers { epoch, heap: Vec::new(), slots: Vec::new(), free: VACANT, next_seq: 0 }
    }

    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    fn nanos(&self, deadline: Instant) -> u64 {
        let nanos = deadline.saturating_duration_since(self.epoch).as_nanos();
        u64::try_from(nanos).unwrap_or(NEVER)
    }

    fn instant(&self, nanos: u64) -> Instant {
        self.epoch + Duration::from_nanos(nanos)
    }

    /// Adds `value`, due at `deadline`.
    pub(crate) fn insert(&mut self, deadline: Instant, value: T) -> TimerKey {
        let nanos = self.nanos(deadline);
        self.insert_nanos(nanos, value)
    }

    /// Adds `value`, due `deadline` nanoseconds after the epoch.
    pub(crate) fn insert_nanos(&mut self, deadline: u64, value: T) -> TimerKey {
        let seq = self.next_seq;
        self.next_seq = seq.wrapping_add(1);
        let heap_index = u32::try_from(self.heap.len()).expect("fewer than 4 billion timers");
        let slot = match self.free {
            VACANT => {
                self.slots.push(Slot { value, heap_index, seq });
                u32::try_from(self.slots.len() - 1).expect("fewer than 4 billion timers")
            }
            free => {
                let slot = &mut self.slots[free as usize];
                self.free = slot.seq;
                *slot = Slot { value, heap_index, seq };
                free
            }
        };
        self.heap.push(Entry { deadline, slot, seq });
        self.sift_up(heap_index as usize);
        TimerKey { slot, seq }
    }

    fn is_live(&self, key: TimerKey) -> bool {
        self.slots.get(key.slot as usize).is_some_and(|slot| slot.heap_index != VACANT && slot.seq == key.seq)
    }

    /// The value of a timer that has not fired or been removed.
    pub(crate) fn get_mut(&mut self, key: TimerKey) -> Option<&mut T> {
        if !self.is_live(key) {
            return None;
        }
        Some(&mut self.slots[key.slot as usize].value)
    }

    /// Removes a timer that has not fired yet, handing its value back.
    pub(crate) fn remove(&mut self, key: TimerKey) -> Option<T> {
        if !self.is_live(key) {
            return None;
        }
        let heap_index = self.slots[key.slot as usize].heap_index as usize;
        let value = self.free_slot(key.slot);
        self.remove_heap_entry(heap_index);
        self.maybe_shrink();
        Some(value)
    }

    /// `deadline` in the nanoseconds since the epoch that the queue orders
    /// by; [`NEVER`]'s value for a deadline too far away.
    pub(crate) fn nanos_of(&self, deadline: Instant) -> u64 {
        self.nanos(deadline)
    }

    /// As [`next_deadline`](Timers::next_deadline), in nanoseconds since the
    /// epoch.
    pub(crate) fn next_deadline_nanos(&self) -> Option<u64> {
        self.heap.first().map(|entry| entry.deadline).filter(|&deadline| deadline != NEVER)
    }

    /// The earliest deadline of a timer that can fire.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.heap.first().filter(|entry| entry.deadline != NEVER).map(|entry| self.instant(entry.deadline))
    }

    /// Takes out every timer due at or before `now`, earliest first, into
    /// `due` (reading the time once).
    pub(crate) fn take_due(&mut self, now: Instant, mut due: impl FnMut(T)) {
        let now = self.nanos(now);
        while let Some(value) = self.pop_due_nanos(now) {
            due(value);
        }
    }

    fn pop_due_nanos(&mut self, now: u64) -> Option<T> {
        let first = *self.heap.first()?;
        if first.deadline == NEVER || first.deadline > now {
            return None;
        }
        let value = self.free_slot(first.slot);
        self.remove_heap_entry(0);
        Some(value)
    }

    /// Every timer, with its deadline, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Instant, &T)> + '_ {
        self.heap.iter().map(|entry| (self.instant(entry.deadline), &self.slots[entry.slot as usize].value))
    }

    /// Takes every timer out, earliest first.
    pub(crate) fn drain(&mut self) -> Vec<T> {
        let mut values = Vec::with_capacity(self.len());
        while let Some(first) = self.heap.first().copied() {
            values.push(self.free_slot(first.slot));
            self.remove_heap_entry(0);
        }
        self.maybe_shrink();
        values
    }

    /// Vacates `slot` (threading it onto the free list) and returns its value.
    fn free_slot(&mut self, slot: u32) -> T {
        let vacated = &mut self.slots[slot as usize];
        vacated.heap_index = VACANT;
        vacated.seq = self.free;
        self.free = slot;
        std::mem::take(&mut vacated.value)
    }

    fn remove_heap_entry(&mut self, index: usize) {
        self.heap.swap_remove(index);
        if index < self.heap.len() {
            self.place(index);
            // The entry moved into the hole came from the bottom: it may
            // belong higher or lower than the one it replaced.
            let index = self.sift_up(index);
            self.sift_down(index);
        }
    }

    /// Records in its slot where the entry at `index` now is.
    fn place(&mut self, index: usize) {
        let slot = self.heap[index].slot as usize;
        self.slots[slot].heap_index = index as u32;
    }

    fn sift_up(&mut self, mut index: usize) -> usize {
        let entry = self.heap[index];
        while index > 0 {
            let parent = (index - 1) / 4;
            if !entry.before(&self.heap[parent]) {
                break;
            }
            self.heap[index] = self.heap[parent];
            self.place(index);
            index = parent;
        }
        self.heap[index] = entry;
        self.place(index);
        index
    }

    fn sift_down(&mut self, mut index: usize) {
        let entry = self.heap[index];
        loop {
            let first_child = 4 * index + 1;
            if first_child >= self.heap.len() {
                break;
            }
            let last_child = (first_child + 4).min(self.heap.len());
            let mut child = first_child;
            for candidate in first_child + 1..last_child {
                if self.heap[candidate].before(&self.heap[child]) {
                    child = candidate;
                }
            }
            if !self.heap[child].before(&entry) {
                break;
            }
            self.heap[index] = self.heap[child];
            self.place(index);
            index = child;
        }
        self.heap[index] = entry;
        self.place(index);
    }

    /// Gives memory back when the heap uses less than a quarter of its
    /// room: shrinks it to twice what is left, trims the vacant tail of the
    /// slot table and rebuilds the free list. The heap's room halves each
    /// time, so the work is amortized over the removals that emptied it.
    fn maybe_shrink(&mut self) {
        if self.heap.capacity() < SHRINK_FLOOR || self.heap.len() >= self.heap.capacity() / 4 {
            return;
        }
        while self.slots.last().is_some_and(|slot| slot.heap_index == VACANT) {
            self.slots.pop();
        }
        self.free = VACANT;
        for index in (0..self.slots.len()).rev() {
            if self.slots[index].heap_index == VACANT {
                self.slots[index].seq = self.free;
                self.free = index as u32;
            }
        }
        let keep = (self.heap.len() * 2).max(SHRINK_FLOOR);
        self.heap.shrink_to(keep);
        self.slots.shrink_to(keep.max(self.slots.len()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain_due(timers: &mut Timers<u32>, now: Instant) -> Vec<u32> {
        let mut due = Vec::new();
        timers.take_due(now, |value| due.push(value));
        due
    }

    #[test]
    fn entries_are_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<Entry>(), 16);
    }

    #[test]
    fn fires_in_deadline_order_and_fifo_for_ties() {
        let t0 = Instant::now();
        let mut timers = Timers::new(t0);
        timers.insert(t0 + Duration::from_millis(30), 1);
        timers.insert(t0 + Duration::from_millis(10), 2);
        timers.insert(t0 + Duration::from_millis(10), 3);
        timers.insert(t0 + Duration::from_millis(20), 4);
        timers.insert(t0 + Duration::from_millis(10), 5);
        assert_eq!(timers.next_deadline(), Some(t0 + Duration::from_millis(10)));
        assert_eq!(drain_due(&mut timers, t0 + Duration::from_millis(20)), [2, 3, 5, 4]);
        assert_eq!(timers.len(), 1);
        assert_eq!(drain_due(&mut timers, t0 + Duration::from_millis(29)), [] as [u32; 0]);
        assert_eq!(drain_due(&mut timers, t0 + Duration::from_millis(30)), [1]);
        assert_eq!(timers.len(), 0);
    }

    #[test]
    fn ties_stay_fifo_across_the_sequence_wrapping() {
        let t0 = Instant::now();
        let mut timers = Timers::new(t0);
        timers.next_seq = u32::MAX - 1;
        for value in 0..4 {
            timers.insert(t0, value);
        }
        assert_eq!(drain_due(&mut timers, t0), [0, 1, 2, 3]);
    }

    #[test]
    fn deadlines_are_not_rounded() {
        let t0 = Instant::now();
        let mut timers = Timers::new(t0);
        timers.insert(t0 + Duration::from_nanos(1_500), 1);
        assert_eq!(drain_due(&mut timers, t0 + Duration::from_nanos(1_499)), [] as [u32; 0]);
        assert_eq!(drain_due(&mut timers, t0 + Duration::from_nanos(1_500)), [1]);
    }

    #[test]
    fn a_deadline_beyond_the_clock_never_fires() {
        let t0 = Instant::now();
        let mut timers = Timers::new(t0);
        let never = timers.insert(t0 + Duration::from_secs(1_000 * 365 * 86_400), 1);
        assert_eq!(timers.next_deadline(), None);
        assert_eq!(drain_due(&mut timers, t0 + Duration::from_secs(600 * 365 * 86_400)), [] as [u32; 0]);
        assert_eq!(timers.remove(never), Some(1));
    }

    #[test]
    fn remove_frees_the_timer_and_stale_keys_do_nothing() {
        let t0 = Instant::now();
        let mut timers = Timers::new(t0);
        let a = timers.insert(t0, 1);
        let b = timers.insert(t0, 2);
        assert_eq!(timers.remove(a), Some(1));
        assert_eq!(timers.remove(a), None);
        assert_eq!(drain_due(&mut timers, t0), [2]);
        // `b` fired; a new timer may reuse its slot, but not its key.
        let c = timers.insert(t0, 3);
        assert_eq!(timers.remove(b), None);
        assert_eq!(timers.get_mut(b), None);
        assert_eq!(timers.get_mut(c), Some(&mut 3));
        assert_eq!(timers.len(), 1);
    }

    #[test]
    fn a_burst_of_cancelled_timers_gives_its_memory_back() {
        let t0 = Instant::now();
        let mut timers = Timers::new(t0);
        let keep = timers.insert(t0 + Duration::from_secs(1), 0);
        let keys: Vec<_> = (1..100_000).map(|i| timers.insert(t0 + Duration::from_secs(2), i)).collect();
        for key in keys {
            timers.remove(key);
        }
        assert!(timers.slots.capacity() <= 2 * SHRINK_FLOOR, "{} slots kept", timers.slots.capacity());
        assert!(timers.heap.capacity() <= 2 * SHRINK_FLOOR, "{} entries kept", timers.heap.capacity());
        assert_eq!(timers.get_mut(keep), Some(&mut 0));
        assert_eq!(drain_due(&mut timers, t0 + Duration::from_secs(1)), [0]);
    }

    #[test]
    fn random_inserts_and_removals_keep_heap_order() {
        // A small deterministic LCG stands in for a random source.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (state >> 33) as u32
        };
        let t0 = Instant::now();
        let mut timers = Timers::new(t0);
        let mut live = Vec::new();
        for i in 0..5_000u32 {
            let deadline = t0 + Duration::from_micros(u64::from(next() % 1_000));
            live.push((timers.insert(deadline, i), deadline, i));
            if next() % 3 == 0 {
                let (key, _, value) = live.swap_remove(next() as usize % live.len());
                assert_eq!(timers.remove(key), Some(value));
            }
        }
        live.sort_by_key(|&(_, deadline, value)| (deadline, value));
        let expected: Vec<u32> = live.iter().map(|&(_, _, value)| value).collect();
        assert_eq!(drain_due(&mut timers, t0 + Duration::from_secs(1)), expected);
    }
}
