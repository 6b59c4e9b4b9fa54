//! An SMS poll behind a webhook server: SMSAPI, Infobip and Twilio call it when someone texts the
//! poll's number; each webhook is parsed by its operator crate (Twilio's signature verified),
//! routed into a `bramka_inbound` poll (exactly once, even when the operator retries), answered
//! with a reply SMS through `console://default`, and the statistics are printed at the end.
//!
//! ```text
//! cargo run --example poll_server -- --demo     # serve on an ephemeral 127.0.0.1 port, post sample
//!                                               # webhooks to itself, print the statistics, exit
//! TWILIO_AUTH_TOKEN=... WEBHOOK_PATH_SECRET=$(openssl rand -hex 16) \
//!   cargo run --example poll_server               # serve on 127.0.0.1:8080 until Ctrl-C
//! ```
//!
//! Routes: `POST /twilio/inbound` (signed), and the unsigned ones under a secret path:
//! `POST|GET /hooks/<WEBHOOK_PATH_SECRET>/smsapi/mo`, `POST /hooks/<secret>/infobip/mo`,
//! `GET /hooks/<secret>/stats`. SMSAPI and Infobip do not sign their webhooks, so anyone who
//! knows such a URL can post votes: the secret path (at least 16 random letters or digits, given
//! only to the operator's panel) is what keeps strangers out; any other path is `404`. Outside
//! `--demo` the server refuses to start without `TWILIO_AUTH_TOKEN` and `WEBHOOK_PATH_SECRET`.
//! Twilio signs every webhook with your Auth Token over the public URL it called: behind a proxy
//! or tunnel set `PUBLIC_URL` to that URL's origin (`https://votes.example.com`), or every
//! signature will be refused.
//!
//! Try it by hand while it runs:
//!
//! ```text
//! curl -d 'sms_from=48600100200&sms_to=48790100200&sms_text=GLOSUJE+5&MsgId=m1&sms_date=1780300800' \
//!      http://127.0.0.1:8080/hooks/$WEBHOOK_PATH_SECRET/smsapi/mo
//! curl http://127.0.0.1:8080/hooks/$WEBHOOK_PATH_SECRET/stats
//! ```

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bramka::infobip::InfobipWebhooks;
use bramka::smsapi::SmsapiWebhooks;
use bramka::twilio::TwilioWebhooks;
use bramka::{Gateway, WebhookEvent, WebhookParser, WebhookRequest};
use bramka_inbound::{Config, Inbound, Limit, MemoryStore, Outcome, Poll, PollOption, ReceivingNumber};
use serde_json::json;

/// The poll's receiving number (shared: the keyword `GŁOSUJĘ` selects the poll).
const NUMBER: &str = "+48790100200";
const POLL: &str = "rating";
const DEMO_TWILIO_TOKEN: &str = "demo-twilio-auth-token";
const DEMO_PATH_SECRET: &str = "demo-path-secret-0000";
/// Shortest secret path segment accepted.
const MIN_PATH_SECRET: usize = 16;

/// What the server takes from its environment.
#[derive(Debug, PartialEq)]
struct Settings {
    public_url: Option<String>,
    twilio_token: String,
    path_secret: String,
}

/// The settings: fixed demo values with `--demo`; otherwise the Twilio token and the secret
/// path are required (no fallback to a public demo token).
fn settings(demo: bool, var: impl Fn(&str) -> Option<String>) -> Result<Settings, String> {
    if demo {
        return Ok(Settings {
            public_url: None,
            twilio_token: DEMO_TWILIO_TOKEN.to_owned(),
            path_secret: DEMO_PATH_SECRET.to_owned(),
        });
    }
    let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
    let twilio_token = set("TWILIO_AUTH_TOKEN").ok_or(
        "TWILIO_AUTH_TOKEN is not set: Twilio's signatures cannot be checked without your Auth Token \
         (run with --demo to try the example without one)",
    )?;
    let path_secret = set("WEBHOOK_PATH_SECRET").ok_or(
        "WEBHOOK_PATH_SECRET is not set: the unsigned SMSAPI and Infobip routes are served under \
         /hooks/<secret>/ (generate one with `openssl rand -hex 16`)",
    )?;
    if path_secret.len() < MIN_PATH_SECRET
        || !path_secret.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "WEBHOOK_PATH_SECRET must be at least {MIN_PATH_SECRET} letters, digits, '-' or '_' \
             (generate one with `openssl rand -hex 16`)"
        ));
    }
    Ok(Settings { public_url: set("PUBLIC_URL"), twilio_token, path_secret })
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Everything the handlers share.
struct App {
    inbound: Inbound,
    replies: Arc<dyn Gateway>,
    smsapi: SmsapiWebhooks,
    infobip: InfobipWebhooks,
    twilio: TwilioWebhooks,
    /// The origin the operators call (`http://127.0.0.1:8080`), for Twilio's signature.
    public_url: url::Url,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), BoxError> {
    let demo = std::env::args().any(|a| a == "--demo");
    let Settings { public_url, twilio_token: token, path_secret } =
        settings(demo, |name| std::env::var(name).ok())?;
    let addr = if demo { "127.0.0.1:0" } else { "127.0.0.1:8080" };
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let port = listener.local_addr()?.port();
    let public_url = match public_url {
        Some(u) => u.parse()?,
        None => format!("http://127.0.0.1:{port}").parse()?,
    };
    let app = Arc::new(App {
        inbound: poll_engine()?,
        replies: bramka::connect("console://default")?,
        smsapi: SmsapiWebhooks::new(),
        infobip: InfobipWebhooks::new(),
        twilio: TwilioWebhooks::new(token.clone()),
        public_url,
    });
    // Unsigned routes under the secret path; Twilio's route is protected by its signature.
    let router = Router::new()
        .route(&format!("/hooks/{path_secret}/smsapi/mo"), get(smsapi).post(smsapi))
        .route(&format!("/hooks/{path_secret}/infobip/mo"), post(infobip))
        .route(&format!("/hooks/{path_secret}/stats"), get(stats))
        .route("/twilio/inbound", post(twilio))
        .with_state(app.clone());

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    println!(
        "poll `{POLL}` on {NUMBER}, webhooks at http://127.0.0.1:{port}/twilio/inbound and \
         http://127.0.0.1:{port}/hooks/<WEBHOOK_PATH_SECRET>/{{smsapi,infobip}}/mo"
    );

    if demo {
        post_samples(port, &token, &path_secret).await?;
    } else {
        println!("waiting for webhooks; Ctrl-C prints the statistics and stops");
        tokio::signal::ctrl_c().await?;
    }
    let _ = stop.send(());
    server.await??;
    println!("\n{}", statistics_text(&app.inbound).await?);
    Ok(())
}

/// A 1-to-5 rating poll: one vote per number, a reply for each answer.
fn poll_engine() -> Result<Inbound, BoxError> {
    let mut cfg = Config::new();
    cfg.add_number(ReceivingNumber::shared(NUMBER).reply_sender("SKLEP"))?;
    let poll = Poll::builder(POLL, "How was your order?", NUMBER)
        .prefix("GŁOSUJĘ")
        .option(PollOption::new("1").alias("jeden").reply("Przykro nam, poprawimy się."))
        .option(PollOption::new("2").alias("dwa").reply("Dziękujemy za szczerość."))
        .option(PollOption::new("3").alias("trzy").reply("Dziękujemy za głos."))
        .option(PollOption::new("4").alias("cztery").reply("Dziękujemy, miło nam!"))
        .option(PollOption::new("5").alias("pięć").reply("To świetnie, dziękujemy!"))
        .limit(Limit::per_poll(1))
        .over_limit_reply("Twój głos został już policzony.")
        .unknown_answer_reply("Nie rozumiemy: odpisz GŁOSUJĘ i ocenę od 1 do 5.")
        .build()?;
    cfg.add_poll(poll)?;
    Ok(Inbound::new(cfg, Arc::new(MemoryStore::new())))
}

async fn smsapi(
    State(app): State<Arc<App>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(&app, &app.smsapi, method, uri, headers, body).await
}

async fn infobip(
    State(app): State<Arc<App>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(&app, &app.infobip, method, uri, headers, body).await
}

async fn twilio(
    State(app): State<Arc<App>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(&app, &app.twilio, method, uri, headers, body).await
}

async fn stats(State(app): State<Arc<App>>) -> Response {
    match statistics_text(&app.inbound).await {
        Ok(text) => text.into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// One webhook: parse (and verify), ingest each inbound message, send the replies, acknowledge.
async fn handle(
    app: &App,
    parser: &dyn WebhookParser,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let provider = parser.provider().to_owned();
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let Ok(url) = app.public_url.join(path) else {
        return (StatusCode::BAD_REQUEST, "bad request URL").into_response();
    };
    let mut request = WebhookRequest::new(method.as_str(), url).with_body(body.to_vec());
    for (name, value) in &headers {
        if let Ok(v) = value.to_str() {
            request = request.with_header(name.as_str(), v);
        }
    }
    let events = match parser.parse(&request) {
        Ok(events) => events,
        Err(e) => {
            println!("[{provider}] refused: {e}");
            let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            return (status, e.to_string()).into_response();
        }
    };
    for event in &events {
        match event {
            WebhookEvent::Inbound(m) => match app.inbound.ingest(m).await {
                Ok(done) => {
                    let what = match &done.outcome {
                        Outcome::Poll { poll, vote } => format!("poll {poll}: {}", vote.as_str()),
                        Outcome::Unmatched => "unmatched".to_owned(),
                        other => format!("{other:?}"),
                    };
                    let again = if done.duplicate { " (a repeated delivery: already counted)" } else { "" };
                    println!("[{provider}] {} -> {:?}: {what}{again}", m.from, m.text);
                }
                // Not acknowledged: the operator will deliver it again later.
                Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
            },
            WebhookEvent::Delivery(d) => {
                println!("[{provider}] delivery report {}: {:?}", d.message_id, d.state)
            }
            other => println!("[{provider}] {other:?}"),
        }
    }
    // Replies are queued in the store with the vote; send what is pending now.
    match app.inbound.dispatch_pending(app.replies.as_ref()).await {
        Ok(r) if !r.failed.is_empty() || !r.uncertain.is_empty() => {
            println!("replies: {} sent, failed {:?}, uncertain {:?}", r.sent.len(), r.failed, r.uncertain)
        }
        Ok(_) => {}
        Err(e) => println!("replies not sent now: {e}"),
    }
    let ack = parser.acknowledge(&events);
    let status = StatusCode::from_u16(ack.status).unwrap_or(StatusCode::OK);
    (status, [(header::CONTENT_TYPE, ack.content_type)], ack.body).into_response()
}

async fn statistics_text(inbound: &Inbound) -> Result<String, BoxError> {
    let s = inbound.statistics(POLL).await?;
    let mut out = format!("statistics of poll `{}`: {} vote(s)\n", s.poll, s.total);
    for o in &s.options {
        out.push_str(&format!("  {:>2}  {:>3} vote(s)  {:>6}%\n", o.code, o.count, o.percent_text()));
    }
    Ok(out)
}

/// `--demo`: post a few webhooks, as each operator would, to our own server.
async fn post_samples(port: u16, twilio_token: &str, path_secret: &str) -> Result<(), BoxError> {
    let client = bramka::http::client(bramka::http::Timeouts {
        connect: Duration::from_secs(2),
        request: Duration::from_secs(10),
    })?;
    let base = format!("http://127.0.0.1:{port}");
    let form = |pairs: &[(&str, &str)]| {
        url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
    };
    let smsapi_vote = form(&[
        ("sms_from", "48600100200"),
        ("sms_to", "48790100200"),
        ("sms_text", "GŁOSUJĘ 5"),
        ("sms_date", "1780300800"),
        ("MsgId", "smsapi-mo-1"),
    ]);
    let infobip_vote = |id: &str, from: &str, text: &str| {
        json!({"results": [{"messageId": id, "from": from, "to": "48790100200", "text": text,
                            "receivedAt": "2026-06-01T08:00:00.000+0000", "smsCount": 1}],
               "messageCount": 1, "pendingMessageCount": 0})
        .to_string()
    };
    let twilio_url = format!("{base}/twilio/inbound");
    let twilio_vote = |sid: &str, from: &str, text: &str| {
        form(&[
            ("MessageSid", sid),
            ("AccountSid", "AC00000000000000000000000000000000"),
            ("From", from),
            ("To", NUMBER),
            ("Body", text),
            ("NumMedia", "0"),
        ])
    };

    // (description, path, content type, body, Twilio signature token)
    let samples: Vec<(&str, String, &str, String, Option<&str>)> = vec![
        (
            "SMSAPI vote",
            format!("/hooks/{path_secret}/smsapi/mo"),
            "application/x-www-form-urlencoded",
            smsapi_vote.clone(),
            None,
        ),
        (
            "SMSAPI vote without the secret path (refused: 404)",
            "/smsapi/mo".into(),
            "application/x-www-form-urlencoded",
            smsapi_vote.clone(),
            None,
        ),
        (
            "SMSAPI retries the same webhook",
            format!("/hooks/{path_secret}/smsapi/mo"),
            "application/x-www-form-urlencoded",
            smsapi_vote,
            None,
        ),
        (
            "Infobip vote",
            format!("/hooks/{path_secret}/infobip/mo"),
            "application/json",
            infobip_vote("ib-1", "48600100201", "glosuje: piec"),
            None,
        ),
        (
            "Infobip, an unknown answer",
            format!("/hooks/{path_secret}/infobip/mo"),
            "application/json",
            infobip_vote("ib-2", "48600100203", "glosuje dziewiec"),
            None,
        ),
        (
            "Twilio vote (signed)",
            "/twilio/inbound".into(),
            "application/x-www-form-urlencoded",
            twilio_vote("SM00000000000000000000000000000001", "+48600100202", "Głosuję 4"),
            Some(twilio_token),
        ),
        (
            "Twilio, a second vote from the first voter",
            "/twilio/inbound".into(),
            "application/x-www-form-urlencoded",
            twilio_vote("SM00000000000000000000000000000002", "+48600100200", "glosuje 1"),
            Some(twilio_token),
        ),
        (
            "Twilio, forged (wrong token)",
            "/twilio/inbound".into(),
            "application/x-www-form-urlencoded",
            twilio_vote("SM00000000000000000000000000000003", "+48600100204", "glosuje 1"),
            Some("not-the-token"),
        ),
    ];
    for (what, path, content_type, body, signer) in samples {
        println!("\n>>> {what}: POST {path}");
        let mut req = client.post(format!("{base}{path}")).header("Content-Type", content_type);
        if let Some(token) = signer {
            req = req.header(
                "X-Twilio-Signature",
                bramka::twilio::signature::sign_for_test(token, &twilio_url, &body),
            );
        }
        let resp = req.body(body).send().await?;
        let status = resp.status();
        let text = resp.text().await?;
        println!("<<< {status} {}", text.trim());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn outside_demo_the_token_and_the_secret_path_are_required() {
        let e = settings(false, env(&[("WEBHOOK_PATH_SECRET", "0123456789abcdef")])).unwrap_err();
        assert!(e.contains("TWILIO_AUTH_TOKEN is not set"), "{e}");
        let e =
            settings(false, env(&[("TWILIO_AUTH_TOKEN", " "), ("WEBHOOK_PATH_SECRET", "0123456789abcdef")]))
                .unwrap_err();
        assert!(e.contains("TWILIO_AUTH_TOKEN is not set"), "{e}");
        let e = settings(false, env(&[("TWILIO_AUTH_TOKEN", "tok")])).unwrap_err();
        assert!(e.contains("WEBHOOK_PATH_SECRET is not set"), "{e}");
        for bad in ["short", "0123456789abcde", "0123456789abcdef/..", "0123456789 abcdef"] {
            let e = settings(false, env(&[("TWILIO_AUTH_TOKEN", "tok"), ("WEBHOOK_PATH_SECRET", bad)]))
                .unwrap_err();
            assert!(e.contains("at least 16"), "{bad}: {e}");
        }
        let ok = settings(
            false,
            env(&[("TWILIO_AUTH_TOKEN", "tok"), ("WEBHOOK_PATH_SECRET", "0123456789abcdef")]),
        )
        .unwrap();
        assert_eq!(ok.twilio_token, "tok");
        assert_eq!(ok.path_secret, "0123456789abcdef");
        assert_ne!(ok.twilio_token, DEMO_TWILIO_TOKEN);
    }

    #[test]
    fn the_demo_uses_its_own_values_and_ignores_the_environment() {
        let s = settings(true, env(&[("TWILIO_AUTH_TOKEN", "real")])).unwrap();
        assert_eq!((s.twilio_token.as_str(), s.path_secret.as_str()), (DEMO_TWILIO_TOKEN, DEMO_PATH_SECRET));
    }
}
