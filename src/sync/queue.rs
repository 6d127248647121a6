//! `Queue`, `PriorityQueue` and `LifoQueue`: asyncio's `asyncio.queues`.
//!
//! # Implementation
//!
//! The three queues share one core over a storage type ([`Fifo`], [`Lifo`],
//! [`Priority`]), with asyncio's algorithm: items stay in the storage until
//! a getter takes one; getters and putters wait in two [`WaitQueue`]s, a put
//! wakes the first getter and a get the first putter, and a woken task
//! checks again when it runs. A task dropped after it was woken passes the
//! wake-up on, so no item or room is left unclaimed.

use std::cell::{Cell, RefCell};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{ready, Context, Poll};

use futures_core::Stream;

use crate::error::{GetError, PutError, ValueError};
use crate::runtime::task::info::WaitingOn;
use crate::runtime::wait_queue::{WaitQueue, Waiter, WaiterKey};

/// Where a queue keeps its items: which one comes out first. Sealed: the
/// three of this module are all there is.
pub trait Storage: Default + sealed::Sealed {
    /// The items.
    type Item;
    /// Adds an item.
    fn push(&mut self, item: Self::Item);
    /// Takes out the next item.
    fn pop(&mut self) -> Option<Self::Item>;
    /// How many items there are.
    fn len(&self) -> usize;
    /// True if there is no item.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

mod sealed {
    /// Keeps [`Storage`](super::Storage) implemented here only.
    pub trait Sealed {}
    impl<T> Sealed for super::Fifo<T> {}
    impl<T> Sealed for super::Lifo<T> {}
    impl<T: Ord> Sealed for super::Priority<T> {}
}

/// First in, first out: [`Queue`].
#[derive(Debug)]
pub struct Fifo<T>(VecDeque<T>);

/// Last in, first out: [`LifoQueue`].
#[derive(Debug)]
pub struct Lifo<T>(Vec<T>);

/// Smallest first, ties in insertion order: [`PriorityQueue`].
#[derive(Debug)]
pub struct Priority<T: Ord> {
    heap: BinaryHeap<Reverse<(T, u64)>>,
    /// Insertion counter, for ties.
    next: u64,
}

impl<T> Default for Fifo<T> {
    fn default() -> Fifo<T> {
        Fifo(VecDeque::new())
    }
}

impl<T> Storage for Fifo<T> {
    type Item = T;
    fn push(&mut self, item: T) {
        self.0.push_back(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop_front()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T> Default for Lifo<T> {
    fn default() -> Lifo<T> {
        Lifo(Vec::new())
    }
}

impl<T> Storage for Lifo<T> {
    type Item = T;
    fn push(&mut self, item: T) {
        self.0.push(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T: Ord> Default for Priority<T> {
    fn default() -> Priority<T> {
        Priority { heap: BinaryHeap::new(), next: 0 }
    }
}

impl<T: Ord> Storage for Priority<T> {
    type Item = T;
    fn push(&mut self, item: T) {
        self.heap.push(Reverse((item, self.next)));
        self.next += 1;
    }
    fn pop(&mut self) -> Option<T> {
        self.heap.pop().map(|Reverse((item, _))| item)
    }
    fn len(&self) -> usize {
        self.heap.len()
    }
}

/// A FIFO queue for tasks: `asyncio.Queue`.
///
/// A cheap `Clone` handle: clones share the queue. `maxsize` 0 means
/// unbounded. Getters and putters are woken in arrival order. After
/// [`shutdown`](AnyQueue::shutdown), puts fail and gets fail once the queue
/// is empty. `Queue` is also a [`Stream`] of its items that ends after
/// shutdown.
///
/// # Examples
///
/// ```
/// corio::run(async {
///     let queue = corio::Queue::new(2);
///     let consumer = {
///         let queue = queue.clone();
///         corio::create_task(async move {
///             let mut seen = Vec::new();
///             while let Ok(item) = queue.get().await {
///                 seen.push(item);
///                 queue.task_done().unwrap();
///             }
///             seen
///         })
///     };
///     for i in 0..5 {
///         queue.put(i).await.unwrap();
///     }
///     queue.join().await;
///     queue.shutdown(false);
///     assert_eq!(consumer.await.unwrap(), [0, 1, 2, 3, 4]);
/// });
/// ```
pub type Queue<T> = AnyQueue<Fifo<T>>;

/// A queue that hands out its smallest item first, ties in insertion
/// order: `asyncio.PriorityQueue`.
///
/// # Examples
///
/// ```
/// let queue = corio::PriorityQueue::new(0);
/// for item in [3, 1, 2] {
///     queue.put_nowait(item).unwrap();
/// }
/// assert_eq!(queue.get_nowait(), Ok(1));
/// ```
pub type PriorityQueue<T> = AnyQueue<Priority<T>>;

/// A queue that hands out its newest item first: `asyncio.LifoQueue`.
///
/// # Examples
///
/// ```
/// let queue = corio::LifoQueue::new(0);
/// queue.put_nowait(1).unwrap();
/// queue.put_nowait(2).unwrap();
/// assert_eq!(queue.get_nowait(), Ok(2));
/// ```
pub type LifoQueue<T> = AnyQueue<Lifo<T>>;

/// The queue behind [`Queue`], [`PriorityQueue`] and [`LifoQueue`].
pub struct AnyQueue<S: Storage> {
    shared: Rc<Shared<S>>,
    /// The registration of this handle's `Stream` side, if it waits.
    stream_waiter: Cell<Option<WaiterKey>>,
}

struct Shared<S: Storage> {
    items: RefCell<S>,
    maxsize: usize,
    /// Getters waiting for an item, woken one per item put.
    getters: WaitQueue,
    /// Putters waiting for room, woken one per item taken.
    putters: WaitQueue,
    unfinished: Cell<usize>,
    joiners: WaitQueue,
    shut_down: Cell<bool>,
}

impl<S: Storage> AnyQueue<S> {
    /// A queue of at most `maxsize` items; 0 means unbounded.
    pub fn new(maxsize: usize) -> AnyQueue<S> {
        AnyQueue {
            shared: Rc::new(Shared {
                items: RefCell::new(S::default()),
                maxsize,
                getters: WaitQueue::new(),
                putters: WaitQueue::new(),
                unfinished: Cell::new(0),
                joiners: WaitQueue::new(),
                shut_down: Cell::new(false),
            }),
            stream_waiter: Cell::new(None),
        }
    }

    /// Puts `item`, waiting for room if the queue is full.
    ///
    /// # Errors
    ///
    /// [`PutError::ShutDown`], with the item, if the queue is shut down.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the item if it was not put yet, and leaves
    /// the queue of putters; a wake-up it was given passes to the next
    /// putter.
    pub fn put(&self, item: S::Item) -> Put<'_, S> {
        Put {
            queue: &self.shared,
            item: Some(item),
            waiter: Waiter::new(&self.shared.putters, WaitingOn::QueuePut),
        }
    }

    /// Puts `item` if the queue is not [`full`](AnyQueue::full).
    ///
    /// # Errors
    ///
    /// [`PutError::Full`] if the queue is full, [`PutError::ShutDown`] if it
    /// is shut down; either way the item comes back.
    pub fn put_nowait(&self, item: S::Item) -> Result<(), PutError<S::Item>> {
        self.shared.put_nowait(item)
    }

    /// Takes the next item, waiting for one if the queue is empty.
    ///
    /// # Errors
    ///
    /// [`GetError::ShutDown`] if the queue is shut down and empty.
    ///
    /// # Cancel safety
    ///
    /// An item is never lost: items stay in the queue until a getter takes
    /// one, and a getter dropped after it was woken passes the wake-up on.
    pub fn get(&self) -> Get<'_, S> {
        Get { queue: &self.shared, waiter: self.shared.getter(None) }
    }

    /// Takes the next item if there is one.
    ///
    /// # Errors
    ///
    /// [`GetError::Empty`] if there is none, [`GetError::ShutDown`] if the
    /// queue is also shut down.
    pub fn get_nowait(&self) -> Result<S::Item, GetError> {
        self.shared.get_nowait()
    }

    /// How many items are in the queue (a getter woken for one has not taken
    /// it until it runs).
    pub fn qsize(&self) -> usize {
        self.shared.items.borrow().len()
    }

    /// True if no item is in the queue.
    pub fn empty(&self) -> bool {
        self.qsize() == 0
    }

    /// True if the queue holds `maxsize` items (never, when unbounded).
    pub fn full(&self) -> bool {
        self.shared.full()
    }

    /// The most items the queue holds; 0 means unbounded.
    pub fn maxsize(&self) -> usize {
        self.shared.maxsize
    }

    /// Marks one item taken with `get` as processed, for
    /// [`join`](AnyQueue::join).
    ///
    /// # Errors
    ///
    /// [`ValueError`] if called more times than items were put.
    pub fn task_done(&self) -> Result<(), ValueError> {
        self.shared.task_done()
    }

    /// Waits until every item put has been marked done with
    /// [`task_done`](AnyQueue::task_done).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future only stops the waiting.
    pub async fn join(&self) {
        let shared = &self.shared;
        if shared.unfinished.get() == 0 {
            return;
        }
        let mut waiter = Waiter::new(&shared.joiners, WaitingOn::QueueJoin);
        std::future::poll_fn(|cx| waiter.poll(cx)).await;
    }

    /// Shuts the queue down: every later put fails with
    /// [`PutError::ShutDown`], and gets fail with [`GetError::ShutDown`] once
    /// the queue is empty. With `immediate`, the queue is emptied now (its
    /// items count as done for `join`), so every waiting getter fails too,
    /// even one woken for an item it had not taken yet.
    pub fn shutdown(&self, immediate: bool) {
        self.shared.shutdown(immediate);
    }

    /// True once [`shutdown`](AnyQueue::shutdown) was called.
    pub fn is_shut_down(&self) -> bool {
        self.shared.shut_down.get()
    }
}

/// asyncio's algorithm, line for line: items stay in the storage; a put
/// wakes the first waiting getter and a get the first waiting putter, and a
/// woken task checks again when it runs (so a task that comes first may take
/// the item or the room, and the woken one waits again, at the back).
impl<S: Storage> Shared<S> {
    fn full(&self) -> bool {
        self.maxsize > 0 && self.items.borrow().len() >= self.maxsize
    }

    fn is_empty(&self) -> bool {
        self.items.borrow().is_empty()
    }

    fn put_nowait(&self, item: S::Item) -> Result<(), PutError<S::Item>> {
        if self.shut_down.get() {
            return Err(PutError::ShutDown(item));
        }
        if self.full() {
            return Err(PutError::Full(item));
        }
        self.items.borrow_mut().push(item);
        self.unfinished.set(self.unfinished.get() + 1);
        self.getters.notify(1);
        Ok(())
    }

    fn get_nowait(&self) -> Result<S::Item, GetError> {
        let item = self.items.borrow_mut().pop();
        match item {
            Some(item) => {
                self.putters.notify(1);
                Ok(item)
            }
            None if self.shut_down.get() => Err(GetError::ShutDown),
            None => Err(GetError::Empty),
        }
    }

    fn task_done(&self) -> Result<(), ValueError> {
        let unfinished = self.unfinished.get();
        if unfinished == 0 {
            return Err(ValueError::new("task_done() called too many times"));
        }
        self.unfinished.set(unfinished - 1);
        if unfinished == 1 {
            self.joiners.notify_all();
        }
        Ok(())
    }

    fn shutdown(&self, immediate: bool) {
        self.shut_down.set(true);
        if immediate {
            let drained = std::mem::take(&mut *self.items.borrow_mut());
            let count = drained.len();
            drop(drained);
            self.unfinished.set(self.unfinished.get().saturating_sub(count));
            if self.unfinished.get() == 0 {
                self.joiners.notify_all();
            }
        }
        // Every waiting task checks again, and fails unless items are left.
        self.getters.notify_all();
        self.putters.notify_all();
    }

    /// A getter's place among the getters (`key`, if it was registered
    /// before).
    fn getter(&self, key: Option<WaiterKey>) -> Waiter<'_, ()> {
        Waiter::resume(&self.getters, key, WaitingOn::QueueGet)
    }

    fn poll_get(&self, waiter: &mut Waiter<'_, ()>, cx: &mut Context<'_>) -> Poll<Result<S::Item, GetError>> {
        ready!(waiter.poll_until(cx, || !self.is_empty() || self.shut_down.get()));
        Poll::Ready(self.get_nowait())
    }

    /// A getter gives up: a wake-up it was given and cannot use passes on.
    fn cancel_get(&self, waiter: &mut Waiter<'_, ()>) {
        if waiter.cancel().is_some() && !self.is_empty() {
            self.getters.notify(1);
        }
    }
}

/// The future of [`AnyQueue::put`].
#[must_use = "futures do nothing unless awaited"]
pub struct Put<'a, S: Storage> {
    queue: &'a Shared<S>,
    item: Option<S::Item>,
    waiter: Waiter<'a, ()>,
}

// The item is never pinned: it is moved in and out as plain data.
impl<S: Storage> Unpin for Put<'_, S> {}

impl<S: Storage> Future for Put<'_, S> {
    type Output = Result<(), PutError<S::Item>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Put { queue, item, waiter } = &mut *self;
        ready!(waiter.poll_until(cx, || !queue.full() || queue.shut_down.get()));
        Poll::Ready(queue.put_nowait(item.take().expect("`Put` polled after completion")))
    }
}

impl<S: Storage> Drop for Put<'_, S> {
    /// A wake-up given to this putter and not used passes on.
    fn drop(&mut self) {
        if self.waiter.cancel().is_some() && !self.queue.full() {
            self.queue.putters.notify(1);
        }
    }
}

impl<S: Storage> fmt::Debug for Put<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Put").field("waiting", &self.waiter.is_registered()).finish()
    }
}

/// The future of [`AnyQueue::get`].
#[must_use = "futures do nothing unless awaited"]
pub struct Get<'a, S: Storage> {
    queue: &'a Shared<S>,
    waiter: Waiter<'a, ()>,
}

impl<S: Storage> Future for Get<'_, S> {
    type Output = Result<S::Item, GetError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Get { queue, waiter } = &mut *self;
        queue.poll_get(waiter, cx)
    }
}

impl<S: Storage> Drop for Get<'_, S> {
    fn drop(&mut self) {
        self.queue.cancel_get(&mut self.waiter);
    }
}

impl<S: Storage> fmt::Debug for Get<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Get").field("waiting", &self.waiter.is_registered()).finish()
    }
}

impl<S: Storage> Stream for AnyQueue<S> {
    type Item = S::Item;

    /// The next item; the stream ends once the queue is shut down and empty.
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let mut waiter = self.shared.getter(self.stream_waiter.take());
        let poll = self.shared.poll_get(&mut waiter, cx);
        self.stream_waiter.set(waiter.into_key());
        poll.map(Result::ok)
    }
}

impl<S: Storage> Clone for AnyQueue<S> {
    fn clone(&self) -> AnyQueue<S> {
        AnyQueue { shared: self.shared.clone(), stream_waiter: Cell::new(None) }
    }
}

impl<S: Storage> Drop for AnyQueue<S> {
    fn drop(&mut self) {
        let mut waiter = self.shared.getter(self.stream_waiter.take());
        self.shared.cancel_get(&mut waiter);
    }
}

impl<S: Storage> fmt::Debug for AnyQueue<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("qsize", &self.qsize())
            .field("maxsize", &self.maxsize())
            .field("getters", &self.shared.getters.waiting())
            .field("putters", &self.shared.putters.waiting())
            .field("shut_down", &self.is_shut_down())
            .finish()
    }
}
