//! [`SmsapiWebhooks`]: SMSAPI's delivery-report (DLR) and inbound (MO) callbacks.
//!
//! - DLR: `GET` with `MsgId`, `status`, `idx`, `donedate`, `to`, ... Each parameter is a
//!   comma-separated list of 1 to 5 values zipped by position; missing trailing values are absent.
//!   Reports repeated within one call (same `MsgId` and `status`) are returned once.
//! - MO: `sms_from`, `sms_to`, `sms_text`, `sms_date`, `MsgId`, as `POST` form or `GET` query.
//! - Both are acknowledged with `200` and body `OK` (otherwise SMSAPI calls again).
//!
//! SMSAPI does not sign its callbacks: protect the URL (a secret path, an IP allow-list). Since
//! anyone who finds the URL can call it, parsing is linear in the request's size and bounded:
//! at most [`MAX_WEBHOOK_BYTES`] of query and body, [`MAX_WEBHOOK_PARAMS`] parameters and
//! [`MAX_REPORTS_PER_CALL`] reports; more is [`WebhookError::TooLarge`] (HTTP 413).
//! Parameter names recalled from SMSAPI's documentation but not confirmed are kept in one place
//! (`assumptions.rs`).

use std::collections::{BTreeMap, HashMap, HashSet};

use bramka_core::{
    DeliveryReport, InboundMessage, PhoneNumber, Price, WebhookError, WebhookEvent, WebhookParser,
    WebhookRequest, WebhookResponse,
};
use chrono::{DateTime, Utc};

use crate::assumptions::{dlr, mo};
use crate::gateway::GATEWAY_ID;
use crate::status::state_of;

/// Largest query plus body accepted (64 KiB); a long inbound SMS is under 10 KiB encoded.
pub const MAX_WEBHOOK_BYTES: usize = 64 * 1024;
/// Most parameters accepted in one callback (SMSAPI sends about a dozen).
pub const MAX_WEBHOOK_PARAMS: usize = 100;
/// Most delivery reports accepted in one callback (SMSAPI sends 1 to 5).
pub const MAX_REPORTS_PER_CALL: usize = 100;

/// Parses SMSAPI callbacks: delivery reports and inbound SMS on one URL or on two.
///
/// ```
/// use bramka_core::{DeliveryState, WebhookEvent, WebhookParser, WebhookRequest};
/// use bramka_smsapi::SmsapiWebhooks;
///
/// let url = "https://shop.example/smsapi?MsgId=AAA1,BBB2&status=404,405&idx=k1,k2&donedate=1717500900,1717500905";
/// let req = WebhookRequest::new("GET", url.parse().unwrap());
/// let events = SmsapiWebhooks::new().parse(&req).unwrap();
/// let WebhookEvent::Delivery(first) = &events[0] else { panic!() };
/// assert_eq!(first.state, DeliveryState::Delivered);
/// assert_eq!(SmsapiWebhooks::new().acknowledge(&events).body, "OK");
/// ```
#[derive(Debug, Clone, Default)]
pub struct SmsapiWebhooks {
    _private: (),
}

impl SmsapiWebhooks {
    /// A parser.
    pub fn new() -> Self {
        SmsapiWebhooks::default()
    }
}

/// Parameters by name: the first value of each (SMSAPI does not repeat names), in order, with
/// an index for constant-time lookups.
struct Params(Vec<(String, String)>, HashMap<String, usize>);

impl Params {
    fn new(pairs: Vec<(String, String)>) -> Self {
        let index = pairs.iter().enumerate().map(|(i, (k, _))| (k.clone(), i)).collect();
        Params(pairs, index)
    }
    fn get(&self, key: &str) -> Option<&str> {
        self.1.get(key).map(|&i| self.0[i].1.as_str())
    }
    fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    /// A comma-separated list; `None` when absent.
    fn list(&self, key: &str) -> Option<Vec<&str>> {
        self.get(key).map(|v| v.split(',').map(str::trim).collect())
    }
}

fn unix_time(s: &str) -> Option<DateTime<Utc>> {
    s.trim().parse::<i64>().ok().and_then(|t| DateTime::from_timestamp(t, 0))
}

fn at<'a>(list: &'a Option<Vec<&'a str>>, i: usize) -> Option<&'a str> {
    list.as_ref().and_then(|l| l.get(i)).copied().filter(|v| !v.is_empty())
}

fn parse_dlr(p: &Params) -> Result<Vec<WebhookEvent>, WebhookError> {
    let ids = p.list(dlr::MSG_ID).unwrap_or_default();
    if ids.len() > MAX_REPORTS_PER_CALL {
        return Err(WebhookError::TooLarge {
            what: format!("{} reports", ids.len()),
            limit: MAX_REPORTS_PER_CALL,
        });
    }
    let statuses = p.list(dlr::STATUS).unwrap_or_default();
    let idx = p.list(dlr::IDX);
    let done = p.list(dlr::DONE_DATE);
    let to = p.list(dlr::TO);
    let points = p.list(dlr::POINTS);
    let names = p.list(dlr::STATUS_NAME);
    let extra: Vec<(&str, Option<Vec<&str>>)> =
        [dlr::USERNAME, dlr::FROM, dlr::MCC, dlr::MNC].into_iter().map(|k| (k, p.list(k))).collect();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        if id.is_empty() {
            return Err(WebhookError::malformed(format!("{} #{} is empty", dlr::MSG_ID, i + 1)));
        }
        let status = statuses.get(i).copied().filter(|s| !s.is_empty()).ok_or_else(|| {
            WebhookError::malformed(format!(
                "{} #{} ({id}) has no {}: got {} status value(s) for {} id(s)",
                dlr::MSG_ID,
                i + 1,
                dlr::STATUS,
                statuses.len(),
                ids.len()
            ))
        })?;
        if !seen.insert((*id, status)) {
            continue;
        }
        let mut r = DeliveryReport::new(GATEWAY_ID, *id, state_of(status), status);
        r.client_ref = at(&idx, i).map(str::to_owned);
        r.at = at(&done, i).and_then(unix_time);
        r.to = at(&to, i).and_then(|n| PhoneNumber::parse(n).ok());
        r.price = at(&points, i).and_then(|v| v.parse::<f64>().ok()).map(|v| Price::new(v, "points"));
        if let Some(name) = at(&names, i) {
            r.raw.insert(dlr::STATUS_NAME.into(), name.to_owned());
            if status.parse::<u16>().is_err() {
                r.state = state_of(name);
            }
        }
        if let Some(n) = at(&to, i) {
            r.raw.insert(dlr::TO.into(), n.to_owned());
        }
        if let Some(d) = at(&done, i) {
            r.raw.insert(dlr::DONE_DATE.into(), d.to_owned());
        }
        for (k, list) in &extra {
            // `username` is one value for the whole call; others are per report.
            let v = at(list, i)
                .or_else(|| list.as_ref().filter(|l| l.len() == 1).and_then(|l| l.first().copied()));
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                r.raw.insert((*k).to_owned(), v.to_owned());
            }
        }
        out.push(WebhookEvent::Delivery(r));
    }
    Ok(out)
}

fn parse_mo(p: &Params) -> Result<Vec<WebhookEvent>, WebhookError> {
    let from = p
        .get(mo::FROM)
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| WebhookError::malformed(format!("inbound SMS without {}", mo::FROM)))?;
    let text = p
        .get(mo::TEXT)
        .ok_or_else(|| WebhookError::malformed(format!("inbound SMS without {}", mo::TEXT)))?;
    let to = p.get(mo::TO).unwrap_or("");
    let date = p.get(mo::DATE);
    let received_at = date.and_then(unix_time).unwrap_or_else(Utc::now);
    // The id is the de-duplication key; when absent it is derived from sender and time so a repeated
    // call keeps the same key.
    let id = match p.get(mo::MSG_ID).filter(|v| !v.trim().is_empty()) {
        Some(id) => id.to_owned(),
        None => format!("mo-{}-{}", from.trim().trim_start_matches('+'), date.unwrap_or("0").trim()),
    };
    let mut m = InboundMessage::new(GATEWAY_ID, id, from, to, text, received_at);
    let known = [mo::FROM, mo::TEXT, mo::TO, mo::MSG_ID];
    let raw: BTreeMap<String, String> =
        p.0.iter()
            .filter(|(k, _)| !known.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
    m.raw = raw;
    Ok(vec![WebhookEvent::Inbound(m)])
}

impl WebhookParser for SmsapiWebhooks {
    fn provider(&self) -> &str {
        GATEWAY_ID
    }

    fn parse(&self, request: &WebhookRequest) -> Result<Vec<WebhookEvent>, WebhookError> {
        if !matches!(request.method.as_str(), "GET" | "POST") {
            return Err(WebhookError::Method {
                method: request.method.clone(),
                expected: "GET or POST".into(),
            });
        }
        let size = request.url.query().map_or(0, str::len) + request.body.len();
        if size > MAX_WEBHOOK_BYTES {
            return Err(WebhookError::TooLarge { what: format!("{size} bytes"), limit: MAX_WEBHOOK_BYTES });
        }
        let all = request.params();
        if all.len() > MAX_WEBHOOK_PARAMS {
            return Err(WebhookError::TooLarge {
                what: format!("{} parameters", all.len()),
                limit: MAX_WEBHOOK_PARAMS,
            });
        }
        // The first value of each name, in order, in one pass.
        let mut seen: HashSet<String> = HashSet::with_capacity(all.len());
        let pairs: Vec<(String, String)> = all.into_iter().filter(|(k, _)| seen.insert(k.clone())).collect();
        let p = Params::new(pairs);
        if p.has(dlr::MSG_ID) && p.has(dlr::STATUS) {
            parse_dlr(&p)
        } else if p.has(mo::FROM) || p.has(mo::TEXT) {
            parse_mo(&p)
        } else {
            Err(WebhookError::malformed(format!(
                "neither a delivery report ({} and {}) nor an inbound SMS ({} and {})",
                dlr::MSG_ID,
                dlr::STATUS,
                mo::FROM,
                mo::TEXT
            )))
        }
    }

    fn acknowledge(&self, _events: &[WebhookEvent]) -> WebhookResponse {
        WebhookResponse::text("OK")
    }
}
