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
        ("dynmark://acme:pw@default?form=Acme", "accepted: from, timeout"),
        ("dynmark://acme:pw@default?from=A", "2 to 11"),
        ("dynmark://acme:pw@default?timeout=soon", "duration"),
    ];
    for (dsn, needle) in bad {
        let e = DynmarkFactory::config(&Dsn::parse(dsn).unwrap()).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Config | ErrorKind::InvalidSender), "{dsn}: {e}");
        assert!(e.to_string().contains(needle), "{dsn}: {e}");
    }
}
