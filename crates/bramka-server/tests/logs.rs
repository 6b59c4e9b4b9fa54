//! Nothing logged contains a token or a secret path segment. In its own test binary: a
//! thread-local subscriber must not race other tests registering the same call sites.

mod common;

use std::sync::{Arc, Mutex};

use common::*;

/// A log sink shared with the test.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);
impl std::io::Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn no_token_or_secret_in_logs() {
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    tracing::subscriber::with_default(subscriber, || {
        rt.block_on(async {
            let mock = twilio_mock().await;
            let s = Running::start(&unsigned_config(&mock.address().to_string())).await;
            let sa = s.hook("sa", "inbound");
            let secret = sa.split('/').nth_back(1).unwrap().to_owned();
            s.get_api("/api/v1/polls/rating/stats").await;
            s.client
                .get(s.url("/api/v1/polls"))
                .bearer_auth("wrong-token-0123456789abcdef")
                .send()
                .await
                .unwrap();
            s.twilio_inbound("SM9", "+48600100200", "vote one", TW_TOKEN).await;
            s.twilio_inbound("SM10", "+48600100201", "vote one", "forged").await;
            s.client
                .post(&sa)
                .body("sms_from=48600100300&sms_to=15005550006&sms_text=VOTE+1&MsgId=z")
                .send()
                .await
                .unwrap();
            wait_for_requests(&mock, 1).await;
            s.stop().await;
            let logs = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
            assert!(logs.contains("request"), "nothing was logged: {logs}");
            assert!(logs.contains("/hooks/{account}/{secret}/{kind}"), "{logs}");
            for secret_text in
                [API_TOKEN, TW_TOKEN, secret.as_str(), "wrong-token-0123456789abcdef", "token2"]
            {
                assert!(!logs.contains(secret_text), "{secret_text:?} leaked into the logs:\n{logs}");
            }
        })
    });
}
