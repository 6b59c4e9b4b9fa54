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
//! - the capabilities are consistent (`max_parts >= 1`, `batch_size >= 1`, a non-empty id).
//!
//! Send paths, error mapping and advertised operations are operator-specific: test them with
//! wiremock in the operator crate.
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
use crate::error::{Error, ErrorKind};
use crate::gateway::Gateway;

/// A conformance run over one gateway; see the [module docs](self).
pub struct Conformance {
    gateway: Arc<dyn Gateway>,
    secrets: Vec<String>,
    texts: Vec<(String, String)>,
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
        Conformance { gateway, secrets: Vec::new(), texts: Vec::new() }
    }

    /// A secret that must never appear in any text checked (empty strings are ignored).
    pub fn secret(mut self, s: impl Into<String>) -> Self {
        let s = s.into();
        if !s.is_empty() {
            self.secrets.push(s);
        }
        self
    }

    /// Another text to scan for secrets (`format!("{config:?}")`, an error's `Display` and
    /// `Debug`, a DSN's `Display`, log output).
    pub fn scan(mut self, label: &str, text: impl Into<String>) -> Self {
        self.texts.push((label.to_owned(), text.into()));
        self
    }

    /// Runs every check and returns the failures (empty when the gateway conforms).
    pub async fn check(self) -> Vec<String> {
        let gw = &self.gateway;
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

        let at = Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0).single().unwrap_or_else(Utc::now);
        let ops: [(&str, Capability); 6] = [
            ("status", Capability::Status),
            ("cancel", Capability::Cancel),
            ("reschedule", Capability::Reschedule),
            ("pause", Capability::Pause),
            ("resume", Capability::Pause),
            ("balance", Capability::Balance),
        ];
        for (op, cap) in ops {
            if caps.supports(cap) {
                continue;
            }
            let result: Result<(), Error> = match op {
                "status" => gw.status(DUMMY_ID).await.map(drop),
                "cancel" => gw.cancel(DUMMY_ID).await,
                "reschedule" => gw.reschedule(DUMMY_ID, at).await,
                "pause" => gw.pause(DUMMY_ID).await,
                "resume" => gw.resume(DUMMY_ID).await,
                _ => gw.balance().await.map(drop),
            };
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
