//! The account listings (scheduled messages, receiving numbers, sender names): unsupported by
//! default with the capability named, and forwarded by every wrapper.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bramka_core::compose::{Failover, RoundRobin};
use bramka_core::testing::NullGateway;
use bramka_core::{
    Capabilities, Capability, Error, ErrorKind, Gateway, Message, ReceivingNumber, RetryGateway, RetryPolicy,
    ScheduledMessage, SendReport, SenderName, SenderStatus,
};

/// A gateway that has the three listings and counts the calls.
#[derive(Debug, Default)]
struct Lister {
    caps: Capabilities,
    calls: AtomicUsize,
    id: &'static str,
}

impl Lister {
    fn new(id: &'static str) -> Self {
        Lister {
            caps: Capabilities::new()
                .with(Capability::ListScheduled)
                .with(Capability::ReceivingNumbers)
                .with(Capability::SenderNames),
            calls: AtomicUsize::new(0),
            id,
        }
    }
}

#[bramka_core::async_trait]
impl Gateway for Lister {
    fn id(&self) -> &str {
        self.id
    }
    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }
    async fn send(&self, m: &Message) -> Result<SendReport, Error> {
        Ok(SendReport::new(self.id, m))
    }
    async fn scheduled(&self) -> Result<Vec<ScheduledMessage>, Error> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(vec![ScheduledMessage::new(format!("{}-bulk-1", self.id), "PENDING").with_to("+48600100200")])
    }
    async fn numbers(&self) -> Result<Vec<ReceivingNumber>, Error> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(vec![ReceivingNumber::new("+48500100200").with_sms(true)])
    }
    async fn senders(&self) -> Result<Vec<SenderName>, Error> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(vec![SenderName::new("Sklep", SenderStatus::Active, true)])
    }
    async fn add_sender(&self, name: &str) -> Result<SenderName, Error> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(SenderName::new(name, SenderStatus::Pending, false))
    }
    async fn set_default_sender(&self, _: &str) -> Result<(), Error> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    async fn delete_sender(&self, _: &str) -> Result<(), Error> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[tokio::test]
async fn unsupported_by_default_naming_the_capability() {
    let gw = NullGateway::new();
    for (e, cap) in [
        (gw.scheduled().await.unwrap_err(), Capability::ListScheduled),
        (gw.numbers().await.unwrap_err(), Capability::ReceivingNumbers),
        (gw.senders().await.unwrap_err(), Capability::SenderNames),
        (gw.add_sender("Sklep").await.unwrap_err(), Capability::SenderNames),
        (gw.set_default_sender("Sklep").await.unwrap_err(), Capability::SenderNames),
        (gw.delete_sender("Sklep").await.unwrap_err(), Capability::SenderNames),
    ] {
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert_eq!(e.capability(), Some(cap));
    }
}

async fn exercise(gw: &dyn Gateway) {
    assert_eq!(gw.scheduled().await.unwrap()[0].to, ["+48600100200"]);
    assert_eq!(gw.numbers().await.unwrap()[0].sms, Some(true));
    assert_eq!(gw.senders().await.unwrap()[0].status, SenderStatus::Active);
    assert_eq!(gw.add_sender("Promo").await.unwrap().status, SenderStatus::Pending);
    gw.set_default_sender("Promo").await.unwrap();
    gw.delete_sender("Promo").await.unwrap();
}

#[tokio::test]
async fn wrappers_forward_every_listing() {
    let inner = Arc::new(Lister::new("a"));
    let retry = RetryGateway::new(inner.clone(), RetryPolicy::new().with_max_attempts(1));
    exercise(&retry).await;
    assert_eq!(inner.calls.load(Ordering::SeqCst), 6);
    let boxed: Box<dyn Gateway> = Box::new(RetryGateway::new(inner.clone(), RetryPolicy::new()));
    exercise(boxed.as_ref()).await;
    assert_eq!(inner.calls.load(Ordering::SeqCst), 12);
}

#[tokio::test]
async fn pools_list_every_gateways_scheduled_messages_and_manage_the_first_ones_senders() {
    let a = Arc::new(Lister::new("a"));
    let b = Arc::new(Lister::new("b"));
    let plain: Arc<dyn Gateway> = Arc::new(NullGateway::new());
    let pool = Failover::new(vec![a.clone(), plain, b.clone()]).unwrap();
    let ids: Vec<String> = pool.scheduled().await.unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(ids, ["a-bulk-1", "b-bulk-1"], "the gateway without the listing is skipped");
    assert_eq!(pool.numbers().await.unwrap().len(), 2);
    pool.add_sender("Promo").await.unwrap();
    assert_eq!((a.calls.load(Ordering::SeqCst), b.calls.load(Ordering::SeqCst)), (3, 2));
    // None has it: the Unsupported error.
    let rr = RoundRobin::new(vec![Arc::new(NullGateway::new())]).unwrap();
    assert_eq!(rr.scheduled().await.unwrap_err().capability(), Some(Capability::ListScheduled));
}
