//! Which types may cross threads, as the contract pins down.

fn assert_send<T: Send>() {}
fn assert_sync<T: Sync>() {}

#[test]
fn thread_safe_types() {
    assert_send::<corio::LoopHandle>();
    assert_sync::<corio::LoopHandle>();
    assert_send::<corio::ThreadPool>();
    assert_sync::<corio::ThreadPool>();
    assert_send::<corio::Resolver<String>>();
    assert_send::<corio::ConcurrentFuture<String>>();
    assert_send::<corio::TaskError>();
    assert_sync::<corio::TaskError>();
    assert_send::<std::task::Waker>();
    // A future that sleeps can still be handed to `LoopHandle::spawn`.
    assert_send::<corio::Sleep>();
}
