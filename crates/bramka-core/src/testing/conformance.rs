//! The conformance kit every operator crate runs against its own gateway.
//!
//! [`Conformance`] checks what must hold for every [`Gateway`], whatever the operator:
//! - no secret appears in the gateway's `Debug`, in any text given to [`Conformance::scan`]
//!   (a config's `Debug`, an error's `Display` and `Debug`, a DSN's `Display`, log output), nor in
//!   the errors the kit itself provokes;
//! - every optional operation (status, cancel, reschedule, pause, resume, balance) whose capability
//!   is not advertised returns [`ErrorKind::Unsupported`] naming that capability (the kit calls
//!   them with a dummy id, so a gateway that does not short-circuit would make a request: point it
//!   at a wiremock server);
//! - with [`Conformance::advertised_id`] (the operator's wiremock server answering for that id),
//!   every **advertised** optional operation answers `Ok`, directly and through every wrapper of
//!   bramka-core (retry, failover, round robin, recording), so no wrapper silently answers
//!   `Unsupported` for an advertised operation;
//! - the capabilities are consistent (`max_parts >= 1`, `batch_size >= 1`, a non-empty id).
//!
//! [`check_error_rows`] checks an operator's error table row by row. The behaviour suites over
//! HTTP (status mapping with certainty, partial batches, chunking, DSN round trip, no retry
//! without de-duplication) live in the workspace's test-support crate, run by each operator test
//! against its own wiremock server.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use bramka_core::testing::conformance::Conformance;
//! use bramka_core::testing::MockGateway;
//! use std::sync::Arc;
//!
//! Conformance::new(Arc::new(MockGateway::new()))
//!     .secret("s3cr3t-token")
//!     .scan("config debug", "Config { token: *** }")
//!     .run()
//!     .await;
//! # }
//! ```

use std::sync::Arc;

use chrono::{TimeZone, Utc};

use crate::capabilities::Capability;
use crate::compose::{Failover, RoundRobin};
use crate::error::{Error, ErrorKind, ErrorRow};
use crate::gateway::Gateway;
use crate::retry::{RetryGateway, RetryPolicy};
use crate::testing::RecordingGateway;

/// A conformance run over one gateway; see the [module docs](self).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use std::sync::Arc;
/// use bramka_core::testing::conformance::Conformance;
/// use bramka_core::testing::MockGateway;
///
/// let failures = Conformance::new(Arc::new(MockGateway::new())).secret("s3cret").check().await;
/// assert!(failures.is_empty(), "{failures:#?}");
/// # }
/// ```
pub struct Conformance {
    gateway: Arc<dyn Gateway>,
    secrets: Vec<String>,
    texts: Vec<(String, String)>,
    advertised_id: Option<String>,
}

impl std::fmt::Debug for Conformance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conformance")
            .field("gateway", &self.gateway.id())
            .field("secrets", &self.secrets.len())
            .field("texts", &self.texts.len())
            .finish()
    }
}

const DUMMY_ID: &str = "bramka-conformance-0";

impl Conformance {
    /// A run over `gateway`.
    pub fn new(gateway: Arc<dyn Gateway>) -> Self {
        Conformance { gateway, secrets: Vec::new(), texts: Vec::new(), advertised_id: None }
    }

    /// A secret that must never appear in any text checked (empty strings are ignored).
    #[must_use]
    pub fn secret(mut self, s: impl Into<String>) -> Self {
        let s = s.into();
        if !s.is_empty() {
            self.secrets.push(s);
        }
        self
    }

    /// Another text to scan for secrets (`format!("{config:?}")`, an error's `Display` and
    /// `Debug`, a DSN's `Display`, log output).
    #[must_use]
    pub fn scan(mut self, label: &str, text: impl Into<String>) -> Self {
        self.texts.push((label.to_owned(), text.into()));
        self
    }

    /// Calls every advertised optional operation with `id` and requires `Ok` (mount the
    /// operator's answers for it on the wiremock server the gateway points at first).
    #[must_use]
    pub fn advertised_id(mut self, id: impl Into<String>) -> Self {
        self.advertised_id = Some(id.into());
        self
    }

    /// Runs every check and returns the failures (empty when the gateway conforms).
    pub async fn check(self) -> Vec<String> {
        let gw = &self.gateway;
        let at = Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0).single().unwrap_or_else(Utc::now);
        let mut failures = Vec::new();
        let mut texts = self.texts;
        texts.push(("Debug of the gateway".into(), format!("{gw:?}")));
        texts.push(("gateway id".into(), gw.id().to_owned()));

        let caps = gw.capabilities().clone();
        if gw.id().is_empty() {
            failures.push("id() is empty".to_owned());
        }
        if caps.max_parts < 1 {
            failures.push(format!("capabilities: max_parts is {}, expected at least 1", caps.max_parts));
        }
        if caps.batch_size < 1 {
            failures.push(format!("capabilities: batch_size is {}, expected at least 1", caps.batch_size));
        }

        // Cancel last: a canceled message or bulk can no longer be rescheduled, paused or
        // resumed, and a gateway may remember that (Infobip does).
        let ops: [(&str, Capability); 9] = [
            ("status", Capability::Status),
            ("reschedule", Capability::Reschedule),
            ("pause", Capability::Pause),
            ("resume", Capability::Pause),
            ("balance", Capability::Balance),
            ("scheduled", Capability::ListScheduled),
            ("numbers", Capability::ReceivingNumbers),
            ("senders", Capability::SenderNames),
            ("cancel", Capability::Cancel),
        ];
        let wrapped: Vec<(&str, Arc<dyn Gateway>)> = vec![
            ("the gateway", gw.clone()),
            (
                "RetryGateway",
                Arc::new(RetryGateway::new(gw.clone(), RetryPolicy::new().with_max_attempts(1))),
            ),
            ("RecordingGateway", Arc::new(RecordingGateway::new(gw.clone()))),
            ("Failover", Arc::new(Failover::new(vec![gw.clone()]).expect("one gateway"))),
            ("RoundRobin", Arc::new(RoundRobin::new(vec![gw.clone()]).expect("one gateway"))),
        ];
        for (op, cap) in ops {
            if caps.supports(cap) {
                // Advertised operations make requests: only where the test asked for it (its
                // wiremock server answers them).
                let Some(id) = self.advertised_id.as_deref() else { continue };
                for (via, g) in &wrapped {
                    let result = call(g.as_ref(), op, id, at).await;
                    match result {
                        Err(e) if e.kind() == ErrorKind::Unsupported => failures.push(format!(
                            "{op}() through {via}: capability {cap} is advertised, but the call answered Unsupported: {e}"
                        )),
                        Err(e) => {
                            failures.push(format!("{op}({id:?}) through {via}: advertised, expected Ok, got {e}"))
                        }
                        Ok(()) => {}
                    }
                }
                continue;
            }
            let result = call(gw.as_ref(), op, DUMMY_ID, at).await;
            match result {
                Ok(()) => failures.push(format!(
                    "{op}(): capability {cap} is not advertised, but the call succeeded (expected ErrorKind::Unsupported)"
                )),
                Err(e) => {
                    if e.kind() != ErrorKind::Unsupported {
                        failures.push(format!(
                            "{op}(): capability {cap} is not advertised, expected ErrorKind::Unsupported, got {:?}: {e}",
                            e.kind()
                        ));
                    } else if e.capability() != Some(cap) {
                        failures.push(format!(
                            "{op}(): Unsupported error names capability {:?}, expected {cap}",
                            e.capability().map(|c| c.as_str())
                        ));
                    }
                    texts.push((format!("{op}() error Display"), e.to_string()));
                    texts.push((format!("{op}() error Debug"), format!("{e:?}")));
                }
            }
        }

        for (label, text) in &texts {
            for (i, secret) in self.secrets.iter().enumerate() {
                if text.contains(secret.as_str()) {
                    failures.push(format!("secret #{} appears in {label}", i + 1));
                }
            }
        }
        // The report quotes errors: it must not leak what it found.
        failures
            .into_iter()
            .map(|f| self.secrets.iter().fold(f, |f, secret| f.replace(secret.as_str(), "***")))
            .collect()
    }

    /// Runs every check.
    ///
    /// # Panics
    /// With one message listing every failure.
    pub async fn run(self) {
        let id = self.gateway.id().to_owned();
        let failures = self.check().await;
        if !failures.is_empty() {
            panic!(
                "gateway {id:?} fails {} conformance check(s):\n  - {}",
                failures.len(),
                failures.join("\n  - ")
            );
        }
    }
}

async fn call(gw: &dyn Gateway, op: &str, id: &str, at: chrono::DateTime<Utc>) -> Result<(), Error> {
    match op {
        "status" => gw.status(id).await.map(drop),
        "cancel" => gw.cancel(id).await,
        "reschedule" => gw.reschedule(id, at).await,
        "pause" => gw.pause(id).await,
        "resume" => gw.resume(id).await,
        "scheduled" => gw.scheduled().await.map(drop),
        "numbers" => gw.numbers().await.map(drop),
        "senders" => gw.senders().await.map(drop),
        _ => gw.balance().await.map(drop),
    }
}

/// Checks an operator's error table: for every row, `map(code)` (the operator's real mapping of
/// that code, e.g. by building the answer that carries it) must give the row's kind and certainty
/// and keep the code.
///
/// # Panics
/// With one message listing every row that does not hold.
///
/// ```
/// use bramka_core::testing::conformance::check_error_rows;
/// use bramka_core::{Certainty, ErrorKind, error::ErrorRow};
/// const TABLE: &[ErrorRow] = &[ErrorRow::new("101", ErrorKind::Auth, Certainty::NotSent, "documented")];
/// check_error_rows(TABLE, |code| ErrorRow::find(TABLE, code).unwrap().error("demo", "x"));
/// ```
pub fn check_error_rows(table: &[ErrorRow], map: impl Fn(&str) -> Error) {
    let mut failures = Vec::new();
    for row in table {
        let e = map(row.code);
        if (e.kind(), e.certainty()) != (row.kind, row.certainty) {
            failures.push(format!(
                "code {}: expected {:?}/{:?}, got {:?}/{:?} ({e})",
                row.code,
                row.kind,
                row.certainty,
                e.kind(),
                e.certainty()
            ));
        } else if e.operator_code() != Some(row.code)
            && e.http_status().map(|s| s.to_string()).as_deref() != Some(row.code)
        {
            failures.push(format!("code {}: the error does not keep the code ({e})", row.code));
        }
    }
    assert!(
        failures.is_empty(),
        "{} error-table row(s) fail:\n  - {}",
        failures.len(),
        failures.join("\n  - ")
    );
}
