//! Against a real PostgreSQL the test starts itself (bramka-pgtest; the test fails with install
//! instructions when the server binaries are missing).

use bramka_postgres::{Error, Migration, PostgresUrl, migrate, pool, schema_version};

const V1: Migration = Migration { version: 1, sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)" };
const V2: Migration = Migration { version: 2, sql: "ALTER TABLE notes ADD COLUMN author TEXT" };

async fn client(url: &PostgresUrl) -> deadpool_postgres::Object {
    pool(url, 2).unwrap().get().await.map_err(|e| Error::from_pool(url, e)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_openers_migrate_once_and_a_newer_schema_is_refused() {
    let db = bramka_pgtest::database();
    let url = PostgresUrl::parse(db.url(), "bramka-postgres-test").unwrap();
    // Eight openers at once: without the lock, CREATE TABLE would fail for all but one.
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                let mut c = client(&url).await;
                migrate(&mut c, "notes", &[V1, V2]).await
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), 2);
    }
    let mut c = client(&url).await;
    assert_eq!(schema_version(&c, "notes").await.unwrap(), 2);
    assert_eq!(schema_version(&c, "other").await.unwrap(), 0);
    c.execute("INSERT INTO notes (id, body, author) VALUES (1, 'x', 'y')", &[]).await.unwrap();
    // Older code (knows only v1) refuses, and changes nothing.
    let e = migrate(&mut c, "notes", &[V1]).await.unwrap_err();
    assert_eq!(e, Error::SchemaTooNew { component: "notes".into(), found: 2, supported: 1 });
    assert!(e.to_string().contains("version 2 of notes"), "{e}");
    assert_eq!(schema_version(&c, "notes").await.unwrap(), 2);
    // The application name is what the server sees.
    let name: String = c.query_one("SELECT current_setting('application_name')", &[]).await.unwrap().get(0);
    assert_eq!(name, "bramka-postgres-test");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_migration_rolls_back_every_step() {
    let db = bramka_pgtest::database();
    let url = PostgresUrl::parse(db.url(), "bramka-postgres-test").unwrap();
    let mut c = client(&url).await;
    let bad = Migration { version: 2, sql: "ALTER TABLE nowhere ADD COLUMN x TEXT" };
    let e = migrate(&mut c, "notes", &[V1, bad]).await.unwrap_err();
    match &e {
        Error::Migration { component, version, detail } => {
            assert_eq!((component.as_str(), *version), ("notes", 2));
            assert!(detail.contains("nowhere") && detail.contains("42P01"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    // Version 1 was rolled back with it: the table does not exist and no version was recorded.
    let exists: bool = c.query_one("SELECT to_regclass('notes') IS NOT NULL", &[]).await.unwrap().get(0);
    assert!(!exists);
    assert_eq!(schema_version(&c, "notes").await.unwrap(), 0);
    assert_eq!(migrate(&mut c, "notes", &[V1, V2]).await.unwrap(), 2);
}

#[tokio::test]
async fn a_refused_connection_names_the_url_without_its_password() {
    // A port nothing listens on (bound, then closed).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = PostgresUrl::parse(&format!("postgres://app:hunter2@127.0.0.1:{port}/db?sslmode=disable"), "t")
        .unwrap();
    let e = pool(&url, 1).unwrap().get().await.map_err(|e| Error::from_pool(&url, e)).unwrap_err();
    let (s, d) = (e.to_string(), format!("{e:?}"));
    assert!(matches!(e, Error::Connect { .. }), "{d}");
    assert!(s.contains(&format!("app:***@127.0.0.1:{port}/db")), "{s}");
    assert!(!s.contains("hunter2") && !d.contains("hunter2"), "{s} / {d}");
}
