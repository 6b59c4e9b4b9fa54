//! `twilio://` DSNs: every form, every refusal, and an end-to-end send through a DSN-built gateway.

mod common;

use std::time::Duration;

use bramka_core::{Dsn, ErrorKind, GatewayFactory, Message};
use bramka_twilio::TwilioFactory;
use common::*;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer};

fn config(dsn: &str) -> Result<bramka_twilio::TwilioConfig, bramka_core::Error> {
    TwilioFactory::config(&Dsn::parse(dsn).unwrap())
}

#[test]
fn account_sid_token_and_from() {
    let c = config(&format!("twilio://{AC}:{TOKEN}@default?from=%2B447700900123")).unwrap();
    assert_eq!(c.account_sid(), AC);
    assert_eq!(c.from(), Some("+447700900123"));
    assert_eq!(c.messaging_service_sid(), None);
    assert_eq!(c.base_url().as_str(), "https://api.twilio.com/");
    // A literal '+' is kept as '+' by the DSN parser.
    let c = config(&format!("twilio://{AC}:{TOKEN}@default?from=+447700900123")).unwrap();
    assert_eq!(c.from(), Some("+447700900123"));
}

#[test]
fn messaging_service_and_options() {
    let c = config(&format!(
        "twilio://{AC}:{TOKEN}@default?messaging_service={MG}&smart_encoded=true&shorten_urls=1&concurrency=8&timeout=5s&connect_timeout=500ms&rate_limit_retries=0"
    ))
    .unwrap();
    assert_eq!(c.messaging_service_sid(), Some(MG));
    assert_eq!(c.smart_encoded(), Some(true));
    assert!(c.shorten_urls());
    assert_eq!(c.concurrency(), 8);
    assert_eq!(c.timeouts().request, Duration::from_secs(5));
    assert_eq!(c.timeouts().connect, Duration::from_millis(500));
    assert_eq!(c.rate_limit_retries(), 0);
}

#[test]
fn api_key_needs_account_sid() {
    let c =
        config(&format!("twilio://{SK}:{SK_SECRET}@default?account_sid={AC}&from=%2B15005550006")).unwrap();
    assert_eq!(c.account_sid(), AC);
    let e = config(&format!("twilio://{SK}:{SK_SECRET}@default?from=%2B15005550006")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.to_string().contains("account_sid=AC"), "{e}");
    assert!(!e.to_string().contains(SK_SECRET));
}

#[test]
fn hosts_regions_and_base_url() {
    let c = config(&format!("twilio://{AC}:{TOKEN}@api.dublin.ie1.twilio.com?from=x1")).unwrap();
    assert_eq!(c.base_url().as_str(), "https://api.dublin.ie1.twilio.com/");
    let c = config(&format!("twilio://{AC}:{TOKEN}@default?edge=sydney&region=au1&from=x1")).unwrap();
    assert_eq!(c.base_url().as_str(), "https://api.sydney.au1.twilio.com/");
    let c = config(&format!("twilio://{AC}:{TOKEN}@default?base_url=http%3A%2F%2F127.0.0.1%3A8080&from=x1"))
        .unwrap();
    assert_eq!(c.base_url().as_str(), "http://127.0.0.1:8080/");
    let c = config(&format!("twilio://{AC}:{TOKEN}@127.0.0.1:8081?from=x1")).unwrap();
    assert_eq!(c.base_url().as_str(), "http://127.0.0.1:8081/", "loopback hosts use http");
    let e = config(&format!("twilio://{AC}:{TOKEN}@default?edge=sydney&from=x1")).unwrap_err();
    assert!(e.to_string().contains("both edge and region"), "{e}");
}

#[test]
fn refusals_name_what_is_accepted_and_never_show_the_token() {
    for (dsn, needle) in [
        (format!("twilio://{AC}@default?from=x1"), "Auth Token"),
        (format!("twilio://{AC}:@default?from=x1"), "Auth Token"),
        (format!("twilio://{AC}:{TOKEN}@default?colour=red"), "accepted: from, messaging_service"),
        (format!("twilio://{AC}:{TOKEN}@default?concurrency=many"), "a whole number"),
        (format!("twilio://{AC}:{TOKEN}@default?concurrency=0"), "at least 1"),
        (format!("twilio://{AC}:{TOKEN}@default?messaging_service=MG1"), "\"MG\" followed by 32"),
        (format!("twilio://AC123:{TOKEN}@default"), "\"AC\" followed by 32"),
        (format!("twilio://{AC}:{TOKEN}@default?shorten_urls=yes"), "needs a Messaging Service"),
        (format!("smsapi://{AC}:{TOKEN}@default"), "unknown DSN scheme"),
        (
            format!("twilio://{AC}:{TOKEN}@default?account_sid=ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
            "account_sid",
        ),
    ] {
        let e = config(&dsn).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{dsn}");
        let shown = format!("{e} {e:?}");
        assert!(shown.contains(needle), "{dsn}: {shown}");
        assert!(!shown.contains(TOKEN), "{dsn}: {shown}");
    }
}

/// A token written where the SID goes (user and password swapped, or in `account_sid`) is not
/// printed: the SID is shown by its first two characters and its length.
#[test]
fn a_token_in_a_sid_slot_is_masked() {
    let n = TOKEN.len();
    for (dsn, masked) in [
        (format!("twilio://{TOKEN}:{AC}@default?from=x1"), format!("to… ({n} characters)")),
        (
            format!("twilio://SK{TOKEN}:{TOKEN}@default?from=x1&account_sid={AC}"),
            format!("SK… ({} characters)", n + 2),
        ),
        (
            format!("twilio://{AC}:{TOKEN}@default?from=x1&account_sid={TOKEN}"),
            format!("to… ({n} characters)"),
        ),
    ] {
        let e = config(&dsn).unwrap_err();
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains(TOKEN), "{dsn}: {shown}");
        assert!(shown.contains(&masked), "{dsn}: {masked} not in {shown}");
    }
}

#[test]
fn dsn_display_redacts_the_token() {
    let dsn = Dsn::parse(&format!("twilio://{AC}:{TOKEN}@default?from=%2B15005550006")).unwrap();
    assert!(!dsn.to_string().contains(TOKEN));
    assert!(!format!("{dsn:?}").contains(TOKEN));
    assert_eq!(TwilioFactory.schemes(), ["twilio"]);
}

#[tokio::test]
async fn gateway_from_dsn_sends_through_the_configured_base_url() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .and(header("authorization", basic(AC, TOKEN).as_str()))
        .and(FormExact::new(&[("To", "+14155552671"), ("From", "+15005550006"), ("Body", "via DSN")]))
        .respond_with(json_response(201, "message_create_queued_201.json"))
        .expect(1)
        .mount(&server)
        .await;
    let base: String = url::form_urlencoded::byte_serialize(server.uri().as_bytes()).collect();
    let dsn =
        Dsn::parse(&format!("twilio://{AC}:{TOKEN}@default?from=%2B15005550006&base_url={base}")).unwrap();
    let gw = TwilioFactory.create(&dsn).unwrap();
    assert_eq!(gw.id(), "twilio");
    let report =
        gw.send(&Message::builder().to("+14155552671").text("via DSN").build().unwrap()).await.unwrap();
    assert!(report.all_accepted());
}
