//! The `/s/` link shortener end to end over real HTTP on 127.0.0.1: an account with
//! `shorten_links = true` whose operator (Twilio without a Messaging Service) cannot shorten gets
//! its links replaced by `PUBLIC_URL/s/CODE` before the text is counted and sent; `GET /s/CODE`
//! answers 302 to the stored URL and counts a click, kept in the ledger with the message and its
//! recipient; unknown codes are 404, never a redirect. Replies and forwards obey
//! `allowed_prefixes`.

mod common;

use common::*;
use serde_json::{Value, json};
use wiremock::MockServer;

const LONG: &str = "https://shop.example.com/orders/2026/05/04/123456789/details?utm_source=sms&utm_medium=text&utm_campaign=spring-sale-2026&ref=abcdef";

fn config(mock: &MockServer, extra: &str) -> String {
    acceptance(
        &mock.address().to_string(),
        &format!(
            r#"
[accounts.short]
dsn = "twilio://{SID}:${{TWILIO_AUTH_TOKEN}}@{}?from=%2B15005550006"
shorten_links = true
{extra}"#,
            mock.address()
        ),
    )
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn post_api(s: &Running, p: &str, body: Value) -> reqwest::Response {
    s.client.post(s.url(p)).bearer_auth(API_TOKEN).json(&body).send().await.unwrap()
}

/// The code of the one short link in `text`.
fn code_in(text: &str) -> String {
    let at = text.find("http://127.0.0.1:8025/s/").unwrap_or_else(|| panic!("no short link in {text:?}"));
    text[at + "http://127.0.0.1:8025/s/".len()..].chars().take_while(char::is_ascii_alphanumeric).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_with_shortening_counts_the_short_text_and_a_click_is_counted_in_the_ledger() {
    let mock = twilio_mock().await;
    let s = Running::start(&config(&mock, "")).await;
    let text = format!("Your order is ready: {LONG} Pick it up by Friday at the shop on Main Street.");
    assert!(text.len() > 160, "the full text would take two parts");

    let r = post_api(
        &s,
        "/api/v1/messages",
        json!({"account": "short", "to": "+48600100200", "text": text, "client_ref": "order1"}),
    )
    .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let sent: Value = r.json().await.unwrap();
    let stored = sent["text"].as_str().unwrap().to_owned();
    let code = code_in(&stored);
    assert_eq!(code.len(), 9, "{stored}");
    assert!(!stored.contains("shop.example.com"), "{stored}");
    assert_eq!(
        stored,
        format!(
            "Your order is ready: http://127.0.0.1:8025/s/{code} Pick it up by Friday at the shop on Main Street."
        )
    );
    // The shortened text is what is counted and sent.
    assert_eq!(sent["parts"], 1);
    let reqs = mock.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1);
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&reqs[0].body).into_owned().collect();
    assert!(form.contains(&("Body".into(), stored.clone())), "{form:?}");
    assert!(!form.iter().any(|(k, _)| k == "ShortenUrls"), "bramka shortens, not Twilio: {form:?}");

    // The link, tied to the message and its recipient, no clicks yet.
    let links: Value = s.get_api("/api/v1/links?client_ref=order1").await.json().await.unwrap();
    assert_eq!(links["links"].as_array().unwrap().len(), 1, "{links}");
    let l = &links["links"][0];
    assert_eq!(
        (l["code"].as_str(), l["url"].as_str(), l["clicks"].as_u64()),
        (Some(code.as_str()), Some(LONG), Some(0))
    );
    assert_eq!(l["recipient"], "+48600100200");
    assert_eq!(l["account"], "short");
    assert_eq!(l["short_url"], format!("http://127.0.0.1:8025/s/{code}"));

    // Following it: 302 to the stored URL, without a token, a click counted each time.
    let web = no_redirects();
    for _ in 0..2 {
        let r = web.get(s.url(&format!("/s/{code}"))).send().await.unwrap();
        assert_eq!(r.status(), 302);
        assert_eq!(r.headers()["location"], LONG);
        assert_eq!(r.headers()["cache-control"], "no-store");
    }
    let one: Value = s.get_api(&format!("/api/v1/links/{code}")).await.json().await.unwrap();
    assert_eq!(one["clicks"], 2);
    assert!(one["first_click_at"].is_string() && one["last_click_at"].is_string(), "{one}");

    // Unknown, malformed or look-alike codes are 404: no redirect anywhere else.
    let (first, rest) = code.split_at(1);
    let other = format!("{}{rest}", if first == "a" { "b" } else { "a" });
    for p in [
        format!("/s/{other}"),
        "/s/short".into(),
        "/s/https:%2F%2Fevil.example".into(),
        format!("/s/{code}x"),
        "/s/".into(),
    ] {
        let r = web.get(s.url(&p)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{p}");
        assert!(r.headers().get("location").is_none(), "{p}");
    }
    let still: Value = s.get_api(&format!("/api/v1/links/{code}")).await.json().await.unwrap();
    assert_eq!(still["clicks"], 2);
    assert_eq!(s.get_api("/api/v1/links/nosuchcod").await.status(), 404);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_message_gets_its_own_codes_several_recipients_share_them_and_other_accounts_keep_links() {
    let mock = twilio_mock().await;
    let s = Running::start(&config(&mock, "")).await;
    let text = format!("Sale: {LONG}");
    let a: Value = post_api(&s, "/api/v1/messages", json!({"account": "short", "to": ["+48600100200", "+48600100201"], "text": text, "client_ref": "many"}))
        .await
        .json()
        .await
        .unwrap();
    let b: Value = post_api(
        &s,
        "/api/v1/messages",
        json!({"account": "short", "to": "+48600100202", "text": text, "client_ref": "one"}),
    )
    .await
    .json()
    .await
    .unwrap();
    let (ca, cb) = (code_in(a["text"].as_str().unwrap()), code_in(b["text"].as_str().unwrap()));
    assert_ne!(ca, cb, "codes are per message, random, not reused");
    let many: Value = s.get_api("/api/v1/links?client_ref=many").await.json().await.unwrap();
    assert_eq!(
        many["links"][0]["recipient"],
        Value::Null,
        "two recipients share the link: clicks count per message"
    );
    assert_eq!(many["links"][0]["client_ref"], "many");
    // An account without shorten_links sends the text as written.
    let plain: Value = post_api(
        &s,
        "/api/v1/messages",
        json!({"account": "tw", "to": "+48600100203", "text": text, "client_ref": "plain"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(plain["text"], text);
    let all: Value = s.get_api("/api/v1/links?account=short").await.json().await.unwrap();
    assert_eq!(all["links"].as_array().unwrap().len(), 2);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_rerun_reuses_its_short_links_and_resumes() {
    let mock = twilio_mock().await;
    let s = Running::start(&config(&mock, "")).await;
    let req = json!({"name": "spring", "account": "short", "to": ["+48600100200"], "text": format!("Sale: {LONG}")});
    let first = post_api(&s, "/api/v1/campaigns", req.clone()).await;
    assert!(first.status().is_success(), "{:?}", first.text().await);
    assert_eq!(wait_for_requests(&mock, 1).await.len(), 1);
    let again = post_api(&s, "/api/v1/campaigns", req).await;
    assert!(again.status().is_success(), "a rerun resumes, not a conflict: {:?}", again.text().await);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(mock.received_requests().await.unwrap().len(), 1, "nobody sent twice");
    let links: Value = s.get_api("/api/v1/links?account=short").await.json().await.unwrap();
    assert_eq!(links["links"].as_array().unwrap().len(), 1, "{links}");
    assert_eq!(links["links"][0]["recipient"], "+48600100200");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_outside_the_accounts_allowed_prefixes_are_refused() {
    let mock = twilio_mock().await;
    let mock2 = MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(wiremock::ResponseTemplate::new(201).set_body_json(json!({
            "sid": "SM00000000000000000000000000000009", "status": "queued", "to": "+48600100300",
            "from": "+15005550007", "num_segments": "1", "error_code": null, "error_message": null
        })))
        .mount(&mock2)
        .await;
    let extra = format!(
        r#"
[accounts.pl]
dsn = "twilio://AC11111111111111111111111111111111:${{TWILIO_AUTH_TOKEN}}@{}?from=%2B15005550007"
allowed_prefixes = ["48"]

[[numbers]]
number = "+15005550007"
kind = "dedicated"
account = "pl"
inbox = "support"
auto_reply = "Odpiszemy wkrótce"
"#,
        mock2.address()
    );
    let s = Running::start(&acceptance(&mock.address().to_string(), &extra)).await;
    let inbound = |sid: &'static str, from: &'static str| {
        let form = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("MessageSid", sid),
                ("AccountSid", "AC11111111111111111111111111111111"),
                ("From", from),
                ("To", "+15005550007"),
                ("Body", "Pomocy"),
            ])
            .finish();
        let sig = bramka::twilio::signature::sign_for_test(
            TW_TOKEN,
            "http://127.0.0.1:8025/hooks/pl/inbound",
            &form,
        );
        s.client
            .post(s.url("/hooks/pl/inbound"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", sig)
            .body(form)
            .send()
    };
    assert_eq!(inbound("SMa1", "+14155550100").await.unwrap().status(), 200);
    assert_eq!(inbound("SMa2", "+48600100300").await.unwrap().status(), 200);
    let got = wait_for_requests(&mock2, 1).await;
    // Give the dispatcher time for a (wrong) second request.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let got = if got.len() == 1 { mock2.received_requests().await.unwrap() } else { got };
    assert_eq!(got.len(), 1, "only the Polish number is answered");
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&got[0].body).into_owned().collect();
    assert!(form.contains(&("To".into(), "+48600100300".into())), "{form:?}");
    // The refused reply is not in the ledger as a send through the account.
    let sent: Value = s.get_api("/api/v1/messages?account=pl").await.json().await.unwrap();
    let to: Vec<&str> =
        sent["messages"].as_array().unwrap().iter().map(|m| m["to"].as_str().unwrap()).collect();
    assert_eq!(to, ["+48600100300"]);
    s.stop().await;
}
