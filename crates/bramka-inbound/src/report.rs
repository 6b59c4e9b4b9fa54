//! Inbox reports and streaming CSV exports.
//!
//! Exports read the store page by page (keyset paging on the row id) and write each row at
//! once, so memory stays constant however many rows there are. Every text cell that starts
//! with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so a spreadsheet
//! never runs a message text (or a sender name) as a formula.

use std::collections::BTreeMap;
use std::io::Write;

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::error::{ExportError, StoreError};
use crate::model::{MessageQuery, Outcome, StoredMessage};
use crate::stats::Statistics;
use crate::store::Store;

/// Rows read from the store per page.
pub const PAGE: usize = 500;

/// Export settings: the time zone for dates and times (Europe/Warsaw by default) and an
/// optional UTF-8 byte-order mark so spreadsheet software shows Polish letters.
///
/// ```
/// use bramka_inbound::report::ExportOptions;
///
/// let o = ExportOptions::default().time_zone(chrono_tz::Europe::London).bom(true);
/// assert!(o.bom);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExportOptions {
    /// Dates, times and days are in this zone.
    pub time_zone: Tz,
    /// Write a UTF-8 BOM first.
    pub bom: bool,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions { time_zone: chrono_tz::Europe::Warsaw, bom: false }
    }
}

impl ExportOptions {
    /// Another time zone.
    #[must_use]
    pub fn time_zone(mut self, tz: Tz) -> Self {
        self.time_zone = tz;
        self
    }
    /// With or without a BOM.
    #[must_use]
    pub fn bom(mut self, on: bool) -> Self {
        self.bom = on;
        self
    }
}

/// Neutralises a cell a spreadsheet would read as a formula by prefixing `'`, and leaves phone
/// numbers as they are.
///
/// A cell is neutralised when it starts with `=`, `+`, `-`, `@`, a tab or a carriage return,
/// also after leading blanks or NUL characters (which spreadsheets skip). A cell that is a
/// phone number in international form (`+` and 4 to 15 digits) is a number to a spreadsheet,
/// not a formula, and is kept.
///
/// ```
/// use bramka_inbound::report::neutralize;
/// assert_eq!(neutralize("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
/// assert_eq!(neutralize("-1+1"), "'-1+1");
/// assert_eq!(neutralize("  =1+1"), "'  =1+1");
/// assert_eq!(neutralize("\0=1+1"), "'\0=1+1");
/// assert_eq!(neutralize("+48600100200"), "+48600100200");
/// assert_eq!(neutralize("+48600100200+1"), "'+48600100200+1");
/// assert_eq!(neutralize("GLOSUJE A"), "GLOSUJE A");
/// ```
pub fn neutralize(cell: &str) -> std::borrow::Cow<'_, str> {
    if is_phone_number(cell) {
        return cell.into();
    }
    let starts_with_control = cell.starts_with(['\t', '\r']);
    let first = cell.chars().find(|c| !(c.is_whitespace() || *c == '\0'));
    if starts_with_control || matches!(first, Some('=' | '+' | '-' | '@')) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// `+` and 4 to 15 digits: what a spreadsheet reads as a plain number.
fn is_phone_number(cell: &str) -> bool {
    cell.strip_prefix('+')
        .is_some_and(|d| (4..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

/// Calls `f` for every message matching `query`, in row order, one page in memory at a time.
///
/// # Errors
///
/// Returns [`StoreError`] (converted into `E`) when reading a page fails, and the first error `f`
/// returns; `f` is not called again after an error.
pub async fn for_each_message<F, E>(store: &dyn Store, query: &MessageQuery, mut f: F) -> Result<u64, E>
where
    F: FnMut(&StoredMessage) -> Result<(), E>,
    E: From<StoreError>,
{
    let mut after = 0;
    let mut n = 0;
    loop {
        let page = store.messages_page(query, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.row;
        for m in &page {
            f(m)?;
            n += 1;
        }
        if page.len() < PAGE {
            break;
        }
    }
    Ok(n)
}

/// The short report: the number of messages per local calendar day in `tz` (days with no
/// message are left out). DST days are 23 or 25 hours long and still one day each.
///
/// # Errors
///
/// Returns [`StoreError::Backend`] when the store's database fails and [`StoreError::Corrupt`] when
/// a stored message cannot be read.
pub async fn daily_counts(
    store: &dyn Store,
    query: &MessageQuery,
    tz: Tz,
) -> Result<BTreeMap<NaiveDate, u64>, StoreError> {
    let mut days = BTreeMap::new();
    for_each_message(store, query, |m| {
        *days.entry(m.received_at.with_timezone(&tz).date_naive()).or_default() += 1;
        Ok::<(), StoreError>(())
    })
    .await?;
    Ok(days)
}

fn csv_writer<W: Write>(mut w: W, opts: &ExportOptions) -> Result<csv::Writer<W>, ExportError> {
    if opts.bom {
        w.write_all("\u{feff}".as_bytes()).map_err(csv::Error::from)?;
    }
    Ok(csv::WriterBuilder::new().from_writer(w))
}

fn outcome_cells(o: &Outcome) -> (String, String, String, String) {
    match o {
        Outcome::Unmatched => ("unmatched".into(), String::new(), String::new(), String::new()),
        Outcome::Inbox { inbox } => ("inbox".into(), inbox.clone(), String::new(), String::new()),
        Outcome::Poll { poll, vote } => {
            let code = match vote {
                crate::model::VoteOutcome::Accepted { code: Some(c), .. } => c.clone(),
                _ => String::new(),
            };
            (vote.as_str().into(), poll.clone(), vote.option().unwrap_or_default().to_owned(), code)
        }
    }
}

fn write_row<W: Write>(wtr: &mut csv::Writer<W>, row: &[String]) -> Result<(), ExportError> {
    for cell in row {
        wtr.write_field(neutralize(cell).as_bytes())?;
    }
    wtr.write_record(None::<&[u8]>)?;
    Ok(())
}

/// The detailed report as CSV: `date,time,sender,receiver,text,status,target` (local date and
/// time in the export's zone). Streams; returns the number of rows.
///
/// # Errors
///
/// Returns [`ExportError::Store`] when reading the messages fails and [`ExportError::Csv`] when
/// writing to `out` fails (rows written before the error stay written).
pub async fn write_messages_csv<W: Write>(
    store: &dyn Store,
    query: &MessageQuery,
    opts: &ExportOptions,
    out: W,
) -> Result<u64, ExportError> {
    let mut wtr = csv_writer(out, opts)?;
    wtr.write_record(["date", "time", "sender", "receiver", "text", "status", "target"])?;
    let tz = opts.time_zone;
    let n = for_each_message(store, query, |m| {
        let local = m.received_at.with_timezone(&tz);
        let (status, target, _, _) = outcome_cells(&m.outcome);
        write_row(
            &mut wtr,
            &[
                local.format("%Y-%m-%d").to_string(),
                local.format("%H:%M:%S").to_string(),
                m.from.clone(),
                m.to.clone(),
                m.text.clone(),
                status,
                target,
            ],
        )
    })
    .await?;
    wtr.flush().map_err(csv::Error::from)?;
    Ok(n)
}

/// The short report as CSV: `date,messages`.
///
/// # Errors
///
/// Returns [`ExportError::Store`] when reading the messages fails and [`ExportError::Csv`] when
/// writing to `out` fails.
pub async fn write_daily_csv<W: Write>(
    store: &dyn Store,
    query: &MessageQuery,
    opts: &ExportOptions,
    out: W,
) -> Result<u64, ExportError> {
    let days = daily_counts(store, query, opts.time_zone).await?;
    let mut wtr = csv_writer(out, opts)?;
    wtr.write_record(["date", "messages"])?;
    for (d, n) in &days {
        wtr.write_record([d.format("%Y-%m-%d").to_string(), n.to_string()])?;
    }
    wtr.flush().map_err(csv::Error::from)?;
    Ok(days.len() as u64)
}

/// A poll's answers as CSV: `date,time,sender,text,status,option,code`. Streams.
///
/// # Errors
///
/// Returns [`ExportError::Store`] when reading the answers fails and [`ExportError::Csv`] when
/// writing to `out` fails (rows written before the error stay written).
pub async fn write_answers_csv<W: Write>(
    store: &dyn Store,
    poll: &str,
    opts: &ExportOptions,
    out: W,
) -> Result<u64, ExportError> {
    let mut wtr = csv_writer(out, opts)?;
    wtr.write_record(["date", "time", "sender", "text", "status", "option", "code"])?;
    let tz = opts.time_zone;
    let n = for_each_message(store, &MessageQuery::all().poll(poll), |m| {
        let local = m.received_at.with_timezone(&tz);
        let (status, _, option, code) = outcome_cells(&m.outcome);
        write_row(
            &mut wtr,
            &[
                local.format("%Y-%m-%d").to_string(),
                local.format("%H:%M:%S").to_string(),
                m.from.clone(),
                m.text.clone(),
                status,
                option,
                code,
            ],
        )
    })
    .await?;
    wtr.flush().map_err(csv::Error::from)?;
    Ok(n)
}

/// Statistics as CSV: `option,count,percent`, then a `total` line.
///
/// # Errors
///
/// Returns [`ExportError::Csv`] when writing to `out` fails.
pub fn write_statistics_csv<W: Write>(
    stats: &Statistics,
    opts: &ExportOptions,
    out: W,
) -> Result<(), ExportError> {
    let mut wtr = csv_writer(out, opts)?;
    wtr.write_record(["option", "count", "percent"])?;
    for o in &stats.options {
        wtr.write_record([neutralize(&o.code).into_owned(), o.count.to_string(), o.percent_text()])?;
    }
    let total_pct = if stats.total == 0 { "0.00" } else { "100.00" };
    wtr.write_record(["total".to_owned(), stats.total.to_string(), total_pct.to_owned()])?;
    wtr.flush().map_err(csv::Error::from)?;
    Ok(())
}
