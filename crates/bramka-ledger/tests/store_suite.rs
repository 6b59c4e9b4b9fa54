//! The behaviour suite (`bramka_ledger::suite`) against every store in this crate: memory,
//! SQLite in memory, SQLite on a WAL file and (feature `postgres`) PostgreSQL.

mod memory {
    use std::sync::Arc;
    bramka_ledger::store_suite!(async {
        Arc::new(bramka_ledger::MemoryStore::new()) as Arc<dyn bramka_ledger::Store>
    });
}

#[cfg(feature = "sqlite")]
mod sqlite_memory {
    use std::sync::Arc;
    bramka_ledger::store_suite!(async {
        Arc::new(bramka_ledger::SqliteStore::open_in_memory().unwrap()) as Arc<dyn bramka_ledger::Store>
    });
}

#[cfg(feature = "sqlite")]
mod sqlite_file {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A fresh database file per test (left in the temp dir's own folder, removed first).
    fn path() -> std::path::PathBuf {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!("bramka-ledger-suite-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(format!("{}.db", N.fetch_add(1, Ordering::SeqCst)));
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
        }
        p
    }

    bramka_ledger::store_suite!(async {
        Arc::new(bramka_ledger::SqliteStore::open(path()).unwrap()) as Arc<dyn bramka_ledger::Store>
    });
}

/// PostgreSQL on a throw-away cluster the tests start themselves (see the bramka-pgtest crate); a
/// database per test. Without the PostgreSQL server binaries these tests fail, saying how to
/// install them.
#[cfg(feature = "postgres")]
mod postgres {
    use std::sync::Arc;

    bramka_ledger::store_suite!(async {
        let db = bramka_pgtest::database();
        let store = bramka_ledger::PostgresStore::connect_with_pool_size(db.url(), 4).await.unwrap();
        // The database outlives the test's store; the cluster (and every database in it) is
        // removed when the test process exits.
        std::mem::forget(db);
        Arc::new(store) as Arc<dyn bramka_ledger::Store>
    });
}
