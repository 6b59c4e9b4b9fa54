//! Gateway accounts: policy applied before any request, management, TOML round trips.

use std::sync::Arc;

use bramka::accounts::{Account, AccountPolicy, Accounts, Outgoing, Secrets};
use bramka::consent::ConsentList;
use bramka::shorten::DeterministicShortener;
use bramka::testing::MockGateway;
use bramka::{Capabilities, Capability, Encoding, ErrorKind, Gateway, PhoneNumber};

fn registry(mock: &MockGateway) -> Accounts {
    let m = mock.clone();
    Accounts::with_connector(Arc::new(move |_dsn: &str| Ok(Arc::new(m.clone()) as Arc<dyn Gateway>)))
}

fn shop() -> Account {
    Account::new(
        "shop",
        "smsapi://TOKEN@default",
        AccountPolicy {
            senders: vec!["Shop".into(), "ShopPromo".into()],
            default_prefix: Some("48".into()),
            allow_diacritics: false,
            max_parts: 2,
            ..AccountPolicy::default()
        },
    )
}

#[tokio::test]
async fn policy_is_applied_before_sending() {
    let mock = MockGateway::new();
    let mut accounts = registry(&mock);
    accounts.add(shop()).unwrap();

    let report =
        accounts.send("shop", Outgoing::new("600100200; 600 100 201", "Zażółć „gęślą” jaźń")).await.unwrap();
    assert_eq!(report.recipients.len(), 2);
    let sent = mock.sent();
    assert_eq!(sent.len(), 1);
    let m = &sent[0];
    assert_eq!(m.recipients()[1].e164(), "+48600100201");
    assert_eq!(m.text(), "Zazolc \"gesla\" jazn");
    assert_eq!(m.analysis().encoding(), Encoding::Gsm7);
    assert_eq!(m.sender().unwrap().to_string(), "Shop", "first sender is the default");

    // A chosen sender must be one of the account's.
    accounts.send("shop", Outgoing::new("600100200", "x").sender("ShopPromo")).await.unwrap();
    let e = accounts.send("shop", Outgoing::new("600100200", "x").sender("Other")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidSender);
    assert!(e.to_string().contains("accepted: Shop, ShopPromo"), "{e}");
    assert_eq!(mock.sent().len(), 2, "the refused send made no request");

    // The account's part cap applies.
    let long = "a".repeat(153 * 2 + 1);
    let e = accounts.send("shop", Outgoing::new("600100200", long)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Message);
    assert!(e.to_string().contains("3"), "{e}");
}

/// Seed 001: "allow diacritics" off covers letters such as ę, ż, ä, ü, ß and emoticons: none
/// reaches the operator, every change is in the analysis, and emoji can be named instead.
#[tokio::test]
async fn diacritics_off_folds_letters_and_removes_emoji() {
    let mock = MockGateway::new();
    let mut accounts = registry(&mock);
    accounts.add(shop()).unwrap();
    accounts.send("shop", Outgoing::new("600100200", "Dzięki 😀 Müller, Straße, café")).await.unwrap();
    let m = &mock.sent()[0];
    assert_eq!(m.text(), "Dzieki  Muller, Strasse, cafe");
    assert_eq!(m.analysis().encoding(), Encoding::Gsm7);
    let from: Vec<char> = m.analysis().replacements().iter().map(|r| r.from).collect();
    assert_eq!(from, ['ę', '😀', 'ü', 'ß', 'é']);

    let mut named = shop();
    named.policy.emoji = bramka::encoding::EmojiText::Name;
    let mut accounts = registry(&mock);
    accounts.add(named).unwrap();
    accounts.send("shop", Outgoing::new("600100200", "Sto lat 🎉")).await.unwrap();
    assert_eq!(mock.sent()[1].text(), "Sto lat :tada:");
}

#[tokio::test]
async fn diacritics_kept_when_allowed() {
    let mock = MockGateway::new();
    let mut accounts = registry(&mock);
    accounts.add(Account::new("pl", "x://", AccountPolicy::default())).unwrap();
    let m = accounts.prepare("pl", Outgoing::new("+48600100200", "Zażółć")).await.unwrap();
    assert_eq!(m.text(), "Zażółć");
    assert_eq!(m.analysis().encoding(), Encoding::Ucs2);
}

#[tokio::test]
async fn inactive_account_refuses_before_any_request() {
    let mock = MockGateway::new();
    let mut accounts = registry(&mock);
    accounts.add(shop()).unwrap();
    accounts.deactivate("shop").unwrap();
    let e = accounts.send("shop", Outgoing::new("600100200", "x")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.to_string().contains("inactive"), "{e}");
    assert!(mock.calls().is_empty());
    accounts.activate("shop").unwrap();
    accounts.send("shop", Outgoing::new("600100200", "x")).await.unwrap();
    assert_eq!(mock.sent().len(), 1);
}

#[tokio::test]
async fn test_sms_is_at_most_150_characters() {
    let mock = MockGateway::new();
    let mut accounts = registry(&mock);
    accounts.add(shop()).unwrap();
    accounts.send_test("shop", "600100200", &"x".repeat(150)).await.unwrap();
    let e = accounts.send_test("shop", "600100200", &"ż".repeat(151)).await.unwrap_err();
    assert!(e.to_string().contains("151"), "{e}");
    assert_eq!(mock.sent().len(), 1);
}

#[tokio::test]
async fn management_add_edit_remove() {
    let mock = MockGateway::new();
    let mut accounts = registry(&mock);
    accounts.add(shop()).unwrap();
    assert!(accounts.add(shop()).unwrap_err().to_string().contains("exists already"));
    let mut p = accounts.get("shop").unwrap().policy.clone();
    p.senders = vec!["Other".into()];
    accounts.edit("shop", p).unwrap();
    assert_eq!(accounts.get("shop").unwrap().policy.senders, ["Other"]);
    accounts.remove("shop").unwrap();
    let e = accounts.send("shop", Outgoing::new("600100200", "x")).await.unwrap_err();
    assert!(e.to_string().contains("no account named \"shop\""), "{e}");
    assert!(accounts.remove("shop").is_err());
}

#[tokio::test]
async fn consent_lists_every_missing_recipient() {
    let mock = MockGateway::new();
    let consents = Arc::new(ConsentList::new());
    consents.grant(PhoneNumber::parse("+48600100200").unwrap());
    let mut accounts = registry(&mock).with_consent(consents.clone());
    accounts.add(shop()).unwrap();
    let e = accounts.send("shop", Outgoing::new("600100200, 600100201, 600100202", "x")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRecipient);
    assert!(e.to_string().contains("+48600100201, +48600100202"), "{e}");
    assert!(mock.calls().is_empty());
    accounts.send("shop", Outgoing::new("600100200", "x")).await.unwrap();
}

#[tokio::test]
async fn links_shortened_before_analysis() {
    let mock = MockGateway::new();
    let mut accounts = registry(&mock).with_shortener(Arc::new(DeterministicShortener::default()));
    let mut policy = AccountPolicy { shorten_links: true, ..AccountPolicy::default() };
    accounts.add(Account::new("a", "x://", policy.clone())).unwrap();
    let long_link = format!("https://shop.example.com/{}", "p".repeat(200));
    let m =
        accounts.prepare("a", Outgoing::new("+48600100200", format!("Order: {long_link}"))).await.unwrap();
    assert!(m.text().starts_with("Order: https://sho.rt/"), "{}", m.text());
    assert_eq!(m.analysis().units(), m.text().chars().count(), "the short link is counted");
    assert_eq!(m.analysis().segments(), 1);
    assert!(!m.shorten_links());

    // No shortener and an operator that cannot shorten: refused.
    let mut bare = registry(&mock);
    bare.add(Account::new("a", "x://", policy.clone())).unwrap();
    let e = bare.prepare("a", Outgoing::new("+48600100200", "x")).await.unwrap_err();
    assert!(e.to_string().contains("LinkShortener"), "{e}");

    // An operator that shortens: the message asks it to, the text is left as written.
    let shortening =
        MockGateway::new().with_capabilities(Capabilities::new().with(Capability::LinkShortening));
    let mut op = registry(&shortening);
    policy.max_parts = 3;
    op.add(Account::new("a", "x://", policy)).unwrap();
    let m = op.prepare("a", Outgoing::new("+48600100200", format!("Order: {long_link}"))).await.unwrap();
    assert!(m.shorten_links());
    assert!(m.text().contains(&long_link));
}

#[tokio::test]
async fn env_placeholders_expanded_at_connect_time() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let s = seen.clone();
    let mut accounts = Accounts::with_connector(Arc::new(move |dsn: &str| {
        s.lock().unwrap().push(dsn.to_owned());
        Ok(Arc::new(MockGateway::new()) as Arc<dyn Gateway>)
    }))
    .with_env(|k| (k == "SMSAPI_TOKEN").then(|| "t0k/en".to_owned()));
    accounts.add(Account::new("a", "smsapi://${SMSAPI_TOKEN}@default", AccountPolicy::default())).unwrap();
    accounts.add(Account::new("b", "smsapi://${MISSING}@default", AccountPolicy::default())).unwrap();
    accounts.send("a", Outgoing::new("+48600100200", "x")).await.unwrap();
    assert_eq!(seen.lock().unwrap().as_slice(), ["smsapi://t0k%2Fen@default"]);
    let e = accounts.send("b", Outgoing::new("+48600100200", "x")).await.unwrap_err();
    assert!(e.to_string().contains("MISSING is not set"), "{e}");
}

#[test]
fn toml_round_trip_never_writes_secrets_unless_asked() {
    let mut accounts = Accounts::from_toml_str(
        r#"
        [accounts.shop]
        dsn = "smsapi://${SMSAPI_TOKEN}@default?from=Shop"
        senders = ["Shop"]
        default_prefix = "48"
        allow_diacritics = false

        [accounts.uk]
        dsn = "dynmark://acme:hunter2@default"
        active = false
        max_parts = 3
        "#,
    )
    .unwrap();
    assert!(!accounts.get("uk").unwrap().policy.active);
    assert!(!format!("{accounts:?}").contains("hunter2"));

    let redacted = accounts.to_toml_string(Secrets::Redact);
    assert!(!redacted.contains("hunter2"), "{redacted}");
    assert!(redacted.contains("dynmark://***:***@default"), "{redacted}");
    assert!(!redacted.contains("acme:"), "the login is half a credential: {redacted}");
    assert!(redacted.contains("smsapi://${SMSAPI_TOKEN}@default?from=Shop"), "{redacted}");
    let clear = accounts.to_toml_string(Secrets::Clear);
    assert!(clear.contains("hunter2"));

    let back = Accounts::from_toml_str(&redacted).unwrap();
    assert_eq!(back.get("shop").unwrap().policy, accounts.get("shop").unwrap().policy);
    assert_eq!(back.get("uk").unwrap().policy.max_parts, 3);
    // A redacted secret is refused with a clear message, not used.
    let e = back.gateway("uk").unwrap_err();
    assert!(e.to_string().contains("redacted"), "{e}");

    accounts.remove("uk").unwrap();
    assert!(!accounts.to_toml_string(Secrets::Clear).contains("uk"));

    let e = Accounts::from_toml_str("[accounts.x]\ndsn = \"null://\"\nsendrs = []\n").unwrap_err();
    assert!(e.to_string().contains("sendrs"), "{e}");
}

/// Consents persisted in the ledger: per account or global; a withdrawn one does not count.
#[cfg(feature = "ledger")]
#[tokio::test]
async fn ledger_consents_are_checked_per_account() {
    use bramka::ledger::{Ledger, Scope};
    let mock = MockGateway::new();
    let ledger = Arc::new(Ledger::in_memory());
    let n = |s: &str| PhoneNumber::parse(s).unwrap();
    ledger.grant_consent(&n("+48600100200"), Scope::account("shop"), "web form").await.unwrap();
    ledger.grant_consent(&n("+48600100201"), Scope::Global, "paper").await.unwrap();
    ledger.grant_consent(&n("+48600100202"), Scope::account("other"), "web form").await.unwrap();
    let mut accounts = registry(&mock).with_consent(ledger.clone());
    accounts.add(shop()).unwrap();
    let e = accounts.send("shop", Outgoing::new("600100200, 600100201, 600100202", "x")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRecipient);
    assert!(e.to_string().contains("no SMS consent recorded for +48600100202 ("), "{e}");
    assert!(mock.calls().is_empty());
    accounts.send("shop", Outgoing::new("600100200, 600100201", "x")).await.unwrap();
    ledger.withdraw_consent(&n("+48600100201"), Scope::Global, "phone call").await.unwrap();
    let e = accounts.send("shop", Outgoing::new("600100201", "x")).await.unwrap_err();
    assert!(e.to_string().contains("+48600100201"), "{e}");
    assert_eq!(mock.calls().len(), 1);
}

/// A `||` inside a literal token used to cut the DSN in two, printing the token's first half as
/// a host; a placeholder-only DSN used to be printed raw, secret options included.
#[test]
fn account_dsns_never_print_a_credential() {
    let accounts = Accounts::from_toml_str(
        r#"
        [accounts.a]
        dsn = "smsapi://SEKRET1||tail@default"

        [accounts.b]
        dsn = "twilio://${SID}:${TOKEN}@default?api_key=SEKRET2"

        [accounts.c]
        dsn = "smsapi://SEKRET3@default || twilio://SEKRET4:${TOKEN}@default"
        "#,
    )
    .unwrap();
    let mut shown = format!("{accounts:?}");
    for name in ["a", "b", "c"] {
        let account = accounts.get(name).unwrap();
        shown.push_str(&format!("\n{} {account:?}", account.dsn_redacted()));
    }
    shown.push_str(&accounts.to_toml_string(Secrets::Redact));
    for secret in ["SEKRET1", "SEKRET2", "SEKRET3", "SEKRET4"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    // Placeholders stay, so a redacted file still names its variables.
    let b = accounts.get("b").unwrap().dsn_redacted();
    assert_eq!(b, "twilio://${SID}:${TOKEN}@default?api_key=***");
    let c = accounts.get("c").unwrap().dsn_redacted();
    assert_eq!(c, "smsapi://***@default || twilio://***:${TOKEN}@default");
}

#[tokio::test]
async fn destinations_outside_the_allowed_prefixes_are_refused_before_any_request() {
    let mock = MockGateway::new();
    let mut accounts = registry(&mock);
    let policy = AccountPolicy {
        default_prefix: Some("48".into()),
        allowed_prefixes: vec!["48".into(), "+420".into()],
        ..AccountPolicy::default()
    };
    accounts.add(Account::new("pl", "smsapi://TOKEN@default", policy)).unwrap();

    let e = accounts
        .send("pl", Outgoing::new("600100200, +44 7700 900123, +420 601 123 456, +1 202 555 0100", "x"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRecipient);
    let text = e.to_string();
    assert!(text.contains("refused: +447700900123, +12025550100"), "{text}");
    assert!(text.contains("+48, +420"), "{text}");
    assert!(mock.sent().is_empty(), "nothing was sent");

    accounts.send("pl", Outgoing::new("600100200, +420601123456", "x")).await.unwrap();
    assert_eq!(mock.sent().len(), 1);

    let bad = AccountPolicy { allowed_prefixes: vec!["PL".into()], ..AccountPolicy::default() };
    let e = accounts.add(Account::new("x", "console://", bad)).unwrap_err();
    assert!(e.to_string().contains("\"PL\""), "{e}");
}

#[test]
fn the_default_account_round_trips_and_must_exist() {
    let toml = "default_account = \"b\"\n[accounts.a]\ndsn = \"console://\"\n[accounts.b]\ndsn = \"console://\"\nallowed_prefixes = [\"48\"]\n";
    let mut accounts = Accounts::from_toml_str(toml).unwrap();
    assert_eq!(accounts.default_account(), Some("b"));
    let again = Accounts::from_toml_str(&accounts.to_toml_string(Secrets::Redact)).unwrap();
    assert_eq!(again.default_account(), Some("b"));
    assert_eq!(again.get("b").unwrap().policy.allowed_prefixes, ["48"]);
    accounts.remove("b").unwrap();
    assert_eq!(accounts.default_account(), None, "removing the default clears it");
    assert!(accounts.set_default(Some("nope")).is_err());

    let e =
        Accounts::from_toml_str("default_account = \"c\"\n[accounts.a]\ndsn = \"console://\"\n").unwrap_err();
    assert!(e.to_string().contains("\"c\" is not configured; accounts: a"), "{e}");
}
