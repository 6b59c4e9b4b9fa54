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

/// Jobs and claims (`bramka_ledger::suite::jobs_and_claims`) on every backend that keeps them.
mod jobs {
    use std::sync::Arc;

    use bramka_ledger::JobStore;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn memory() {
        bramka_ledger::suite::jobs_and_claims(Arc::new(bramka_ledger::MemoryJobs::new())).await;
    }

    #[cfg(feature = "sqlite")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let store = bramka_ledger::SqliteStore::open_in_memory().unwrap();
        bramka_ledger::suite::jobs_and_claims(Arc::new(store) as Arc<dyn JobStore>).await;
    }

    /// Jobs survive reopening the file.
    #[cfg(feature = "sqlite")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_jobs_survive_reopen() {
        let dir = std::env::temp_dir().join(format!("bramka-ledger-jobs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("jobs.db");
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
        }
        let at = chrono::Utc::now();
        {
            let s = bramka_ledger::SqliteStore::open(&p).unwrap();
            assert!(s.put_job(bramka_ledger::Job::new("campaign", "x", "paused", at)).await.unwrap());
            assert!(s.claim_key("k", at, at + chrono::Duration::hours(1)).await.unwrap());
        }
        let s = bramka_ledger::SqliteStore::open(&p).unwrap();
        assert_eq!(s.job("campaign", "x").await.unwrap().unwrap().state, "paused");
        assert!(!s.claim_key("k", at, at + chrono::Duration::hours(1)).await.unwrap());
    }

    #[cfg(feature = "postgres")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let db = bramka_pgtest::database();
        let store = bramka_ledger::PostgresStore::connect_with_pool_size(db.url(), 4).await.unwrap();
        bramka_ledger::suite::jobs_and_claims(Arc::new(store) as Arc<dyn JobStore>).await;
    }
}
