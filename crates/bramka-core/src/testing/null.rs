//! [`NullGateway`]: accepts everything, sends nothing.

use async_trait::async_trait;

use crate::capabilities::Capabilities;
use crate::error::Error;
use crate::gateway::Gateway;
use crate::message::Message;
use crate::report::{RecipientReport, SendReport, SendState};

/// A gateway that accepts every message and sends nothing.
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
