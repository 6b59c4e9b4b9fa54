//! [`NullGateway`]: accepts everything, sends nothing.

use async_trait::async_trait;

use crate::capabilities::Capabilities;
use crate::error::Error;
use crate::gateway::Gateway;
use crate::message::Message;
use crate::report::{RecipientReport, SendReport, SendState};

/// A gateway that accepts every message and sends nothing (`null://`): ids `null-1`, `null-2`, …
/// per recipient of each send.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use bramka_core::testing::NullGateway;
/// use bramka_core::{Gateway, Message};
///
/// let msg = Message::builder().to("+48600100200, +48600100201").text("Hi").build().unwrap();
/// let report = NullGateway::new().send(&msg).await.unwrap();
/// assert!(report.all_accepted());
/// assert_eq!(report.recipients[1].message_id.as_deref(), Some("null-2"));
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct NullGateway {
    caps: Capabilities,
}

impl NullGateway {
    /// A new null gateway.
    pub fn new() -> Self {
        NullGateway { caps: Capabilities::new().with_batch_size(usize::MAX).with_max_parts(255) }
    }
}

#[async_trait]
impl Gateway for NullGateway {
    fn id(&self) -> &str {
        "null"
    }
    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }
    async fn send(&self, message: &Message) -> Result<SendReport, Error> {
        let mut report = SendReport::new("null", message);
        for (i, to) in message.recipients().iter().enumerate() {
            report.push(
                RecipientReport::new(to.clone(), SendState::Accepted)
                    .with_message_id(format!("null-{}", i + 1))
                    .with_parts(message.analysis().segments() as u32),
            );
        }
        Ok(report)
    }
}
