//! The `sandbox_messages` table (schema v6): what `bramka serve --sandbox` received.

use rusqlite::{Connection, Row, params};

use super::{micros, time};
use crate::error::StoreError;
use crate::sandbox::{SandboxMessage, callbacks_from, callbacks_json};

const COLS: &str = "seq, operator, direction, message_id, account, sender, recipient, text, encoding, \
    parts, state, client_key, batch_id, send_at, callback_url, callbacks, received_at";

pub(super) fn put(c: &Connection, m: &SandboxMessage) -> Result<(), StoreError> {
    let mut st = c.prepare_cached(&format!(
        "INSERT INTO sandbox_messages ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
         ON CONFLICT (operator, message_id) DO UPDATE SET seq = excluded.seq, direction = excluded.direction,
           account = excluded.account, sender = excluded.sender, recipient = excluded.recipient,
           text = excluded.text, encoding = excluded.encoding, parts = excluded.parts, state = excluded.state,
           client_key = excluded.client_key, batch_id = excluded.batch_id, send_at = excluded.send_at,
           callback_url = excluded.callback_url, callbacks = excluded.callbacks, received_at = excluded.received_at"
    ))?;
    st.execute(params![
        m.seq,
        m.operator,
        m.direction,
        m.message_id,
        m.account,
        m.sender,
        m.recipient,
        m.text,
        m.encoding,
        i64::from(m.parts),
        m.state,
        m.client_key,
        m.batch_id,
        m.send_at.map(micros),
        m.callback_url,
        callbacks_json(&m.callbacks),
        micros(m.received_at),
    ])?;
    Ok(())
}

pub(super) fn all(c: &Connection) -> Result<Vec<SandboxMessage>, StoreError> {
    let mut st = c.prepare_cached(&format!("SELECT {COLS} FROM sandbox_messages ORDER BY seq"))?;
    let rows = st.query_map([], |r| Ok((row(r)?, r.get::<_, String>(15)?)))?;
    let mut out = Vec::new();
    for r in rows {
        let (mut m, callbacks) = r?;
        m.callbacks = callbacks_from(&callbacks)?;
        out.push(m);
    }
    Ok(out)
}

fn row(r: &Row<'_>) -> rusqlite::Result<SandboxMessage> {
    let mut m = SandboxMessage::new(
        &r.get::<_, String>(1)?,
        &r.get::<_, String>(3)?,
        &r.get::<_, String>(6)?,
        &r.get::<_, String>(7)?,
        time(r.get(16)?)?,
    );
    m.seq = r.get(0)?;
    m.direction = r.get(2)?;
    m.account = r.get(4)?;
    m.sender = r.get(5)?;
    m.encoding = r.get(8)?;
    m.parts = u32::try_from(r.get::<_, i64>(9)?).unwrap_or(u32::MAX);
    m.state = r.get(10)?;
    m.client_key = r.get(11)?;
    m.batch_id = r.get(12)?;
    m.send_at = r.get::<_, Option<i64>>(13)?.map(time).transpose()?;
    m.callback_url = r.get(14)?;
    Ok(m)
}
