//! The configuration file `bramka serve` must accept as written (the acceptance file of the
//! service), shared by the CLI's process tests and the server's in-process tests.

/// The acceptance file, exactly as users write it (SQLite storage, the real Twilio host). Tests
/// that need another storage or a mock host derive theirs from it by replacing those values.
pub const ACCEPTANCE_TOML: &str = r#"[server]
listen = "127.0.0.1:8025"
public_url = "http://127.0.0.1:8025"
storage = "sqlite:bramka.db"
api_tokens = ["${BRAMKA_API_TOKEN}"]

[accounts.tw]
dsn = "twilio://AC00000000000000000000000000000000:${TWILIO_AUTH_TOKEN}@default?from=%2B15005550006"

[[numbers]]
number = "+15005550006"
kind = "shared"
account = "tw"

[[polls]]
id = "rating"
name = "Shop rating"
number = "+15005550006"
prefix = "VOTE"
start = "2026-01-01T00:00:00Z"
end = "2030-01-01T00:00:00Z"
default_reply = "Thanks!"
limit = { count = 1, period = "poll" }
options = [
  { code = "1", aliases = ["one"], reply = "Sorry" },
  { code = "5", aliases = ["five"], reply = "Great!" },
]
"#;
