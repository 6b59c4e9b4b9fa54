//! The web page in a real headless Chromium, driven over WebDriver (Debian's `chromium` and
//! `chromium-driver`): log in, see an injected vote with its percentage, filter the inbox,
//! download a CSV, send a test SMS and see it in the sent list, suppress a number and lift it,
//! see a background campaign's progress on the campaigns page, and save a screenshot of the
//! poll page; with `--sandbox`, the Sandbox tab: a received message's
//! details, a delivery report and an inbound SMS triggered from its buttons.
//!
//! Without `chromedriver` the test FAILS with how to install it; it never passes silently.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bramka_server::config::Env;
use bramka_server::{Server, Settings};
use serde_json::{Value, json};

const API_TOKEN: &str = "browser-api-token-0123456789";

fn find(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in
        std::env::split_paths(&path).chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/lib/chromium")])
    {
        for n in names {
            let p = dir.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// A minimal WebDriver client: the few W3C commands the test needs, over reqwest.
struct Driver {
    http: reqwest::Client,
    base: String,
    session: String,
    child: Child,
}

impl Driver {
    async fn start() -> Driver {
        let driver = find(&["chromedriver"]).unwrap_or_else(|| {
            panic!("chromedriver not found: install Chromium and its driver with `apt-get install -y chromium chromium-driver` (Debian), then rerun")
        });
        let browser = find(&["chromium", "chromium-browser", "google-chrome"]).unwrap_or_else(|| {
            panic!("chromium not found: install it with `apt-get install -y chromium chromium-driver` (Debian), then rerun")
        });
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let http = bramka::http::client(bramka::http::Timeouts {
            connect: Duration::from_secs(2),
            request: Duration::from_secs(60),
        })
        .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..200 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": browser, "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=900,700", "--lang=en-US"]
        }}}});
        let mut d = Driver { http, base, session: String::new(), child };
        let v = d.cmd("POST", "/session", Some(caps)).await;
        d.session = v["sessionId"].as_str().expect("a WebDriver session").to_owned();
        d
    }
    async fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = if path == "/session" {
            format!("{}/session", self.base)
        } else {
            format!("{}/session/{}{path}", self.base, self.session)
        };
        let req = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body.unwrap_or(json!({}))),
        };
        let v: Value = req.send().await.expect("webdriver").json().await.expect("webdriver JSON");
        if v["value"].get("error").is_some() {
            panic!("webdriver {method} {path}: {}", v["value"]);
        }
        v.get("value").cloned().unwrap_or(Value::Null)
    }
    async fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({"url": url}))).await;
    }
    async fn el(&self, css: &str) -> String {
        let v = self.cmd("POST", "/element", Some(json!({"using": "css selector", "value": css}))).await;
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_owned()
    }
    async fn count(&self, css: &str) -> usize {
        self.cmd("POST", "/elements", Some(json!({"using": "css selector", "value": css})))
            .await
            .as_array()
            .map_or(0, Vec::len)
    }
    /// Waits (up to 5 s) until `css` matches `n` elements; shows the page when it never does.
    async fn wait_count(&self, css: &str, n: usize) {
        for _ in 0..100 {
            if self.count(css).await == n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let src = self.cmd("GET", "/source", None).await;
        let url = self.cmd("GET", "/url", None).await;
        panic!("{css} never matched {n} element(s) on {url}:\n{}", src.as_str().unwrap_or(""));
    }
    async fn text(&self, css: &str) -> String {
        let id = self.el(css).await;
        self.cmd("GET", &format!("/element/{id}/text"), None).await.as_str().unwrap_or("").to_owned()
    }
    async fn typ(&self, css: &str, text: &str) {
        let id = self.el(css).await;
        self.cmd("POST", &format!("/element/{id}/clear"), None).await;
        self.cmd("POST", &format!("/element/{id}/value"), Some(json!({"text": text}))).await;
    }
    async fn click(&self, css: &str) {
        let id = self.el(css).await;
        self.cmd("POST", &format!("/element/{id}/click"), None).await;
    }
    async fn script(&self, js: &str) -> Value {
        self.cmd("POST", "/execute/async", Some(json!({"script": js, "args": []}))).await
    }
    async fn screenshot(&self) -> Vec<u8> {
        use base64::Engine as _;
        let b64 = self.cmd("GET", "/screenshot", None).await;
        base64::engine::general_purpose::STANDARD.decode(b64.as_str().unwrap()).unwrap()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn env() -> Env {
    Arc::new(|k: &str| (k == "BRAMKA_API_TOKEN").then(|| API_TOKEN.to_owned()))
}

const CONFIG: &str = r#"
[server]
storage = "memory:"
api_tokens = ["${BRAMKA_API_TOKEN}"]
[accounts.sa]
dsn = "smsapi://token@default"
[[numbers]]
number = "+48790100200"
kind = "shared"
account = "sa"
[[polls]]
id = "rating"
name = "Shop rating"
number = "+48790100200"
prefix = "GŁOSUJĘ"
options = [{ code = "1", aliases = ["jeden"] }, { code = "5", aliases = ["pięć"] }]
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_page_in_headless_chromium() {
    let mut settings = Settings::from_toml("bramka.toml", CONFIG, env()).unwrap();
    settings.sandbox = true;
    let server = Server::new(settings).unwrap();
    let hook = server.hook_urls()[0].inbound.clone();
    let hook_path = hook.split_once("://").unwrap().1.split_once('/').unwrap().1.to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.serve(listener, async {
        let _ = stopped.await;
    }));
    let http = bramka::http::client(bramka::http::Timeouts::default()).unwrap();
    // Three votes: 5, 5, 1 → 66.67 % and 33.33 %.
    for (id, from, text) in [
        ("m1", "48600100201", "GŁOSUJĘ 5"),
        ("m2", "48600100202", "glosuje piec"),
        ("m3", "48600100203", "GŁOSUJĘ 1"),
    ] {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("sms_from", from),
                ("sms_to", "48790100200"),
                ("sms_text", text),
                ("sms_date", "1780300800"),
                ("MsgId", id),
            ])
            .finish();
        let r = http
            .post(format!("{base}/{hook_path}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }

    let d = Driver::start().await;
    // Not logged in: to the login page; a wrong token is refused.
    d.goto(&format!("{base}/polls/rating")).await;
    d.wait_count("#token", 1).await;
    d.typ("#token", "wrong-token-000000000000").await;
    d.click("#login").await;
    d.wait_count("#login-error", 1).await;
    d.typ("#token", API_TOKEN).await;
    d.click("#login").await;
    d.wait_count("table#inbox tr.message", 3).await;
    // The session cookie is HttpOnly: scripts cannot read it.
    let cookies = d.script("arguments[0](document.cookie)").await;
    assert!(!cookies.as_str().unwrap_or("").contains("bramka_session"), "{cookies}");

    d.goto(&format!("{base}/polls/rating")).await;
    assert_eq!(d.text("#total").await, "3");
    assert_eq!(d.text("tr[data-code='5'] .percent").await, "66.67 %");
    assert_eq!(d.text("tr[data-code='1'] .percent").await, "33.33 %");
    assert_eq!(d.count("svg#chart rect.bar").await, 2);
    let png = d.screenshot().await;
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let artifacts = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("poll-page.png");
    std::fs::write(&artifacts, &png).unwrap();
    eprintln!("screenshot saved: {}", artifacts.display());
    if std::env::var_os("BRAMKA_UPDATE_SCREENSHOT").is_some() {
        let docs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/poll-page.png");
        std::fs::write(docs, &png).unwrap();
    }

    // The CSV link works with the browser's session.
    let csv = d.script("const done = arguments[0]; fetch(document.getElementById('stats-csv').href).then(r => r.text()).then(done)").await;
    let csv = csv.as_str().unwrap().trim_start_matches('\u{feff}').to_owned();
    assert!(csv.contains("66.67") && csv.contains("33.33"), "{csv}");

    // Filter the inbox by sender.
    d.goto(&format!("{base}/inbox")).await;
    d.typ("#f-from", "+48600100202").await;
    d.click("#filter").await;
    d.wait_count("table#inbox tr.message", 1).await;
    assert!(d.text("table#inbox tr.message").await.contains("glosuje piec"));
    let inbox_csv = d.script("const done = arguments[0]; fetch(document.getElementById('inbox-csv').href).then(r => r.text()).then(done)").await;
    let inbox_csv = inbox_csv.as_str().unwrap().to_owned();
    assert!(inbox_csv.contains("glosuje piec") && !inbox_csv.contains("48600100201"), "{inbox_csv}");

    // Send a test SMS (sandbox: printed by console://).
    d.goto(&format!("{base}/test-sms")).await;
    d.typ("#t-to", "+48600100209").await;
    d.typ("#t-text", "Test z bramki").await;
    d.click("#t-send").await;
    // The click submits a form: wait for the answer page rather than reading the old one.
    d.wait_count("#t-result", 1).await;
    assert!(d.text("#t-result").await.starts_with("Sent"), "{}", d.text("#t-result").await);

    // The test SMS is in the sent list, with its state, parts and encoding; its CSV link works.
    d.click("#nav-sent").await;
    d.wait_count("table#sent tr.sent", 1).await;
    let row = d.text("table#sent tr.sent").await;
    assert!(row.contains("+48600100209") && row.contains("Test z bramki"), "{row}");
    assert_eq!(d.text("table#sent tr.sent .state").await, "accepted");
    assert!(row.contains("GSM-7"), "{row}");
    d.typ("#s-state", "delivered").await;
    d.click("#s-filter").await;
    d.wait_count("#no-sent", 1).await;
    d.typ("#s-state", "accepted").await;
    d.click("#s-filter").await;
    d.wait_count("table#sent tr.sent", 1).await;
    let sent_csv = d.script("const done = arguments[0]; fetch(document.getElementById('sent-csv').href).then(r => r.text()).then(done)").await;
    let sent_csv = sent_csv.as_str().unwrap().trim_start_matches('\u{feff}').to_owned();
    assert!(
        sent_csv.starts_with("id,created_at") && sent_csv.contains("+48600100209,accepted"),
        "{sent_csv}"
    );

    // Suppress a number from the page, see it listed, lift it again.
    d.click("#nav-suppressions").await;
    d.wait_count("#no-suppressions", 1).await;
    d.typ("#supp-number", "+48 600 100 555").await;
    d.typ("#supp-reason", "asked by phone").await;
    d.click("#supp-submit").await;
    d.wait_count("tr.suppressed", 1).await;
    let row = d.text("tr.suppressed").await;
    assert!(row.contains("+48600100555") && row.contains("asked by phone"), "{row}");
    d.typ("#supp-number", "nonsense").await;
    d.click("#supp-submit").await;
    d.wait_count("#supp-error", 1).await;
    d.click("tr.suppressed button.lift").await;
    d.wait_count("#no-suppressions", 1).await;

    // A campaign started through the API runs in the background; its page shows the progress.
    let r = http
        .post(format!("{base}/api/v1/campaigns"))
        .bearer_auth(API_TOKEN)
        .json(&json!({"name": "jesień", "account": "sa", "text": "Promocja",
            "to": ["+48600100301", "+48600100302", "+48600100303"], "chunk_size": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    for _ in 0..200 {
        let p: Value = http
            .get(format!("{base}/api/v1/campaigns/jesie%C5%84/progress"))
            .bearer_auth(API_TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if p["progress"]["state"] == "done" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    d.click("#nav-campaigns").await;
    d.wait_count("table#campaigns tr.campaign[data-state='done']", 1).await;
    let row = d.text("tr.campaign").await;
    assert!(row.contains("jesień") && row.contains("3/3"), "{row}");
    assert_eq!(d.text("tr.campaign .sent").await, "3");
    assert_eq!(d.text("tr.campaign .pending").await, "0");

    // Polish labels.
    d.goto(&format!("{base}/lang/pl")).await;
    d.goto(&format!("{base}/polls/rating")).await;
    assert!(d.text("#stats thead").await.contains("Głosy"));
    assert_eq!(d.text("#nav-campaigns").await, "Kampanie");

    d.cmd("DELETE", "", None).await;
    let _ = stop.send(());
    task.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_without_csrf_are_refused() {
    let settings = Settings::from_toml("bramka.toml", CONFIG, env()).unwrap();
    let server = Server::new(settings).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.serve(listener, async {
        let _ = stopped.await;
    }));
    // The provider bramka's HTTP client installs (ring), then a client that does not follow redirects.
    drop(bramka::http::client(bramka::http::Timeouts::default()).unwrap());
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let login = http.post(format!("{base}/login")).form(&[("token", API_TOKEN)]).send().await.unwrap();
    assert_eq!(login.status(), 303);
    let set = login.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
    let session = set.split(';').next().unwrap().to_owned();
    let form = [("account", "sa"), ("to", "+48600100209"), ("text", "hi")];
    let no_csrf =
        http.post(format!("{base}/test-sms")).header("cookie", &session).form(&form).send().await.unwrap();
    assert_eq!(no_csrf.status(), 403);
    let bad = http
        .post(format!("{base}/test-sms"))
        .header("cookie", &session)
        .form(&[("csrf", "x".repeat(32).as_str()), ("account", "sa"), ("to", "+48600100209"), ("text", "hi")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 403);
    let supp = http
        .post(format!("{base}/suppressions"))
        .header("cookie", &session)
        .form(&[("number", "+48600100209")])
        .send()
        .await
        .unwrap();
    assert_eq!(supp.status(), 403);
    let lift = http
        .post(format!("{base}/suppressions/lift"))
        .header("cookie", &session)
        .form(&[("number", "+48600100209")])
        .send()
        .await
        .unwrap();
    assert_eq!(lift.status(), 403);
    let logout = http.post(format!("{base}/logout")).header("cookie", &session).send().await.unwrap();
    assert_eq!(logout.status(), 403);
    // Without a session the pages send you to the login form.
    let anon = http.get(format!("{base}/inbox")).send().await.unwrap();
    assert_eq!(anon.status(), 303);
    assert_eq!(anon.headers()["location"], "/login");
    let _ = stop.send(());
    task.await.unwrap().unwrap();
}

/// The "Sandbox" tab: a message sent to the sandbox is listed with its operator, sender,
/// recipient, text, encoding and parts; "Delivery report" posts the report (to the configured
/// URL) and the row shows the new state and the callback; "Receive" posts an inbound SMS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_tab_in_headless_chromium() {
    let hook = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_string("OK"))
        .mount(&hook)
        .await;
    let config = format!(
        "[server]\nstorage = \"memory:\"\napi_tokens = [\"${{BRAMKA_API_TOKEN}}\"]\n[sandbox]\ndelivery_delay_ms = \"manual\"\n[sandbox.callbacks]\nsmsapi_dlr = \"{0}/dlr\"\ntwilio_inbound = \"{0}/mo\"\n",
        hook.uri()
    );
    let mut settings = Settings::from_toml("bramka.toml", &config, env()).unwrap();
    settings.sandbox = true;
    let server = Server::new(settings).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.serve(listener, async {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::new();
    let v: Value = http
        .post(format!("{base}/sandbox/smsapi/sms.do"))
        .form(&[
            ("to", "48500100200"),
            ("from", "Shop"),
            ("message", "Zażółć gęślą jaźń"),
            ("format", "json"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = v["list"][0]["id"].as_str().expect("accepted").to_owned();

    let d = Driver::start().await;
    d.goto(&format!("{base}/login")).await;
    d.typ("#token", API_TOKEN).await;
    d.click("#login").await;
    d.goto(&format!("{base}/inbox")).await;
    d.click("#nav-sandbox").await;
    d.wait_count("tr.sandbox-message", 1).await;
    assert_eq!(d.text("tr.sandbox-message .sender").await, "Shop");
    assert_eq!(d.text("tr.sandbox-message .recipient").await, "48500100200");
    assert_eq!(d.text("tr.sandbox-message .text").await, "Zażółć gęślą jaźń");
    assert_eq!(d.text("tr.sandbox-message .encoding").await, "UCS-2");
    assert_eq!(d.text("tr.sandbox-message .parts").await, "1");
    assert_eq!(d.text("tr.sandbox-message .state").await, "queued");
    assert_eq!(d.count("tr.sandbox-message .callbacks li").await, 0);

    // Trigger the delivery report as "undelivered".
    d.click("#outcome-0 option[value=undelivered]").await;
    d.click("#report-0").await;
    d.wait_count("#notice", 1).await;
    assert!(d.text("#notice").await.contains(&id));
    assert_eq!(d.text("tr.sandbox-message .state").await, "undelivered");
    let cb = d.text("tr.sandbox-message .callbacks li").await;
    assert!(cb.contains("/dlr") && cb.contains("200"), "{cb}");
    assert_eq!(d.count("#report-0").await, 0, "no second report for a final state");
    let got = hook.received_requests().await.unwrap();
    let dlr: Vec<_> = got.iter().filter(|r| r.url.path() == "/dlr").collect();
    assert_eq!(dlr.len(), 1);
    assert!(dlr[0].url.query().unwrap_or("").contains(&format!("MsgId={id}")));

    // Receive an SMS through Twilio: posted to the configured inbound URL.
    d.click("#receive-operator option[value=twilio]").await;
    d.typ("#receive-from", "+48500100200").await;
    d.typ("#receive-to", "+15005550006").await;
    d.typ("#receive-text", "STOP").await;
    d.click("#receive").await;
    d.wait_count("#notice", 1).await;
    assert!(d.text("#notice").await.contains("twilio"), "{}", d.text("#notice").await);
    let got = hook.received_requests().await.unwrap();
    let mo: Vec<_> = got.iter().filter(|r| r.url.path() == "/mo").collect();
    assert_eq!(mo.len(), 1, "one inbound post");
    let body = String::from_utf8_lossy(&mo[0].body).to_string();
    assert!(body.contains("Body=STOP") && body.contains("From=%2B48500100200"), "{body}");

    // With the browser's session but without the CSRF token, the buttons' forms are refused.
    let cookie = d.cmd("GET", "/cookie/bramka_session", None).await;
    let session = format!("bramka_session={}", cookie["value"].as_str().expect("a session cookie"));
    for (path, form) in [
        ("report", vec![("operator", "smsapi"), ("id", id.as_str())]),
        ("receive", vec![("operator", "twilio"), ("from", "+48500100200"), ("to", "+1500"), ("text", "x")]),
    ] {
        let r = http
            .post(format!("{base}/web/sandbox/{path}"))
            .header("Cookie", &session)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{path} without CSRF");
    }
    assert_eq!(hook.received_requests().await.unwrap().len(), 2, "the refused forms posted nothing");
    drop(d);
    let _ = stop.send(());
    let _ = task.await;
}
