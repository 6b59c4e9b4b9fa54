//! Queries over entries: per-day counts in a named time zone, cost totals, and a streaming CSV
//! export. All read the store page by page ([`crate::Store::entries_page`]), so a million rows
//! are never held in memory, and work the same on every backend.

use std::collections::BTreeMap;
use std::io::Write;

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::error::{CsvError, StoreError};
use crate::ledger::Ledger;
use crate::model::{Entry, Query, State};

/// Entries read per page.
pub(crate) const PAGE: usize = 1000;

/// The default zone of per-day figures.
pub const DEFAULT_TZ: Tz = chrono_tz::Europe::Warsaw;

/// Entries per state on one local day.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DayCount {
    /// The local date.
    pub date: NaiveDate,
    /// Entries per state.
    pub states: BTreeMap<State, u64>,
    /// All entries of the day.
    pub total: u64,
}

/// Known prices summed per account, local day and currency.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CostTotal {
    /// The account.
    pub account: String,
    /// The local date.
    pub date: NaiveDate,
    /// The currency or unit.
    pub currency: String,
    /// The sum of known prices.
    pub amount: f64,
    /// Entries with a price.
    pub priced: u64,
    /// Entries of that account and day with no price (not in `amount`).
    pub unpriced: u64,
}

impl Ledger {
    async fn for_each(
        &self,
        query: &Query,
        mut f: impl FnMut(&Entry) -> Result<(), CsvError>,
    ) -> Result<u64, CsvError> {
        let mut after = 0;
        let mut n = 0;
        loop {
            let page = self.store().entries_page(query, after, PAGE).await?;
            for e in &page {
                f(e)?;
                n += 1;
            }
            match page.last() {
                Some(last) if page.len() == PAGE => after = last.id,
                _ => return Ok(n),
            }
        }
    }

    /// Entries per local day (in `tz`; [`DEFAULT_TZ`] is Europe/Warsaw) and state, by the time
    /// the intent was written.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when the store's database fails, and [`StoreError::Corrupt`] when
    /// a stored row cannot be read back.
    pub async fn daily_counts(&self, query: &Query, tz: Tz) -> Result<Vec<DayCount>, StoreError> {
        let mut days: BTreeMap<NaiveDate, BTreeMap<State, u64>> = BTreeMap::new();
        self.for_each(query, |e| {
            let d = e.created_at.with_timezone(&tz).date_naive();
            *days.entry(d).or_default().entry(e.state).or_default() += 1;
            Ok(())
        })
        .await
        .map_err(store_error)?;
        Ok(days
            .into_iter()
            .map(|(date, states)| DayCount { date, total: states.values().sum(), states })
            .collect())
    }

    /// Known prices per account, local day (in `tz`) and currency.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Backend`] when the store's database fails, and [`StoreError::Corrupt`] when
    /// a stored row cannot be read back.
    pub async fn cost_totals(&self, query: &Query, tz: Tz) -> Result<Vec<CostTotal>, StoreError> {
        let mut sums: BTreeMap<(String, NaiveDate, String), (f64, u64)> = BTreeMap::new();
        let mut unpriced: BTreeMap<(String, NaiveDate), u64> = BTreeMap::new();
        self.for_each(query, |e| {
            let d = e.created_at.with_timezone(&tz).date_naive();
            match (e.price, &e.currency) {
                (Some(p), Some(c)) => {
                    let s = sums.entry((e.account.clone(), d, c.clone())).or_default();
                    s.0 += p;
                    s.1 += 1;
                }
                _ => *unpriced.entry((e.account.clone(), d)).or_default() += 1,
            }
            Ok(())
        })
        .await
        .map_err(store_error)?;
        Ok(sums
            .into_iter()
            .map(|((account, date, currency), (amount, priced))| CostTotal {
                unpriced: unpriced.get(&(account.clone(), date)).copied().unwrap_or(0),
                account,
                date,
                currency,
                amount,
                priced,
            })
            .collect())
    }

    /// Writes the matching entries as CSV (header first), page by page, with times in `tz`.
    /// Cells that a spreadsheet would run as a formula are neutralised ([`neutralise`]); phone
    /// numbers stay as they are. Returns the number of rows.
    ///
    /// # Errors
    ///
    /// Returns [`CsvError::Csv`] when a row cannot be written (including an I/O error of `out`),
    /// [`CsvError::Io`] when flushing `out` fails, and [`CsvError::Store`] when reading a page
    /// of entries fails.
    pub async fn export_csv(&self, query: &Query, tz: Tz, out: impl Write) -> Result<u64, CsvError> {
        let mut w = csv::WriterBuilder::new().quote_style(csv::QuoteStyle::Necessary).from_writer(out);
        w.write_record(HEADER)?;
        let n = self.for_each(query, |e| Ok(w.write_record(csv_cells(e, tz))?)).await?;
        w.flush()?;
        Ok(n)
    }
}

/// The CSV of `entries` as [`Ledger::export_csv`] writes them (the header first when `header`),
/// for a caller that pages through the store itself ([`crate::Store::entries_page`]) and
/// streams one page at a time.
///
/// ```
/// use bramka_ledger::query::csv_rows;
///
/// let head = csv_rows(&[], bramka_ledger::DEFAULT_TZ, true).unwrap();
/// assert!(String::from_utf8(head).unwrap().starts_with("id,created_at,"));
/// ```
///
/// # Errors
///
/// Returns [`CsvError::Csv`] or [`CsvError::Io`] when a row cannot be written (not expected, since it
/// writes to memory).
pub fn csv_rows(entries: &[Entry], tz: Tz, header: bool) -> Result<Vec<u8>, CsvError> {
    let mut w = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(Vec::with_capacity(160 * entries.len() + 200));
    if header {
        w.write_record(HEADER)?;
    }
    for e in entries {
        w.write_record(csv_cells(e, tz))?;
    }
    w.into_inner().map_err(|e| CsvError::from(e.into_error()))
}

/// One entry's CSV cells, neutralised.
fn csv_cells(e: &Entry, tz: Tz) -> impl Iterator<Item = String> {
    let t = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).to_rfc3339();
    let cells = [
        e.id.to_string(),
        t(e.created_at),
        t(e.updated_at),
        e.account.clone(),
        e.gateway.clone(),
        e.sender.clone().unwrap_or_default(),
        e.campaign.clone().unwrap_or_default(),
        e.to.clone(),
        e.state.as_str().to_owned(),
        e.operator_id.clone().unwrap_or_default(),
        e.client_ref.clone(),
        e.error_kind.clone().unwrap_or_default(),
        e.error_code.clone().unwrap_or_default(),
        e.error_message.clone().unwrap_or_default(),
        e.certainty.clone().unwrap_or_default(),
        e.parts.map(|p| p.to_string()).unwrap_or_default(),
        e.price.map(|p| p.to_string()).unwrap_or_default(),
        e.currency.clone().unwrap_or_default(),
        e.delivery_status.clone().unwrap_or_default(),
    ];
    cells.into_iter().map(|c| neutralise(&c).into_owned())
}

const HEADER: [&str; 19] = [
    "id",
    "created_at",
    "updated_at",
    "account",
    "gateway",
    "sender",
    "campaign",
    "to",
    "state",
    "operator_id",
    "client_ref",
    "error_kind",
    "error_code",
    "error_message",
    "certainty",
    "parts",
    "price",
    "currency",
    "delivery_status",
];

fn store_error(e: CsvError) -> StoreError {
    match e {
        CsvError::Store(s) => s,
        other => StoreError::Backend(other.to_string()),
    }
}

/// A cell made safe for spreadsheets: a value starting with `=`, `+`, `-`, `@`, tab or carriage
/// return would run as a formula, so it gets a leading `'`, unless it is a plain number (such
/// as the phone number `+48600100200` or the price `-0.16`), which a spreadsheet reads as a value
/// and which therefore stays as it is, readable.
///
/// ```
/// use bramka_ledger::query::neutralise;
/// assert_eq!(neutralise("+48600100200"), "+48600100200");
/// assert_eq!(neutralise("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
/// assert_eq!(neutralise("+1+cmd|' /C calc'!A0"), "'+1+cmd|' /C calc'!A0");
/// assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
/// assert_eq!(neutralise("-0.16"), "-0.16");
/// assert_eq!(neutralise("Shop"), "Shop");
/// ```
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if !risky || is_plain_number(cell) {
        return std::borrow::Cow::Borrowed(cell);
    }
    std::borrow::Cow::Owned(format!("'{cell}"))
}

fn is_plain_number(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let mut parts = body.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next();
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}
