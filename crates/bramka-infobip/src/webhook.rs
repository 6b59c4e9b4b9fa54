//! [`InfobipWebhooks`]: delivery reports (v2 and v3 bodies) and inbound messages (`MO_JSON_2`)
//! pushed by Infobip.
//!
//! Infobip `POST`s `{"results": [...]}` as JSON and expects `200` (Infobip's delivery report and inbound
//! message push documentation). It
//! retries a failed push (after `1 + n²` minutes), so acknowledge quickly and de-duplicate by
//! message id. Infobip does not sign these requests: protect the endpoint with a secret path or
//! token of your own, or an IP allowlist.

use bramka_core::clock::{Clock, SystemClock};
use bramka_core::{WebhookError, WebhookEvent, WebhookParser, WebhookRequest, WebhookResponse};
use serde_json::Value;

use crate::errors::GATEWAY;
use crate::reports;
use crate::wire::{InboundItem, ReportItem};

/// Parses Infobip's pushes: delivery reports of messages sent through API v3 (`sender`,
/// `messageCount`, `platform`) or v2 (`from`, `smsCount`, flat `entityId`), and inbound messages.
/// One request may mix several items; each becomes one [`WebhookEvent`].
///
/// ```
/// use bramka_core::{WebhookEvent, WebhookParser, WebhookRequest};
/// use bramka_infobip::InfobipWebhooks;
///
/// let body = r#"{"results":[{"messageId":"m1","to":"41793026727","status":{"groupId":3,"id":5,"name":"DELIVERED_TO_HANDSET"}}]}"#;
/// let req = WebhookRequest::new("POST", "https://example.com/dlr".parse().unwrap())
///     .with_header("Content-Type", "application/json")
///     .with_body(body);
/// let events = InfobipWebhooks::new().parse(&req).unwrap();
/// match &events[0] {
///     WebhookEvent::Delivery(r) => assert!(r.state.is_delivered()),
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug, Clone, Default)]
pub struct InfobipWebhooks {
    clock: Option<std::sync::Arc<dyn Clock>>,
}

impl InfobipWebhooks {
    /// A parser.
    pub fn new() -> Self {
        InfobipWebhooks::default()
    }

    /// Uses `clock` for inbound messages without `receivedAt`.
    pub fn with_clock(clock: std::sync::Arc<dyn Clock>) -> Self {
        InfobipWebhooks { clock: Some(clock) }
    }
}

impl WebhookParser for InfobipWebhooks {
    fn provider(&self) -> &str {
        GATEWAY
    }

    fn parse(&self, request: &WebhookRequest) -> Result<Vec<WebhookEvent>, WebhookError> {
        if request.method != "POST" {
            return Err(WebhookError::Method { method: request.method.clone(), expected: "POST".into() });
        }
        if let Some(ct) = request.header("content-type")
            && !ct.to_ascii_lowercase().contains("json")
        {
            return Err(WebhookError::malformed(format!(
                "content type {ct:?}; Infobip pushes JSON (set webhooks.contentType to application/json)"
            )));
        }
        let body: Value = serde_json::from_slice(&request.body)
            .map_err(|e| WebhookError::malformed(format!("body is not JSON: {e}")))?;
        let results = body
            .get("results")
            .and_then(Value::as_array)
            .ok_or_else(|| WebhookError::malformed("no \"results\" array"))?;
        let now = self.clock.as_ref().map_or_else(|| SystemClock.now(), |c| c.now());
        let mut events = Vec::with_capacity(results.len());
        for (i, item) in results.iter().enumerate() {
            let bad = |e: String| WebhookError::malformed(format!("results[{i}]: {e}"));
            // Delivery reports carry a status object; inbound messages carry receivedAt / text.
            if item.get("status").is_some() {
                let r: ReportItem = serde_json::from_value(item.clone()).map_err(|e| bad(e.to_string()))?;
                events.push(WebhookEvent::Delivery(reports::delivery_report(r).map_err(bad)?));
            } else if item.get("receivedAt").is_some() || item.get("text").is_some() {
                let m: InboundItem = serde_json::from_value(item.clone()).map_err(|e| bad(e.to_string()))?;
                events.push(WebhookEvent::Inbound(reports::inbound_message(m, now).map_err(bad)?));
            } else {
                return Err(bad("neither a delivery report (status) nor an inbound message (text)".into()));
            }
        }
        Ok(events)
    }

    /// `200` with an empty body, as Infobip expects.
    fn acknowledge(&self, _events: &[WebhookEvent]) -> WebhookResponse {
        WebhookResponse::text("")
    }
}
