//! Each operator's wire protocol through real HTTP on loopback: answers, de-duplication,
//! schedules, credentials, delivery simulation with callbacks, and each fault as a client sees it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use bramka_sandbox::{
    CallbackUrls, FaultKind, FaultTiming, Operator, Route, RouteFaults, Sandbox, SandboxConfig, SimState,
};
use serde_json::{Value, json};

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    format!("http://{addr}")
}

async fn start(config: SandboxConfig) -> (Sandbox, String) {
    let sb = Sandbox::new(config);
    let url = serve(sb.router()).await;
    (sb, url)
}

fn manual() -> SandboxConfig {
    SandboxConfig::default().delivery_delay(None)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(5)).build().expect("client")
}

/// One callback as received: method, path with query, headers we check, body.
#[derive(Debug, Clone)]
struct Hit {
    method: String,
    query: String,
    signature: Option<String>,
    body: String,
}

/// A loopback receiver recording every callback.
async fn receiver() -> (String, Arc<Mutex<Vec<Hit>>>) {
    let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
    async fn take(
        State(h): State<Arc<Mutex<Vec<Hit>>>>,
        method: axum::http::Method,
        RawQuery(q): RawQuery,
        headers: HeaderMap,
        body: String,
    ) -> &'static str {
        let signature = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok()).map(str::to_owned);
        h.lock().unwrap().push(Hit {
            method: method.to_string(),
            query: q.unwrap_or_default(),
            signature,
            body,
        });
        "OK"
    }
    let app = axum::Router::new().route("/{*path}", axum::routing::any(take)).with_state(hits.clone());
    (serve(app).await, hits)
}

#[tokio::test]
async fn smsapi_send_dedupe_test_mode_status_and_cancel() {
    let (sb, url) = start(manual()).await;
    let c = client();
    let send = |form: Vec<(&'static str, String)>| {
        let c = c.clone();
        let url = format!("{url}/sandbox/smsapi/sms.do");
        async move { c.post(url).bearer_auth("any").form(&form).send().await.expect("send") }
    };
    let base = vec![
        ("to", "48500100200,500100201".to_owned()),
        ("message", "Zamówienie gotowe".to_owned()),
        ("from", "Sklep".to_owned()),
        ("format", "json".to_owned()),
        ("details", "1".to_owned()),
        ("idx", "k1|k2".to_owned()),
        ("check_idx", "1".to_owned()),
    ];
    let r = send(base.clone()).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["count"], 2);
    assert_eq!(v["list"][1]["number"], "48500100201", "national numbers get 48");
    assert_eq!(v["list"][1]["submitted_number"], "500100201");
    assert_eq!(v["list"][0]["idx"], "k1");
    assert_eq!(v["parts"], 1);
    let id = v["list"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 24);

    // The same idx again: error 53 with HTTP 200, nothing recorded.
    let r = send(base.clone()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"error": 53, "message": "Non-unique idx"}));
    let rec = sb.messages();
    assert_eq!(rec.len(), 2);
    assert_eq!(rec[1].encoding, "UCS-2", "ó is outside GSM-7");
    assert_eq!(rec[1].sender.as_deref(), Some("Sklep"));

    // Test mode: answered, recorded as test, does not count for check_idx.
    let mut test = base.clone();
    test[5] = ("idx", "t1|t2".to_owned());
    test.push(("test", "1".to_owned()));
    assert_eq!(send(test.clone()).await.json::<Value>().await.unwrap()["count"], 2);
    assert!(sb.messages().iter().take(2).all(|r| r.state == SimState::Test));

    // Errors with HTTP 200.
    let r = send(vec![("to", "12".into()), ("message", "x".into()), ("format", "json".into())]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], 13);
    let r = send(vec![
        ("to", "48500100200".into()),
        ("message", "x".into()),
        ("format", "json".into()),
        ("idx", "a|b".into()),
    ])
    .await;
    assert_eq!(r.json::<Value>().await.unwrap()["error"], 20);

    // Status by id, then a delivery by hand.
    let st: Value = c
        .get(format!("{url}/sandbox/smsapi/sms.do?status={id}&format=json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(st["list"][0]["status"], "QUEUE");
    sb.deliver(Operator::Smsapi, &id, Some("undelivered")).await.unwrap();
    let st: Value = c
        .get(format!("{url}/sandbox/smsapi/sms.do?status={id}&format=json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(st["list"][0]["status"], "UNDELIVERED");
    assert!(sb.deliver(Operator::Smsapi, &id, None).await.is_err(), "a final state gets no second report");

    // Scheduled, then canceled; an unknown id is error 301.
    let mut later = base.clone();
    later[5] = ("idx", "s1|s2".to_owned());
    later.push(("date", (chrono::Utc::now().timestamp() + 3600).to_string()));
    let v: Value = send(later).await.json().await.unwrap();
    let sid = v["list"][0]["id"].as_str().unwrap().to_owned();
    let del: Value =
        send(vec![("sch_del", sid.clone()), ("format", "json".into())]).await.json().await.unwrap();
    assert_eq!(del, json!({"count": 1, "list": [{"id": sid}]}));
    assert_eq!(sb.store().get(Operator::Smsapi, &sid).unwrap().state, SimState::Canceled);
    let del: Value =
        send(vec![("sch_del", "NOPE".into()), ("format", "json".into())]).await.json().await.unwrap();
    assert_eq!(del["error"], 301);

    // Points: 1000 minus 0.16 per part of the non-test, non-canceled messages (3 left).
    let pts: Value = c
        .get(format!("{url}/sandbox/smsapi/user.do?credits=1&format=json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(pts["points"], json!(999.52));
}

#[tokio::test]
async fn credentials_are_checked_only_when_configured() {
    let cfg = manual().smsapi_token("right").infobip_api_key("key").twilio("AC1", "tok");
    let (_sb, url) = start(cfg).await;
    let c = client();
    let r = c
        .post(format!("{url}/sandbox/smsapi/sms.do"))
        .bearer_auth("wrong")
        .form(&[("to", "48500100200")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], 101);
    let r = c
        .post(format!("{url}/sandbox/infobip/sms/3/messages"))
        .header("Authorization", "App nope")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["errorCode"], "E401");
    let r = c
        .post(format!("{url}/sandbox/twilio/2010-04-01/Accounts/AC1/Messages.json"))
        .basic_auth("AC1", Some("bad"))
        .form(&[("To", "+48500100200")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], 20003);
    let r = c
        .post(format!("{url}/sandbox/twilio/2010-04-01/Accounts/AC1/Messages.json"))
        .basic_auth("AC1", Some("tok"))
        .form(&[("To", "+48500100200"), ("From", "+15005550006"), ("Body", "hi")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // Anything goes when nothing is configured.
    let (_sb, open) = start(manual()).await;
    let r = c
        .post(format!("{open}/sandbox/smsapi/sms.do"))
        .form(&[("to", "48500100200"), ("message", "x"), ("format", "json")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["count"], 1);
}

#[tokio::test]
async fn infobip_dedupe_bulks_and_reports_handed_out_once() {
    let (sb, url) = start(manual()).await;
    let c = client();
    let body = json!({"messages": [{"sender": "Shop", "destinations": [{"to": "41793026727", "messageId": "m-1"}, {"to": "41793026728"}],
        "content": {"text": "Hello"}}], "options": {"schedule": {"bulkId": "b-1"}}});
    let v: Value = c
        .post(format!("{url}/sandbox/infobip/sms/3/messages"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["bulkId"], "b-1");
    assert_eq!(v["messages"][0]["messageId"], "m-1");
    assert_eq!(v["messages"][0]["status"]["groupName"], "PENDING");
    assert_eq!(v["messages"][1]["destination"], "41793026728");
    // The same client messageId again: status 23 for it, nothing new recorded for it.
    let again = json!({"messages": [{"destinations": [{"to": "41793026727", "messageId": "m-1"}], "content": {"text": "Hello"}}]});
    let v: Value = c
        .post(format!("{url}/sandbox/infobip/sms/3/messages"))
        .json(&again)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["messages"][0]["status"]["id"], 23);
    assert_eq!(v["messages"][0]["status"]["groupId"], 5);
    assert_eq!(sb.messages().len(), 2);
    // A request Infobip refuses.
    let r = c
        .post(format!("{url}/sandbox/infobip/sms/3/messages"))
        .json(&json!({"messages": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["errorCode"], "E400");

    // Reports: after delivery, each handed out once.
    sb.deliver(Operator::Infobip, "m-1", None).await.unwrap();
    let rep: Value =
        c.get(format!("{url}/sandbox/infobip/sms/3/reports")).send().await.unwrap().json().await.unwrap();
    assert_eq!(rep["results"][0]["messageId"], "m-1");
    assert_eq!(rep["results"][0]["status"]["name"], "DELIVERED_TO_HANDSET");
    let rep: Value =
        c.get(format!("{url}/sandbox/infobip/sms/3/reports")).send().await.unwrap().json().await.unwrap();
    assert_eq!(rep, json!({"results": []}));
    let logs: Value = c
        .get(format!("{url}/sandbox/infobip/sms/3/logs?messageId=m-1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(logs["results"].as_array().unwrap().len(), 1, "logs are not consumed");
    assert_eq!(logs["results"][0]["destination"], "41793026727");

    // A scheduled bulk: PENDING -> PAUSED -> reschedule -> CANCELED; then nothing changes it.
    let at =
        (chrono::Utc::now() + chrono::Duration::hours(2)).format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string();
    let sched = json!({"messages": [{"destinations": [{"to": "41793026729", "messageId": "s-1"}], "content": {"text": "Later"}}],
        "options": {"schedule": {"bulkId": "b-2", "sendAt": at}}});
    c.post(format!("{url}/sandbox/infobip/sms/3/messages")).json(&sched).send().await.unwrap();
    let status = |s: Option<&str>| {
        let c = c.clone();
        let u = format!("{url}/sandbox/infobip/sms/1/bulks/status?bulkId=b-2");
        let s = s.map(str::to_owned);
        async move {
            let r = match s {
                Some(s) => c.put(u).json(&json!({"status": s})).send().await.unwrap(),
                None => c.get(u).send().await.unwrap(),
            };
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    assert_eq!(status(None).await, (200, json!({"bulkId": "b-2", "status": "PENDING"})));
    assert_eq!(status(Some("PAUSED")).await.1["status"], "PAUSED");
    let later =
        (chrono::Utc::now() + chrono::Duration::hours(5)).format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string();
    let r: Value = c
        .put(format!("{url}/sandbox/infobip/sms/1/bulks?bulkId=b-2"))
        .json(&json!({"sendAt": later}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["sendAt"], later);
    assert_eq!(status(Some("CANCELED")).await.1["status"], "CANCELED");
    assert_eq!(sb.store().get(Operator::Infobip, "s-1").unwrap().state, SimState::Canceled);
    assert_eq!(status(Some("PENDING")).await.0, 400, "a canceled bulk stays canceled");
    let r = c.get(format!("{url}/sandbox/infobip/sms/1/bulks?bulkId=nope")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap()["requestError"]["serviceException"]["messageId"],
        "NOT_FOUND"
    );

    // v2 send and balance (three recorded parts of 0.01 EUR, the canceled one not billed).
    let v2 = json!({"bulkId": "b-3", "messages": [{"from": "Shop", "destinations": [{"to": "41793026730"}], "text": "v2"}]});
    let v: Value = c
        .post(format!("{url}/sandbox/infobip/sms/2/text/advanced"))
        .json(&v2)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["messages"][0]["to"], "41793026730");
    let bal: Value =
        c.get(format!("{url}/sandbox/infobip/account/1/balance")).send().await.unwrap().json().await.unwrap();
    assert_eq!(bal, json!({"balance": 99.97, "currency": "EUR"}));
}

#[tokio::test]
async fn twilio_create_fetch_list_paging_and_cancel() {
    let (sb, url) = start(manual()).await;
    let c = client();
    let base = format!("{url}/sandbox/twilio/2010-04-01/Accounts/ACx/Messages.json");
    let mut sids = Vec::new();
    for i in 0..3 {
        let to = format!("+4850010020{i}");
        let r = c
            .post(&base)
            .basic_auth("ACx", Some("t"))
            .form(&[("To", to.as_str()), ("From", "+15005550006"), ("Body", "€ test")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["status"], "queued");
        assert_eq!(v["num_segments"], "1");
        assert_eq!(v["to"], to);
        sids.push(v["sid"].as_str().unwrap().to_owned());
    }
    assert!(sids.iter().all(|s| s.len() == 34 && s.starts_with("SM")));
    let r = c.post(&base).form(&[("From", "+15005550006"), ("Body", "x")]).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.json::<Value>().await.unwrap()["code"].clone()), (400, json!(21604)));
    let r = c.post(&base).form(&[("To", "+48500100200"), ("From", "+15005550006")]).send().await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["code"], 21602);

    // Paging: newest first, two per page, the next page by next_page_uri under the same base.
    let p0: Value = c.get(format!("{base}?PageSize=2")).send().await.unwrap().json().await.unwrap();
    assert_eq!(p0["messages"].as_array().unwrap().len(), 2);
    assert_eq!(p0["messages"][0]["sid"], sids[2].as_str());
    let next = p0["next_page_uri"].as_str().unwrap();
    assert!(next.starts_with("/2010-04-01/Accounts/ACx/Messages.json?"), "{next}");
    let p1: Value = c.get(format!("{url}/sandbox/twilio{next}")).send().await.unwrap().json().await.unwrap();
    assert_eq!(p1["messages"][0]["sid"], sids[0].as_str());
    assert!(p1["next_page_uri"].is_null());

    // Fetch after a report; cancel only while scheduled.
    sb.deliver(Operator::Twilio, &sids[0], Some("undelivered")).await.unwrap();
    let f: Value = c
        .get(format!("{url}/sandbox/twilio/2010-04-01/Accounts/ACx/Messages/{}.json", sids[0]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((f["status"].clone(), f["error_code"].clone()), (json!("undelivered"), json!(30003)));
    let r = c
        .post(format!("{url}/sandbox/twilio/2010-04-01/Accounts/ACx/Messages/{}.json", sids[1]))
        .form(&[("Status", "canceled")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["code"], 30409);
    let at = (chrono::Utc::now() + chrono::Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let r = c
        .post(&base)
        .form(&[
            ("To", "+48500100209"),
            ("From", "+15005550006"),
            ("Body", "later"),
            ("SendAt", at.as_str()),
            ("ScheduleType", "fixed"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["code"], 35118, "scheduling needs a Messaging Service");
    let r = c
        .post(&base)
        .form(&[
            ("To", "+48500100209"),
            ("Body", "later"),
            ("MessagingServiceSid", "MG0123456789abcdef0123456789abcdef"),
            ("SendAt", at.as_str()),
            ("ScheduleType", "fixed"),
        ])
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "scheduled");
    let sid = v["sid"].as_str().unwrap();
    let r: Value = c
        .post(format!("{url}/sandbox/twilio/2010-04-01/Accounts/ACx/Messages/{sid}.json"))
        .form(&[("Status", "canceled")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["status"], "canceled");
    let r = c
        .get(format!("{url}/sandbox/twilio/2010-04-01/Accounts/ACother/Messages/{sid}.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "another account does not see it");
}

#[tokio::test]
async fn delivery_by_pattern_posts_each_operators_callback() {
    let (hook, hits) = receiver().await;
    let cb = {
        let mut c = CallbackUrls::default();
        c.smsapi_dlr = Some(format!("{hook}/smsapi/dlr"));
        c.infobip_mo = Some(format!("{hook}/infobip/mo"));
        c.twilio_inbound = Some(format!("{hook}/twilio/in"));
        c
    };
    let cfg = SandboxConfig::default()
        .delivery_delay(Some(Duration::from_millis(50)))
        .callbacks(cb)
        .twilio("ACs", "secret-token");
    let (sb, url) = start(cfg).await;
    let c = client();
    c.post(format!("{url}/sandbox/smsapi/sms.do"))
        .form(&[("to", "48500100001"), ("message", "a"), ("format", "json"), ("idx", "x1")])
        .send()
        .await
        .unwrap();
    c.post(format!("{url}/sandbox/infobip/sms/3/messages"))
        .json(&json!({"messages": [{"sender": "Shop", "destinations": [{"to": "41790000002"}], "content": {"text": "b"},
            "webhooks": {"delivery": {"url": format!("{hook}/infobip/dlr")}}}]}))
        .send()
        .await
        .unwrap();
    let status_url = format!("{hook}/twilio/status?x=1");
    c.post(format!("{url}/sandbox/twilio/2010-04-01/Accounts/ACs/Messages.json"))
        .basic_auth("ACs", Some("secret-token"))
        .form(&[
            ("To", "+48500100003"),
            ("From", "+15005550006"),
            ("Body", "c"),
            ("StatusCallback", status_url.as_str()),
        ])
        .send()
        .await
        .unwrap();
    // Three reports and Twilio's STOP reply.
    for _ in 0..100 {
        if hits.lock().unwrap().len() >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let hits = hits.lock().unwrap().clone();
    let find = |p: &str| hits.iter().find(|h| h.query.contains(p) || h.body.contains(p)).cloned();
    let smsapi = find("MsgId=").expect("SMSAPI DLR");
    assert_eq!(smsapi.method, "GET");
    assert!(smsapi.query.contains("status=405") && smsapi.query.contains("idx=x1"), "{smsapi:?}");
    let infobip = find("UNDELIVERABLE").map(|_| ()).or(find("EXPIRED_EXPIRED").map(|_| ()));
    assert!(infobip.is_some(), "Infobip DLR with the expired status: {hits:?}");
    let ib: Value = serde_json::from_str(&find("EXPIRED_EXPIRED").unwrap().body).unwrap();
    assert_eq!(ib["results"][0]["to"], "41790000002");
    assert_eq!(ib["results"][0]["status"]["groupName"], "EXPIRED");
    let tw = find("MessageStatus=delivered").expect("Twilio status callback");
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(tw.body.as_bytes()).into_owned().collect();
    let token = bramka::secret::Secret::new("secret-token".to_owned());
    bramka::twilio::signature::verify_form(&token, &status_url, &params, tw.signature.as_deref().unwrap())
        .expect("bramka-twilio accepts the signature");
    let wrong = bramka::secret::Secret::new("other".to_owned());
    assert!(
        bramka::twilio::signature::verify_form(
            &wrong,
            &status_url,
            &params,
            tw.signature.as_deref().unwrap()
        )
        .is_err()
    );
    let stop = find("OptOutType=STOP").expect("STOP reply from the 0003 recipient");
    assert!(stop.body.contains("Body=STOP") && stop.body.contains("From=%2B48500100003"), "{stop:?}");
    // The inbound STOP is recorded once its post is answered.
    for _ in 0..40 {
        if sb.messages().iter().any(|r| !r.is_outbound() && !r.callbacks.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rec = sb.messages();
    assert!(rec.iter().all(|r| r.state.is_final()), "{rec:?}");
    let (sent, inbound): (Vec<_>, Vec<_>) = rec.iter().partition(|r| r.is_outbound());
    assert!(
        sent.iter().filter(|r| r.operator != Operator::Smsapi || r.callbacks.len() == 1).count() == 3,
        "callbacks noted"
    );
    assert_eq!(inbound.len(), 1, "the STOP answer is recorded as inbound: {inbound:?}");
    assert_eq!((inbound[0].sender.as_deref(), inbound[0].text.as_str()), (Some("+48500100003"), "STOP"));
    assert_eq!(inbound[0].callbacks.len(), 1, "its inbound post is noted");
}

/// Each fault as a plain client sees it, and whether the request was recorded.
#[tokio::test]
async fn each_fault_as_the_client_sees_it() {
    let timing = FaultTiming {
        stall: Duration::from_millis(2500),
        retry_after_secs: 7,
        slow_body: Duration::from_millis(300),
    };
    let (sb, url) = start(manual().fault_timing(timing)).await;
    sb.faults().set(Route::SmsapiSend, RouteFaults::scripted(FaultKind::ALL.map(Some)));
    let c = reqwest::Client::builder().timeout(Duration::from_millis(1500)).build().unwrap();
    let mut outcomes = Vec::new();
    for i in 0..FaultKind::ALL.len() {
        let idx = format!("f{i}");
        let r = c
            .post(format!("{url}/sandbox/smsapi/sms.do"))
            .form(&[("to", "48500100200"), ("message", "x"), ("format", "json"), ("idx", idx.as_str())])
            .send()
            .await;
        let seen = match r {
            Err(e) if e.is_timeout() => "timeout".to_owned(),
            Err(_) => "connection error".to_owned(),
            Ok(r) => {
                let status = r.status().as_u16();
                let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
                match r.text().await {
                    Ok(b) => format!("{status} {} {retry:?}", serde_json::from_str::<Value>(&b).is_ok()),
                    Err(_) => format!("{status} body error"),
                }
            }
        };
        let recorded = sb.store().by_client_key(Operator::Smsapi, &idx).is_some();
        outcomes.push((FaultKind::ALL[i], seen, recorded));
    }
    let o = |k: FaultKind| outcomes.iter().find(|o| o.0 == k).cloned().unwrap();
    assert!(
        matches!(o(FaultKind::AcceptThenDrop).1.as_str(), "connection error" | "200 body error"),
        "{outcomes:?}"
    );
    assert!(o(FaultKind::AcceptThenDrop).2);
    assert_eq!(o(FaultKind::Stall).1, "timeout");
    assert!(o(FaultKind::Stall).2);
    assert_eq!(
        (o(FaultKind::ServerErrorBefore).1.as_str(), o(FaultKind::ServerErrorBefore).2),
        ("500 true None", false)
    );
    assert_eq!(
        (o(FaultKind::ServerErrorAfter).1.as_str(), o(FaultKind::ServerErrorAfter).2),
        ("500 true None", true)
    );
    assert_eq!(o(FaultKind::TooManyRequests).1, "429 true Some(\"7\")");
    assert!(!o(FaultKind::TooManyRequests).2);
    assert!(matches!(o(FaultKind::ResetBeforeReading).1.as_str(), "connection error" | "200 body error"));
    assert!(!o(FaultKind::ResetBeforeReading).2);
    assert_eq!((o(FaultKind::Garbled200).1.as_str(), o(FaultKind::Garbled200).2), ("200 false None", true));
    assert_eq!((o(FaultKind::SlowBody).1.as_str(), o(FaultKind::SlowBody).2), ("200 true None", true));
    let faults = sb.store().faults();
    assert_eq!(faults.iter().map(|f| f.kind).collect::<Vec<_>>(), FaultKind::ALL.to_vec());
    assert_eq!(faults.iter().map(|f| f.recorded).sum::<usize>(), 5, "five kinds process the request");
}

#[tokio::test]
async fn control_api_lists_newest_first_and_reports_by_hand() {
    let (_sb, url) = start(manual()).await;
    let c = client();
    for to in ["48500100200", "48500100201"] {
        c.post(format!("{url}/sandbox/smsapi/sms.do"))
            .form(&[("to", to), ("message", "x"), ("format", "json")])
            .send()
            .await
            .unwrap();
    }
    let v: Value =
        c.get(format!("{url}/api/v1/sandbox/messages")).send().await.unwrap().json().await.unwrap();
    let list = v["messages"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["recipient"], "48500100201", "newest first");
    assert_eq!(list[0]["operator"], "smsapi");
    assert_eq!(list[0]["parts"], 1);
    assert_eq!(list[0]["encoding"], "GSM-7");
    let id = list[0]["message_id"].as_str().unwrap();
    let r = c
        .post(format!("{url}/api/v1/sandbox/messages/smsapi/{id}/report"))
        .json(&json!({"outcome": "expired"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["message"]["state"], "expired");
    let r = c
        .post(format!("{url}/api/v1/sandbox/messages/smsapi/{id}/report"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let r = c
        .post(format!("{url}/api/v1/sandbox/messages/smsapi/nope/report"))
        .json(&json!({"outcome": "lost"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "a bad outcome is refused first");
    assert!(r.text().await.unwrap().contains("expected delivered, undelivered, expired or stopped"));
    let r = c
        .put(format!("{url}/api/v1/sandbox/faults/smsapi_send"))
        .json(&json!({"script": ["server_error_before"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = c
        .post(format!("{url}/sandbox/smsapi/sms.do"))
        .form(&[("to", "48500100202"), ("message", "x"), ("format", "json")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    let v: Value = c.get(format!("{url}/api/v1/sandbox/faults")).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["faults"][0]["kind"], "server_error_before");
    let v: Value = c
        .get(format!("{url}/api/v1/sandbox/messages?operator=twilio"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["messages"], json!([]));
}

#[tokio::test]
async fn dynmark_answers_one_result_per_message_in_order() {
    let (sb, url) = start(manual()).await;
    let body = json!([
        {"from": "Shop", "to": "447700900123", "body": "Hello", "clientRef": "r1"},
        {"from": "Shop", "to": "12", "body": "Hello", "clientRef": "r2"},
    ]);
    let r = client().post(format!("{url}/sandbox/dynmark/message/send")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v[0], json!({"to": "447700900123", "successful": true, "validationFailures": []}));
    assert_eq!(v[1]["successful"], false);
    assert_eq!(v[1]["validationFailures"][0]["failureCode"], "ToInvalid");
    let rec = sb.messages();
    assert_eq!(rec.len(), 1);
    assert_eq!((rec[0].operator, rec[0].client_key.as_deref()), (Operator::Dynmark, Some("r1")));
}
