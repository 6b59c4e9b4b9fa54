//! Short links (`bramka_ledger::links`): the same behaviour on every store, the schema migration
//! of an existing SQLite file, and clicks counted once each across PostgreSQL instances.

use std::sync::Arc;

use bramka_ledger::links::{LinkQuery, LinkStore};
use bramka_ledger::{MemoryStore, SqliteStore};
use chrono::{DateTime, TimeZone, Utc};

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 10, 0, 0).unwrap() + chrono::Duration::seconds(secs)
}

async fn behaves(store: &dyn LinkStore) {
    assert!(store.insert_link("aaaaaaaa1", "https://shop.example/a", t(0)).await.unwrap());
    assert!(store.insert_link("bbbbbbbb2", "https://shop.example/b", t(1)).await.unwrap());
    // A taken code is refused and left as it was.
    assert!(!store.insert_link("aaaaaaaa1", "https://evil.example/", t(2)).await.unwrap());
    assert_eq!(store.link("aaaaaaaa1").await.unwrap().unwrap().url, "https://shop.example/a");

    let n = store
        .attach_links(&["aaaaaaaa1".into(), "nosuchcod".into()], "order-1", "shop", Some("+48600100200"))
        .await
        .unwrap();
    assert_eq!(n, 1, "only stored codes are tied");

    assert!(store.click("nosuchcod", t(3)).await.unwrap().is_none());
    let first = store.click("aaaaaaaa1", t(10)).await.unwrap().unwrap();
    assert_eq!(first.clicks, 1);
    let second = store.click("aaaaaaaa1", t(20)).await.unwrap().unwrap();
    assert_eq!(second.clicks, 2);
    assert_eq!(second.first_click_at, Some(t(10)));
    assert_eq!(second.last_click_at, Some(t(20)));
    assert_eq!(second.client_ref.as_deref(), Some("order-1"));
    assert_eq!(second.account.as_deref(), Some("shop"));
    assert_eq!(second.recipient.as_deref(), Some("+48600100200"));

    let mine = store.links(&LinkQuery::all().client_ref("order-1")).await.unwrap();
    assert_eq!(mine.iter().map(|l| l.code.as_str()).collect::<Vec<_>>(), ["aaaaaaaa1"]);
    let all = store.links(&LinkQuery::all()).await.unwrap();
    assert_eq!(
        all.iter().map(|l| l.code.as_str()).collect::<Vec<_>>(),
        ["bbbbbbbb2", "aaaaaaaa1"],
        "newest first"
    );
    assert_eq!(store.links(&LinkQuery::all().limit(1)).await.unwrap().len(), 1);
    assert!(store.links(&LinkQuery::all().account("other")).await.unwrap().is_empty());
    let untouched = store.link("bbbbbbbb2").await.unwrap().unwrap();
    assert_eq!((untouched.clicks, untouched.client_ref, untouched.first_click_at), (0, None, None));
}

#[tokio::test]
async fn memory_store_keeps_links_and_counts_clicks() {
    behaves(&MemoryStore::new()).await;
}

#[tokio::test]
async fn sqlite_store_keeps_links_and_counts_clicks() {
    behaves(&SqliteStore::open_in_memory().unwrap()).await;
}

#[tokio::test]
async fn sqlite_file_at_version_6_migrates_to_7_with_the_links_table() {
    let dir = std::env::temp_dir().join(format!("bramka-links-{}-{}", std::process::id(), fastrand::u64(..)));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ledger.db");
    {
        // A file as bramka-ledger with schema version 6 left it: the current schema without
        // the links table.
        drop(SqliteStore::open(&path).unwrap());
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch("DROP TABLE links; PRAGMA user_version = 6;").unwrap();
        let has: i64 =
            c.query_row("SELECT count(*) FROM sqlite_master WHERE name = 'links'", [], |r| r.get(0)).unwrap();
        assert_eq!(has, 0);
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().await.unwrap(), 7);
    assert_eq!(bramka_ledger::store::SCHEMA_VERSION, 7);
    behaves(&store).await;
    drop(store);
    // Reopened: nothing migrates twice and the links are still there.
    let again = SqliteStore::open(&path).unwrap();
    assert_eq!(again.link("aaaaaaaa1").await.unwrap().unwrap().clicks, 2);
    std::fs::remove_dir_all(&dir).ok();
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store_keeps_links_and_counts_every_click_across_instances() {
    let db = bramka_pgtest::database();
    let a = Arc::new(bramka_ledger::PostgresStore::connect_with_pool_size(db.url(), 4).await.unwrap());
    let b = Arc::new(bramka_ledger::PostgresStore::connect_with_pool_size(db.url(), 4).await.unwrap());
    assert_eq!(a.schema_version().await.unwrap(), 7);
    behaves(a.as_ref()).await;
    // 2 instances x 25 concurrent clicks: every one counted.
    let mut tasks = Vec::new();
    for s in [a.clone(), b.clone()] {
        for i in 0..25 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move { s.click("bbbbbbbb2", t(100 + i)).await.unwrap().unwrap() }));
        }
    }
    for task in tasks {
        task.await.unwrap();
    }
    let l = b.link("bbbbbbbb2").await.unwrap().unwrap();
    assert_eq!(l.clicks, 50);
    assert!(l.first_click_at.is_some_and(|f| f >= t(100) && f < t(125)), "{l:?}");
}

#[allow(dead_code)]
fn _arc_is_a_link_store(s: Arc<SqliteStore>) -> Arc<dyn LinkStore> {
    s
}
