//! The ledger's PostgreSQL schema, version by version.
//!
//! The same tables, columns and versions as the SQLite store ([`crate::store`]), with times as
//! microseconds since the Unix epoch in both, and two differences:
//!
//! - the tables are prefixed `ledger_`, so the ledger and bramka-inbound's PostgreSQL store can
//!   share one database (each keeps its version in `bramka_schema`);
//! - `ledger_entries.claimer` names the store instance that moved a `pending` entry there, so that
//!   recovery by one instance never touches the entries another live instance is sending.

use bramka_postgres::Migration;

/// The migrations, ordered by version.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: r#"
CREATE SEQUENCE ledger_instance_seq AS integer CYCLE;
CREATE TABLE ledger_messages (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_ref TEXT NOT NULL,
    account TEXT NOT NULL,
    gateway TEXT NOT NULL,
    sender TEXT,
    text TEXT NOT NULL,
    encoding TEXT NOT NULL,
    parts BIGINT NOT NULL,
    send_at BIGINT,
    campaign TEXT,
    created_at BIGINT NOT NULL
);
CREATE TABLE ledger_entries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message BIGINT NOT NULL REFERENCES ledger_messages(id),
    client_ref TEXT NOT NULL,
    account TEXT NOT NULL,
    gateway TEXT NOT NULL,
    sender TEXT,
    campaign TEXT,
    recipient TEXT NOT NULL,
    state TEXT NOT NULL,
    operator_id TEXT,
    error_kind TEXT,
    error_code TEXT,
    error_message TEXT,
    certainty TEXT,
    parts BIGINT,
    price DOUBLE PRECISION,
    currency TEXT,
    delivery_status TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    claimer INTEGER
);
CREATE INDEX ledger_entries_operator ON ledger_entries(gateway, operator_id);
CREATE INDEX ledger_entries_operator_id ON ledger_entries(operator_id);
CREATE INDEX ledger_entries_campaign ON ledger_entries(campaign, state, id);
CREATE INDEX ledger_entries_created ON ledger_entries(created_at, id);
CREATE INDEX ledger_entries_recipient ON ledger_entries(recipient, id);
CREATE INDEX ledger_entries_state ON ledger_entries(state, id);
CREATE TABLE ledger_orphans (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    gateway TEXT NOT NULL,
    operator_id TEXT NOT NULL,
    state TEXT NOT NULL,
    raw_status TEXT NOT NULL,
    error_code TEXT,
    recipient TEXT,
    price DOUBLE PRECISION,
    currency TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX ledger_orphans_key ON ledger_orphans(gateway, operator_id, seq);
CREATE TABLE ledger_suppressions (
    scope TEXT NOT NULL,
    number TEXT NOT NULL,
    reason TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (scope, number)
);
CREATE INDEX ledger_suppressions_number ON ledger_suppressions(number);
CREATE TABLE ledger_consents (
    scope TEXT NOT NULL,
    number TEXT NOT NULL,
    source TEXT NOT NULL,
    at BIGINT NOT NULL,
    withdrawn_at BIGINT,
    PRIMARY KEY (scope, number)
);
CREATE INDEX ledger_consents_number ON ledger_consents(number);
CREATE TABLE ledger_campaigns (
    name TEXT PRIMARY KEY,
    message BIGINT NOT NULL REFERENCES ledger_messages(id),
    chunk_size BIGINT NOT NULL,
    recipients BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
"#,
    },
    Migration {
        version: 2,
        sql: r#"
ALTER TABLE ledger_messages ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
ALTER TABLE ledger_orphans ADD COLUMN client_ref TEXT;
CREATE INDEX ledger_orphans_client ON ledger_orphans(client_ref);
DROP INDEX ledger_entries_operator;
DROP INDEX ledger_entries_operator_id;
CREATE INDEX ledger_entries_operator ON ledger_entries(gateway, operator_id) WHERE operator_id IS NOT NULL;
CREATE INDEX ledger_entries_key ON ledger_entries(client_ref, recipient) WHERE operator_id IS NULL;
DROP INDEX ledger_entries_campaign;
CREATE INDEX ledger_entries_campaign ON ledger_entries(campaign, state, id) WHERE campaign IS NOT NULL;
"#,
    },
    Migration {
        version: 3,
        sql: "CREATE INDEX ledger_entries_client_ref ON ledger_entries(client_ref, id);",
    },
    // Idempotency keys claimed once across every instance (Store::claim_client_ref).
    Migration {
        version: 4,
        sql: r#"
CREATE TABLE ledger_ref_claims (
    account TEXT NOT NULL,
    client_ref TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (account, client_ref)
);
CREATE INDEX ledger_messages_client_ref ON ledger_messages(client_ref, account, id);
"#,
    },
    // v5: stored jobs and expiring claims (campaign runs, flow delays; JobStore).
    Migration {
        version: 5,
        sql: r#"
CREATE TABLE ledger_jobs (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL,
    due_at BIGINT,
    data TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE TABLE ledger_claims (
    key TEXT PRIMARY KEY,
    until BIGINT NOT NULL
);
"#,
    },
    // v6: what `bramka serve --sandbox` received (bramka-sandbox's record).
    Migration {
        version: 6,
        sql: r#"
CREATE TABLE ledger_sandbox_messages (
    operator TEXT NOT NULL,
    message_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    direction TEXT NOT NULL,
    account TEXT NOT NULL,
    sender TEXT,
    recipient TEXT NOT NULL,
    text TEXT NOT NULL,
    encoding TEXT NOT NULL,
    parts BIGINT NOT NULL,
    state TEXT NOT NULL,
    client_key TEXT,
    batch_id TEXT,
    send_at BIGINT,
    callback_url TEXT,
    callbacks TEXT NOT NULL DEFAULT '[]',
    received_at BIGINT NOT NULL,
    PRIMARY KEY (operator, message_id)
);
CREATE INDEX ledger_sandbox_messages_seq ON ledger_sandbox_messages(seq);
"#,
    },
    // v7: short links and their clicks (`crate::links`).
    Migration {
        version: 7,
        sql: r#"
CREATE TABLE ledger_links (
    code TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    account TEXT,
    client_ref TEXT,
    recipient TEXT,
    clicks BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    first_click_at BIGINT,
    last_click_at BIGINT
);
CREATE INDEX ledger_links_client_ref ON ledger_links(client_ref) WHERE client_ref IS NOT NULL;
CREATE INDEX ledger_links_created ON ledger_links(created_at);
"#,
    },
];
