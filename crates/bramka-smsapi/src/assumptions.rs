//! Every wire detail this crate relies on that SMSAPI's documentation does not confirm
//! (**[unverified]**, **[docs-recalled]** from memory of the docs, or inferred), in one place: a correction is a one-line change here.
//!
//! Each item names its evidence. Everything else the crate sends or parses is **[confirmed]** by
//! the official SMSAPI clients (PHP, Python, JavaScript, C#) and SMSAPI's HTTP API documentation.

/// Recipients per `sms.do` request when the caller does not choose.
///
/// **[unverified]**: SMSAPI documents no maximum (only error 19 "too many messages in one
/// request"). 100 is a conservative pick; [`crate::SmsapiConfigBuilder::batch_size`]
/// changes it.
pub(crate) const DEFAULT_BATCH_SIZE: usize = 100;

/// Largest `batch_size` the builder accepts. **[unverified]**, see [`DEFAULT_BATCH_SIZE`].
pub(crate) const MAX_BATCH_SIZE: usize = 10_000;

/// The `from` value selecting the Eco route (random numeric sender).
///
/// **[unverified]** whether still offered on both platforms (the `from` parameter of `sms.do`, as
/// old official clients' docs describe it).
pub(crate) const ECO_SENDER: &str = "Eco";

/// The `from` value selecting a two-way message (replies possible).
///
/// **[unverified]**, same evidence as [`ECO_SENDER`].
pub(crate) const TWO_WAY_SENDER: &str = "2Way";

/// How `date` and `expiration_date` are written: ISO-8601 with an explicit offset
/// (`2025-03-01T09:00:00+00:00`). Both ISO-8601 and unix seconds are used by official clients (JS
/// sends ISO, Java unix seconds for `expiration_date`); the current `expiration_date` limits (2013
/// docs: 1 h to 12 h after the send time, error 56) are **[unverified]**, so bramka does not clamp
/// the validity and lets SMSAPI answer 56.
pub(crate) fn format_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// How a number sender (`Sender::Number`) is written in `from`: E.164 digits without `+`, like `to`.
///
/// **[unverified]**: SMSAPI senders are normally registered names; a leading `+` in `to` was
/// reported rejected in `to` by a third party, so digits are used here as well.
pub(crate) fn number_sender(digits: &str) -> String {
    digits.to_owned()
}

/// The name of SMSAPI's `STOP` status. SMSAPI's status table gives it no numeric code; it
/// is mapped by name only.
pub(crate) const STOP_STATUS_NAME: &str = "STOP";

/// Parameter names of the delivery-report (DLR) callback.
///
/// `MsgId`, `status`, `idx`, `donedate`, `username` and `to` are **[confirmed]**; `points`,
/// `status_name`, `from`, `mcc` and `mnc` are **[docs-recalled]** (SMSAPI's callback documentation, not re-read from a primary copy).
pub(crate) mod dlr {
    /// SMSAPI message id (`list[].id` of the send answer). [confirmed]
    pub(crate) const MSG_ID: &str = "MsgId";
    /// Numeric status code (401..411). [confirmed]
    pub(crate) const STATUS: &str = "status";
    /// The caller's `idx`. [confirmed]
    pub(crate) const IDX: &str = "idx";
    /// Unix seconds of the status change. [confirmed]
    pub(crate) const DONE_DATE: &str = "donedate";
    /// Account login. [confirmed]
    pub(crate) const USERNAME: &str = "username";
    /// Recipient. [confirmed present]
    pub(crate) const TO: &str = "to";
    /// Cost in points. [docs-recalled]
    pub(crate) const POINTS: &str = "points";
    /// Status name (`DELIVERED`). [docs-recalled]
    pub(crate) const STATUS_NAME: &str = "status_name";
    /// Sender name. [docs-recalled]
    pub(crate) const FROM: &str = "from";
    /// Mobile country code of the recipient's network. [docs-recalled]
    pub(crate) const MCC: &str = "mcc";
    /// Mobile network code of the recipient's network. [docs-recalled]
    pub(crate) const MNC: &str = "mnc";
}

/// Parameter names of the inbound (MO) callback. All **[docs-recalled]**: no primary copy was readable. The HTTP method is recalled as POST form; GET query is
/// accepted too.
pub(crate) mod mo {
    /// Your number that received the SMS.
    pub(crate) const TO: &str = "sms_to";
    /// The sender's number.
    pub(crate) const FROM: &str = "sms_from";
    /// The text (UTF-8).
    pub(crate) const TEXT: &str = "sms_text";
    /// Unix seconds of receipt.
    pub(crate) const DATE: &str = "sms_date";
    /// Id of the inbound message. (`username`, the account login, and any other parameter are kept
    /// in `InboundMessage::raw`.)
    pub(crate) const MSG_ID: &str = "MsgId";
}

/// SMSAPI's short-link macro: `[%idzdo:URL%]` in the text of `sms.do` is replaced by SMSAPI with
/// an `idz.do` short link, one per recipient, whose clicks SMSAPI counts in its panel.
///
/// **[unverified]** against SMSAPI's own documentation: the syntax is the one integrations of
/// SMSAPI use in production (`[%idzdo:url%]`, with and without the scheme); the official clients
/// carry it only as text, and expose the separate `POST /short_url/links` API (answer:
/// `short_url` such as `http://idz.do/any`).
pub(crate) fn short_link_macro(url: &str) -> String {
    format!("[%idzdo:{url}%]")
}

/// What a recipient gets in place of each link, for counting: an `idz.do` link of this length.
///
/// **[unverified]**: SMSAPI does not document the length of the generated link (its short-link
/// API's example answer is `http://idz.do/any`). `https://idz.do/` plus a 6-character code is
/// assumed, a little longer than the links seen, so the count is an upper bound rather than an
/// undercount; SMSAPI's own part count, when it differs, is reported as a note on the send.
pub(crate) const SHORT_LINK_PLACEHOLDER: &str = "https://idz.do/XXXXXX";
