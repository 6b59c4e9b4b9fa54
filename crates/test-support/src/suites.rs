//! Behaviour suites every operator crate runs against its own wiremock server.
//!
//! An operator test describes its operator once ([`Operator`]: how to build the gateway at a
//! base URL, how to recognise a send request, how to answer "accepted" for it) and runs the
//! suites; each suite starts its own server, mounts counted mocks (a hidden retry or a missing
//! request fails it) and checks the [send contract](bramka_core::Gateway::send):
//!
//! | suite | checks |
//! |---|---|
//! | [`Operator::status_mapping`] | 401 → `Auth`, 429 → `RateLimited` with `Retry-After`, 5xx → `MaybeSent`, all with exactly one request |
//! | [`Operator::timeout`] | no answer within the timeout → `Timeout`, `MaybeSent` |
//! | [`Operator::chunking`] | `2 × batch + 1` recipients → 3 requests, one accepted entry per recipient in order |
//! | [`Operator::partial_batch`] | request 2 of 3 fails 5xx → `Ok`: batch 1 accepted, batch 2 `MaybeSent`, batch 3 not attempted, request 3 never made |
//! | [`Operator::no_retry_without_dedupe`] | through `RetryGateway`, a 5xx is re-sent only where the operator de-duplicates |
//! | [`dsn_round_trip`] | a DSN with `base_url=` reaches the server; no secret in the DSN's `Display` nor the gateway's `Debug`; the redacted DSN parses again |

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bramka_core::clock::ManualClock;
use bramka_core::retry::{RetryGateway, RetryPolicy};
use bramka_core::{Certainty, Dsn, ErrorKind, Gateway, GatewayFactory, Idempotency, Message};
use wiremock::{MockBuilder, MockServer, Request, ResponseTemplate};

type Build = Arc<dyn Fn(&str, Duration) -> Arc<dyn Gateway> + Send + Sync>;
type Answer = Arc<dyn Fn(&Request) -> ResponseTemplate + Send + Sync>;
type Failure = Arc<dyn Fn(u16) -> ResponseTemplate + Send + Sync>;

/// One operator, described for the suites.
#[derive(Clone)]
pub struct Operator {
    build: Build,
    send: Arc<dyn Fn() -> MockBuilder + Send + Sync>,
    accept: Answer,
    failure: Failure,
    statuses: Vec<(u16, ErrorKind, Certainty)>,
}

impl fmt::Debug for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Operator").field("statuses", &self.statuses).finish_non_exhaustive()
    }
}

/// `n` distinct numbers (`+447700900000`, …) every operator accepts.
pub fn numbers(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("+447700{:06}", 900_000 + i)).collect()
}

/// A message to `n` recipients ([`numbers`]).
pub fn message(n: usize) -> Message {
    Message::builder().to(numbers(n).join(",")).text("bramka suite").build().expect("suite message")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

impl Operator {
    /// An operator: `build(base_url, request_timeout)` makes the gateway (with a default sender,
    /// credentials, …), `send()` matches its send request (method and path at least), `accept`
    /// answers a send request with every recipient accepted.
    pub fn new(
        build: impl Fn(&str, Duration) -> Arc<dyn Gateway> + Send + Sync + 'static,
        send: impl Fn() -> MockBuilder + Send + Sync + 'static,
        accept: impl Fn(&Request) -> ResponseTemplate + Send + Sync + 'static,
    ) -> Self {
        Operator {
            build: Arc::new(build),
            send: Arc::new(send),
            accept: Arc::new(accept),
            failure: Arc::new(ResponseTemplate::new),
            statuses: vec![
                (401, ErrorKind::Auth, Certainty::NotSent),
                (429, ErrorKind::RateLimited, Certainty::NotSent),
                (503, ErrorKind::Unavailable, Certainty::MaybeSent),
            ],
        }
    }

    /// The answer for a failing HTTP status (default: the bare status, empty body).
    #[must_use]
    pub fn failure(mut self, f: impl Fn(u16) -> ResponseTemplate + Send + Sync + 'static) -> Self {
        self.failure = Arc::new(f);
        self
    }

    /// Replaces the expectation for `status` (an operator whose table documents otherwise).
    #[must_use]
    pub fn status_row(mut self, status: u16, kind: ErrorKind, certainty: Certainty) -> Self {
        self.statuses.retain(|(s, _, _)| *s != status);
        self.statuses.push((status, kind, certainty));
        self
    }

    fn gateway(&self, server: &MockServer) -> Arc<dyn Gateway> {
        (self.build)(&server.uri(), Duration::from_secs(2))
    }

    /// Runs every suite of this module but [`dsn_round_trip`].
    pub fn run_all(&self) {
        self.status_mapping();
        self.timeout();
        self.chunking();
        self.partial_batch();
        self.no_retry_without_dedupe();
    }

    /// 401, 429 (with `Retry-After: 7`) and 5xx answers to a one-recipient send: the error kind
    /// and certainty of each row, exactly one request each.
    pub fn status_mapping(&self) {
        runtime().block_on(async {
            for &(status, kind, certainty) in &self.statuses {
                let server = MockServer::start().await;
                let mut answer = (self.failure)(status);
                if status == 429 {
                    answer = answer.insert_header("retry-after", "7");
                }
                (self.send)().respond_with(answer).expect(1).mount(&server).await;
                let gw = self.gateway(&server);
                let e = match gw.send(&message(1)).await {
                    Err(e) => e,
                    Ok(r) => r
                        .recipients
                        .into_iter()
                        .find_map(|r| r.state.error().cloned())
                        .unwrap_or_else(|| panic!("HTTP {status}: the send succeeded")),
                };
                assert_eq!((e.kind(), e.certainty()), (kind, certainty), "HTTP {status}: {e}");
                if status == 429 {
                    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)), "HTTP 429: {e}");
                }
                server.verify().await;
            }
        });
    }

    /// An answer slower than the request timeout: `Timeout`, `MaybeSent`, one request.
    pub fn timeout(&self) {
        runtime().block_on(async {
            let server = MockServer::start().await;
            let accept = self.accept.clone();
            (self.send)()
                .respond_with(move |r: &Request| accept(r).set_delay(Duration::from_secs(5)))
                .expect(1)
                .mount(&server)
                .await;
            let gw = (self.build)(&server.uri(), Duration::from_millis(300));
            let e = gw.send(&message(1)).await.expect_err("a timed-out send is an error");
            assert_eq!((e.kind(), e.certainty()), (ErrorKind::Timeout, Certainty::MaybeSent), "{e}");
        });
    }

    /// `2 × batch + 1` recipients: three requests, every recipient accepted once, in order.
    pub fn chunking(&self) {
        runtime().block_on(async {
            let server = MockServer::start().await;
            let gw = self.gateway(&server);
            let batch = gw.capabilities().batch_size;
            let accept = self.accept.clone();
            (self.send)().respond_with(move |r: &Request| accept(r)).expect(3).mount(&server).await;
            let m = message(2 * batch + 1);
            let r = gw.send(&m).await.expect("a chunked send");
            assert_eq!(r.recipients.len(), m.recipients().len(), "one entry per recipient");
            for (entry, to) in r.recipients.iter().zip(m.recipients()) {
                assert_eq!(&entry.to, to, "the message's order");
                assert!(entry.state.is_accepted(), "{}: {}", to.e164(), entry.state);
            }
            server.verify().await;
        });
    }

    /// Request 2 of 3 fails with a 5xx: `Ok`, batch 1 accepted, batch 2 rejected `MaybeSent`,
    /// batch 3 not attempted (no error of its own), request 3 never made.
    pub fn partial_batch(&self) {
        runtime().block_on(async {
            let server = MockServer::start().await;
            let gw = self.gateway(&server);
            let batch = gw.capabilities().batch_size;
            let nth = Arc::new(AtomicUsize::new(0));
            let (accept, failure) = (self.accept.clone(), self.failure.clone());
            (self.send)()
                .respond_with(
                    move |r: &Request| {
                        if nth.fetch_add(1, Ordering::SeqCst) == 0 { accept(r) } else { failure(503) }
                    },
                )
                .expect(2)
                .mount(&server)
                .await;
            let m = message(2 * batch + 1);
            let r = gw.send(&m).await.expect("a partly failed send of several requests is Ok");
            assert_eq!(r.recipients.len(), m.recipients().len());
            for (i, entry) in r.recipients.iter().enumerate() {
                match i / batch {
                    0 => assert!(entry.state.is_accepted(), "#{i}: {}", entry.state),
                    1 => assert!(
                        entry.state.error().is_some_and(|e| e.may_have_been_sent()),
                        "#{i}: {}",
                        entry.state
                    ),
                    _ => assert!(entry.state.is_not_attempted(), "#{i}: {}", entry.state),
                }
            }
            server.verify().await;
        });
    }

    /// Through `RetryGateway` (3 attempts), a one-recipient send answered 5xx every time: one
    /// request where the operator does not de-duplicate, three where it does; `MaybeSent` either
    /// way.
    pub fn no_retry_without_dedupe(&self) {
        runtime().block_on(async {
            let server = MockServer::start().await;
            let gw = self.gateway(&server);
            let dedupe = gw.capabilities().idempotency == Idempotency::ServerDedupe;
            let failure = self.failure.clone();
            (self.send)()
                .respond_with(move |_: &Request| failure(503))
                .expect(if dedupe { 3 } else { 1 })
                .mount(&server)
                .await;
            let clock = ManualClock::new(chrono_now());
            let retry =
                RetryGateway::new(gw, RetryPolicy::new().with_max_attempts(3)).with_clock(Arc::new(clock));
            let outcome = retry.send(&message(1)).await;
            let e = match outcome {
                Err(e) => e,
                Ok(r) => r.recipients[0].state.error().cloned().expect("a 5xx is not an acceptance"),
            };
            assert!(e.may_have_been_sent(), "{e}");
            server.verify().await;
        });
    }
}

fn chrono_now() -> chrono::DateTime<chrono::Utc> {
    "2026-05-01T08:00:00Z".parse().expect("timestamp")
}

/// A DSN with `base_url=` pointing at a wiremock server builds a gateway that sends there; no
/// secret appears in the DSN's `Display` or the gateway's `Debug`; the redacted DSN parses again
/// to the same text. `dsn` contains `{base_url}`, replaced by the server's percent-encoded URI.
///
/// # Panics
/// When a check fails.
pub fn dsn_round_trip(factory: &dyn GatewayFactory, dsn: &str, secrets: &[&str], op: &Operator) {
    runtime().block_on(async {
        let server = MockServer::start().await;
        let accept = op.accept.clone();
        (op.send)().respond_with(move |r: &Request| accept(r)).expect(1).mount(&server).await;
        let encoded =
            percent_encoding::utf8_percent_encode(&server.uri(), percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let text = dsn.replace("{base_url}", &encoded);
        let parsed = Dsn::parse(&text).unwrap_or_else(|e| panic!("the suite's DSN does not parse: {e}"));
        let gw = factory.create(&parsed).unwrap_or_else(|e| panic!("the factory refuses the DSN: {e}"));
        let shown = parsed.to_string();
        let debug = format!("{gw:?}");
        for s in secrets.iter().filter(|s| !s.is_empty()) {
            assert!(!shown.contains(s), "a secret appears in the DSN's Display: {shown}");
            assert!(!debug.contains(s), "a secret appears in the gateway's Debug");
        }
        let again =
            Dsn::parse(&shown).unwrap_or_else(|e| panic!("the redacted DSN {shown} does not parse: {e}"));
        assert_eq!(again.to_string(), shown, "the redacted DSN does not round-trip");
        let r = gw.send(&message(1)).await.expect("a send through the DSN's base_url");
        assert!(r.all_accepted(), "{:?}", r.recipients);
        server.verify().await;
    });
}
