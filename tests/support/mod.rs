//! Helpers shared by the integration tests.

#![allow(dead_code, unreachable_pub)]

pub mod children;
pub mod counting_alloc;

use std::cell::RefCell;
use std::rc::Rc;

/// An event log shared by the tasks and callbacks of one test.
#[derive(Clone, Default)]
pub struct Log(Rc<RefCell<Vec<String>>>);

impl Log {
    pub fn new() -> Log {
        Log::default()
    }

    pub fn push(&self, event: impl Into<String>) {
        self.0.borrow_mut().push(event.into());
    }

    /// A callback that logs `event`, for `call_soon` and friends.
    pub fn pusher(&self, event: &str) -> impl FnOnce() + 'static {
        let log = self.clone();
        let event = event.to_owned();
        move || log.push(event)
    }

    /// The events so far, left in the log.
    pub fn events(&self) -> Vec<String> {
        self.0.borrow().clone()
    }

    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut self.0.borrow_mut())
    }
}

/// A bool as Python prints it, for logs compared with CPython's.
pub fn py_bool(value: bool) -> &'static str {
    if value {
        "True"
    } else {
        "False"
    }
}

/// Bytes as Python's `repr` prints these (printable ASCII and `\n`).
pub fn py_bytes(bytes: &[u8]) -> String {
    format!("b'{}'", String::from_utf8(bytes.to_vec()).unwrap().replace('\n', "\\n"))
}

/// The line CPython printed for `tests/asyncio/NAME.py`, as a list of events.
pub fn expected_log(name: &str) -> Vec<String> {
    let path = format!("{}/tests/asyncio/{name}.expected", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    parse_python_list(text.trim())
}

/// Parses a printed Python list of strings, such as `['a', "b-['c']"]`
/// (with `repr`'s escapes of a backslash and a quote undone).
fn parse_python_list(text: &str) -> Vec<String> {
    let inner = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')).expect("a Python list");
    let mut items = Vec::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\'' || c == '"' {
            let quote = c;
            let mut item = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => item.extend(chars.next()),
                    c if c == quote => break,
                    c => item.push(c),
                }
            }
            items.push(item);
        }
    }
    items
}

/// Counts how many times a value was dropped.
#[derive(Clone, Default)]
pub struct DropCounter(Rc<std::cell::Cell<usize>>);

impl DropCounter {
    pub fn new() -> DropCounter {
        DropCounter::default()
    }

    /// A token that bumps the counter when dropped.
    pub fn token(&self) -> DropToken {
        DropToken(self.0.clone())
    }

    pub fn count(&self) -> usize {
        self.0.get()
    }
}

pub struct DropToken(Rc<std::cell::Cell<usize>>);

impl Drop for DropToken {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// Logs `"{name}-finally"` when dropped: a `finally:` block.
pub struct Finally(pub Log, pub &'static str);

impl Drop for Finally {
    fn drop(&mut self) {
        self.0.push(format!("{}-finally", self.1));
    }
}

/// Installs an exception handler on the running loop that keeps every
/// context it is given.
pub fn capture_exceptions() -> Rc<RefCell<Vec<corio::ExceptionContext>>> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    corio::set_exception_handler(Some(Rc::new(move |ctx: &corio::ExceptionContext| {
        sink.borrow_mut().push(ctx.clone())
    })));
    seen
}
