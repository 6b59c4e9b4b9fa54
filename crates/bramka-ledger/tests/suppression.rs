//! Suppression end to end, through real HTTP to a wiremock Twilio: STOP by an inbound
//! webhook, by the operator's error 21610, START lifting it, and refusal before any request.

use bramka_core::{
    Certainty, DeliveryReport, DeliveryState, ErrorKind, Gateway, Message, SendState, WebhookEvent,
    WebhookParser, WebhookRequest,
};
use bramka_ledger::{KeywordAction, Ledger, LedgerGateway, Query, Scope, State};
use bramka_twilio::{TwilioConfig, TwilioGateway, TwilioWebhooks};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const AC: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const MESSAGES: &str = "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages.json";
const STOPPER: &str = "+48600100200";
const OTHER: &str = "+48600100201";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn created(to: &str, sid: &str) -> ResponseTemplate {
    let body = fixture("message_create_queued_201.json")
        .replace("+14155552671", to)
        .replace("SM3f1b2c4d5e6f708192a3b4c5d6e7f809", sid);
    ResponseTemplate::new(201).insert_header("content-type", "application/json").set_body_string(body)
}

fn gateway(server: &MockServer, ledger: &Ledger) -> LedgerGateway<TwilioGateway> {
    let cfg = TwilioConfig::builder(AC, "tok3n-Secret")
        .base_url(server.uri())
        .from("+15005550006")
        .build()
        .unwrap();
    ledger.gateway(TwilioGateway::new(cfg).unwrap()).account("shop")
}

/// Parses an inbound Twilio webhook with this text from `from` and hands it to the ledger.
async fn inbound(ledger: &Ledger, from: &str, text: &str, sid: &str) -> KeywordAction {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("MessageSid", sid)
        .append_pair("AccountSid", AC)
        .append_pair("From", from)
        .append_pair("To", "+15005550006")
        .append_pair("Body", text)
        .finish();
    let req = WebhookRequest::new("POST", "https://example.com/twilio/inbound".parse().unwrap())
        .with_header("content-type", "application/x-www-form-urlencoded")
        .with_body(body);
    let events = TwilioWebhooks::insecure_without_signature_check().parse(&req).unwrap();
    let WebhookEvent::Inbound(m) = &events[0] else { panic!("not inbound: {events:?}") };
    ledger.ingest_inbound(m, &Scope::account("shop")).await.unwrap()
}

fn msg(to: &str) -> Message {
    Message::builder().to(to).text("Sale today").build().unwrap()
}

#[tokio::test]
async fn inbound_stop_refuses_before_any_request_and_start_lifts_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .and(body_string_contains("To=%2B48600100200"))
        .respond_with(created(STOPPER, "SM1"))
        .expect(1) // only after START
        .mount(&server)
        .await;
    let ledger = Ledger::in_memory();
    let gw = gateway(&server, &ledger);

    assert_eq!(
        inbound(&ledger, STOPPER, "vote stop", "SMa").await,
        KeywordAction::None,
        "a poll answer is not an opt-out"
    );
    assert_eq!(inbound(&ledger, STOPPER, " Stop ", "SMb").await, KeywordAction::Stop);
    let s = ledger.suppressions().await.unwrap();
    assert_eq!(s.len(), 1);
    assert_eq!((s[0].number.as_str(), &s[0].scope), (STOPPER, &Scope::account("shop")));
    assert!(s[0].reason.contains("Stop"), "{}", s[0].reason);

    let err = gw.send(&msg(STOPPER)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Suppressed);
    assert_eq!(err.certainty(), Certainty::NotSent);
    assert!(err.to_string().contains(STOPPER), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 0, "refused before any I/O");
    let rows = ledger.entries(&Query::all().recipient(STOPPER)).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].state, rows[0].error_kind.as_deref()), (State::Rejected, Some("suppressed")));

    assert_eq!(inbound(&ledger, STOPPER, "START", "SMc").await, KeywordAction::Start);
    assert!(ledger.suppressions().await.unwrap().is_empty());
    let report = gw.send(&msg(STOPPER)).await.unwrap();
    assert!(report.all_accepted());
    let rows = ledger.entries(&Query::all().recipient(STOPPER).state(State::Accepted)).await.unwrap();
    assert_eq!(rows[0].operator_id.as_deref(), Some("SM1"));
}

#[tokio::test]
async fn suppressed_recipients_are_listed_and_only_the_others_are_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .and(body_string_contains("To=%2B48600100201"))
        .respond_with(created(OTHER, "SM2"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .and(body_string_contains("To=%2B48600100200"))
        .respond_with(created(STOPPER, "SMX"))
        .expect(0)
        .mount(&server)
        .await;
    let ledger = Ledger::in_memory();
    ledger.suppress(&STOPPER.parse().unwrap(), Scope::Global, "manual").await.unwrap();
    let gw = gateway(&server, &ledger);
    let m = Message::builder().to(STOPPER).to(OTHER).text("Sale today").build().unwrap();
    let report = gw.send(&m).await.unwrap();
    assert_eq!(report.recipients.len(), 2);
    assert_eq!(report.recipients[0].to.e164(), STOPPER, "the message's order is kept");
    let e = report.recipients[0].state.error().expect("refused");
    assert_eq!((e.kind(), e.certainty()), (ErrorKind::Suppressed, Certainty::NotSent));
    assert!(e.to_string().contains("manual"), "{e}");
    assert!(report.recipients[1].state.is_accepted());
    let rows = ledger.entries(&Query::all()).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.state).collect::<Vec<_>>(), [State::Rejected, State::Accepted]);
}

#[tokio::test]
async fn operator_error_21610_suppresses_the_number() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .and(body_string_contains("To=%2B48600100200"))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("content-type", "application/json")
                .set_body_string(fixture("error_21610_400.json")),
        )
        .expect(1) // the second send is refused by the ledger
        .mount(&server)
        .await;
    let ledger = Ledger::in_memory();
    let gw = gateway(&server, &ledger);
    let first = gw.send(&msg(STOPPER)).await;
    let code = match &first {
        Ok(r) => r.recipients[0].state.error().and_then(|e| e.operator_code().map(str::to_owned)),
        Err(e) => e.operator_code().map(str::to_owned),
    };
    assert_eq!(code.as_deref(), Some("21610"));
    let s = ledger.suppressions().await.unwrap();
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!(s[0].reason, "operator twilio 21610");
    assert_eq!(s[0].scope, Scope::account("shop"));
    let rows = ledger.entries(&Query::all()).await.unwrap();
    assert_eq!((rows[0].state, rows[0].error_code.as_deref()), (State::Rejected, Some("21610")));

    let err = gw.send(&msg(STOPPER)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Suppressed);
}

#[tokio::test]
async fn smsapi_stop_status_in_a_report_suppresses_for_the_account() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .respond_with(created(OTHER, "SM9"))
        .expect(1)
        .mount(&server)
        .await;
    let ledger = Ledger::in_memory();
    let gw = gateway(&server, &ledger);
    let report = gw.send(&msg(OTHER)).await.unwrap();
    assert!(matches!(report.recipients[0].state, SendState::Queued | SendState::Accepted));
    // A Twilio entry is not matched by an SMSAPI report: it stays an orphan, and the STOP status
    // (without a recipient) suppresses nothing.
    let stop = DeliveryReport::new("smsapi", "SM9", DeliveryState::Canceled, "STOP");
    ledger.apply_report(&stop).await.unwrap();
    assert!(ledger.suppressions().await.unwrap().is_empty());
    // The same status naming its recipient suppresses it globally.
    let mut stop = DeliveryReport::new("smsapi", "777", DeliveryState::Canceled, "STOP");
    stop.to = Some(OTHER.parse().unwrap());
    ledger.apply_report(&stop).await.unwrap();
    let s = ledger.suppressions().await.unwrap();
    assert_eq!((s.len(), s[0].scope.clone()), (1, Scope::Global));
    assert_eq!(s[0].reason, "operator smsapi status STOP");
    // Twilio's own report of its message: matched, moved on.
    let dlr = DeliveryReport::new("twilio", "SM9", DeliveryState::Undelivered, "undelivered");
    let applied = ledger.apply_report(&dlr).await.unwrap();
    assert!(matches!(applied, bramka_ledger::Applied::Updated { .. }), "{applied:?}");
}
