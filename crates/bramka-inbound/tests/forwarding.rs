//! Forwarding rules: copies by SMS (through the outbox and a Gateway) and by e-mail (through an
//! EmailSender; with the feature `email`, real SMTP to a tiny server on 127.0.0.1).

mod common;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bramka_core::Certainty;
use bramka_inbound::{
    Config, ConfigError, EmailError, EmailSender, Forward, Inbound, MemoryStore, ReceivingNumber, Store,
    Target,
};
use common::{RecGateway, inbound};

const NUM: &str = "+48790100200";

fn config() -> Config {
    let mut cfg = Config::new();
    cfg.add_number(
        ReceivingNumber::dedicated(NUM)
            .reply_sender("BIURO")
            .auto_reply("Dziękujemy")
            .forward(Forward::sms("+48 600 999 888").unwrap())
            .forward(Forward::email("biuro@example.com").unwrap()),
    )
    .unwrap();
    cfg.set_default_route(NUM, Target::Inbox("office".into())).unwrap();
    cfg
}

#[derive(Debug, Default)]
struct FakeMail {
    sent: Mutex<Vec<(String, String, String)>>,
    fail: Mutex<Option<Certainty>>,
}

#[async_trait]
impl EmailSender for FakeMail {
    async fn send_email(&self, to: &str, subject: &str, body: &str) -> Result<(), EmailError> {
        self.sent.lock().unwrap().push((to.into(), subject.into(), body.into()));
        match self.fail.lock().unwrap().take() {
            Some(certainty) => Err(EmailError { message: "421 try later".into(), certainty }),
            None => Ok(()),
        }
    }
}

#[tokio::test]
async fn copies_go_out_by_sms_and_email_once() {
    let store = Arc::new(MemoryStore::new());
    let engine = Inbound::new(config(), store.clone());
    let m = inbound("f1", "+48600100200", NUM, "Proszę o kontakt", "2026-05-01T10:00:00Z");
    let r = engine.ingest(&m).await.unwrap();
    assert_eq!(r.outbox.len(), 3, "auto-reply, SMS copy, e-mail copy");
    assert!(engine.ingest(&m).await.unwrap().outbox.is_empty());

    let gw = RecGateway::new();
    let rep = engine.dispatch_pending(&gw).await.unwrap();
    assert_eq!(rep.sent.len(), 2, "the e-mail entry is not sent by SMS");
    let sent = gw.sent();
    assert_eq!((sent[0].to.as_str(), sent[0].text.as_str()), ("+48600100200", "Dziękujemy"));
    assert_eq!(
        (sent[1].to.as_str(), sent[1].text.as_str(), sent[1].sender.as_deref()),
        ("+48600999888", "+48600100200: Proszę o kontakt", Some("BIURO"))
    );

    let mail = FakeMail::default();
    *mail.fail.lock().unwrap() = Some(Certainty::NotSent);
    let rep = engine.dispatch_email(&mail).await.unwrap();
    assert_eq!(rep.retry.len(), 1);
    let rep = engine.dispatch_email(&mail).await.unwrap();
    assert_eq!(rep.sent.len(), 1);
    assert!(engine.dispatch_email(&mail).await.unwrap().sent.is_empty());
    let mails = mail.sent.lock().unwrap().clone();
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[1].0, "biuro@example.com");
    assert_eq!(mails[1].1, "SMS from +48600100200 to +48790100200");
    assert_eq!(
        mails[1].2,
        "From: +48600100200\nTo: +48790100200\nReceived: 2026-05-01T10:00:00+00:00\n\
         ----- SMS text as received (written by the sender) -----\nProszę o kontakt"
    );
    assert!(engine.dispatch_pending(&gw).await.unwrap().sent.is_empty());
    assert_eq!(store.outbox(Some("sent")).await.unwrap().len(), 3);
}

/// An SMS text with its own header lines and bare CRs: after the separator, one line ending, and
/// bramka's lines first and alone.
#[tokio::test]
async fn a_forwarded_text_cannot_fake_the_header_lines_nor_send_a_bare_cr() {
    let engine = Inbound::new(config(), Arc::new(MemoryStore::new()));
    let text = "ok\rFrom: +48111222333\r\nTo: ceo@example.com\n\nReceived: yesterday\rbye";
    engine.ingest(&inbound("f9", "+48600100200", NUM, text, "2026-05-01T10:00:00Z")).await.unwrap();
    let mail = FakeMail::default();
    engine.dispatch_email(&mail).await.unwrap();
    let body = mail.sent.lock().unwrap()[0].2.clone();
    assert!(!body.contains('\r'), "{body:?}");
    let (ours, theirs) =
        body.split_once("\n----- SMS text as received (written by the sender) -----\n").unwrap();
    assert_eq!(ours, "From: +48600100200\nTo: +48790100200\nReceived: 2026-05-01T10:00:00+00:00");
    assert_eq!(theirs, "ok\nFrom: +48111222333\nTo: ceo@example.com\n\nReceived: yesterday\nbye");
}

#[tokio::test]
async fn maybe_sent_email_is_not_resent() {
    let engine = Inbound::new(config(), Arc::new(MemoryStore::new()));
    engine.ingest(&inbound("f1", "+48600100200", NUM, "x", "2026-05-01T10:00:00Z")).await.unwrap();
    let mail = FakeMail::default();
    *mail.fail.lock().unwrap() = Some(Certainty::MaybeSent);
    let rep = engine.dispatch_email(&mail).await.unwrap();
    assert_eq!(rep.uncertain.len(), 1);
    assert!(engine.dispatch_email(&mail).await.unwrap().uncertain.is_empty());
    assert_eq!(mail.sent.lock().unwrap().len(), 1);
}

#[test]
fn forwarding_targets_are_validated() {
    assert!(matches!(Forward::sms("12ab"), Err(ConfigError::InvalidForward { .. })));
    for bad in
        ["", "biuro", "@example.com", "a@b", "a b@example.com", "a@example.com\r\nBcc: x@y.z", "<a@b.pl>"]
    {
        let err = Forward::email(bad).unwrap_err();
        assert!(matches!(err, ConfigError::InvalidForward { .. }), "{bad:?}");
    }
    // Variants built by hand are checked when the number is registered.
    let mut cfg = Config::new();
    let err = cfg
        .add_number(ReceivingNumber::shared(NUM).forward(Forward::Email { to: "x\n@y.pl".into() }))
        .unwrap_err();
    assert!(err.to_string().contains("e-mail address"), "{err}");
}

#[cfg(feature = "email")]
mod smtp {
    use super::*;
    use bramka_core::Secret;
    use bramka_inbound::SmtpEmailSender;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;

    /// A minimal SMTP server: accepts one session and returns the commands and the DATA.
    async fn serve_once(listener: TcpListener) -> (Vec<String>, String) {
        let (sock, _) = listener.accept().await.unwrap();
        let (r, mut w) = sock.into_split();
        let mut r = BufReader::new(r);
        w.write_all(b"220 localhost ESMTP test\r\n").await.unwrap();
        let mut commands = Vec::new();
        let mut data = String::new();
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).await.unwrap() == 0 {
                break;
            }
            let cmd = line.trim_end().to_owned();
            commands.push(cmd.clone());
            let upper = cmd.to_ascii_uppercase();
            if upper.starts_with("EHLO") {
                w.write_all(b"250-localhost\r\n250 8BITMIME\r\n").await.unwrap();
            } else if upper.starts_with("DATA") {
                w.write_all(b"354 go ahead\r\n").await.unwrap();
                loop {
                    line.clear();
                    r.read_line(&mut line).await.unwrap();
                    if line == ".\r\n" {
                        break;
                    }
                    data.push_str(&line);
                }
                w.write_all(b"250 queued\r\n").await.unwrap();
            } else if upper.starts_with("QUIT") {
                w.write_all(b"221 bye\r\n").await.unwrap();
                break;
            } else {
                w.write_all(b"250 ok\r\n").await.unwrap();
            }
        }
        (commands, data)
    }

    #[tokio::test]
    async fn forwards_by_smtp_to_a_loopback_server() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(serve_once(listener));
        let engine = Inbound::new(config(), Arc::new(MemoryStore::new()));
        engine
            .ingest(&inbound("s1", "+48600100200", NUM, "Zazolc\rgesla\r\njazn", "2026-05-01T10:00:00Z"))
            .await
            .unwrap();
        let sender = SmtpEmailSender::unencrypted("127.0.0.1", port, "Bramka <sms@example.com>").unwrap();
        let rep = engine.dispatch_email(&sender).await.unwrap();
        assert_eq!(rep.sent.len(), 1, "{rep:?}");
        drop(sender);
        let (commands, data) = server.await.unwrap();
        assert!(commands[0].starts_with("EHLO "), "{commands:?}");
        assert!(
            commands
                .iter()
                .any(|c| c == "MAIL FROM:<sms@example.com>" || c.starts_with("MAIL FROM:<sms@example.com>")),
            "{commands:?}"
        );
        assert!(commands.iter().any(|c| c.starts_with("RCPT TO:<biuro@example.com>")), "{commands:?}");
        assert!(data.contains("Subject: SMS from +48600100200 to +48790100200"), "{data}");
        assert!(data.contains("To: biuro@example.com"), "{data}");
        assert!(data.contains("Content-Type: text/plain"), "{data}");
        // The body is encoded (quoted-printable or base64); the ASCII header part is readable.
        assert!(data.contains("From: +48600100200") || data.contains("RnJvbTog"), "{data}");
        // Every line of DATA ends with CRLF and holds no other CR.
        assert!(!data.replace("\r\n", "").contains('\r'), "{data:?}");
        // Nothing left to send.
        let again =
            engine.dispatch_email(&SmtpEmailSender::unencrypted("127.0.0.1", port, "a@b.pl").unwrap()).await;
        assert!(again.unwrap().sent.is_empty());
    }

    #[cfg(feature = "email-tls")]
    #[tokio::test]
    async fn starttls_never_falls_back_to_clear_text() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(serve_once(listener));
        let engine = Inbound::new(config(), Arc::new(MemoryStore::new()));
        engine
            .ingest(&inbound("t1", "+48600100200", NUM, "secret text", "2026-05-01T10:00:00Z"))
            .await
            .unwrap();
        let sender = SmtpEmailSender::starttls("127.0.0.1", port, "sms@example.com")
            .unwrap()
            .credentials("user", &Secret::new("hunter2-smtp"))
            .unwrap();
        let rep = engine.dispatch_email(&sender).await.unwrap();
        assert!(rep.sent.is_empty(), "{rep:?}");
        assert_eq!(rep.retry.len(), 1, "refused before anything was sent: {rep:?}");
        drop(sender);
        let (commands, data) = server.await.unwrap();
        assert!(commands.iter().all(|c| !c.starts_with("MAIL") && !c.starts_with("AUTH")), "{commands:?}");
        assert!(data.is_empty());
    }

    #[test]
    fn smtp_password_is_never_printed() {
        let s = SmtpEmailSender::unencrypted("127.0.0.1", 25, "a@example.com")
            .unwrap()
            .credentials("user", &Secret::new("hunter2-smtp"))
            .unwrap();
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("hunter2"), "{dbg}");
        assert!(dbg.contains("***"));
        assert!(matches!(
            SmtpEmailSender::unencrypted("127.0.0.1", 25, "not a mailbox"),
            Err(ConfigError::InvalidForward { .. })
        ));
    }
}

/// Each SMS entry leaves through the gateway the route picks from its draft's receiving number;
/// an entry with no gateway fails once with the route's reason, and nothing is sent twice.
#[tokio::test]
async fn routed_dispatch_picks_the_gateway_by_receiving_number() {
    const OTHER: &str = "+48790100300";
    let mut cfg = config();
    cfg.add_number(ReceivingNumber::dedicated(OTHER).auto_reply("Inny numer")).unwrap();
    cfg.set_default_route(OTHER, Target::Inbox("other".into())).unwrap();
    let engine = Inbound::new(cfg, Arc::new(MemoryStore::new()));
    engine.ingest(&inbound("r1", "+48600100200", NUM, "Hej", "2026-05-01T10:00:00Z")).await.unwrap();
    engine.ingest(&inbound("r2", "+48600100201", OTHER, "Hej", "2026-05-01T10:00:01Z")).await.unwrap();

    let first = Arc::new(RecGateway::new());
    let route_first: Arc<dyn bramka_core::Gateway> = first.clone();
    let route = move |d: &bramka_inbound::OutboxDraft| match d.via.as_deref() {
        Some(NUM) => Ok(route_first.clone()),
        other => Err(format!("no account for {other:?}")),
    };
    let rep = engine.dispatch_routed(&route).await.unwrap();
    assert_eq!(rep.sent.len(), 2, "the auto-reply and the SMS copy of NUM's message");
    assert_eq!(rep.failed.len(), 1);
    assert_eq!(rep.failed[0].1, "no account for Some(\"+48790100300\")");
    let sent = first.sent();
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|s| s.to != "+48600100201"), "OTHER's reply did not go through NUM's gateway");
    assert!(engine.dispatch_routed(&route).await.unwrap().sent.is_empty());
    assert_eq!(first.sent().len(), 2);
}
