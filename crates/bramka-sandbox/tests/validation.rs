//! Requests the real operators refuse get the real operators' errors, over real HTTP on loopback,
//! and nothing is recorded for them.

use std::time::Duration;

use bramka_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};

async fn start() -> (Sandbox, String) {
    let sb = Sandbox::new(SandboxConfig::default().delivery_delay(None));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = sb.router();
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    (sb, format!("http://{addr}"))
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(5)).build().expect("client")
}

#[tokio::test]
async fn infobip_v3_refusals_name_the_property_as_infobip_does() {
    let (sb, url) = start().await;
    let c = client();
    let send = |body: Value| c.post(format!("{url}/sandbox/infobip/sms/3/messages")).json(&body).send();
    // A destination without `to` (required by the schema).
    let r = send(json!({"messages": [{"destinations": [{"messageId": "m1"}], "content": {"text": "hi"}}]}))
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["errorCode"], "E400");
    assert_eq!(b["violations"][0]["property"], "messages[0].destinations[0].to");
    assert_eq!(b["violations"][0]["violation"], "must not be null");
    // A client message id longer than the documented 200 characters.
    let r = send(json!({"messages": [{"destinations": [{"to": "48500100200", "messageId": "k".repeat(201)}], "content": {"text": "hi"}}]}))
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["violations"][0]["property"], "messages[0].destinations[0].messageId", "{b}");
    assert!(b["violations"][0]["violation"].as_str().unwrap().contains("200"), "{b}");
    // A value outside an enum: a delivery window's day.
    let r = send(json!({"messages": [{"destinations": [{"to": "48500100200"}], "content": {"text": "hi"},
        "options": {"deliveryTimeWindow": {"days": ["SOMEDAY"]}}}]}))
    .await
    .unwrap();
    assert_eq!(r.status(), 400);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["violations"][0]["property"], "messages[0].options.deliveryTimeWindow.days[0]", "{b}");
    assert!(b["violations"][0]["violation"].as_str().unwrap().contains("MONDAY"), "{b}");
    // The same message, valid, is accepted and recorded; the refused ones were not.
    let r = send(json!({"messages": [{"destinations": [{"to": "48500100200", "messageId": "k1"}], "content": {"text": "hi"}}]}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(sb.messages().len(), 1);
}

#[tokio::test]
async fn infobip_v2_refusals_come_as_legacy_validation_errors() {
    let (sb, url) = start().await;
    let r = client()
        .post(format!("{url}/sandbox/infobip/sms/2/text/advanced"))
        .json(&json!({"messages": [{"destinations": [{"to": "48500100200"}], "text": "hi", "validityPeriod": "long"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let b: Value = r.json().await.unwrap();
    let e = &b["requestError"]["serviceException"];
    assert_eq!(e["messageId"], "BAD_REQUEST");
    let errors =
        e["validationErrors"]["messages[0].validityPeriod"].as_array().expect("the property is named");
    assert!(errors[0].as_str().unwrap().contains("integer"), "{b}");
    assert!(sb.messages().is_empty());
}

#[tokio::test]
async fn twilio_refusals_use_twilio_codes() {
    let (sb, url) = start().await;
    let c = client();
    let create = |form: Vec<(&'static str, &'static str)>| {
        c.post(format!("{url}/sandbox/twilio/2010-04-01/Accounts/AC1/Messages.json"))
            .basic_auth("AC1", Some("tok"))
            .form(&form)
            .send()
    };
    let base = vec![("To", "+48500100200"), ("From", "+15005550006"), ("Body", "hi")];
    let with = |extra: (&'static str, &'static str)| {
        let mut f = base.clone();
        f.push(extra);
        f
    };
    // ValidityPeriod outside 1..36000: Twilio's 90007.
    let r = create(with(("ValidityPeriod", "36001"))).await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], 90007);
    // Not an integer, a value outside an enum, a malformed Messaging Service SID: refused by the
    // schema with the parameter named.
    for (field, value) in
        [("ValidityPeriod", "soon"), ("ContentRetention", "forever"), ("MessagingServiceSid", "MG123")]
    {
        let r = create(with((field, value))).await.unwrap();
        assert_eq!(r.status(), 400, "{field}={value}");
        let b: Value = r.json().await.unwrap();
        assert_eq!(b["code"], 20001, "{b}");
        assert_eq!(b["status"], 400);
        assert!(b["message"].as_str().unwrap().contains(field), "{b}");
        assert!(b["message"].as_str().unwrap().contains(value), "{b}");
    }
    assert!(sb.messages().is_empty());
    let r = create(with(("ValidityPeriod", "600"))).await.unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(sb.messages().len(), 1);
}

#[tokio::test]
async fn smsapi_documented_parameter_rules_get_smsapi_errors_with_http_200() {
    let (sb, url) = start().await;
    let c = client();
    let cases: &[(&[(&str, &str)], u32)] = &[
        (&[("to", "48500100200"), ("message", "zażółć"), ("nounicode", "1")], 11),
        (&[("to", "48500100200"), ("message", &*"a".repeat(161).leak()), ("single", "1")], 12),
        (&[("to", "48500100200"), ("message", "zażółć"), ("flash", "1")], 17),
        (&[("to", "48500100200,48500100201"), ("message", "[%1%]"), ("param1", "only-one")], 18),
        (
            &[
                ("to", "48500100200"),
                ("message", "x"),
                ("normalize", "1"),
                ("datacoding", "bin"),
                ("udh", "00"),
            ],
            25,
        ),
        (&[("to", "48500100200"), ("message", "x"), ("datacoding", "bin")], 30),
        (&[("to", "48500100200"), ("message", "x"), ("group", "friends")], 40),
        (&[("to", "48500100200"), ("message", "x"), ("date", "2099-01-01T10:00:00+01:00")], 50),
        (&[("to", "48500100200"), ("template", "welcome")], 104),
    ];
    for (params, code) in cases {
        let mut form = params.to_vec();
        form.push(("format", "json"));
        let r = c.post(format!("{url}/sandbox/smsapi/sms.do")).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 200, "SMSAPI answers errors with HTTP 200");
        let b: Value = r.json().await.unwrap();
        assert_eq!(b["error"], *code, "{params:?}: {b}");
        assert!(b["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert!(sb.messages().is_empty(), "refused requests are not recorded");
    // The same rules pass when respected.
    let ok: &[(&str, &str)] = &[
        ("to", "48500100200,48500100201"),
        ("message", "hi [%1%]"),
        ("param1", "Ann|Bob"),
        ("nounicode", "1"),
        ("single", "1"),
        ("format", "json"),
    ];
    let b: Value =
        c.post(format!("{url}/sandbox/smsapi/sms.do")).form(ok).send().await.unwrap().json().await.unwrap();
    assert_eq!(b["count"], 2, "{b}");
}

/// SMSAPI's `sms.do` rules the sandbox checks besides the schema-less basics: each refusal is
/// HTTP 200 with SMSAPI's error code (documented ones: 14 sender not registered, 56 expiration
/// window; the nearest documented code where none is: 12 `max_parts` range, 20 `idx` charset,
/// 8 `time_restriction`, 56 unreadable `expiration_date`), and nothing is recorded for it.
#[tokio::test]
async fn smsapi_senders_expiration_time_restriction_max_parts_and_idx_are_checked() {
    let sb = Sandbox::new(SandboxConfig::default().delivery_delay(None).smsapi_senders(["Shop", "Test"]));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let router = sb.router();
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    let c = client();
    let in_hours = |h: i64| (chrono::Utc::now() + chrono::Duration::minutes(h * 60)).timestamp().to_string();
    let send = |extra: Vec<(&'static str, String)>| {
        let mut form = vec![
            ("to", "48500100200".to_owned()),
            ("message", "hi".to_owned()),
            ("format", "json".to_owned()),
        ];
        form.extend(extra);
        c.post(format!("{url}/sandbox/smsapi/sms.do")).form(&form).send()
    };
    let code = |r: reqwest::Response| async move {
        assert_eq!(r.status(), 200, "SMSAPI answers its errors with HTTP 200");
        r.json::<Value>().await.unwrap()["error"].clone()
    };
    let cases: Vec<(Vec<(&'static str, String)>, u32)> = vec![
        (vec![("from", "Other".into())], 14),
        (vec![("from", "shop".into())], 14),
        (vec![("expiration_date", in_hours(0))], 56),
        (vec![("expiration_date", in_hours(13))], 56),
        (vec![("expiration_date", "tomorrow".into())], 56),
        (vec![("date", in_hours(24)), ("expiration_date", in_hours(12))], 56),
        (vec![("time_restriction", "always".into())], 8),
        (vec![("max_parts", "0".into())], 12),
        (vec![("max_parts", "11".into())], 12),
        (vec![("max_parts", "x".into())], 12),
        (vec![("idx", "k-1".into())], 20),
        (vec![("idx", "k".repeat(256))], 20),
        (vec![("idx", String::new())], 20),
    ];
    for (extra, want) in cases {
        let shown = format!("{extra:?}");
        assert_eq!(code(send(extra).await.unwrap()).await, json!(want), "{shown}");
    }
    assert!(sb.messages().is_empty(), "refused requests are not recorded");
    // The same parameters within the rules are accepted.
    let ok = vec![
        ("from", "Shop".to_owned()),
        ("expiration_date", in_hours(2)),
        ("time_restriction", "nearest_available".to_owned()),
        ("max_parts", "10".to_owned()),
        ("idx", format!("K1{}", "a".repeat(253))),
    ];
    let v: Value = send(ok).await.unwrap().json().await.unwrap();
    assert_eq!(v["count"], 1, "{v}");
    let ok = vec![
        ("date", in_hours(24)),
        ("expiration_date", in_hours(30)),
        ("time_restriction", "follow".into()),
    ];
    let v: Value = send(ok).await.unwrap().json().await.unwrap();
    assert_eq!(v["count"], 1, "expiration counts from a scheduled date: {v}");
    assert_eq!(sb.messages().len(), 2);
}

/// Without a list of registered senders any sender is accepted (a sandbox needs no account).
#[tokio::test]
async fn smsapi_any_sender_without_a_registered_list() {
    let (sb, url) = start().await;
    let r = client()
        .post(format!("{url}/sandbox/smsapi/sms.do"))
        .form(&[("to", "48500100200"), ("message", "hi"), ("from", "Anything"), ("format", "json")])
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["count"], 1, "{v}");
    assert_eq!(sb.messages()[0].sender.as_deref(), Some("Anything"));
}
