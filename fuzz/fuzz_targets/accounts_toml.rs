//! Accounts from TOML. Oracles: no panic; a file that loads writes a redacted file that loads
//! again with the same accounts, and the clear form is stable.
#![no_main]

use bramka::accounts::{Accounts, Secrets};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(accounts) = Accounts::from_toml_str(text) else { return };
    let _ = format!("{accounts:?}");
    let redacted = accounts.to_toml_string(Secrets::Redact);
    let back = Accounts::from_toml_str(&redacted).unwrap_or_else(|e| panic!("{redacted}\ndoes not load: {e}"));
    let clear = accounts.to_toml_string(Secrets::Clear);
    let again = Accounts::from_toml_str(&clear).unwrap_or_else(|e| panic!("{clear}\ndoes not load: {e}"));
    // The same accounts with the same policies (a DSN that does not parse may redact
    // differently a second time, so only the clear form must be stable).
    assert_eq!(again.to_toml_string(Secrets::Clear), clear);
    let names = |t: &str| t.lines().filter(|l| l.starts_with("[accounts.")).map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(names(&back.to_toml_string(Secrets::Clear)), names(&clear));
});
