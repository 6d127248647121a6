//! Reporting errors nobody else will see: asyncio's exception handler.
//!
//! A panic in a callback, a panic in a task whose result nobody retrieves,
//! a panicking destructor: none of them may take the loop down, so each is
//! caught and handed, as an [`ExceptionContext`], to the loop's exception
//! handler, or by default printed to stderr in asyncio's words.

use std::any::Any;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe, Location};
use std::rc::Rc;

use crate::error::{panic_message, TaskError};
use crate::runtime::task::cell::Header;

/// A custom exception handler, as set with
/// [`set_exception_handler`](crate::set_exception_handler).
pub type ExceptionHandler = Rc<dyn Fn(&ExceptionContext)>;

/// What went wrong, for the exception handler (asyncio's `context` dict).
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// let seen = Rc::new(RefCell::new(Vec::new()));
/// let log = seen.clone();
/// corio::run(async move {
///     corio::set_exception_handler(Some(Rc::new(move |ctx: &corio::ExceptionContext| {
///         log.borrow_mut().push(ctx.to_string());
///     })));
///     corio::call_soon(|| panic!("boom"));
///     corio::yield_now().await;
/// });
/// assert_eq!(seen.borrow().as_slice(), ["Exception in callback\npanic: boom"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExceptionContext {
    /// What happened, in asyncio's words, such as "Task exception was never
    /// retrieved".
    pub message: String,
    /// The name of the task concerned, if any.
    pub task: Option<String>,
    /// Where that task was created.
    pub task_location: Option<&'static Location<'static>>,
    /// The panic's message, if a panic is the cause.
    pub panic: Option<String>,
}

impl ExceptionContext {
    /// A context carrying only a message.
    pub fn new(message: impl Into<String>) -> ExceptionContext {
        ExceptionContext { message: message.into(), task: None, task_location: None, panic: None }
    }

    pub(crate) fn for_panic(
        message: &str,
        task: Option<&Header>,
        payload: &(dyn Any + Send),
    ) -> ExceptionContext {
        ExceptionContext {
            message: message.to_owned(),
            task: task.map(Header::name),
            task_location: task.map(|task| task.location),
            panic: Some(panic_message(payload)),
        }
    }

    /// The context for a task's panic that nobody retrieved, if `result` is
    /// a panic.
    pub(crate) fn for_unretrieved<T>(
        task: &Header,
        result: &Result<T, TaskError>,
    ) -> Option<ExceptionContext> {
        let panic = result.as_ref().err()?.panic_message()?;
        Some(ExceptionContext {
            message: "Task exception was never retrieved".to_owned(),
            task: Some(task.name()),
            task_location: Some(task.location),
            panic: Some(panic),
        })
    }
}

impl fmt::Display for ExceptionContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(task) = &self.task {
            write!(f, "\nfuture: <Task name='{task}'")?;
            if let Some(location) = self.task_location {
                write!(f, " created at {location}")?;
            }
            f.write_str(">")?;
        }
        if let Some(panic) = &self.panic {
            write!(f, "\npanic: {panic}")?;
        }
        Ok(())
    }
}

/// The handler used when none is set: prints the context to stderr, as
/// asyncio's `default_exception_handler` logs it.
///
/// # Examples
///
/// ```
/// corio::default_exception_handler(&corio::ExceptionContext::new("something odd"));
/// ```
pub fn default_exception_handler(context: &ExceptionContext) {
    eprintln!("{context}");
}

/// Calls a custom handler; a panic inside it is reported by the default
/// handler instead of unwinding into the loop, as asyncio does.
pub(crate) fn call_custom_handler(handler: &ExceptionHandler, context: &ExceptionContext) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| handler(context))) {
        let mut failure = ExceptionContext::new("Unhandled error in exception handler");
        failure.panic = Some(panic_message(&*payload));
        default_exception_handler(&failure);
        default_exception_handler(context);
    }
}

/// Reports an unretrieved panic when the task's loop is no longer running.
pub(crate) fn report_unretrieved_without_loop<T>(task: &Header, result: &Result<T, TaskError>) {
    if let Some(context) = ExceptionContext::for_unretrieved(task, result) {
        default_exception_handler(&context);
    }
}
