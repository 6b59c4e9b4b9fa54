//! `dynmark://` DSNs, table-driven.

use bramka_core::{Dsn, ErrorKind};
use bramka_dynmark::DynmarkFactory;

#[test]
fn dsn_table() {
    let ok = [
        ("dynmark://acme:pw@default?from=Acme", "https://services.dynmark.com/webapi/", vec!["Acme"]),
        (
            "dynmark://acme:pw@default?from=Acme,Alerts",
            "https://services.dynmark.com/webapi/",
            vec!["Acme", "Alerts"],
        ),
        ("dynmark://acme:pw@127.0.0.1:8080?tls=0", "http://127.0.0.1:8080/webapi/", vec![]),
        ("dynmark://acme:pw@127.0.0.1:8080", "http://127.0.0.1:8080/webapi/", vec![]),
        ("dynmark://acme:pw@localhost:8080?tls=1", "https://localhost:8080/webapi/", vec![]),
        ("dynmark://acme:pw@api.example.com/v2/", "https://api.example.com/v2/", vec![]),
        ("dynmark://ac%40me:p%3Aw@default", "https://services.dynmark.com/webapi/", vec![]),
        (
            "dynmark://a:pw@default?base_url=https%3A%2F%2Fproxy.example%2Fdm",
            "https://proxy.example/dm/",
            vec![],
        ),
        ("dynmark://a:pw@dyn.example?tls=0&insecure_http=1", "http://dyn.example/webapi/", vec![]),
        (
            "dynmark://a:pw@default?base_url=http%3A%2F%2Fdyn.example&insecure_http=1",
            "http://dyn.example/",
            vec![],
        ),
    ];
    for (dsn, url, senders) in ok {
        let c = DynmarkFactory::config(&Dsn::parse(dsn).unwrap()).unwrap_or_else(|e| panic!("{dsn}: {e}"));
        assert_eq!(c.base_url().as_str(), url, "{dsn}");
        assert_eq!(c.senders(), senders.as_slice(), "{dsn}");
    }
    let c = DynmarkFactory::config(&Dsn::parse("dynmark://ac%40me:p%3Aw@default").unwrap()).unwrap();
    assert_eq!(c.username(), "ac@me");

    let bad = [
        ("dynmark://default", "USER:PASSWORD"),
        ("dynmark://acme@default", "USER:PASSWORD"),
        ("dynmark://acme:pw@default?form=Acme", "accepted: from, base_url, insecure_http"),
        ("dynmark://acme:pw@dyn.example?tls=0", "insecure_http=1"),
        ("dynmark://acme:pw@default?base_url=http%3A%2F%2Fdyn.example", "insecure_http=1"),
        ("dynmark://acme:pw@default?from=A", "2 to 11"),
        ("dynmark://acme:pw@default?timeout=soon", "duration"),
    ];
    for (dsn, needle) in bad {
        let e = DynmarkFactory::config(&Dsn::parse(dsn).unwrap()).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Config | ErrorKind::InvalidSender), "{dsn}: {e}");
        assert!(e.to_string().contains(needle), "{dsn}: {e}");
    }
}

#[test]
fn sender_and_builder_checks() {
    use bramka_dynmark::{DynmarkConfig, check_sender};
    for ok in ["AB", "ABCDEFGHIJK", "447700900123", "+447700900123"] {
        assert!(check_sender(ok).is_ok(), "{ok}");
    }
    for (bad, needle) in
        [("A", "2 to 11"), ("ABCDEFGHIJKL", "2 to 11"), ("Shop!", "'!'"), ("1234567890123456", "15")]
    {
        let e = check_sender(bad).unwrap_err();
        assert!(e.to_string().contains(needle), "{bad}: {e}");
    }
    assert!(DynmarkConfig::builder("", "p").build().is_err());
    assert!(DynmarkConfig::builder("u", "").build().is_err());
    assert!(DynmarkConfig::builder("u", "p").base_url("ftp://x").build().is_err());
    assert!(DynmarkConfig::builder("u", "p").sender("X").build().is_err());
    assert!(DynmarkConfig::builder("u", "p").timeout(std::time::Duration::ZERO).build().is_err());
    let e = DynmarkConfig::builder("u", "p").base_url("http://dyn.example/webapi").build().unwrap_err();
    assert!(e.to_string().contains("insecure_http"), "{e}");
    let c = DynmarkConfig::builder("u", "p")
        .base_url("http://dyn.example/webapi")
        .insecure_http(true)
        .build()
        .unwrap();
    assert_eq!(c.base_url().as_str(), "http://dyn.example/webapi/");
    let c = DynmarkConfig::builder("u", "p").base_url("http://127.0.0.1:9/webapi").build().unwrap();
    assert_eq!(c.base_url().as_str(), "http://127.0.0.1:9/webapi/");
    assert_eq!(c.http().timeouts().request, std::time::Duration::from_secs(130));
}

#[test]
fn every_http_option_is_accepted() {
    for o in bramka_core::http::HTTP_DSN_OPTIONS {
        assert!(bramka_dynmark::OPTIONS.contains(o), "{o}");
    }
}
