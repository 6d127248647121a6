//! Reporting errors nobody else will see: asyncio's exception handler, and
//! debug mode's reports.
//!
//! A panic in a callback, a panic in a task whose result nobody retrieves,
//! a panicking destructor: none of them may take the loop down, so each is
//! caught and handed, as an [`ExceptionContext`], to the loop's exception
//! handler, or by default printed to stderr in asyncio's words. Debug mode
//! adds slow steps and tasks destroyed while pending.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe, Location};
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::task::cell::{Header, RawTask, Report};
use crate::error::{panic_message, TaskError};

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

    /// The context for a task's panic that nobody retrieved, if `error` is
    /// a panic.
    pub(crate) fn for_unretrieved(task: &Header, error: &TaskError) -> Option<ExceptionContext> {
        let panic = error.panic_message()?;
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

/// One loop's exception handler and debug mode.
pub(crate) struct Exceptions {
    handler: RefCell<Option<ExceptionHandler>>,
    debug: Cell<bool>,
    slow_callback_duration: Duration,
}

/// A step of the loop that debug mode times.
pub(crate) enum Timed {
    Task(RawTask),
    Main,
    Callback,
}

impl Exceptions {
    pub(crate) fn new(debug: bool, slow_callback_duration: Duration) -> Exceptions {
        Exceptions { handler: RefCell::new(None), debug: Cell::new(debug), slow_callback_duration }
    }

    pub(crate) fn set_handler(&self, handler: Option<ExceptionHandler>) {
        let old = self.handler.replace(handler);
        drop(old);
    }

    /// Hands `context` to the loop's exception handler, or to the default one.
    pub(crate) fn call(&self, context: &ExceptionContext) {
        let handler = self.handler.borrow().clone();
        match handler {
            Some(handler) => call_custom_handler(&handler, context),
            None => default_exception_handler(context),
        }
    }

    pub(crate) fn report_panic(&self, message: &str, task: Option<&Header>, payload: &(dyn Any + Send)) {
        self.call(&ExceptionContext::for_panic(message, task, payload));
    }

    /// Reports a panic nobody will ever retrieve, as asyncio's "Task exception
    /// was never retrieved"; a cancellation is not reported.
    pub(crate) fn report_unretrieved(&self, task: &Header, error: &TaskError) {
        if let Some(context) = ExceptionContext::for_unretrieved(task, error) {
            self.call(&context);
        }
    }

    /// Debug mode's report of a task dropped at close before it finished:
    /// asyncio's "Task was destroyed but it is pending!".
    pub(crate) fn report_destroyed_pending(&self, task: &Header) {
        let mut context = ExceptionContext::new("Task was destroyed but it is pending!");
        context.task = Some(task.name());
        context.task_location = Some(task.location);
        self.call(&context);
    }

    pub(crate) fn set_debug(&self, enabled: bool) {
        self.debug.set(enabled);
    }

    pub(crate) fn debug(&self) -> bool {
        self.debug.get()
    }

    /// Debug mode: runs `run` and reports `step` if it took longer than
    /// `slow_callback_duration`, in asyncio's words. Measured on the real
    /// clock, also under virtual time: it is the thread that was held up.
    pub(crate) fn run_timed(&self, step: Timed, run: impl FnOnce()) {
        let started = Instant::now();
        run();
        let took = started.elapsed();
        if took < self.slow_callback_duration {
            return;
        }
        let mut context = ExceptionContext::new(String::new());
        let subject = match &step {
            Timed::Task(task) => {
                context.task = Some(task.header().name());
                context.task_location = Some(task.header().location);
                format!("<Task name='{}'>", task.header().name())
            }
            Timed::Main => "<Task name='Task-1'>".to_owned(),
            Timed::Callback => "<Handle callback>".to_owned(),
        };
        context.message = format!("Executing {subject} took {:.3} seconds", took.as_secs_f64());
        self.call(&context);
    }
}

impl Report for Exceptions {
    fn panic(&self, message: &str, task: &Header, payload: &(dyn Any + Send)) {
        self.report_panic(message, Some(task), payload);
    }

    fn unretrieved(&self, task: &Header, error: &TaskError) {
        self.report_unretrieved(task, error);
    }
}

/// The default handler, for what happens with no loop running (a `Task`
/// handle dropped after its loop stopped).
pub(crate) struct DefaultReport;

impl Report for DefaultReport {
    fn panic(&self, message: &str, task: &Header, payload: &(dyn Any + Send)) {
        default_exception_handler(&ExceptionContext::for_panic(message, Some(task), payload));
    }

    fn unretrieved(&self, task: &Header, error: &TaskError) {
        if let Some(context) = ExceptionContext::for_unretrieved(task, error) {
            default_exception_handler(&context);
        }
    }
}
