//! `bramka webhook parse` and `bramka webhook verify`: debug a webhook integration from the
//! command line, with the request body on standard input.
//!
//! SMSAPI and Infobip do not sign their webhooks; Twilio signs with `X-Twilio-Signature`;
//! bramka has no Dynmark webhook parser (Dynmark's forwarding formats are undocumented).

use std::io::IsTerminal;
use std::process::ExitCode;

use bramka::{WebhookError, WebhookParser, WebhookRequest};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;
use url::Url;

use crate::failure::Failure;
use crate::target::SecretArg;

/// `bramka webhook ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum WebhookCommand {
    /// Parse a webhook request (verifying Twilio's signature) and print its events as JSON.
    #[command(after_help = crate::EXIT_CODES)]
    Parse(HookArgs),
    /// Check only the signature of a Twilio webhook request: exit 0 valid, 1 invalid.
    #[command(after_help = crate::EXIT_CODES)]
    Verify(HookArgs),
}

/// The operators whose webhooks bramka knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Provider {
    /// SMSAPI delivery reports and inbound SMS (unsigned).
    Smsapi,
    /// Infobip delivery reports and inbound messages (unsigned).
    Infobip,
    /// Twilio status callbacks and inbound messages (signed).
    Twilio,
    /// Dynmark: no parser (its formats are undocumented).
    Dynmark,
}

/// The request as the operator sent it.
#[derive(Debug, Args)]
pub(crate) struct HookArgs {
    /// The operator.
    #[arg(long, value_enum)]
    provider: Provider,
    /// The full public URL the operator called, query included (Twilio signs it exactly).
    /// Default for SMSAPI and Infobip: https://localhost/.
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// The HTTP method. Default: POST with a body, GET without.
    #[arg(long, value_name = "M")]
    method: Option<String>,
    /// A request header, `Name: value`; repeatable.
    #[arg(long = "header", short = 'H', value_name = "Name: value")]
    headers: Vec<String>,
    /// Twilio's Auth Token, to verify X-Twilio-Signature.
    #[arg(long, value_name = "T", env = "BRAMKA_TWILIO_TOKEN", hide_env_values = true)]
    twilio_token: Option<SecretArg>,
    /// INSECURE: parse a Twilio webhook WITHOUT checking its signature (parse only).
    #[arg(long)]
    insecure_skip_signature: bool,
    /// Keep a trailing newline of standard input in the body (by default one is removed, as
    /// `echo` adds it and operators do not send it).
    #[arg(long)]
    keep_trailing_newline: bool,
}

/// Runs `bramka webhook parse|verify`.
pub(crate) fn run(cmd: &WebhookCommand) -> ExitCode {
    let r = match cmd {
        WebhookCommand::Parse(a) => parse(a),
        WebhookCommand::Verify(a) => verify(a),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.report(),
    }
}

const DYNMARK_NONE: &str = "bramka has no Dynmark webhook parser: Dynmark's delivery-receipt and \
                            inbound forwarding formats (method, field names, reply) are undocumented";
const DYNMARK_HINT: &str = "log the raw requests Dynmark sends to your deliveryStatusUrl and parse them \
                            in your own handler; SMSAPI, Infobip and Twilio are supported here";

fn request(a: &HookArgs) -> Result<WebhookRequest, Failure> {
    let url = match (&a.url, a.provider) {
        (Some(u), _) => u.clone(),
        (None, Provider::Twilio) => {
            return Err(Failure::usage("--url is required for Twilio")
                .hint("pass the exact public URL configured at Twilio: its signature covers it"));
        }
        (None, _) => "https://localhost/".to_owned(),
    };
    let url = Url::parse(&url).map_err(|e| {
        Failure::usage(format!("--url {url:?} is not a URL: {e}"))
            .hint("write it in full: https://host/path?query")
    })?;
    let mut body = if std::io::stdin().is_terminal() {
        Vec::new()
    } else {
        crate::input::read_stdin_bytes().map_err(Failure::usage)?
    };
    if !a.keep_trailing_newline && body.ends_with(b"\n") {
        body.pop();
        if body.ends_with(b"\r") {
            body.pop();
        }
    }
    let method = match &a.method {
        Some(m) if m.trim().is_empty() || !m.chars().all(|c| c.is_ascii_alphabetic()) => {
            return Err(Failure::usage(format!("--method {m:?} is not an HTTP method (GET, POST, ...)")));
        }
        Some(m) => m.clone(),
        None if body.is_empty() => "GET".to_owned(),
        None => "POST".to_owned(),
    };
    let mut req = WebhookRequest::new(&method, url);
    for h in &a.headers {
        let (name, value) = h
            .split_once(':')
            .map(|(n, v)| (n.trim(), v.trim()))
            .filter(|(n, _)| !n.is_empty() && !n.contains(char::is_whitespace))
            .ok_or_else(|| {
                Failure::usage(format!("--header {h:?} is not `Name: value`"))
                    .hint("for example --header 'X-Twilio-Signature: 0/KCTR6DLpKmkAf8muzZqo1nDgQ='")
            })?;
        req = req.with_header(name, value);
    }
    if req.header("content-type").is_none() && !body.is_empty() {
        let first = body.iter().find(|b| !b.is_ascii_whitespace());
        let ct = if matches!(first, Some(b'{' | b'[')) {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        };
        req = req.with_header("Content-Type", ct);
    }
    Ok(req.with_body(body))
}

fn parse(a: &HookArgs) -> Result<(), Failure> {
    if a.provider == Provider::Dynmark {
        return Err(Failure::usage(DYNMARK_NONE).hint(DYNMARK_HINT));
    }
    if a.insecure_skip_signature && a.provider != Provider::Twilio {
        return Err(Failure::usage(
            "--insecure-skip-signature applies to Twilio only (the others are unsigned)",
        ));
    }
    let twilio_hooks = if a.provider == Provider::Twilio {
        Some(match (&a.twilio_token, a.insecure_skip_signature) {
            (Some(_), true) => {
                return Err(Failure::usage(
                    "pass either --twilio-token or --insecure-skip-signature, not both",
                ));
            }
            (Some(t), false) => bramka::twilio::TwilioWebhooks::new(t.0.clone()),
            (None, true) => {
                eprintln!(
                    "WARNING: --insecure-skip-signature: the Twilio signature is NOT checked; \
                     anyone who can reach a webhook URL can forge such a request"
                );
                bramka::twilio::TwilioWebhooks::insecure_without_signature_check()
            }
            (None, false) => {
                return Err(Failure::usage(
                    "refusing to parse a Twilio webhook without checking its signature",
                )
                .hint(
                    "pass --twilio-token (or set BRAMKA_TWILIO_TOKEN) with the account's Auth Token, or \
                     --insecure-skip-signature to parse it unverified",
                ));
            }
        })
    } else {
        None
    };
    let req = request(a)?;
    let (parser, verified): (Box<dyn WebhookParser>, serde_json::Value) = match a.provider {
        Provider::Smsapi => (Box::new(bramka::smsapi::SmsapiWebhooks::new()), json!(null)),
        Provider::Infobip => (Box::new(bramka::infobip::InfobipWebhooks::new()), json!(null)),
        Provider::Twilio => {
            let hooks = twilio_hooks.expect("set above for Twilio");
            let v = json!(hooks.verifies_signatures());
            (Box::new(hooks), v)
        }
        Provider::Dynmark => unreachable!("refused above"),
    };
    match parser.parse(&req) {
        Ok(events) => {
            let ack = parser.acknowledge(&events);
            let out = json!({
                "provider": parser.provider(),
                "signature_verified": verified,
                "events": events,
                "acknowledge": { "status": ack.status, "content_type": ack.content_type, "body": ack.body },
            });
            crate::out::outln!("{}", serde_json::to_string_pretty(&out).unwrap_or_else(|_| out.to_string()));
            if verified.is_null() {
                eprintln!(
                    "note: {} does not sign its webhooks: nothing was verified (protect the URL with a \
                     secret path or an IP allow-list)",
                    parser.provider()
                );
            }
            Ok(())
        }
        Err(e) => {
            let hint = match (&e, &a.twilio_token) {
                (WebhookError::MissingSignature { .. } | WebhookError::InvalidSignature { .. }, Some(t)) => {
                    twilio_hint(&e, &req, t)
                }
                (WebhookError::Method { .. }, _) => Some("pass --method".to_owned()),
                _ => None,
            };
            Err(Failure::failed(e.to_string()).maybe_hint(hint))
        }
    }
}

fn verify(a: &HookArgs) -> Result<(), Failure> {
    match a.provider {
        Provider::Twilio => {}
        Provider::Dynmark => return Err(Failure::usage(DYNMARK_NONE).hint(DYNMARK_HINT)),
        p => {
            let name = if p == Provider::Smsapi { "SMSAPI" } else { "Infobip" };
            return Err(Failure::usage(format!(
                "{name} does not sign its webhooks: there is no signature to verify"
            ))
            .hint("protect the URL with a secret path or an IP allow-list; `bramka webhook parse` checks the content"));
        }
    }
    if a.insecure_skip_signature {
        return Err(Failure::usage("--insecure-skip-signature makes no sense with verify"));
    }
    let Some(token) = &a.twilio_token else {
        return Err(Failure::usage(
            "verify needs the Auth Token: pass --twilio-token or set BRAMKA_TWILIO_TOKEN",
        ));
    };
    let req = request(a)?;
    let hooks = bramka::twilio::TwilioWebhooks::new(token.0.clone());
    match hooks.verify(&req) {
        Ok(()) => {
            crate::out::outln!("valid: X-Twilio-Signature matches {}", req.url);
            Ok(())
        }
        Err(e) => Err(Failure::failed(e.to_string()).maybe_hint(twilio_hint(&e, &req, token))),
    }
}

/// Why a Twilio signature failed, beyond "mismatch": a missing header, or a signature that
/// verifies with another scheme, host or port (a proxy in front of the application).
fn twilio_hint(e: &WebhookError, req: &WebhookRequest, token: &SecretArg) -> Option<String> {
    use bramka::twilio::signature;
    if matches!(e, WebhookError::MissingSignature { .. }) {
        return Some(
            "Twilio sends X-Twilio-Signature on every webhook: pass it with --header 'X-Twilio-Signature: ...'; \
             a request without it did not come from Twilio, or a proxy dropped the header"
                .to_owned(),
        );
    }
    let sig = req.header(signature::SIGNATURE_HEADER)?;
    let form = if req.method == "GET" { Vec::new() } else { req.form_pairs() };
    for candidate in url_candidates(req) {
        if candidate == req.url {
            continue;
        }
        if signature::verify_form(&token.0, candidate.as_str(), &form, sig).is_ok() {
            let what = differences(&req.url, &candidate);
            return Some(format!(
                "the signature matches {candidate}: Twilio signed a different {what} than --url {}; a proxy or \
                 load balancer in front of the application changes it: verify against the URL as configured \
                 at Twilio",
                req.url
            ));
        }
    }
    Some(
        "check the Auth Token (the account's primary or secondary Auth Token, not an API key secret), that \
         the body is byte for byte what Twilio sent, and the URL with its query string"
            .to_owned(),
    )
}

/// Ports tried when looking for the URL Twilio signed.
const COMMON_PORTS: [u16; 9] = [80, 443, 3000, 5000, 8000, 8080, 8443, 8888, 9000];

fn url_candidates(req: &WebhookRequest) -> Vec<Url> {
    let mut hosts: Vec<(String, Option<u16>)> =
        vec![(req.url.host_str().unwrap_or_default().to_owned(), None)];
    for h in ["x-forwarded-host", "host"] {
        if let Some(v) = req.header(h) {
            let v = v.split(',').next().unwrap_or("").trim();
            let (host, port) = match v.rsplit_once(':') {
                Some((h, p)) if !h.contains(']') || h.ends_with(']') => (h.to_owned(), p.parse().ok()),
                _ => (v.to_owned(), None),
            };
            if !host.is_empty() {
                hosts.push((host, port));
            }
        }
    }
    let mut ports: Vec<Option<u16>> = vec![None, req.url.port()];
    ports.extend(COMMON_PORTS.iter().map(|p| Some(*p)));
    if let Some(p) = req.header("x-forwarded-port").and_then(|p| p.trim().parse().ok()) {
        ports.push(Some(p));
    }
    let mut schemes = vec![req.url.scheme().to_owned()];
    if let Some(p) = req.header("x-forwarded-proto") {
        schemes.push(p.trim().to_ascii_lowercase());
    }
    schemes.extend(["https".to_owned(), "http".to_owned()]);
    let mut out: Vec<Url> = Vec::new();
    for scheme in &schemes {
        for (host, host_port) in &hosts {
            for port in ports.iter().chain(std::iter::once(host_port)) {
                let mut u = req.url.clone();
                if u.set_scheme(scheme).is_err()
                    || u.set_host(Some(host)).is_err()
                    || u.set_port(*port).is_err()
                {
                    continue;
                }
                if !out.contains(&u) {
                    out.push(u);
                }
            }
        }
    }
    out
}

fn differences(a: &Url, b: &Url) -> String {
    let mut d = Vec::new();
    if a.scheme() != b.scheme() {
        d.push("scheme");
    }
    if a.host_str() != b.host_str() {
        d.push("host");
    }
    if a.port_or_known_default() != b.port_or_known_default() || a.port() != b.port() {
        d.push("port");
    }
    if d.is_empty() { "URL".to_owned() } else { d.join(" and ") }
}
