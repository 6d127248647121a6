//! What `gather!`, `try_gather!` and `#[corio::test]` expand to call.

use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;

/// For `gather!`: an empty output slot typed after `future`'s output.
pub fn no_output<F: Future>(_future: &Pin<&mut F>) -> Option<F::Output> {
    None
}

/// For `try_gather!`: an empty slot typed after the `Ok` value of
/// `future`'s output.
pub fn no_ok_output<F: Future<Output = Result<T, E>>, T, E>(_future: &Pin<&mut F>) -> Option<T> {
    None
}

/// Runs a `#[corio::test]` body; on failure, prints the seed it was
/// shuffled with, so the run can be replayed.
pub fn run_test<F: Future>(builder: crate::Builder, future: F) -> F::Output {
    let seed = builder.seed();
    let mut runner =
        builder.build().unwrap_or_else(|err| panic!("#[corio::test] cannot make its loop: {err}"));
    match catch_unwind(AssertUnwindSafe(|| runner.run(future))) {
        Ok(output) => output,
        Err(payload) => {
            if let Some(seed) = seed {
                eprintln!("corio::test failed with seed {seed}; replay it with CORIO_SEED={seed}");
            }
            resume_unwind(payload)
        }
    }
}
