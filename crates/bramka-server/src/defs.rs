//! The server's own small tables next to the inbound store: poll and number definitions (seeded
//! from the file on first start, then edited through the API) and the per-account webhook
//! secrets. In SQLite (the storage's file, or memory), or with `postgres://` storage in
//! PostgreSQL (feature `postgres`), where every instance on the database shares them.

use std::collections::BTreeMap;
use std::sync::Mutex;

use bramka_inbound::definition::{NumberDef, PollDef};
use rusqlite::{Connection, OptionalExtension, params};

#[cfg(feature = "postgres")]
mod postgres;

/// The PostgreSQL side of a method, for when [`DefStore::sqlite`] found no SQLite connection
/// (which, in a build without the feature `postgres`, never happens).
macro_rules! on_postgres {
    ($self:ident, |$pg:ident| $body:expr) => {{
        #[cfg(feature = "postgres")]
        let answer = match &$self.backend {
            Backend::Postgres($pg) => $body,
            Backend::Sqlite(_) => Err(DefsError("the SQLite store answers itself".into())),
        };
        #[cfg(not(feature = "postgres"))]
        let answer = Err(DefsError("this build has no PostgreSQL support".into()));
        answer
    }};
}

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

#[cfg(feature = "postgres")]
impl From<bramka_postgres::Error> for DefsError {
    fn from(e: bramka_postgres::Error) -> Self {
        DefsError(e.to_string())
    }
}

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

/// Poll and number definitions and webhook secrets: in SQLite (a file, or in memory) or in
/// PostgreSQL.
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
    backend: Backend,
}

#[derive(Debug)]
enum Backend {
    Sqlite(Mutex<Connection>),
    #[cfg(feature = "postgres")]
    Postgres(Box<postgres::PgDefs>),
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
    ///
    /// # Errors
    ///
    /// Returns a [`DefsError`] when SQLite cannot open the file (missing directory, no permission, not a
    /// database) or cannot create the tables.
    pub fn open(path: &std::path::Path) -> Result<DefStore, DefsError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Self::init(conn)
    }
    /// A private in-memory store.
    ///
    /// # Errors
    ///
    /// Returns a [`DefsError`] when SQLite cannot open an in-memory database or create the tables.
    pub fn in_memory() -> Result<DefStore, DefsError> {
        Self::init(Connection::open_in_memory()?)
    }
    /// Connects to PostgreSQL (a pool of up to 4 connections) and creates or migrates its tables
    /// (`bramka_server_*`, version in `bramka_schema` as `server`); instances on one database
    /// share everything in it.
    ///
    /// # Errors
    ///
    /// Returns a [`DefsError`] when `url` is not a valid PostgreSQL URL, or when connecting or migrating
    /// the `bramka_server_*` tables fails (including a schema newer than this build).
    #[cfg(feature = "postgres")]
    pub fn postgres(url: &str) -> Result<DefStore, DefsError> {
        Ok(DefStore { backend: Backend::Postgres(Box::new(postgres::PgDefs::connect(url)?)) })
    }
    fn init(conn: Connection) -> Result<DefStore, DefsError> {
        conn.execute_batch(SCHEMA)?;
        Ok(DefStore { backend: Backend::Sqlite(Mutex::new(conn)) })
    }
    fn sqlite(&self) -> Option<std::sync::MutexGuard<'_, Connection>> {
        match &self.backend {
            Backend::Sqlite(conn) => Some(conn.lock().unwrap_or_else(|p| p.into_inner())),
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => None,
        }
    }
    #[cfg(feature = "postgres")]
    fn pg(&self) -> Option<&postgres::PgDefs> {
        match &self.backend {
            Backend::Postgres(pg) => Some(pg),
            Backend::Sqlite(_) => None,
        }
    }

    /// Copies the polls, numbers, seeded flags and hook secrets of `older` (the SQLite
    /// definitions file of a deployment from before definitions moved to PostgreSQL) into this
    /// store, once: only when nothing has been seeded here yet. Returns whether it copied; a
    /// SQLite store never imports.
    ///
    /// # Errors
    ///
    /// Returns a [`DefsError`] when `older` is not a SQLite store, when reading it fails (or a stored
    /// definition is not valid JSON), or when writing into PostgreSQL fails.
    #[cfg(feature = "postgres")]
    pub fn import_once(&self, older: &DefStore) -> Result<bool, DefsError> {
        let Some(pg) = self.pg() else { return Ok(false) };
        let meta = {
            let c = older.sqlite().ok_or_else(|| DefsError("an import reads a SQLite store".into()))?;
            let mut st = c.prepare("SELECT key, value FROM bramka_server_meta ORDER BY key")?;
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?
        };
        pg.import(older.polls()?, older.numbers()?, meta)
    }

    /// Seeds the polls once: on the first start they are written; afterwards the store wins and
    /// the file's polls are ignored. Returns whether this call seeded.
    ///
    /// # Errors
    ///
    /// Returns a [`DefsError`] when the database fails or a poll cannot be serialised; the transaction
    /// is then rolled back and nothing is seeded.
    pub fn seed_polls(&self, polls: &[PollDef]) -> Result<bool, DefsError> {
        let Some(mut c) = self.sqlite() else { return on_postgres!(self, |pg| pg.seed_polls(polls)) };
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
    ///
    /// # Errors
    ///
    /// Returns a [`DefsError`] when the database fails or a stored poll is not valid JSON.
    pub fn polls(&self) -> Result<Vec<PollDef>, DefsError> {
        let Some(c) = self.sqlite() else { return on_postgres!(self, |pg| pg.polls()) };
        let mut st = c.prepare("SELECT def FROM bramka_server_polls ORDER BY position")?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for r in rows {
            out.push(serde_json::from_str(&r?)?);
        }
        Ok(out)
    }

    /// Writes a poll (a new id is added at the end; an existing one keeps its place).
    ///
    /// # Errors
    ///
    /// Returns a [`DefsError`] when the poll cannot be serialised or the database fails.
    pub fn put_poll(&self, p: &PollDef) -> Result<(), DefsError> {
        let Some(c) = self.sqlite() else { return on_postgres!(self, |pg| pg.put_poll(p)) };
        let json = serde_json::to_string(p)?;
        c.execute(
            "INSERT INTO bramka_server_polls (id, def) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET def = excluded.def",
            params![p.id, json],
        )?;
        Ok(())
    }

    /// Seeds the receiving numbers once, like [`seed_polls`](Self::seed_polls): a store that
    /// has been seeded (from a file, even an empty list) keeps its own numbers.
    ///
    /// # Errors
    ///
    /// Returns a [`DefsError`] when the database fails or a number cannot be serialised; the
    /// transaction is then rolled back and nothing is seeded.
    pub fn seed_numbers(&self, numbers: &[NumberDef]) -> Result<bool, DefsError> {
        let Some(mut c) = self.sqlite() else { return on_postgres!(self, |pg| pg.seed_numbers(numbers)) };
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
    ///
    /// # Errors
    ///
    /// Returns a [`DefsError`] when the database fails or a stored number is not valid JSON.
    pub fn numbers(&self) -> Result<Vec<NumberDef>, DefsError> {
        let Some(c) = self.sqlite() else { return on_postgres!(self, |pg| pg.numbers()) };
        let mut st = c.prepare("SELECT def FROM bramka_server_numbers ORDER BY position")?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for r in rows {
            out.push(serde_json::from_str(&r?)?);
        }
        Ok(out)
    }

    /// Replaces the receiving numbers (one transaction; the order is kept).
    ///
    /// # Errors
    ///
    /// Returns a [`DefsError`] when the database fails or a number cannot be serialised; the
    /// transaction is then rolled back and the previous numbers stay.
    pub fn put_numbers(&self, numbers: &[NumberDef]) -> Result<(), DefsError> {
        let Some(mut c) = self.sqlite() else { return on_postgres!(self, |pg| pg.put_numbers(numbers)) };
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
    ///
    /// # Errors
    ///
    /// Returns a [`DefsError`] when the database fails or, for a new secret, the operating system
    /// gives no randomness.
    pub fn hook_secret(&self, account: &str) -> Result<String, DefsError> {
        let key = format!("hook_secret:{account}");
        let Some(mut c) = self.sqlite() else {
            return on_postgres!(self, |pg| pg.meta_or_insert(key, random_token(32).map_err(DefsError)?));
        };
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
    ///
    /// # Errors
    ///
    /// Returns the first [`DefsError`] of [`hook_secret`](Self::hook_secret).
    pub fn hook_secrets<'a>(
        &self,
        accounts: impl IntoIterator<Item = &'a str>,
    ) -> Result<BTreeMap<String, String>, DefsError> {
        accounts.into_iter().map(|a| Ok((a.to_owned(), self.hook_secret(a)?))).collect()
    }
}

/// `n` random characters from `[A-Za-z0-9]`, from the operating system's generator.
///
/// # Errors
///
/// Returns a message when the operating system's random generator fails.
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

    fn number(number: &str, account: &str) -> NumberDef {
        serde_json::from_value(serde_json::json!({"number": number, "account": account})).unwrap()
    }

    // The behaviour every backend shares (the PostgreSQL tests run these too).
    pub(super) fn seeds_once_then_the_store_wins(s: &DefStore) {
        assert!(s.seed_polls(&[poll("a", "A"), poll("b", "B")]).unwrap());
        s.put_poll(&poll("a", "A edited")).unwrap();
        assert!(!s.seed_polls(&[poll("a", "A from file")]).unwrap());
        s.put_poll(&poll("c", "C")).unwrap();
        let names: Vec<_> = s.polls().unwrap().into_iter().map(|p| p.name).collect();
        assert_eq!(names, ["A edited", "B", "C"]);
    }

    pub(super) fn numbers_seed_once_then_the_store_wins(s: &DefStore) {
        assert!(s.seed_numbers(&[number("+1", "a"), number("+2", "b")]).unwrap());
        s.put_numbers(&[number("+2", "b"), number("+3", "c")]).unwrap();
        assert!(!s.seed_numbers(&[number("+9", "z")]).unwrap());
        let got: Vec<_> = s.numbers().unwrap().into_iter().map(|x| x.number).collect();
        assert_eq!(got, ["+2", "+3"]);
    }

    pub(super) fn secrets_are_random_and_kept(s: &DefStore) {
        let a = s.hook_secret("a").unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(s.hook_secret("a").unwrap(), a);
        assert_ne!(s.hook_secret("b").unwrap(), a);
    }

    #[test]
    fn sqlite_seeds_once_then_the_store_wins() {
        seeds_once_then_the_store_wins(&DefStore::in_memory().unwrap());
    }

    #[test]
    fn sqlite_numbers_seed_once_then_the_store_wins() {
        numbers_seed_once_then_the_store_wins(&DefStore::in_memory().unwrap());
    }

    #[test]
    fn sqlite_secrets_are_random_and_kept() {
        secrets_are_random_and_kept(&DefStore::in_memory().unwrap());
    }

    #[cfg(feature = "postgres")]
    mod postgres {
        use super::*;

        #[test]
        fn postgres_passes_the_shared_behaviour() {
            let db = bramka_pgtest::database();
            seeds_once_then_the_store_wins(&DefStore::postgres(db.url()).unwrap());
            numbers_seed_once_then_the_store_wins(&DefStore::postgres(db.url()).unwrap());
            secrets_are_random_and_kept(&DefStore::postgres(db.url()).unwrap());
        }

        #[test]
        fn instances_share_edits_seed_once_and_agree_on_secrets() {
            let db = bramka_pgtest::database();
            let stores: Vec<DefStore> = (0..4).map(|_| DefStore::postgres(db.url()).unwrap()).collect();
            // Four instances starting at once: exactly one seeds, and all agree on each secret.
            let (seeded, secrets): (Vec<bool>, Vec<String>) = std::thread::scope(|sc| {
                let handles: Vec<_> = stores
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        sc.spawn(move || {
                            let name = format!("file {i}");
                            (s.seed_polls(&[poll("p", &name)]).unwrap(), s.hook_secret("shop").unwrap())
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).unzip()
            });
            assert_eq!(seeded.iter().filter(|s| **s).count(), 1, "{seeded:?}");
            assert!(secrets.iter().all(|s| *s == secrets[0]), "{secrets:?}");
            // An edit through one instance is what the others read.
            stores[1].put_poll(&poll("p", "edited on 1")).unwrap();
            stores[2].put_numbers(&[number("+48500", "shop")]).unwrap();
            for s in &stores {
                assert_eq!(s.polls().unwrap()[0].name, "edited on 1");
                assert_eq!(s.numbers().unwrap()[0].number, "+48500");
            }
        }

        #[tokio::test]
        async fn works_inside_a_single_threaded_runtime_and_drops_there() {
            let db = bramka_pgtest::database();
            let s = DefStore::postgres(db.url()).unwrap();
            assert!(s.seed_numbers(&[number("+1", "a")]).unwrap());
            assert_eq!(s.numbers().unwrap().len(), 1);
            drop(s);
        }

        #[test]
        fn an_older_definitions_file_is_imported_once() {
            let db = bramka_pgtest::database();
            let older = DefStore::in_memory().unwrap();
            older.seed_polls(&[poll("a", "A")]).unwrap();
            older.put_poll(&poll("a", "A edited in the file")).unwrap();
            older.seed_numbers(&[number("+1", "shop")]).unwrap();
            let secret = older.hook_secret("shop").unwrap();
            let pg = DefStore::postgres(db.url()).unwrap();
            assert!(pg.import_once(&older).unwrap());
            assert_eq!(pg.polls().unwrap()[0].name, "A edited in the file");
            assert_eq!(pg.numbers().unwrap()[0].number, "+1");
            assert_eq!(pg.hook_secret("shop").unwrap(), secret);
            // Imported means seeded: the config file's lists no longer apply, and no second import.
            assert!(!pg.seed_polls(&[poll("z", "Z")]).unwrap());
            assert!(!pg.import_once(&DefStore::in_memory().unwrap()).unwrap());
        }

        #[test]
        fn a_bad_url_is_refused_without_its_password() {
            let e = DefStore::postgres("postgres://u:hunter2@h:notaport/db").unwrap_err().to_string();
            assert!(e.contains("port") && !e.contains("hunter2"), "{e}");
        }
    }
}
