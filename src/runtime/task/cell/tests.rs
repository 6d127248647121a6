//! The cell alone, with a queue of its own instead of a loop: polls, wakes
//! from here and from other threads, ends of every kind, and who frees it.

use std::any::Any;
use std::cell::RefCell;
use std::future::Future;
use std::panic::Location;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Waker};

use super::{here, spawn, Header, Notified, RawTask, Report, Schedule, Step, TaskRef};
use crate::error::TaskError;
use crate::runtime::task::info::TaskId;

const LOOP: u32 = 7;

thread_local! {
    /// What woke on this thread, as the loop's ready queue would hold it.
    static LOCAL: RefCell<Vec<RawTask>> = const { RefCell::new(Vec::new()) };
}

/// What woke elsewhere, as the loop's injection queue would hold it.
static REMOTE: Mutex<Vec<Notified>> = Mutex::new(Vec::new());

struct TestSchedule;

impl Schedule for TestSchedule {
    fn push_local(task: RawTask) {
        LOCAL.with(|local| local.borrow_mut().push(task));
    }
    fn push_remote(task: Notified) {
        REMOTE.lock().unwrap().push(task);
    }
}

/// Keeps what a step reports.
#[derive(Default)]
struct Reports(RefCell<Vec<String>>);

impl Report for Reports {
    fn panic(&self, message: &str, _task: &Header, _payload: &(dyn Any + Send)) {
        self.0.borrow_mut().push(message.to_owned());
    }
    fn unretrieved(&self, _task: &Header, error: &TaskError) {
        if error.is_panic() {
            self.0.borrow_mut().push("unretrieved".to_owned());
        }
    }
}

fn task<F: Future + 'static>(future: F) -> TaskRef<F::Output> {
    spawn::<F, TestSchedule>(future, LOOP, TaskId(1), None, Location::caller())
}

/// Runs `f` as the loop `LOOP` running on this thread would.
fn on_loop<R>(f: impl FnOnce() -> R) -> R {
    let previous = here::set(LOOP);
    let result = f();
    here::set(previous);
    result
}

/// Takes the task up from the queue and steps it, as the loop does.
fn run(task: &RawTask, reports: &Reports) -> Step {
    assert!(task.take_scheduled(), "a queued task has SCHEDULED set");
    on_loop(|| task.step(reports))
}

/// Lets go of a handle as the public `Task` does when dropped: an output
/// nobody took is dropped here, on the loop's thread.
fn release<T>(task: TaskRef<T>) {
    on_loop(|| task.raw().handle_dropped(&Reports::default()));
}

/// Counts its drops, across threads.
struct Token(Arc<AtomicUsize>);

impl Drop for Token {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn the_header_stays_small() {
    // Every task pays for each byte; 88 keeps a task with a small future
    // (a sleep) in a 144-byte allocation.
    assert!(std::mem::size_of::<Header>() <= 88, "{}", std::mem::size_of::<Header>());
}

#[test]
fn a_task_runs_to_its_output() {
    let task = task(async { 42 });
    let reports = Reports::default();
    assert_eq!(task.take_output().map(|r| r.is_ok()), None, "nothing before it ran");
    assert_eq!(run(task.raw(), &reports), Step::Ended);
    assert_eq!(task.take_output().unwrap().unwrap(), 42);
    assert!(task.take_output().is_none(), "taken once");
    assert!(reports.0.borrow().is_empty());
}

#[test]
fn a_yield_queues_the_task_locally_without_a_shared_reference() {
    let mut yielded = false;
    let task = task(std::future::poll_fn(move |cx| {
        if std::mem::replace(&mut yielded, true) {
            return Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }));
    let reports = Reports::default();
    assert_eq!(run(task.raw(), &reports), Step::Pending);
    let queued = LOCAL.with(|local| local.borrow_mut().pop()).expect("the yield queued it here");
    assert_eq!(task.raw().header().state.shared_refs(), 0, "no waker clone, no injection entry");
    assert_eq!(run(&queued, &reports), Step::Ended);
    release(task);
}

#[test]
fn a_wake_from_another_thread_goes_to_the_injection_queue() {
    let (tx, rx) = mpsc::channel::<Waker>();
    let mut sent = false;
    let task = task(std::future::poll_fn(move |cx: &mut Context<'_>| {
        if std::mem::replace(&mut sent, true) {
            return Poll::Ready("woken");
        }
        tx.send(cx.waker().clone()).unwrap();
        Poll::Pending
    }));
    let reports = Reports::default();
    assert_eq!(run(task.raw(), &reports), Step::Pending);
    let waker = rx.recv().unwrap();
    std::thread::spawn(move || waker.wake()).join().unwrap();
    let notified = {
        let mut remote = REMOTE.lock().unwrap();
        let at = remote.iter().position(|n| std::ptr::eq(n.ptr.as_ptr(), task.raw().ptr.as_ptr())).unwrap();
        remote.remove(at)
    };
    let notified = match notified.into_local() {
        Err(notified) => notified,
        Ok(_) => panic!("no loop runs here yet: it must stay a Notified"),
    };
    let queued = on_loop(|| notified.into_local()).expect("the loop runs here now");
    assert_eq!(run(&queued, &reports), Step::Ended);
    assert_eq!(task.take_output().unwrap().unwrap(), "woken");
}

#[test]
fn a_cancelled_task_never_runs_its_body_and_drops_its_future() {
    let drops = Arc::new(AtomicUsize::new(0));
    let token = Token(drops.clone());
    let task = task(async move {
        let _token = token;
        unreachable!("cancelled before its first poll");
    });
    let reports = Reports::default();
    assert!(on_loop(|| task.raw().cancel()));
    assert_eq!(run(task.raw(), &reports), Step::Ended);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert!(task.take_output().unwrap().unwrap_err().is_cancelled());
    assert!(!task.raw().cancel(), "an ended task cannot be cancelled");
}

#[test]
fn panics_are_caught_and_what_nobody_sees_is_reported() {
    struct PanicsOnDrop;
    impl Drop for PanicsOnDrop {
        fn drop(&mut self) {
            panic!("in a destructor");
        }
    }
    let reports = Reports::default();
    // A detached task's panic, and a panicking output nobody takes.
    let panicking = task(async { panic!("boom") });
    on_loop(|| panicking.raw().handle_dropped(&reports));
    assert_eq!(run(panicking.raw(), &reports), Step::Ended);
    let output = task(async { PanicsOnDrop });
    on_loop(|| output.raw().handle_dropped(&reports));
    assert_eq!(run(output.raw(), &reports), Step::Ended);
    // A future whose destructor panics, awaited: the error still comes.
    let destructor = task(async {
        let _guard = PanicsOnDrop;
        std::future::pending::<()>().await;
    });
    assert_eq!(run(destructor.raw(), &reports), Step::Pending);
    on_loop(|| destructor.raw().cancel());
    let queued = LOCAL.with(|local| local.borrow_mut().pop()).unwrap();
    assert_eq!(run(&queued, &reports), Step::Ended);
    assert!(destructor.take_output().unwrap().unwrap_err().is_cancelled());
    assert_eq!(
        *reports.0.borrow(),
        ["unretrieved", "Exception in the destructor of a task's result", "Exception in task destructor"]
    );
}

#[test]
fn the_last_reference_frees_the_cell_on_whichever_thread_holds_it() {
    let drops = Arc::new(AtomicUsize::new(0));
    let token = Token(drops.clone());
    let (tx, rx) = mpsc::channel::<Waker>();
    let task = task(async move {
        let _token = token;
        std::future::poll_fn(|cx| {
            tx.send(cx.waker().clone()).unwrap();
            Poll::<()>::Pending
        })
        .await
    });
    let reports = Reports::default();
    assert_eq!(run(task.raw(), &reports), Step::Pending);
    let waker = rx.recv().unwrap();
    // The loop closes: the task is aborted and every loop-side reference goes.
    assert!(on_loop(|| task.raw().abort(&reports)));
    assert_eq!(drops.load(Ordering::SeqCst), 1, "the future is dropped on the loop's thread");
    release(task);
    // The waker outlives the loop's side; it frees the cell on its thread.
    std::thread::spawn(move || drop(waker)).join().unwrap();
}

#[test]
fn an_awaiter_of_this_loop_is_kept_without_a_waker_clone() {
    let target = task(std::future::pending::<()>());
    let awaiter = task(std::future::pending::<()>());
    let reports = Reports::default();
    assert_eq!(run(awaiter.raw(), &reports), Step::Pending);
    let waker = super::waker::borrowed(awaiter.raw().ptr);
    on_loop(|| target.raw().set_awaiter(&waker));
    assert_eq!(awaiter.raw().header().state.shared_refs(), 0, "a local reference, not a clone");
    on_loop(|| assert!(target.raw().abort(&reports)));
    on_loop(|| target.raw().wake_awaiter());
    let queued = LOCAL.with(|local| local.borrow_mut().pop()).expect("the awaiter was woken here");
    assert!(std::ptr::eq(queued.ptr.as_ptr(), awaiter.raw().ptr.as_ptr()));
    on_loop(|| assert!(awaiter.raw().abort(&reports)));
    release(target);
    release(awaiter);
}
