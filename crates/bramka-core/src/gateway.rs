//! The [`Gateway`] trait every operator implements.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::account::{ReceivingNumber, ScheduledMessage, SenderName};
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
    /// # The send contract
    ///
    /// Every gateway keeps it; operator crates get it by sending through
    /// [`chunked::send_in_chunks`](crate::chunked::send_in_chunks), which enforces it once.
    ///
    /// - **Chunking.** More recipients than one request takes
    ///   ([`Capabilities::batch_size`]) are sent in several requests, in the message's order.
    /// - **`Err` only when nothing reached the operator** (the first request failed
    ///   [`Certainty::NotSent`](crate::Certainty::NotSent), so no recipient can have been sent), **or
    ///   every request failed the same way** (the message needed one request and it failed). The
    ///   error then holds for every recipient.
    /// - **Otherwise `Ok`, with exactly one entry per recipient**, in the message's order, each in
    ///   one of three honest states: accepted ([`SendState::is_accepted`]); rejected with an error
    ///   whose certainty says whether it may have gone out ([`SendState::Rejected`]); or
    ///   [`SendState::NotAttempted`]: its request was never made because an earlier request of the
    ///   same message failed. A not-attempted recipient is certainly not sent, safe to send again,
    ///   and carries no other request's error.
    ///
    /// [`RetryGateway`](crate::RetryGateway) relies on this: it re-sends exactly the recipients
    /// that are not attempted or rejected `NotSent` transiently (and, where the operator
    /// de-duplicates, the `MaybeSent` ones).
    ///
    /// [`SendState::is_accepted`]: crate::SendState::is_accepted
    /// [`SendState::Rejected`]: crate::SendState::Rejected
    /// [`SendState::NotAttempted`]: crate::SendState::NotAttempted
    async fn send(&self, message: &Message) -> Result<SendReport, Error>;

    /// The gateway this one wraps, for wrappers (retry, rate limit, …) that add behaviour to
    /// [`send`](Gateway::send) only.
    ///
    /// The default optional operations forward to it, so a wrapper that returns `Some(inner)`
    /// here answers every operation its inner gateway advertises, including ones added to this
    /// trait later, without writing a forwarding method for each. Operator gateways keep the
    /// default (`None`): their unimplemented operations answer
    /// [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported).
    fn delegate(&self) -> Option<&dyn Gateway> {
        None
    }

    /// For a pool of gateways ([`Failover`](crate::compose::Failover),
    /// [`RoundRobin`](crate::compose::RoundRobin)): the member that answers as `id`, searched in
    /// nested pools too, when exactly one does. Others keep the default (`None`).
    ///
    /// [`RetryGateway`](crate::RetryGateway) uses it to keep a recipient that may have gone out
    /// through one member on that member: it is sent again only there, and only when that member
    /// de-duplicates, so a retry never reaches another operator that knows nothing of the key.
    /// Wrappers (rate limit, recording…) keep the default: a send straight to a member would skip
    /// them; around a wrapped pool, a retry then leaves such a recipient `MaybeSent`, as before.
    fn member(&self, id: &str) -> Option<&dyn Gateway> {
        let _ = id;
        None
    }

    /// The delivery status of a sent message, by the operator's message id.
    async fn status(&self, message_id: &str) -> Result<DeliveryReport, Error> {
        match self.delegate() {
            Some(inner) => inner.status(message_id).await,
            None => Err(Error::unsupported(self.id().to_owned(), Capability::Status)),
        }
    }

    /// Cancels a scheduled message or bulk.
    ///
    /// `Ok` only when the operator confirms the cancellation. An answer with another status
    /// than cancelled (still pending, already sent, …) is an
    /// [`ErrorKind::InvalidState`](crate::ErrorKind::InvalidState) error naming that status, with
    /// [`Certainty::MaybeSent`](crate::Certainty::MaybeSent): the cancel did not take, so the
    /// message may still go out (or already has). An operator refusing the cancel outright (not
    /// found, no longer cancellable) answers with its own error.
    async fn cancel(&self, id: &str) -> Result<(), Error> {
        match self.delegate() {
            Some(inner) => inner.cancel(id).await,
            None => Err(Error::unsupported(self.id().to_owned(), Capability::Cancel)),
        }
    }

    /// Moves a scheduled message or bulk to another time.
    async fn reschedule(&self, id: &str, at: DateTime<Utc>) -> Result<(), Error> {
        match self.delegate() {
            Some(inner) => inner.reschedule(id, at).await,
            None => Err(Error::unsupported(self.id().to_owned(), Capability::Reschedule)),
        }
    }

    /// Pauses a scheduled bulk.
    async fn pause(&self, id: &str) -> Result<(), Error> {
        match self.delegate() {
            Some(inner) => inner.pause(id).await,
            None => Err(Error::unsupported(self.id().to_owned(), Capability::Pause)),
        }
    }

    /// Resumes a paused bulk.
    async fn resume(&self, id: &str) -> Result<(), Error> {
        match self.delegate() {
            Some(inner) => inner.resume(id).await,
            None => Err(Error::unsupported(self.id().to_owned(), Capability::Pause)),
        }
    }

    /// The account balance.
    async fn balance(&self) -> Result<Balance, Error> {
        match self.delegate() {
            Some(inner) => inner.balance().await,
            None => Err(Error::unsupported(self.id().to_owned(), Capability::Balance)),
        }
    }

    /// The messages and bulks waiting at the operator for their send time, with the ids
    /// [`cancel`](Gateway::cancel), [`reschedule`](Gateway::reschedule) and
    /// [`pause`](Gateway::pause) take ([`Capability::ListScheduled`]).
    async fn scheduled(&self) -> Result<Vec<ScheduledMessage>, Error> {
        match self.delegate() {
            Some(inner) => inner.scheduled().await,
            None => Err(Error::unsupported(self.id().to_owned(), Capability::ListScheduled)),
        }
    }

    /// The account's numbers that receive messages ([`Capability::ReceivingNumbers`]).
    async fn numbers(&self) -> Result<Vec<ReceivingNumber>, Error> {
        match self.delegate() {
            Some(inner) => inner.numbers().await,
            None => Err(Error::unsupported(self.id().to_owned(), Capability::ReceivingNumbers)),
        }
    }

    /// The sender names registered with the operator and their states
    /// ([`Capability::SenderNames`]).
    async fn senders(&self) -> Result<Vec<SenderName>, Error> {
        match self.delegate() {
            Some(inner) => inner.senders().await,
            None => Err(Error::unsupported(self.id().to_owned(), Capability::SenderNames)),
        }
    }

    /// Requests a new sender name; the operator answers it, usually pending approval
    /// ([`Capability::SenderNames`]).
    async fn add_sender(&self, name: &str) -> Result<SenderName, Error> {
        match self.delegate() {
            Some(inner) => inner.add_sender(name).await,
            None => Err(Error::unsupported(self.id().to_owned(), Capability::SenderNames)),
        }
    }

    /// Makes a sender name the one used when a message names none ([`Capability::SenderNames`]).
    async fn set_default_sender(&self, name: &str) -> Result<(), Error> {
        match self.delegate() {
            Some(inner) => inner.set_default_sender(name).await,
            None => Err(Error::unsupported(self.id().to_owned(), Capability::SenderNames)),
        }
    }

    /// Deletes a sender name ([`Capability::SenderNames`]).
    async fn delete_sender(&self, name: &str) -> Result<(), Error> {
        match self.delegate() {
            Some(inner) => inner.delete_sender(name).await,
            None => Err(Error::unsupported(self.id().to_owned(), Capability::SenderNames)),
        }
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
            fn delegate(&self) -> Option<&dyn Gateway> {
                (**self).delegate()
            }
            fn member(&self, id: &str) -> Option<&dyn Gateway> {
                (**self).member(id)
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
            async fn scheduled(&self) -> Result<Vec<ScheduledMessage>, Error> {
                (**self).scheduled().await
            }
            async fn numbers(&self) -> Result<Vec<ReceivingNumber>, Error> {
                (**self).numbers().await
            }
            async fn senders(&self) -> Result<Vec<SenderName>, Error> {
                (**self).senders().await
            }
            async fn add_sender(&self, name: &str) -> Result<SenderName, Error> {
                (**self).add_sender(name).await
            }
            async fn set_default_sender(&self, name: &str) -> Result<(), Error> {
                (**self).set_default_sender(name).await
            }
            async fn delete_sender(&self, name: &str) -> Result<(), Error> {
                (**self).delete_sender(name).await
            }
        }
    };
}

forward_gateway!(Arc<G>);
forward_gateway!(Box<G>);
