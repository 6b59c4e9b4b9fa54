//! [`LogCapture`]: records every tracing event and span field as text, so a test can prove that a
//! secret never reaches the logs.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// A tracing subscriber that writes every event and span, with all their fields, into a string:
/// one line per event (`LEVEL target field=value …`) or span (`name field=value …`).
///
/// ```
/// use bramka_core::testing::LogCapture;
///
/// let capture = LogCapture::new();
/// {
///     let _guard = capture.set_default();
///     tracing::warn!(gateway = "smsapi", "request failed");
/// }
/// assert!(capture.contents().contains("WARN"));
/// assert!(capture.contents().contains("gateway=smsapi"));
/// ```
#[derive(Clone, Default, Debug)]
pub struct LogCapture(Arc<Mutex<String>>);

impl LogCapture {
    /// An empty capture.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes this capture the current thread's default subscriber until the guard is dropped
    /// (use a current-thread runtime in async tests).
    pub fn set_default(&self) -> tracing::dispatcher::DefaultGuard {
        tracing::dispatcher::set_default(&tracing::Dispatch::new(self.clone()))
    }

    /// Everything captured so far.
    pub fn contents(&self) -> String {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={value}", field.name());
    }
}

impl Subscriber for LogCapture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut s = self.0.lock().unwrap_or_else(|p| p.into_inner());
        s.push_str(span.metadata().name());
        span.record(&mut Fields(&mut s));
        s.push('\n');
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        values.record(&mut Fields(&mut self.0.lock().unwrap_or_else(|p| p.into_inner())));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut s = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let _ = write!(s, "{} {}", event.metadata().level(), event.metadata().target());
        event.record(&mut Fields(&mut s));
        s.push('\n');
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}
