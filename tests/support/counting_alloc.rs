//! A global allocator that counts, for the tests that check memory: the
//! bytes live on the heap across threads, and the bytes this thread has
//! ever asked for. A test binary installs it with
//! `#[global_allocator] static ALLOCATOR: Counting = Counting;`.

// The allocator is the one `unsafe` thing in the tests.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, Ordering};

/// Passes every call to the system allocator, counting.
pub struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

thread_local! {
    // A `const` thread-local without a destructor: reaching it allocates
    // nothing, so the allocator may use it.
    static ASKED: Cell<usize> = const { Cell::new(0) };
}

fn count(grown: isize) {
    LIVE.fetch_add(grown, Ordering::Relaxed);
    if grown > 0 {
        let _ = ASKED.try_with(|asked| asked.set(asked.get() + grown as usize));
    }
}

// SAFETY: every call is passed on to the system allocator unchanged; the
// counters are an atomic and a `Cell`, which allocate nothing.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        // SAFETY: as the caller promised for `layout`.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        // SAFETY: `ptr` came from `alloc` with this `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as isize - layout.size() as isize);
        // SAFETY: as the caller promised.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// The bytes live on the heap now, counted from the program's start.
pub fn live_bytes() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// The bytes this thread has asked the allocator for so far (a realloc
/// counts what it grew by).
pub fn bytes_asked_here() -> usize {
    ASKED.with(Cell::get)
}
