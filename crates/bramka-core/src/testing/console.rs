//! [`ConsoleGateway`] (`console://`): prints what would be sent.

use std::fmt;
use std::io::Write;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::capabilities::{Capabilities, Capability};
use crate::error::{Certainty, Error, ErrorKind};
use crate::gateway::Gateway;
use crate::message::Message;
use crate::report::{RecipientReport, SendReport, SendState};

/// A gateway that writes every message it is given to a writer (stdout by default) and accepts
/// it: the `console://` gateway, the default of the CLI and the quick start.
///
/// It prints the recipients in full E.164 (it is your own console), the sender, the encoding,
/// units and parts, each part's text, the schedule, the validity and the client reference, and
/// returns accepted receipts with ids `console-1`, `console-2`, … (one per recipient).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use bramka_core::testing::{ConsoleGateway, SharedBuffer};
/// use bramka_core::{Gateway, Message};
///
/// let out = SharedBuffer::new();
/// let gw = ConsoleGateway::with_writer(Box::new(out.clone()));
/// let msg = Message::builder().to("+48600100200").text("Hello").sender("Shop").build().unwrap();
/// let report = gw.send(&msg).await.unwrap();
/// assert_eq!(report.recipients[0].message_id.as_deref(), Some("console-1"));
/// let text = out.contents();
/// assert!(text.contains("to:       +48600100200 (console-1)"), "{text}");
/// assert!(text.contains("from:     Shop"), "{text}");
/// assert!(text.contains("part 1/1 (5 units): Hello"), "{text}");
/// # }
/// ```
pub struct ConsoleGateway {
    caps: Capabilities,
    out: Mutex<ConsoleState>,
}

struct ConsoleState {
    writer: Box<dyn Write + Send>,
    next_id: u64,
}

impl fmt::Debug for ConsoleGateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsoleGateway").finish_non_exhaustive()
    }
}

impl Default for ConsoleGateway {
    fn default() -> Self {
        ConsoleGateway::new()
    }
}

impl ConsoleGateway {
    /// Writes to stdout.
    pub fn new() -> Self {
        ConsoleGateway::with_writer(Box::new(std::io::stdout()))
    }
    /// Writes to `writer`.
    pub fn with_writer(writer: Box<dyn Write + Send>) -> Self {
        ConsoleGateway {
            caps: Capabilities::new()
                .with_batch_size(usize::MAX)
                .with_max_parts(255)
                .with(Capability::Schedule),
            out: Mutex::new(ConsoleState { writer, next_id: 0 }),
        }
    }

    fn render(message: &Message, ids: &[String]) -> String {
        use std::fmt::Write as _;
        let a = message.analysis();
        let mut s = String::new();
        let _ = writeln!(s, "--- SMS (client ref {}) ---", message.client_ref());
        let to: Vec<String> =
            message.recipients().iter().zip(ids).map(|(n, id)| format!("{} ({id})", n.e164())).collect();
        let _ = writeln!(s, "to:       {}", to.join(", "));
        let _ = writeln!(
            s,
            "from:     {}",
            message.sender().map(|x| x.as_string()).unwrap_or_else(|| "(gateway default)".into())
        );
        let _ = writeln!(
            s,
            "encoding: {}, {} units, {} part{}",
            a.encoding(),
            a.units(),
            a.segments(),
            if a.segments() == 1 { "" } else { "s" }
        );
        let _ = writeln!(
            s,
            "schedule: {}",
            message.send_at().map(|t| t.to_rfc3339()).unwrap_or_else(|| "now".into())
        );
        if let Some(v) = message.validity() {
            let _ = writeln!(s, "validity: {}s", v.as_secs());
        }
        if message.is_flash() {
            let _ = writeln!(s, "flash:    yes");
        }
        if let Some(u) = message.callback_url() {
            let _ = writeln!(s, "callback: {u}");
        }
        let n = a.parts().len();
        for (i, p) in a.parts().iter().enumerate() {
            let _ = writeln!(s, "part {}/{} ({} units): {}", i + 1, n, p.units, p.text);
        }
        s
    }
}

#[async_trait]
impl Gateway for ConsoleGateway {
    fn id(&self) -> &str {
        "console"
    }
    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }
    async fn send(&self, message: &Message) -> Result<SendReport, Error> {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let ids: Vec<String> =
            (1..=message.recipients().len() as u64).map(|i| format!("console-{}", out.next_id + i)).collect();
        let text = ConsoleGateway::render(message, &ids);
        out.writer.write_all(text.as_bytes()).and_then(|()| out.writer.flush()).map_err(|e| {
            Error::new(ErrorKind::Other, Certainty::NotSent, format!("cannot write to the console: {e}"))
                .with_gateway("console")
        })?;
        out.next_id += ids.len() as u64;
        let mut report = SendReport::new("console", message);
        let state = if message.send_at().is_some() { SendState::Scheduled } else { SendState::Accepted };
        for (to, id) in message.recipients().iter().zip(ids) {
            report.push(
                RecipientReport::new(to.clone(), state.clone())
                    .with_message_id(id)
                    .with_parts(message.analysis().segments() as u32),
            );
        }
        Ok(report)
    }
}

/// A cloneable in-memory writer, for capturing [`ConsoleGateway`] output in tests.
///
/// ```
/// use bramka_core::testing::SharedBuffer;
/// use std::io::Write;
/// let buf = SharedBuffer::new();
/// buf.clone().write_all(b"hi").unwrap();
/// assert_eq!(buf.contents(), "hi");
/// ```
#[derive(Debug, Clone, Default)]
pub struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl SharedBuffer {
    /// An empty buffer.
    pub fn new() -> Self {
        SharedBuffer::default()
    }
    /// Everything written so far (lossy UTF-8).
    pub fn contents(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
