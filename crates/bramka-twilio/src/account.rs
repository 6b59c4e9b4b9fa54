//! Account resources beyond messages: the balance (`Balance.json`), the receiving numbers
//! (`IncomingPhoneNumbers.json`) and the scheduled messages (the message list, kept to status
//! `scheduled`).

use bramka_core::http::{Call, Scrubber};
use bramka_core::{Balance, Certainty, Error, ErrorKind, ReceivingNumber, ScheduledMessage};
use serde::Deserialize;

use crate::errors::{GATEWAY, decode_error};
use crate::gateway::{MAX_LIST_PAGES, TwilioGateway};
use crate::model::{ListFilter, MessageStatus};

/// `GET /2010-04-01/Accounts/{Sid}/Balance.json`. Twilio writes the amount as a string.
#[derive(Deserialize)]
struct BalanceDto {
    balance: Option<String>,
    currency: Option<String>,
}

/// One page of `IncomingPhoneNumbers.json`.
#[derive(Deserialize)]
struct NumbersPageDto {
    #[serde(default)]
    incoming_phone_numbers: Vec<NumberDto>,
    #[serde(default)]
    next_page_uri: Option<String>,
}

#[derive(Deserialize)]
struct NumberDto {
    sid: Option<String>,
    phone_number: Option<String>,
    friendly_name: Option<String>,
    #[serde(default)]
    capabilities: Option<NumberCapabilities>,
}

#[derive(Deserialize)]
struct NumberCapabilities {
    #[serde(default)]
    sms: Option<bool>,
}

impl TwilioGateway {
    fn account_url(&self, resource: &str) -> String {
        self.base.join(&format!("2010-04-01/Accounts/{}/{resource}", self.config.account_sid)).to_string()
    }

    /// The account balance (`GET /2010-04-01/Accounts/{Sid}/Balance.json`), in the account's
    /// currency. Sub-accounts have none: Twilio answers without a balance, which is an
    /// [`ErrorKind::Unsupported`] error.
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Unsupported`] when Twilio answers without a balance,
    /// and [`ErrorKind::Decode`] when the balance is not a number.
    /// Returns an [`Error`] when the call fails: [`ErrorKind::Network`] or [`ErrorKind::Timeout`] for
    /// a transport failure; [`ErrorKind::Unavailable`] for a 5xx answer; for another non-2xx answer
    /// the kind Twilio's error code maps to ([`ErrorKind::Auth`] for 20003, [`ErrorKind::NotFound`]
    /// for 20404, [`ErrorKind::RateLimited`] for 20429, ...), else the HTTP status's;
    /// [`ErrorKind::Decode`] for an answer that cannot be read.
    pub async fn account_balance(&self) -> Result<Balance, Error> {
        let url = self.account_url("Balance.json");
        let (status, body) =
            self.execute("balance", Call::Read, || self.request(reqwest::Method::GET, &url)).await?;
        let dto: BalanceDto =
            serde_json::from_slice(&body).map_err(|e| read_error(status, "balance", &e, &self.scrub))?;
        let amount = dto.balance.as_deref().map(str::trim).filter(|b| !b.is_empty());
        match (amount, dto.currency) {
            (Some(a), Some(c)) => a.parse::<f64>().map(|v| Balance::new(v, c)).map_err(|_| {
                Error::new(
                    ErrorKind::Decode,
                    Certainty::NotSent,
                    format!("Twilio's balance {a:?} is not a number"),
                )
                .with_gateway(GATEWAY)
            }),
            _ => Err(Error::new(
                ErrorKind::Unsupported,
                Certainty::NotSent,
                "Twilio reports no balance for this account (sub-accounts have none: ask the parent account)",
            )
            .with_gateway(GATEWAY)),
        }
    }

    /// The account's phone numbers (`GET /2010-04-01/Accounts/{Sid}/IncomingPhoneNumbers.json`),
    /// every page. Only this account's list is followed; more than [`MAX_LIST_PAGES`] pages is an
    /// error.
    ///
    /// # Errors
    ///
    /// Returns an [`Error`] of kind [`ErrorKind::Decode`] when `next_page_uri` is not a path of this
    /// account's number list, and [`ErrorKind::Other`] after [`MAX_LIST_PAGES`] pages.
    /// Returns an [`Error`] when the call fails: [`ErrorKind::Network`] or [`ErrorKind::Timeout`] for
    /// a transport failure; [`ErrorKind::Unavailable`] for a 5xx answer; for another non-2xx answer
    /// the kind Twilio's error code maps to ([`ErrorKind::Auth`] for 20003, [`ErrorKind::NotFound`]
    /// for 20404, [`ErrorKind::RateLimited`] for 20429, ...), else the HTTP status's;
    /// [`ErrorKind::Decode`] for an answer that cannot be read.
    pub async fn incoming_numbers(&self) -> Result<Vec<ReceivingNumber>, Error> {
        let first = self.account_url("IncomingPhoneNumbers.json");
        let expected = format!("/2010-04-01/Accounts/{}/IncomingPhoneNumbers.json", self.config.account_sid);
        let mut url = url::Url::parse(&first).map_err(|e| Error::config(e.to_string()))?;
        url.query_pairs_mut().append_pair("PageSize", "1000");
        let mut out = Vec::new();
        for _ in 0..MAX_LIST_PAGES {
            let u = url.to_string();
            let (status, body) =
                self.execute("list-numbers", Call::Read, || self.request(reqwest::Method::GET, &u)).await?;
            let page: NumbersPageDto = serde_json::from_slice(&body)
                .map_err(|e| read_error(status, "list-numbers", &e, &self.scrub))?;
            let empty = page.incoming_phone_numbers.is_empty();
            out.extend(page.incoming_phone_numbers.into_iter().filter_map(|n| {
                let mut r = ReceivingNumber::new(n.phone_number.filter(|p| !p.is_empty())?);
                if let Some(s) = n.sid {
                    r = r.with_id(s);
                }
                if let Some(f) = n.friendly_name {
                    r = r.with_label(f);
                }
                if let Some(sms) = n.capabilities.and_then(|c| c.sms) {
                    r = r.with_sms(sms);
                }
                Some(r)
            }));
            let next = page.next_page_uri.filter(|u| !u.is_empty());
            let Some(next) = next.filter(|_| !empty) else { return Ok(out) };
            let (p, q) = next.split_once('?').unwrap_or((next.as_str(), ""));
            if p != expected {
                return Err(Error::new(
                    ErrorKind::Decode,
                    Certainty::NotSent,
                    format!("refusing to follow next_page_uri {next:?}: expected {expected:?}"),
                )
                .with_gateway(GATEWAY));
            }
            url = self.base.join(p.trim_start_matches('/'));
            url.set_query(Some(q).filter(|q| !q.is_empty()));
        }
        Err(Error::new(
            ErrorKind::Other,
            Certainty::NotSent,
            format!("the number list has more than {MAX_LIST_PAGES} pages"),
        )
        .with_gateway(GATEWAY))
    }

    /// The messages still waiting for their send time: the account's message list (every
    /// page), kept to status `scheduled`. Twilio's list has no status filter and its messages
    /// do not carry the scheduled time, so `send_at` is empty; the id is what
    /// [`cancel`](bramka_core::Gateway::cancel) takes.
    ///
    /// # Errors
    ///
    /// Returns what [`list_messages`](TwilioGateway::list_messages) returns.
    pub async fn scheduled_messages(&self) -> Result<Vec<ScheduledMessage>, Error> {
        let all = self.list_messages(&ListFilter::new()).await?;
        Ok(all
            .into_iter()
            .filter(|m| m.status == MessageStatus::Scheduled)
            .map(|m| {
                let mut s = ScheduledMessage::new(m.sid, "scheduled");
                if let Some(to) = m.to {
                    s = s.with_to(to);
                }
                if let Some(b) = m.body {
                    s = s.with_text(b);
                }
                s
            })
            .collect())
    }
}

/// A read answer that cannot be decoded: nothing was sent, whatever the status.
fn read_error(status: u16, what: &str, e: &serde_json::Error, scrub: &Scrubber) -> Error {
    decode_error(status, what, e, scrub).with_certainty(Certainty::NotSent)
}
