//! The timer queue: a binary min-heap of deadlines with O(log n) removal.
//!
//! # Implementation
//!
//! asyncio keeps a heap of `TimerHandle`s and deletes lazily, leaving a
//! cancelled timer in the heap until it surfaces (or until more than half are
//! cancelled). Timeouts that never fire are the common case, so here a
//! cancelled timer is removed at once and its memory freed: each timer lives
//! in a [`Slab`] slot that records its position in the heap, the heap's
//! entries record their slot, and a removal swaps the last entry into the hole
//! and sifts it up or down.
//!
//! Entries are ordered by `(deadline, seq)`, where `seq` counts insertions, so
//! timers due at the same instant fire in the order they were set. Deadlines
//! are kept exactly as given: there is no rounding to milliseconds here.
//!
//! A [`TimerKey`] carries the `seq` of its timer, so a key whose timer already
//! fired (and whose slot was reused) is recognised as stale.
//!
//! The queue stores plain values (wakers, callbacks) and never sees a task or
//! the loop, so it is unit-tested alone.

use std::time::Instant;

use slab::Slab;

/// Names one timer in a [`Timers`] queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimerKey {
    slot: usize,
    seq: u64,
}

#[derive(Debug)]
struct HeapEntry {
    deadline: Instant,
    seq: u64,
    slot: usize,
}

impl HeapEntry {
    fn key(&self) -> (Instant, u64) {
        (self.deadline, self.seq)
    }
}

#[derive(Debug)]
struct Slot<T> {
    heap_index: usize,
    seq: u64,
    value: T,
}

/// A queue of values, each due at a deadline.
#[derive(Debug)]
pub(crate) struct Timers<T> {
    heap: Vec<HeapEntry>,
    slots: Slab<Slot<T>>,
    next_seq: u64,
}

impl<T> Timers<T> {
    pub(crate) fn new() -> Timers<T> {
        Timers { heap: Vec::new(), slots: Slab::new(), next_seq: 0 }
    }

    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Adds `value`, due at `deadline`.
    pub(crate) fn insert(&mut self, deadline: Instant, value: T) -> TimerKey {
        let seq = self.next_seq;
        self.next_seq += 1;
        let heap_index = self.heap.len();
        let slot = self.slots.insert(Slot { heap_index, seq, value });
        self.heap.push(HeapEntry { deadline, seq, slot });
        self.sift_up(heap_index);
        TimerKey { slot, seq }
    }

    /// The value of a timer that has not fired or been removed.
    pub(crate) fn get_mut(&mut self, key: TimerKey) -> Option<&mut T> {
        match self.slots.get_mut(key.slot) {
            Some(slot) if slot.seq == key.seq => Some(&mut slot.value),
            _ => None,
        }
    }

    /// Removes a timer that has not fired yet, handing its value back.
    pub(crate) fn remove(&mut self, key: TimerKey) -> Option<T> {
        self.get_mut(key)?;
        let slot = self.slots.remove(key.slot);
        self.remove_heap_entry(slot.heap_index);
        Some(slot.value)
    }

    /// The earliest deadline, if any timer is queued.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.heap.first().map(|entry| entry.deadline)
    }

    /// Removes and returns the earliest timer if it is due at or before `now`.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<T> {
        let first = self.heap.first()?;
        if first.deadline > now {
            return None;
        }
        let slot = self.slots.remove(first.slot);
        self.remove_heap_entry(0);
        Some(slot.value)
    }

    /// Every timer, with its deadline, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Instant, &T)> + '_ {
        self.heap.iter().map(|entry| (entry.deadline, &self.slots[entry.slot].value))
    }

    /// Takes every timer out, earliest first.
    pub(crate) fn drain(&mut self) -> Vec<T> {
        let mut values = Vec::with_capacity(self.len());
        while let Some(first) = self.heap.first() {
            let slot = self.slots.remove(first.slot);
            self.remove_heap_entry(0);
            values.push(slot.value);
        }
        values
    }

    fn remove_heap_entry(&mut self, index: usize) {
        self.heap.swap_remove(index);
        if index < self.heap.len() {
            self.slots[self.heap[index].slot].heap_index = index;
            // The entry moved into the hole came from the bottom: it may
            // belong higher or lower than the one it replaced.
            let index = self.sift_up(index);
            self.sift_down(index);
        }
    }

    fn sift_up(&mut self, mut index: usize) -> usize {
        while index > 0 {
            let parent = (index - 1) / 2;
            if self.heap[index].key() >= self.heap[parent].key() {
                break;
            }
            self.swap(index, parent);
            index = parent;
        }
        index
    }

    fn sift_down(&mut self, mut index: usize) {
        loop {
            let left = 2 * index + 1;
            if left >= self.heap.len() {
                return;
            }
            let right = left + 1;
            let child = if right < self.heap.len() && self.heap[right].key() < self.heap[left].key() {
                right
            } else {
                left
            };
            if self.heap[index].key() <= self.heap[child].key() {
                return;
            }
            self.swap(index, child);
            index = child;
        }
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.heap.swap(a, b);
        self.slots[self.heap[a].slot].heap_index = a;
        self.slots[self.heap[b].slot].heap_index = b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn drain_due(timers: &mut Timers<u32>, now: Instant) -> Vec<u32> {
        std::iter::from_fn(|| timers.pop_due(now)).collect()
    }

    #[test]
    fn fires_in_deadline_order_and_fifo_for_ties() {
        let t0 = Instant::now();
        let mut timers = Timers::new();
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
        assert!(timers.is_empty());
    }

    #[test]
    fn deadlines_are_not_rounded() {
        let t0 = Instant::now();
        let mut timers = Timers::new();
        timers.insert(t0 + Duration::from_nanos(1_500), 1);
        assert_eq!(timers.pop_due(t0 + Duration::from_nanos(1_499)), None);
        assert_eq!(timers.pop_due(t0 + Duration::from_nanos(1_500)), Some(1));
    }

    #[test]
    fn remove_frees_the_timer_and_stale_keys_do_nothing() {
        let t0 = Instant::now();
        let mut timers = Timers::new();
        let a = timers.insert(t0, 1);
        let b = timers.insert(t0, 2);
        assert_eq!(timers.remove(a), Some(1));
        assert_eq!(timers.remove(a), None);
        assert_eq!(timers.pop_due(t0), Some(2));
        // `b` fired; a new timer may reuse its slot, but not its key.
        let c = timers.insert(t0, 3);
        assert_eq!(timers.remove(b), None);
        assert_eq!(timers.get_mut(b), None);
        assert_eq!(timers.get_mut(c), Some(&mut 3));
        assert_eq!(timers.len(), 1);
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
        let mut timers = Timers::new();
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
