//! The account rules that replies and forwards from the outbox obey like every other send:
//! `allowed_prefixes` (a reply or forward to a number outside them is refused before any
//! request, and the outbox entry fails with the account's error).

use bramka::accounts::AccountError;
use bramka_core::PhoneNumber;
use bramka_inbound::OutboxDraft;

use crate::Settings;

/// Refuses `draft` when `account` may not send to its recipient.
pub(crate) fn check_destination(
    settings: &Settings,
    account: &str,
    draft: &OutboxDraft,
) -> Result<(), String> {
    if draft.channel != bramka_inbound::Channel::Sms {
        return Ok(());
    }
    let Some(a) = settings.accounts.get(account) else { return Ok(()) };
    let allowed: Vec<String> =
        a.policy.allowed_prefixes.iter().map(|p| p.strip_prefix('+').unwrap_or(p).to_owned()).collect();
    if allowed.is_empty() {
        return Ok(());
    }
    let n = PhoneNumber::parse(&draft.to).map_err(|e| format!("outbox recipient {:?}: {e}", draft.to))?;
    if allowed.iter().any(|p| n.digits().starts_with(p.as_str())) {
        return Ok(());
    }
    Err(AccountError::DestinationNotAllowed { account: account.to_owned(), numbers: vec![n.e164()], allowed }
        .to_string())
}
