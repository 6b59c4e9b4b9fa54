//! Callbacks in each operator's format: delivery reports and inbound messages.

use chrono::Utc;
use serde_json::json;

use crate::infobip;
use crate::record::{CallbackSent, Direction, Operator, Received, SimState};
use crate::sandbox::{Sandbox, lock};
use crate::smsapi;
use crate::twilio;

/// Posts the delivery report of `r` (already in its final state) and, for Infobip, queues it for
/// the reports pull.
pub(crate) async fn delivery_report(sb: &Sandbox, r: &Received) {
    if r.operator == Operator::Infobip {
        lock(&sb.inner.infobip_reports).push_back(infobip::report_item(r, false));
    }
    let Some(url) = r.callback_url.clone() else { return };
    let event = r.state.as_str().to_owned();
    let sent = match r.operator {
        Operator::Smsapi => {
            let (name, code) = smsapi::status_name(r.state);
            let q = [
                ("MsgId", r.message_id.clone()),
                ("status", code.to_string()),
                ("status_name", name.to_owned()),
                ("idx", r.client_key.clone().unwrap_or_default()),
                ("donedate", Utc::now().timestamp().to_string()),
                ("username", "sandbox".to_owned()),
                ("to", r.recipient.clone()),
                ("from", r.sender.clone().unwrap_or_default()),
                ("points", format!("{:.2}", smsapi::POINTS_PER_PART * f64::from(r.parts))),
            ];
            sb.inner.http.get(&url).query(&q).send().await
        }
        Operator::Infobip => {
            let body = json!({"results": [infobip::report_item(r, false)]});
            sb.inner.http.post(&url).json(&body).send().await
        }
        Operator::Twilio => {
            let (status, code) = twilio::status_of(r);
            let mut params: Vec<(&str, String)> = vec![
                ("SmsSid", r.message_id.clone()),
                ("SmsStatus", status.to_owned()),
                ("MessageStatus", status.to_owned()),
                ("To", r.recipient.clone()),
                ("MessageSid", r.message_id.clone()),
                ("AccountSid", r.account.clone()),
                ("From", r.sender.clone().unwrap_or_default()),
                ("ApiVersion", "2010-04-01".to_owned()),
            ];
            if let Some(s) = &r.client_key {
                params.push(("MessagingServiceSid", s.clone()));
            }
            if let Some(c) = code {
                params.push(("ErrorCode", c.to_string()));
            }
            twilio_post(sb, &r.account, &url, &params).await
        }
        // Dynmark documents no report format: none is posted.
        Operator::Dynmark => return,
    };
    let status = sent.ok().map(|a| a.status().as_u16());
    sb.note_callback(r.operator, &r.message_id, CallbackSent { url, event, status });
}

/// Posts a form signed as Twilio signs it (when a token is known for the account).
async fn twilio_post(
    sb: &Sandbox,
    account: &str,
    url: &str,
    params: &[(&str, String)],
) -> reqwest::Result<reqwest::Response> {
    let mut req = sb.inner.http.post(url).form(params).header("User-Agent", "TwilioProxy/1.1");
    if let Some(token) = twilio::signing_token(sb, account) {
        let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        req = req.header("X-Twilio-Signature", twilio::signature(&token, url, &pairs));
    }
    req.send().await
}

/// An inbound message, recorded (direction inbound) with the callback posted; returns its id.
pub(crate) async fn inbound(sb: &Sandbox, operator: Operator, from: &str, to: &str, text: &str) -> String {
    let now = Utc::now();
    let cb = &sb.inner.config.callbacks;
    let mut account = String::new();
    let (id, sent) = match operator {
        Operator::Smsapi => {
            let id = format!("{:024X}", sb.next_id());
            let mut sent = None;
            if let Some(url) = &cb.smsapi_mo {
                let form = [
                    ("sms_to", to.to_owned()),
                    ("sms_from", from.to_owned()),
                    ("sms_text", text.to_owned()),
                    ("sms_date", now.timestamp().to_string()),
                    ("username", "sandbox".to_owned()),
                    ("MsgId", id.clone()),
                ];
                sent = Some((url.clone(), sb.inner.http.post(url).form(&form).send().await));
            }
            (id, sent)
        }
        Operator::Infobip => {
            let id = format!("{:x}-in-{:04x}", now.timestamp_millis(), sb.next_id());
            let (keyword, clean) = match text.split_once(' ') {
                Some((k, rest)) => (k.to_uppercase(), rest.to_owned()),
                None => (text.to_uppercase(), String::new()),
            };
            let item = json!({"messageId": id, "from": from, "to": to, "text": text, "cleanText": clean,
                "keyword": keyword, "receivedAt": infobip::format_time(now), "smsCount": crate::sandbox::billing(text).1,
                "price": {"pricePerMessage": 0, "currency": "EUR"}, "callbackData": null});
            lock(&sb.inner.infobip_inbox).push_back(item.clone());
            let mut sent = None;
            if let Some(url) = &cb.infobip_mo {
                let body = json!({"results": [item], "messageCount": 1, "pendingMessageCount": 0});
                sent = Some((url.clone(), sb.inner.http.post(url).json(&body).send().await));
            }
            (id, sent)
        }
        Operator::Twilio => {
            let id = format!(
                "SM{:032x}",
                (u128::from(now.timestamp_millis() as u64) << 64) | u128::from(sb.next_id())
            );
            account = sb
                .inner
                .config
                .twilio
                .as_ref()
                .map(|t| t.0.clone())
                .or_else(|| lock(&sb.inner.twilio_tokens).keys().next().cloned())
                .unwrap_or_default();
            let mut sent = None;
            if let Some(url) = &cb.twilio_inbound {
                let mut params: Vec<(&str, String)> = vec![
                    ("ToCountry", String::new()),
                    ("SmsMessageSid", id.clone()),
                    ("NumMedia", "0".to_owned()),
                    ("SmsSid", id.clone()),
                    ("SmsStatus", "received".to_owned()),
                    ("Body", text.to_owned()),
                    ("To", to.to_owned()),
                    ("NumSegments", crate::sandbox::billing(text).1.to_string()),
                    ("MessageSid", id.clone()),
                    ("AccountSid", account.clone()),
                    ("From", from.to_owned()),
                    ("ApiVersion", "2010-04-01".to_owned()),
                ];
                if text.trim().eq_ignore_ascii_case("STOP") {
                    params.push(("OptOutType", "STOP".to_owned()));
                }
                sent = Some((url.clone(), twilio_post(sb, &account, url, &params).await));
            }
            (id, sent)
        }
        // Dynmark documents no inbound format: nothing is posted.
        Operator::Dynmark => (format!("DM{:016X}", sb.next_id()), None),
    };
    let (encoding, parts) = crate::sandbox::billing(text);
    let callbacks = sent
        .map(|(url, r)| CallbackSent {
            url,
            event: "mo".to_owned(),
            status: r.ok().map(|a| a.status().as_u16()),
        })
        .into_iter()
        .collect();
    sb.inner.store.insert(Received {
        seq: 0,
        operator,
        direction: Direction::Inbound,
        received_at: now,
        account,
        sender: Some(from.to_owned()),
        recipient: to.to_owned(),
        text: text.to_owned(),
        encoding,
        parts,
        message_id: id.clone(),
        client_key: None,
        batch_id: None,
        send_at: None,
        callback_url: None,
        state: SimState::Received,
        callbacks,
    });
    id
}
