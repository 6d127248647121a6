//! The JavaScript example, in corio: wrap a callback-style API — a callback
//! fired from another thread after a delay, with success or failure — in a
//! `promise()`, then `await` it, with `match` where JavaScript uses
//! `try/catch`.
//!
//! ```text
//! cargo run --example promise
//! ```
//!
//! The JavaScript original:
//!
//! ```js
//! const fetchUser = id => new Promise((resolve, reject) =>
//!     legacyFetch(id, (err, user) => err ? reject(err) : resolve(user)));
//! try { console.log(await fetchUser(1)); } catch (e) { console.log("failed:", e); }
//! ```

use std::time::Duration;

/// A callback-style API: answers on another thread, some time later.
fn legacy_fetch(id: u32, callback: impl FnOnce(Result<String, String>) + Send + 'static) {
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(10));
        if id == 0 {
            callback(Err(format!("no user with id {id}")));
        } else {
            callback(Ok(format!("user {id}")));
        }
    });
}

/// The API as something to `await`: a `Result` in a promise.
async fn fetch_user(id: u32) -> Result<String, String> {
    let (promise, resolver) = corio::promise();
    legacy_fetch(id, move |result| resolver.resolve(result));
    promise.await.expect("the callback was dropped without being called")
}

#[corio::main]
async fn main() {
    for id in [1, 0] {
        match fetch_user(id).await {
            Ok(user) => println!("got {user}"),
            Err(err) => println!("failed: {err}"),
        }
    }
}
