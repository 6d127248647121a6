//! Every async operation of the public API, dropped after each poll it can
//! suspend at, under several shuffle seeds: the primitive's invariants hold
//! afterwards (no lost item, permit or wake-up; never two holders), and once
//! the loop closes the heap and the open descriptors are back where they
//! were. Then thousands of cancelled waits in one loop leave nothing behind.
//!
//! Operations covered (a missing one is a missing line here):
//!
//! - sync: `Lock::lock`, `Semaphore::acquire`, `Event::wait`,
//!   `Condition::wait`, `Barrier::wait`
//! - queues: `Queue::get`, `Queue::put`, `Queue::join`
//! - tasks: `Task` (awaited), `TaskGroup::wait`, `gather`, `try_gather`,
//!   `wait`, `as_completed`, `shield`, `Promise`
//! - time: `sleep`, `wait_for`, `timeout`, `Timeout::run`
//! - streams: `StreamReader::readexactly`, `readline`, `read`,
//!   `readuntil`, `read_to_end`, `StreamWriter::drain`,
//!   `StreamWriter::wait_closed`, `Server::wait_closed`,
//!   `Server::serve_forever`, `start_server`, `open_connection` (also with
//!   Happy Eyeballs), `start_unix_server`, `open_unix_connection`
//! - sockets: `TcpListener::accept`, `TcpStream::connect`, `read`,
//!   `write_all`, `UdpSocket::send_to`, `recv_from`, `UnixListener::accept`,
//!   `UnixStream::connect`, `UnixDatagram::recv_from`
//! - protocols: `create_server`, `create_connection`, `create_unix_server`,
//!   `create_unix_connection`, `create_datagram_endpoint`
//! - threads and processes: `to_thread`, `run_in_executor`,
//!   `ConcurrentFuture` (of `LoopHandle::spawn`), `create_subprocess_exec`
//!   (the spawn), `Process::wait`, `Process::communicate`
//! - also: `Condition::wait_for`, `timeout_at`
//!
//! (`Lock::lock_owned`, `Semaphore::acquire_owned`, `read_exact` and
//! `write` are the operations above under another signature.)

mod support;

use std::cell::Cell;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use support::counting_alloc::{live_bytes, Counting};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

const SEEDS: [u64; 3] = [1, 7, 42];

type Body = Pin<Box<dyn Future<Output = bool>>>;

/// Where an operation is dropped, for the k of `at_every_poll`: `k / 2`
/// polls, then either at once (while it still waits) or at the next wake-up
/// instead of a poll (woken, and maybe handed a lock, an item or a
/// notification it never collects). k = 0 drops it before its first poll.
async fn dropped_after<F: Future>(k: usize, future: F) -> Option<F::Output> {
    let mut future = Box::pin(future);
    let (polls, at_wake) = (k / 2, k % 2 == 1);
    let mut polled = 0;
    std::future::poll_fn(|cx: &mut Context<'_>| {
        if polled == polls {
            return Poll::Ready(None);
        }
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        polled += 1;
        if polled == polls && !at_wake {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}

/// Lets the tasks around an operation finish what they do.
async fn settle() {
    for _ in 0..20 {
        corio::yield_now().await;
    }
    corio::sleep(Duration::from_secs(1)).await;
    for _ in 0..20 {
        corio::yield_now().await;
    }
}

/// Runs `body(k)` for k = 0, 1, 2, … (the operation is dropped as
/// [`dropped_after`] says) until the operation completes, under every seed, each in a fresh
/// loop with virtual time; `body` checks the invariants and says whether
/// the operation completed. Then the heap and the descriptors are back.
fn at_every_poll(name: &str, body: impl Fn(usize) -> Body) {
    // One run to completion first, so lazily made statics (the allocator's
    // bookkeeping, the C library's resolver state) are out of the count.
    assert!(corio_run(SEEDS[0], body(NEVER_DROPPED)), "{name}: never completed");
    let (bytes, fds) = (live_bytes(), open_fds());
    for seed in SEEDS {
        for k in 0.. {
            let completed = corio_run(seed, body(k));
            if completed {
                break;
            }
            assert!(k < 200, "{name}: never completed");
        }
        assert_eq!(open_fds(), fds, "{name}: descriptors left open (seed {seed})");
        let left = live_bytes() - bytes;
        assert!(left <= ONE_OFF_BYTES, "{name}: {left} bytes left after the loop closed (seed {seed})");
    }
}

/// Bytes a run may leave once, for good, without a leak: on a loaded
/// machine one 900-byte allocation is made once per process and kept, at a
/// random operation and never twice (with only this test's thread and the
/// harness's running; where it comes from is not found yet). A leak per
/// run, over the dozens of runs of each operation, is far above this.
const ONE_OFF_BYTES: isize = 2048;

/// A k for [`dropped_after`] that lets the operation complete.
const NEVER_DROPPED: usize = usize::MAX - 1;

fn corio_run(seed: u64, body: Body) -> bool {
    let mut runner = corio::Runner::builder().virtual_time(true).shuffle(seed).build().unwrap();
    let completed = runner.run(body);
    runner.close();
    completed
}

/// A task that does `then` after `turns` turns.
fn after_turns(turns: usize, then: impl FnOnce() + 'static) {
    drop(corio::create_task(async move {
        for _ in 0..turns {
            corio::yield_now().await;
        }
        then();
    }));
}

/// One test, so that nothing runs beside it to move the heap's count.
#[test]
fn every_async_operation_is_cancel_safe_and_leak_free() {
    sync_primitives();
    queues();
    tasks();
    time();
    streams();
    sockets();
    protocols();
    threads_and_processes();
    others();
    thousands_of_cancelled_waits_leave_nothing_behind();
}

const CANCELLED_WAITS: usize = 20_000;

/// Polls `future` once, then drops it: a wait that registers and is
/// cancelled.
async fn poll_once_and_drop<F: Future>(future: F) {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| {
        let _ = future.as_mut().poll(cx);
        Poll::Ready(())
    })
    .await;
}

/// Runs [`CANCELLED_WAITS`] waits of `wait` on one primitive, each polled
/// once and dropped, and returns the heap bytes they left (with the
/// primitive still alive).
async fn bytes_left_by<F: Future>(wait: impl Fn() -> F) -> isize {
    bytes_left_by_runs(|| poll_once_and_drop(wait())).await
}

/// Runs `run` [`CANCELLED_WAITS`] times and returns the heap bytes left. A
/// first round, not counted, lets the loop's queues reach the size such a
/// burst gives them.
async fn bytes_left_by_runs<F: Future>(run: impl Fn() -> F) -> isize {
    let round = || async {
        for _ in 0..CANCELLED_WAITS {
            run().await;
        }
        settle().await;
    };
    round().await;
    let before = live_bytes();
    round().await;
    live_bytes() - before
}

/// As [`bytes_left_by`], for [`CANCELLED_WAITS`] waits registered together
/// and then all cancelled: a burst must not keep its peak allocated.
async fn burst_bytes_left_by<F: Future>(wait: impl Fn() -> F) -> isize {
    let before = live_bytes();
    let mut waits: Vec<Pin<Box<F>>> = (0..CANCELLED_WAITS).map(|_| Box::pin(wait())).collect();
    std::future::poll_fn(|cx| {
        for wait in &mut waits {
            let _ = wait.as_mut().poll(cx);
        }
        Poll::Ready(())
    })
    .await;
    drop(waits);
    settle().await;
    live_bytes() - before
}

/// While a loop runs, a wait that is cancelled leaves nothing behind: the
/// bytes left per 20 000 cancelled waits of each operation, printed (run
/// with `--nocapture`) and bounded.
// The reader and writer are borrowed across one poll of one read or drain at
// a time: each is dropped before the next starts.
#[allow(clippy::await_holding_refcell_ref)]
fn thousands_of_cancelled_waits_leave_nothing_behind() {
    let mut runner = corio::Runner::builder().virtual_time(true).build().unwrap();
    let report = runner.run(async {
        let mut report = Vec::new();
        let lock = corio::Lock::new();
        let _held = lock.lock().await;
        report.push(("Lock::lock", bytes_left_by(|| lock.lock()).await));
        report.push(("Lock::lock, all at once", burst_bytes_left_by(|| lock.lock()).await));
        let sem = corio::Semaphore::new(0);
        report.push(("Semaphore::acquire", bytes_left_by(|| sem.acquire()).await));
        let event = corio::Event::new();
        report.push(("Event::wait", bytes_left_by(|| event.wait()).await));
        let cond = corio::Condition::new();
        report.push((
            "Condition::wait",
            bytes_left_by(|| async {
                let guard = cond.lock().await;
                drop(cond.wait(guard).await);
            })
            .await,
        ));
        let barrier = corio::Barrier::new(2);
        report.push(("Barrier::wait", bytes_left_by(|| barrier.wait()).await));
        let empty = corio::Queue::<u8>::new(0);
        report.push(("Queue::get", bytes_left_by(|| empty.get()).await));
        report.push(("Queue::get, all at once", burst_bytes_left_by(|| empty.get()).await));
        let full = corio::Queue::new(1);
        full.put_nowait(0u8).unwrap();
        report.push(("Queue::put", bytes_left_by(|| full.put(1)).await));
        let unfinished = corio::Queue::new(0);
        unfinished.put_nowait(0u8).unwrap();
        report.push(("Queue::join", bytes_left_by(|| unfinished.join()).await));
        report.push((
            "wait_for(1 ms, Queue::join)",
            bytes_left_by(|| corio::wait_for(Duration::from_millis(1), unfinished.join())).await,
        ));
        report.push((
            "wait_for(1 ms, Queue::join), timed out",
            bytes_left_by_runs(|| async {
                assert!(corio::wait_for(Duration::from_millis(1), unfinished.join()).await.is_err());
            })
            .await,
        ));
        let server = corio::start_server(|_, _| async {}, "127.0.0.1", 0).await.unwrap();
        report.push(("Server::wait_closed", bytes_left_by(|| server.wait_closed()).await));
        let ((reader, mut writer), (_quiet_reader, _quiet_writer)) = stream_pair().await;
        let reader = std::cell::RefCell::new(reader);
        report.push((
            "StreamReader::read",
            bytes_left_by(|| async { drop(reader.borrow_mut().read(10).await) }).await,
        ));
        writer.write(&vec![0; 1 << 20]);
        let writer = std::cell::RefCell::new(writer);
        report.push((
            "StreamWriter::drain",
            bytes_left_by(|| async { drop(writer.borrow_mut().drain().await) }).await,
        ));
        report.push(("sleep", bytes_left_by(|| corio::sleep(Duration::from_secs(60))).await));
        // Every timer armed, then all cancelled: the timer table shrinks back.
        report.push((
            "sleep, all at once",
            burst_bytes_left_by(|| corio::sleep(Duration::from_secs(60))).await,
        ));
        report.push((
            "wait_for(60 s, Event::wait), all at once",
            burst_bytes_left_by(|| corio::wait_for(Duration::from_secs(60), event.wait())).await,
        ));
        let (promise, _resolver) = corio::promise::<u8>();
        let promise = std::cell::RefCell::new(promise);
        report.push((
            "Promise",
            bytes_left_by(|| async {
                std::future::poll_fn(|cx| Pin::new(&mut *promise.borrow_mut()).poll(cx)).await
            })
            .await,
        ));
        report.push((
            "TaskGroup::wait",
            bytes_left_by(|| {
                let group = corio::TaskGroup::<()>::new();
                group.create_task(std::future::pending::<Result<(), ()>>());
                group.wait()
            })
            .await,
        ));
        report
    });
    runner.close();
    for (operation, bytes) in &report {
        println!("{operation}: {bytes} bytes left by {CANCELLED_WAITS} cancelled waits");
    }
    for (operation, bytes) in report {
        assert!(bytes <= 4096, "{operation}: {bytes} bytes left by {CANCELLED_WAITS} cancelled waits");
    }
}

fn sync_primitives() {
    at_every_poll("Lock::lock", |k| {
        Box::pin(async move {
            let lock = Rc::new(corio::Lock::new());
            let held = lock.clone().lock_owned().await;
            after_turns(2, move || drop(held));
            let done = dropped_after(k, {
                let lock = lock.clone();
                async move { drop(lock.lock().await) }
            })
            .await
            .is_some();
            settle().await;
            assert!(!lock.locked() && lock.try_lock().is_some(), "the lock is free, nobody holds it");
            done
        })
    });
    at_every_poll("Semaphore::acquire", |k| {
        Box::pin(async move {
            let sem = Rc::new(corio::Semaphore::new(2));
            for turns in [1, 3] {
                let permit = sem.clone().acquire_owned().await;
                after_turns(turns, move || drop(permit));
            }
            let done = dropped_after(k, {
                let sem = sem.clone();
                async move { drop(sem.acquire().await) }
            })
            .await
            .is_some();
            settle().await;
            assert_eq!(sem.available_permits(), 2, "every permit is back");
            done
        })
    });
    at_every_poll("Event::wait", |k| {
        Box::pin(async move {
            let event = Rc::new(corio::Event::new());
            let setter = event.clone();
            after_turns(2, move || setter.set());
            let done = dropped_after(k, {
                let event = event.clone();
                async move { event.wait().await }
            })
            .await
            .is_some();
            settle().await;
            assert!(event.is_set());
            done
        })
    });
    at_every_poll("Condition::wait", |k| {
        Box::pin(async move {
            let cond = Rc::new(corio::Condition::new());
            let other_woke = Rc::new(Cell::new(false));
            let other = corio::create_task({
                let (cond, other_woke) = (cond.clone(), other_woke.clone());
                async move {
                    let guard = cond.lock().await;
                    drop(cond.wait(guard).await);
                    other_woke.set(true);
                }
            });
            let notifier = cond.clone();
            drop(corio::create_task(async move {
                corio::yield_now().await;
                corio::yield_now().await;
                let _guard = notifier.lock().await;
                notifier.notify(1);
            }));
            let done = dropped_after(k, {
                let cond = cond.clone();
                async move {
                    let guard = cond.lock().await;
                    drop(cond.wait(guard).await);
                }
            })
            .await
            .is_some();
            settle().await;
            // One notification: it reached a waiter that is still there.
            assert!(done || other_woke.get(), "a notification was lost");
            cond.notify_all();
            settle().await;
            assert!(other.done());
            done
        })
    });
    at_every_poll("Barrier::wait", |k| {
        Box::pin(async move {
            let barrier = Rc::new(corio::Barrier::new(2));
            let partner = corio::create_task({
                let barrier = barrier.clone();
                async move {
                    corio::yield_now().await;
                    barrier.wait().await
                }
            });
            let done = dropped_after(k, {
                let barrier = barrier.clone();
                async move { barrier.wait().await }
            })
            .await
            .is_some();
            settle().await;
            if !done && !partner.done() {
                // The dropped party left: the partner waits for a new one.
                assert_eq!(barrier.n_waiting(), 1);
                assert!(barrier.wait().await.is_ok());
            }
            assert!(partner.await.unwrap().is_ok());
            done
        })
    });
}

fn queues() {
    at_every_poll("Queue::get", |k| {
        Box::pin(async move {
            let queue = corio::Queue::new(0);
            let putter = queue.clone();
            after_turns(2, move || putter.put_nowait(7).unwrap());
            let got = dropped_after(k, {
                let queue = queue.clone();
                async move { queue.get().await.unwrap() }
            })
            .await;
            settle().await;
            match got {
                Some(item) => assert_eq!((item, queue.qsize()), (7, 0)),
                // Not lost: the item is still there for the next getter.
                None => assert_eq!(queue.get_nowait(), Ok(7)),
            }
            got.is_some()
        })
    });
    at_every_poll("Queue::put", |k| {
        Box::pin(async move {
            let queue = corio::Queue::new(1);
            queue.put_nowait(1).unwrap();
            let getter = queue.clone();
            after_turns(2, move || assert_eq!(getter.get_nowait(), Ok(1)));
            let done = dropped_after(k, {
                let queue = queue.clone();
                async move { queue.put(2).await.unwrap() }
            })
            .await
            .is_some();
            settle().await;
            // Put entirely, or not at all; and the slot is free for others.
            assert_eq!(queue.qsize(), usize::from(done));
            if !done {
                queue.put_nowait(3).unwrap();
            }
            done
        })
    });
    at_every_poll("Queue::join", |k| {
        Box::pin(async move {
            let queue = corio::Queue::new(0);
            queue.put_nowait(1).unwrap();
            let worker = queue.clone();
            after_turns(2, move || {
                worker.get_nowait().unwrap();
                worker.task_done().unwrap();
            });
            let done = dropped_after(k, {
                let queue = queue.clone();
                async move { queue.join().await }
            })
            .await
            .is_some();
            settle().await;
            done
        })
    });
}

/// A task that ends after `turns` turns.
fn short_task(turns: usize) -> corio::Task<usize> {
    corio::create_task(async move {
        for _ in 0..turns {
            corio::yield_now().await;
        }
        turns
    })
}

fn only_main_left() -> bool {
    corio::all_tasks().len() == 1
}

fn tasks() {
    at_every_poll("Task (awaited)", |k| {
        Box::pin(async move {
            let task = short_task(3);
            let done = dropped_after(k, task).await.is_some();
            settle().await;
            assert!(only_main_left());
            done
        })
    });
    at_every_poll("TaskGroup::wait", |k| {
        Box::pin(async move {
            let group = corio::TaskGroup::<()>::new();
            for turns in [1, 3] {
                group.create_task(async move {
                    for _ in 0..turns {
                        corio::yield_now().await;
                    }
                    Ok(())
                });
            }
            let done = dropped_after(k, group.wait()).await.is_some();
            settle().await;
            assert!(only_main_left(), "a dropped group cancels its tasks");
            done
        })
    });
    at_every_poll("gather", |k| {
        Box::pin(async move {
            let tasks = [short_task(1), short_task(4)];
            let done = dropped_after(k, corio::gather(tasks)).await.is_some();
            settle().await;
            assert!(only_main_left());
            done
        })
    });
    at_every_poll("try_gather", |k| {
        Box::pin(async move {
            let futures = [1, 4].map(|turns| async move {
                for _ in 0..turns {
                    corio::yield_now().await;
                }
                Ok::<_, ()>(turns)
            });
            let done = dropped_after(k, corio::try_gather(futures)).await.is_some();
            settle().await;
            done
        })
    });
    at_every_poll("wait", |k| {
        Box::pin(async move {
            let ran = Rc::new(Cell::new(0));
            let tasks: Vec<_> = [1, 4]
                .map(|turns| {
                    let ran = ran.clone();
                    corio::create_task(async move {
                        for _ in 0..turns {
                            corio::yield_now().await;
                        }
                        ran.set(ran.get() + 1);
                    })
                })
                .into();
            let done =
                dropped_after(k, corio::wait(tasks, corio::ReturnWhen::AllCompleted, None)).await.is_some();
            settle().await;
            assert_eq!(ran.get(), 2, "wait never cancels");
            done
        })
    });
    at_every_poll("as_completed", |k| {
        Box::pin(async move {
            use futures::StreamExt;
            let futures = [3, 1].map(|turns| async move {
                for _ in 0..turns {
                    corio::yield_now().await;
                }
                turns
            });
            let done = dropped_after(k, corio::as_completed(futures).collect::<Vec<_>>()).await.is_some();
            settle().await;
            done
        })
    });
    at_every_poll("shield", |k| {
        Box::pin(async move {
            let ran = Rc::new(Cell::new(false));
            let shielded = corio::shield({
                let ran = ran.clone();
                async move {
                    corio::sleep(Duration::from_millis(5)).await;
                    ran.set(true);
                }
            });
            let done = dropped_after(k, shielded).await.is_some();
            settle().await;
            assert!(ran.get(), "a shielded future runs on");
            done
        })
    });
    at_every_poll("Promise", |k| {
        Box::pin(async move {
            let (promise, resolver) = corio::promise::<Vec<u8>>();
            after_turns(2, move || resolver.resolve(vec![0; 100]));
            let done = dropped_after(k, promise).await.is_some();
            settle().await;
            done
        })
    });
}

fn time() {
    at_every_poll("sleep", |k| {
        Box::pin(async move { dropped_after(k, corio::sleep(Duration::from_millis(5))).await.is_some() })
    });
    at_every_poll("wait_for", |k| {
        Box::pin(async move {
            let slow = short_task(6);
            let done = dropped_after(k, corio::wait_for(Duration::from_secs(1), slow)).await.is_some();
            settle().await;
            assert!(only_main_left());
            done
        })
    });
    at_every_poll("timeout", |k| {
        Box::pin(async move {
            let forever = std::future::pending::<()>();
            let done = dropped_after(k, corio::timeout(Duration::from_millis(3), forever)).await.is_some();
            settle().await;
            done
        })
    });
    at_every_poll("Timeout::run, rescheduled", |k| {
        Box::pin(async move {
            let scope = corio::timeout_scope(Duration::from_millis(3));
            let handle = scope.clone();
            let body = async move {
                corio::yield_now().await;
                handle.reschedule(Some(corio::time() + Duration::from_millis(5)));
                std::future::pending::<()>().await
            };
            let done = dropped_after(k, scope.run(body)).await.is_some();
            // Dropped after the deadline passed, it expired all the same.
            assert!(!done || scope.expired(), "the body never ends: only the deadline can");
            settle().await;
            done
        })
    });
}

/// A connected pair of stream halves: the client's and the accepted side's.
async fn stream_pair(
) -> ((corio::StreamReader, corio::StreamWriter), (corio::StreamReader, corio::StreamWriter)) {
    let (accepted, resolver) = corio::promise();
    let resolver = Cell::new(Some(resolver));
    let server = corio::start_server(
        move |reader, writer| {
            if let Some(resolver) = resolver.take() {
                resolver.resolve((reader, writer));
            }
            async {}
        },
        "127.0.0.1",
        0,
    )
    .await
    .unwrap();
    let port = server.local_addrs()[0].port();
    let client = corio::open_connection("127.0.0.1", port).await.unwrap();
    let accepted = accepted.await.unwrap();
    server.close();
    (client, accepted)
}

fn streams() {
    at_every_poll("StreamReader::readexactly", |k| {
        Box::pin(async move {
            let ((mut reader, _w), (_r, mut writer)) = stream_pair().await;
            drop(corio::create_task(async move {
                for chunk in [b"abc".as_slice(), b"def", b"ghi"] {
                    writer.write(chunk);
                    corio::yield_now().await;
                }
                writer.close();
            }));
            let first = dropped_after(k, reader.readexactly(6)).await.map(Result::unwrap);
            settle().await;
            // Whatever the dropped read had buffered is still there.
            let rest = reader.read_to_end().await.unwrap();
            let all: Vec<u8> = first.clone().unwrap_or_default().into_iter().chain(rest).collect();
            assert_eq!(all, b"abcdefghi");
            first.is_some()
        })
    });
    at_every_poll("StreamReader::readline", |k| {
        Box::pin(async move {
            let ((mut reader, _w), (_r, mut writer)) = stream_pair().await;
            drop(corio::create_task(async move {
                for chunk in [b"hel".as_slice(), b"lo\nwor", b"ld\n"] {
                    writer.write(chunk);
                    corio::yield_now().await;
                }
                writer.close();
            }));
            let line = dropped_after(k, reader.readline()).await.map(Result::unwrap);
            settle().await;
            let rest = reader.read_to_end().await.unwrap();
            let all: Vec<u8> = line.clone().unwrap_or_default().into_iter().chain(rest).collect();
            assert_eq!(all, b"hello\nworld\n");
            line.is_some()
        })
    });
    at_every_poll("StreamWriter::drain", |k| {
        Box::pin(async move {
            let ((_r, mut writer), (mut reader, _w)) = stream_pair().await;
            let big = vec![0x42; 1 << 20];
            writer.write(&big);
            let done = dropped_after(k, writer.drain()).await.is_some();
            writer.close();
            // Everything written arrives, drained or not.
            assert_eq!(reader.read_to_end().await.unwrap().len(), big.len());
            done
        })
    });
    at_every_poll("StreamWriter::wait_closed", |k| {
        Box::pin(async move {
            let ((_r, mut writer), (mut reader, _w)) = stream_pair().await;
            writer.write(b"bye");
            writer.close();
            let done = dropped_after(k, writer.wait_closed()).await.is_some();
            assert_eq!(reader.read_to_end().await.unwrap(), b"bye");
            done
        })
    });
    at_every_poll("Server::wait_closed", |k| {
        Box::pin(async move {
            let server = Rc::new(corio::start_server(|_, _| async {}, "127.0.0.1", 0).await.unwrap());
            let closer = server.clone();
            after_turns(2, move || closer.close());
            let done = dropped_after(k, {
                let server = server.clone();
                async move { server.wait_closed().await }
            })
            .await
            .is_some();
            settle().await;
            done
        })
    });
    at_every_poll("TcpListener::accept and TcpStream::connect", |k| {
        Box::pin(async move {
            let listener = corio::TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let connected = dropped_after(k, corio::TcpStream::connect(addr)).await;
            let accepted = dropped_after(k, listener.accept()).await;
            settle().await;
            connected.is_some() && accepted.is_some()
        })
    });
}

fn threads_and_processes() {
    at_every_poll("to_thread", |k| {
        Box::pin(async move {
            let done = dropped_after(k, corio::to_thread(|| vec![1u8; 1000])).await.is_some();
            settle().await;
            done
        })
    });
    at_every_poll("Process::wait", |k| {
        Box::pin(async move {
            let mut child = corio::create_subprocess_exec("true", [] as [&str; 0]).await.unwrap();
            let pid = child.pid();
            let done = dropped_after(k, child.wait()).await.is_some();
            drop(child);
            reaped(pid).await;
            done
        })
    });
    at_every_poll("Process::communicate", |k| {
        Box::pin(async move {
            let mut child = corio::create_subprocess_exec("cat", [] as [&str; 0])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .await
                .unwrap();
            let pid = child.pid();
            let done = dropped_after(k, child.communicate(Some(b"echo"))).await.is_some();
            drop(child);
            reaped(pid).await;
            done
        })
    });
}

/// Returns once the loop has reaped child `pid` (dropped with its
/// `Process`): else a closing loop leaves a thread to reap it, whose bytes
/// would count as left behind.
async fn reaped(pid: u32) {
    assert!(support::children::reaped_soon(pid).await, "child {pid} was not reaped");
}

/// A fresh path for a Unix-domain socket, removed when dropped.
struct SocketPath(std::path::PathBuf);

impl SocketPath {
    fn new(name: &str) -> SocketPath {
        SocketPath(std::env::temp_dir().join(format!("corio-cancel-{name}-{}", std::process::id())))
    }
}

impl Drop for SocketPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The operations of the byte sockets and the stream constructors.
fn sockets() {
    at_every_poll("TcpStream::read and TcpStream::write_all", |k| {
        Box::pin(async move {
            let listener = corio::TcpListener::bind("127.0.0.1:0").unwrap();
            let mut client = corio::TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
            let (mut accepted, _) = listener.accept().await.unwrap();
            let big = vec![7u8; 1 << 20];
            let writer = corio::create_task(async move {
                let done = dropped_after(k, accepted.write_all(&big)).await.is_some();
                drop(accepted);
                done
            });
            let mut buf = vec![0; 4096];
            let read = dropped_after(k, client.read(&mut buf)).await.is_some();
            // After a dropped read the stream still reads what was sent.
            while client.read(&mut buf).await.unwrap() > 0 {}
            writer.await.unwrap() && read
        })
    });
    at_every_poll("UdpSocket::recv_from and UdpSocket::send_to", |k| {
        Box::pin(async move {
            let (a, b) = (
                corio::UdpSocket::bind("127.0.0.1:0").unwrap(),
                corio::UdpSocket::bind("127.0.0.1:0").unwrap(),
            );
            let to = b.local_addr().unwrap();
            let sent = dropped_after(k, a.send_to(b"datagram", to)).await.is_some();
            if !sent {
                a.send_to(b"datagram", to).await.unwrap();
            }
            let mut buf = [0; 16];
            let received = dropped_after(k, b.recv_from(&mut buf)).await.is_some();
            sent && received
        })
    });
    at_every_poll("UnixListener::accept, UnixStream::connect, UnixDatagram::recv_from", |k| {
        Box::pin(async move {
            let path = SocketPath::new("stream");
            let listener = corio::UnixListener::bind(&path.0).unwrap();
            let connected = dropped_after(k, corio::UnixStream::connect(&path.0)).await;
            let accepted = dropped_after(k, listener.accept()).await;
            let datagram_path = SocketPath::new("datagram");
            let socket = corio::UnixDatagram::bind(&datagram_path.0).unwrap();
            let sender =
                corio::UnixDatagram::from_std(std::os::unix::net::UnixDatagram::unbound().unwrap()).unwrap();
            sender.send_to(b"x", &datagram_path.0).await.unwrap();
            let mut buf = [0; 4];
            let received = dropped_after(k, socket.recv_from(&mut buf)).await;
            settle().await;
            connected.is_some() && accepted.is_some() && received.is_some()
        })
    });
    at_every_poll("StreamReader::read, readuntil, read_to_end", |k| {
        Box::pin(async move {
            let ((mut reader, _w), (_r, mut writer)) = stream_pair().await;
            drop(corio::create_task(async move {
                for chunk in [b"ab".as_slice(), b"c--d", b"ef"] {
                    writer.write(chunk);
                    corio::yield_now().await;
                }
                writer.close();
            }));
            let mut got = Vec::new();
            let read = dropped_after(k, reader.read(1)).await.map(Result::unwrap);
            got.extend(read.clone().unwrap_or_default());
            let until = dropped_after(k, reader.readuntil(b"--")).await.map(Result::unwrap);
            got.extend(until.clone().unwrap_or_default());
            let rest = dropped_after(k, reader.read_to_end()).await.map(Result::unwrap);
            got.extend(rest.clone().unwrap_or_default());
            got.extend(reader.read_to_end().await.unwrap());
            assert_eq!(got, b"abc--def", "no byte lost or doubled");
            read.is_some() && until.is_some() && rest.is_some()
        })
    });
    at_every_poll("start_server, open_connection, Server::serve_forever", |k| {
        Box::pin(async move {
            // "localhost" is resolved on the thread pool: a wait to drop.
            let server =
                dropped_after(k, corio::start_server(|_, _| async {}, "localhost", 0).into_future()).await;
            let Some(server) = server.map(Result::unwrap) else { return false };
            let port = server.local_addrs()[0].port();
            let connected = dropped_after(k, corio::open_connection("localhost", port).into_future()).await;
            // The staggered race of Happy Eyeballs, dropped with attempts
            // in flight: their sockets close.
            let raced = corio::open_connection("localhost", port).happy_eyeballs_delay(Duration::ZERO);
            let raced = dropped_after(k, raced.into_future()).await;
            let server = Rc::new(server);
            let closer = server.clone();
            after_turns(2, move || closer.close());
            let served = dropped_after(k, async { server.serve_forever().await }).await;
            server.close();
            settle().await;
            connected.is_some() && raced.is_some() && served.is_some()
        })
    });
    at_every_poll("open_unix_connection and start_unix_server", |k| {
        Box::pin(async move {
            let path = SocketPath::new("streams");
            let server = dropped_after(k, corio::start_unix_server(|_, _| async {}, &path.0)).await;
            let Some(server) = server.map(Result::unwrap) else { return false };
            let connected = dropped_after(k, corio::open_unix_connection(&path.0)).await;
            server.close();
            settle().await;
            connected.is_some()
        })
    });
}

/// How many protocols were made and lost: the two must meet.
#[derive(Clone, Default)]
struct Calls {
    made: Rc<Cell<usize>>,
    lost: Rc<Cell<usize>>,
}

impl Calls {
    fn protocol(&self) -> impl FnMut() -> Counted + 'static {
        let calls = self.clone();
        move || Counted(calls.clone())
    }

    fn all_lost(&self) -> bool {
        self.made.get() == self.lost.get()
    }
}

struct Counted(Calls);

impl corio::Protocol for Counted {
    fn connection_made(&mut self, _transport: corio::Transport) {
        self.0.made.set(self.0.made.get() + 1);
    }
    fn connection_lost(&mut self, _error: Option<std::io::Error>) {
        self.0.lost.set(self.0.lost.get() + 1);
    }
}

impl corio::DatagramProtocol for Counted {
    fn connection_made(&mut self, _transport: corio::DatagramTransport) {
        self.0.made.set(self.0.made.get() + 1);
    }
    fn connection_lost(&mut self, _error: Option<std::io::Error>) {
        self.0.lost.set(self.0.lost.get() + 1);
    }
}

/// Ends a connection made (with `end`) or dropped while being made, and
/// the server; every protocol of both sides must have heard of it. True if
/// the connection was made.
async fn end_connection(
    connected: Option<corio::Transport>,
    end: fn(&corio::Transport),
    server: corio::Server,
    sides: [Calls; 2],
) -> bool {
    if let Some(transport) = &connected {
        end(transport);
    }
    server.close();
    settle().await;
    assert!(sides.iter().all(Calls::all_lost), "a protocol never lost its connection");
    connected.is_some()
}

/// A connection made, or dropped while being made: either way it closes,
/// and every protocol on both sides hears of it once.
fn protocols() {
    at_every_poll("create_server and create_connection", |k| {
        Box::pin(async move {
            let (server_calls, client_calls) = (Calls::default(), Calls::default());
            // "localhost" is resolved on the thread pool: a wait to drop.
            let server =
                dropped_after(k, corio::create_server(server_calls.protocol(), "localhost", 0)).await;
            let Some(server) = server.map(Result::unwrap) else { return false };
            let port = server.local_addrs()[0].port();
            let connection = client_calls.protocol();
            let connected = dropped_after(k, corio::create_connection(connection, "localhost", port)).await;
            let connected = connected.map(Result::unwrap).map(|(transport, _)| transport);
            end_connection(connected, corio::Transport::close, server, [server_calls, client_calls]).await
        })
    });
    at_every_poll("create_unix_server and create_unix_connection", |k| {
        Box::pin(async move {
            let path = SocketPath::new("protocols");
            let (server_calls, client_calls) = (Calls::default(), Calls::default());
            let server = dropped_after(k, corio::create_unix_server(server_calls.protocol(), &path.0)).await;
            let Some(server) = server.map(Result::unwrap) else { return false };
            let connected =
                dropped_after(k, corio::create_unix_connection(client_calls.protocol(), &path.0)).await;
            let connected = connected.map(Result::unwrap).map(|(transport, _)| transport);
            end_connection(connected, corio::Transport::abort, server, [server_calls, client_calls]).await
        })
    });
    at_every_poll("create_datagram_endpoint", |k| {
        Box::pin(async move {
            let calls = Calls::default();
            let local = "127.0.0.1:0".parse().ok();
            let made = dropped_after(k, corio::create_datagram_endpoint(calls.protocol(), local, None)).await;
            let made = made.map(Result::unwrap);
            if let Some((transport, _)) = &made {
                transport.close();
            }
            settle().await;
            assert!(calls.all_lost(), "the endpoint's protocol never lost it");
            made.is_some()
        })
    });
}

/// The rest: a condition's predicate wait, work on other threads, a
/// deadline given as an instant, a child being spawned.
fn others() {
    at_every_poll("Condition::wait_for", |k| {
        Box::pin(async move {
            let cond = Rc::new(corio::Condition::new());
            let ready = Rc::new(Cell::new(false));
            let (notifier, flag) = (cond.clone(), ready.clone());
            after_turns(2, move || {
                flag.set(true);
                notifier.notify_all();
            });
            let done = dropped_after(k, async {
                let guard = cond.lock().await;
                drop(cond.wait_for(guard, || ready.get()).await);
            })
            .await
            .is_some();
            settle().await;
            assert!(!cond.locked(), "the condition's lock is free");
            done
        })
    });
    at_every_poll("run_in_executor and ConcurrentFuture", |k| {
        Box::pin(async move {
            let pool = corio::ThreadPool::new(1);
            let ran = dropped_after(k, corio::run_in_executor(&pool, || 6 * 7)).await.is_some();
            let handle = corio::get_running_loop();
            let spawned = dropped_after(k, handle.spawn(async { 7 })).await.is_some();
            settle().await;
            pool.shutdown();
            ran && spawned
        })
    });
    at_every_poll("timeout_at", |k| {
        Box::pin(async move {
            let when = corio::time() + Duration::from_millis(3);
            dropped_after(k, corio::timeout_at(when, std::future::pending::<()>())).await.is_some()
        })
    });
    at_every_poll("create_subprocess_exec (the spawn)", |k| {
        Box::pin(async move {
            let child =
                dropped_after(k, corio::create_subprocess_exec("true", [] as [&str; 0]).into_future()).await;
            let done = child.is_some();
            if let Some(mut child) = child.map(Result::unwrap) {
                child.wait().await.unwrap();
            }
            settle().await;
            done
        })
    });
}
