//! The server's own small tables next to the inbound store: poll definitions (seeded from the
//! file on first start, then edited through the API) and the per-account webhook secrets.

use std::collections::BTreeMap;
use std::sync::Mutex;

use bramka_inbound::definition::{NumberDef, PollDef};
use rusqlite::{Connection, OptionalExtension, params};

/// A failure of the definitions store.
///
/// ```
/// use bramka_server::defs::DefStore;
///
/// match DefStore::open("/nonexistent-dir/defs.db".as_ref()) {
///     Err(e) => println!("{e}"),
///     Ok(_) => println!("opened"),
/// }
/// ```
#[derive(Debug, thiserror::Error)]
#[error("definitions store: {0}")]
pub struct DefsError(String);

impl From<rusqlite::Error> for DefsError {
    fn from(e: rusqlite::Error) -> Self {
        DefsError(e.to_string())
    }
}
impl From<serde_json::Error> for DefsError {
    fn from(e: serde_json::Error) -> Self {
        DefsError(e.to_string())
    }
}

/// Poll definitions and webhook secrets in SQLite (a file, or in memory).
///
/// ```
/// use bramka_server::defs::DefStore;
///
/// let defs = DefStore::in_memory().unwrap();
/// let secret = defs.hook_secret("smsapi-main").unwrap();
/// assert_eq!(defs.hook_secret("smsapi-main").unwrap(), secret, "generated once, then kept");
/// ```
#[derive(Debug)]
pub struct DefStore {
    conn: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS bramka_server_polls (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    def TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS bramka_server_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS bramka_server_numbers (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL UNIQUE,
    def TEXT NOT NULL
);
";

impl DefStore {
    /// Opens (or creates) the tables in a SQLite file.
    pub fn open(path: &std::path::Path) -> Result<DefStore, DefsError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Self::init(conn)
    }
    /// A private in-memory store.
    pub fn in_memory() -> Result<DefStore, DefsError> {
        Self::init(Connection::open_in_memory()?)
    }
    fn init(conn: Connection) -> Result<DefStore, DefsError> {
        conn.execute_batch(SCHEMA)?;
        Ok(DefStore { conn: Mutex::new(conn) })
    }
    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Seeds the polls once: on the first start they are written; afterwards the store wins and
    /// the file's polls are ignored. Returns whether this call seeded.
    pub fn seed_polls(&self, polls: &[PollDef]) -> Result<bool, DefsError> {
        let mut c = self.conn();
        let tx = c.transaction()?;
        let seeded: Option<String> = tx
            .query_row("SELECT value FROM bramka_server_meta WHERE key = 'polls_seeded'", [], |r| r.get(0))
            .optional()?;
        if seeded.is_some() {
            return Ok(false);
        }
        for p in polls {
            tx.execute(
                "INSERT OR REPLACE INTO bramka_server_polls (id, def) VALUES (?1, ?2)",
                params![p.id, serde_json::to_string(p)?],
            )?;
        }
        tx.execute("INSERT INTO bramka_server_meta (key, value) VALUES ('polls_seeded', '1')", [])?;
        tx.commit()?;
        Ok(true)
    }

    /// All polls, in creation order.
    pub fn polls(&self) -> Result<Vec<PollDef>, DefsError> {
        let c = self.conn();
        let mut st = c.prepare("SELECT def FROM bramka_server_polls ORDER BY position")?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for r in rows {
            out.push(serde_json::from_str(&r?)?);
        }
        Ok(out)
    }

    /// Writes a poll (a new id is added at the end; an existing one keeps its place).
    pub fn put_poll(&self, p: &PollDef) -> Result<(), DefsError> {
        let json = serde_json::to_string(p)?;
        self.conn().execute(
            "INSERT INTO bramka_server_polls (id, def) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET def = excluded.def",
            params![p.id, json],
        )?;
        Ok(())
    }

    /// Seeds the receiving numbers once, like [`seed_polls`](Self::seed_polls): a store that
    /// has been seeded (from a file, even an empty list) keeps its own numbers.
    pub fn seed_numbers(&self, numbers: &[NumberDef]) -> Result<bool, DefsError> {
        let mut c = self.conn();
        let tx = c.transaction()?;
        let seeded: Option<String> = tx
            .query_row("SELECT value FROM bramka_server_meta WHERE key = 'numbers_seeded'", [], |r| r.get(0))
            .optional()?;
        if seeded.is_some() {
            return Ok(false);
        }
        for n in numbers {
            tx.execute(
                "INSERT OR REPLACE INTO bramka_server_numbers (number, def) VALUES (?1, ?2)",
                params![n.number, serde_json::to_string(n)?],
            )?;
        }
        tx.execute("INSERT INTO bramka_server_meta (key, value) VALUES ('numbers_seeded', '1')", [])?;
        tx.commit()?;
        Ok(true)
    }

    /// All receiving numbers, in creation order.
    pub fn numbers(&self) -> Result<Vec<NumberDef>, DefsError> {
        let c = self.conn();
        let mut st = c.prepare("SELECT def FROM bramka_server_numbers ORDER BY position")?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for r in rows {
            out.push(serde_json::from_str(&r?)?);
        }
        Ok(out)
    }

    /// Replaces the receiving numbers (one transaction; the order is kept).
    pub fn put_numbers(&self, numbers: &[NumberDef]) -> Result<(), DefsError> {
        let mut c = self.conn();
        let tx = c.transaction()?;
        tx.execute("DELETE FROM bramka_server_numbers", [])?;
        for n in numbers {
            tx.execute(
                "INSERT INTO bramka_server_numbers (number, def) VALUES (?1, ?2)",
                params![n.number, serde_json::to_string(n)?],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The webhook secret of an account, generated (32 random letters and digits) on first use.
    pub fn hook_secret(&self, account: &str) -> Result<String, DefsError> {
        let key = format!("hook_secret:{account}");
        let mut c = self.conn();
        let tx = c.transaction()?;
        let found: Option<String> = tx
            .query_row("SELECT value FROM bramka_server_meta WHERE key = ?1", [&key], |r| r.get(0))
            .optional()?;
        if let Some(v) = found {
            return Ok(v);
        }
        let v = random_token(32).map_err(DefsError)?;
        tx.execute("INSERT INTO bramka_server_meta (key, value) VALUES (?1, ?2)", params![key, v])?;
        tx.commit()?;
        Ok(v)
    }

    /// Secrets of several accounts at once.
    pub fn hook_secrets<'a>(
        &self,
        accounts: impl IntoIterator<Item = &'a str>,
    ) -> Result<BTreeMap<String, String>, DefsError> {
        accounts.into_iter().map(|a| Ok((a.to_owned(), self.hook_secret(a)?))).collect()
    }
}

/// `n` random characters from `[A-Za-z0-9]`, from the operating system's generator.
pub fn random_token(n: usize) -> Result<String, String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(n);
    while out.len() < n {
        let mut buf = [0u8; 64];
        getrandom::fill(&mut buf).map_err(|e| format!("no randomness from the OS: {e}"))?;
        // 248 = 4 * 62: rejecting bytes at or above it keeps every character equally likely.
        for b in buf.iter().filter(|b| **b < 248) {
            if out.len() == n {
                break;
            }
            out.push(char::from(ALPHABET[usize::from(*b % 62)]));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poll(id: &str, name: &str) -> PollDef {
        serde_json::from_value(
            serde_json::json!({"id": id, "name": name, "number": "+1", "options": [{"code": "A"}]}),
        )
        .unwrap()
    }

    #[test]
    fn seeds_once_then_the_store_wins() {
        let s = DefStore::in_memory().unwrap();
        assert!(s.seed_polls(&[poll("a", "A"), poll("b", "B")]).unwrap());
        s.put_poll(&poll("a", "A edited")).unwrap();
        assert!(!s.seed_polls(&[poll("a", "A from file")]).unwrap());
        let names: Vec<_> = s.polls().unwrap().into_iter().map(|p| p.name).collect();
        assert_eq!(names, ["A edited", "B"]);
    }

    #[test]
    fn numbers_seed_once_then_the_store_wins() {
        let n = |number: &str, account: &str| -> NumberDef {
            serde_json::from_value(serde_json::json!({"number": number, "account": account})).unwrap()
        };
        let s = DefStore::in_memory().unwrap();
        assert!(s.seed_numbers(&[n("+1", "a"), n("+2", "b")]).unwrap());
        s.put_numbers(&[n("+2", "b"), n("+3", "c")]).unwrap();
        assert!(!s.seed_numbers(&[n("+9", "z")]).unwrap());
        let got: Vec<_> = s.numbers().unwrap().into_iter().map(|x| x.number).collect();
        assert_eq!(got, ["+2", "+3"]);
    }

    #[test]
    fn secrets_are_random_and_kept() {
        let s = DefStore::in_memory().unwrap();
        let a = s.hook_secret("a").unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(s.hook_secret("a").unwrap(), a);
        assert_ne!(s.hook_secret("b").unwrap(), a);
    }
}
