//! Named gateway accounts side by side, each a DSN plus a sending policy (sender names, default
//! phone prefix, diacritics or transliteration, part cap, active or not), all through
//! `console://default`, so nothing leaves the machine.
//!
//! ```text
//! cargo run --example accounts
//! ```
//!
//! In production the DSNs name real operators (`smsapi://${SMSAPI_TOKEN}@default`): `${VAR}` is
//! read from the environment when the account first sends, and saving the registry writes
//! literal secrets as `***` unless asked otherwise.

use bramka::accounts::{Accounts, Outgoing, Secrets};

const CONFIG: &str = r#"
[accounts.shop]
dsn = "console://default"
senders = ["Shop", "ShopPromo"]   # the first is the default
default_prefix = "48"             # "600 100 200" becomes +48600100200
allow_diacritics = false          # GSM-7-safe transliteration: cheaper, 160 characters per SMS
max_parts = 2

[accounts.alerts]
dsn = "console://default"
senders = ["Alerts"]
allow_diacritics = true           # keep Polish letters (UCS-2: 70 characters per SMS)

[accounts.backup]
dsn = "twilio://ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:literal-auth-token@default?from=%2B15005550006"
active = false
"#;

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

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut accounts = Accounts::from_toml_str(CONFIG)?;
    let names: Vec<&str> = accounts.iter().map(|a| a.name()).collect();
    println!("accounts: {}", names.join(", "));

    println!("\n## `shop`: default prefix, transliteration, a chosen sender");
    let report = accounts
        .send(
            "shop",
            Outgoing::new("600 100 200", "Zamówienie gotowe do odbioru, zapraszamy!").sender("ShopPromo"),
        )
        .await?;
    println!(
        "=> {} via `{}`: {}",
        report.recipients[0].to.e164(),
        report.gateway,
        report.recipients[0].state
    );

    println!("\n## `alerts`: diacritics kept, the account's only sender");
    let report = accounts
        .send("alerts", Outgoing::new("+48 600 100 201", "Awaria zasilania: łącze zapasowe aktywne"))
        .await?;
    println!("=> {} encoding, {} part(s)", report.encoding, report.segments);

    println!("\n## Refused before any request");
    let refusals = [
        (
            "unknown sender",
            accounts.send("shop", Outgoing::new("600100200", "Hi").sender("Spam")).await.err(),
        ),
        ("inactive account", accounts.send("backup", Outgoing::new("+14155552671", "Hi")).await.err()),
        (
            "longer than max_parts",
            accounts.send("shop", Outgoing::new("600100200", "Promocja! ".repeat(40))).await.err(),
        ),
        (
            "test SMS over 150 characters",
            accounts.send_test("alerts", "+48600100201", &"x".repeat(151)).await.err(),
        ),
        ("no such account", accounts.send("marketing", Outgoing::new("600100200", "Hi")).await.err()),
    ];
    for (what, err) in refusals {
        match err {
            Some(e) => println!("- {what}: {e}"),
            None => println!("- {what}: unexpectedly sent"),
        }
    }

    println!("\n## Deactivating an account");
    accounts.deactivate("alerts")?;
    let err = accounts.send("alerts", Outgoing::new("+48600100201", "Test")).await.err();
    println!("- alerts after deactivate: {}", err.map_or("sent".to_owned(), |e| e.to_string()));

    println!("\n## Saved back (secrets redacted by default)");
    print!("{}", accounts.to_toml_string(Secrets::Redact));
    Ok(())
}
