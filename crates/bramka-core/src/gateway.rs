//! The [`Gateway`] trait every operator implements.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::capabilities::{Capabilities, Capability};
use crate::error::Error;
use crate::message::Message;
use crate::report::{Balance, DeliveryReport, SendReport};

/// An SMS gateway: one operator account, or a wrapper around others (retry, failover, …).
///
/// Object-safe: `Arc<dyn Gateway>` works. Optional operations return an
/// [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) error naming the capability unless the
/// gateway has them; [`capabilities`](Gateway::capabilities) says so up front.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use bramka_core::{Capability, ErrorKind, Gateway, Message, testing::NullGateway};
/// use std::sync::Arc;
///
/// let gw: Arc<dyn Gateway> = Arc::new(NullGateway::new());
/// let msg = Message::builder().to("+48600100200").text("Hello").build().unwrap();
/// let report = gw.send(&msg).await.unwrap();
/// assert!(report.all_accepted());
/// let err = gw.balance().await.unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Unsupported);
/// assert_eq!(err.capability(), Some(Capability::Balance));
/// # }
/// ```
#[async_trait]
pub trait Gateway: Send + Sync + fmt::Debug {
    /// The gateway's id (`"smsapi"`, `"failover"`, an account name).
    fn id(&self) -> &str;

    /// What the gateway supports.
    fn capabilities(&self) -> &Capabilities;

    /// Sends a message to all its recipients.
    ///
    /// `Ok` when the operator answered for the recipients (some may be rejected: see
    /// [`SendReport::rejected`]); `Err` when the request as a whole failed, with a certainty.
    async fn send(&self, message: &Message) -> Result<SendReport, Error>;

    /// The delivery status of a sent message, by the operator's message id.
    async fn status(&self, message_id: &str) -> Result<DeliveryReport, Error> {
        let _ = message_id;
        Err(Error::unsupported(self.id().to_owned(), Capability::Status))
    }

    /// Cancels a scheduled message or bulk.
    async fn cancel(&self, id: &str) -> Result<(), Error> {
        let _ = id;
        Err(Error::unsupported(self.id().to_owned(), Capability::Cancel))
    }

    /// Moves a scheduled message or bulk to another time.
    async fn reschedule(&self, id: &str, at: DateTime<Utc>) -> Result<(), Error> {
        let _ = (id, at);
        Err(Error::unsupported(self.id().to_owned(), Capability::Reschedule))
    }

    /// Pauses a scheduled bulk.
    async fn pause(&self, id: &str) -> Result<(), Error> {
        let _ = id;
        Err(Error::unsupported(self.id().to_owned(), Capability::Pause))
    }

    /// Resumes a paused bulk.
    async fn resume(&self, id: &str) -> Result<(), Error> {
        let _ = id;
        Err(Error::unsupported(self.id().to_owned(), Capability::Pause))
    }

    /// The account balance.
    async fn balance(&self) -> Result<Balance, Error> {
        Err(Error::unsupported(self.id().to_owned(), Capability::Balance))
    }
}

macro_rules! forward_gateway {
    ($ty:ty) => {
        #[async_trait]
        impl<G: Gateway + ?Sized> Gateway for $ty {
            fn id(&self) -> &str {
                (**self).id()
            }
            fn capabilities(&self) -> &Capabilities {
                (**self).capabilities()
            }
            async fn send(&self, message: &Message) -> Result<SendReport, Error> {
                (**self).send(message).await
            }
            async fn status(&self, message_id: &str) -> Result<DeliveryReport, Error> {
                (**self).status(message_id).await
            }
            async fn cancel(&self, id: &str) -> Result<(), Error> {
                (**self).cancel(id).await
            }
            async fn reschedule(&self, id: &str, at: DateTime<Utc>) -> Result<(), Error> {
                (**self).reschedule(id, at).await
            }
            async fn pause(&self, id: &str) -> Result<(), Error> {
                (**self).pause(id).await
            }
            async fn resume(&self, id: &str) -> Result<(), Error> {
                (**self).resume(id).await
            }
            async fn balance(&self) -> Result<Balance, Error> {
                (**self).balance().await
            }
        }
    };
}

forward_gateway!(Arc<G>);
forward_gateway!(Box<G>);
