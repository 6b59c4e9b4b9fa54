//! Poll statistics: count and percentage per option, percentages that add up to exactly 100.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::poll::Poll;

/// One option's line in the statistics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct OptionStat {
    /// The option code.
    pub code: String,
    /// Accepted answers.
    pub count: u64,
    /// Share of all accepted answers in hundredths of a percent (`3334` = 33.34 %).
    pub hundredths: u32,
}

impl OptionStat {
    /// The percentage (`33.34`).
    pub fn percent(&self) -> f64 {
        f64::from(self.hundredths) / 100.0
    }
    /// The percentage with two decimals (`"33.34"`).
    pub fn percent_text(&self) -> String {
        format!("{}.{:02}", self.hundredths / 100, self.hundredths % 100)
    }
}

/// Statistics of a poll from one snapshot of the counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Statistics {
    /// The poll id.
    pub poll: String,
    /// All accepted answers (the denominator).
    pub total: u64,
    /// Every option in the poll's order, with zero counts too.
    pub options: Vec<OptionStat>,
}

/// Splits `10000` hundredths among `counts` by the largest-remainder method: the result sums
/// to exactly 10000 (or is all zeros when every count is zero).
pub fn largest_remainder(counts: &[u64]) -> Vec<u32> {
    const WHOLE: u128 = 10_000;
    let total: u128 = counts.iter().map(|c| u128::from(*c)).sum();
    if total == 0 {
        return vec![0; counts.len()];
    }
    let mut out: Vec<u32> = Vec::with_capacity(counts.len());
    let mut rem: Vec<(u128, usize)> = Vec::with_capacity(counts.len());
    for (i, c) in counts.iter().enumerate() {
        let x = u128::from(*c) * WHOLE;
        out.push(u32::try_from(x / total).unwrap_or(u32::MAX));
        rem.push((x % total, i));
    }
    let given: u128 = out.iter().map(|v| u128::from(*v)).sum();
    let mut left = WHOLE - given;
    // Largest remainder first; ties go to the earlier option, so the result is deterministic.
    rem.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in rem {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

impl Statistics {
    /// Statistics of `poll` from its vote counters.
    pub fn from_counts(poll: &Poll, counts: &BTreeMap<String, u64>) -> Self {
        let raw: Vec<u64> =
            poll.options().iter().map(|o| counts.get(o.code()).copied().unwrap_or(0)).collect();
        let shares = largest_remainder(&raw);
        Statistics {
            poll: poll.id().to_owned(),
            total: raw.iter().sum(),
            options: poll
                .options()
                .iter()
                .zip(raw.iter().zip(shares))
                .map(|(o, (c, h))| OptionStat { code: o.code().to_owned(), count: *c, hundredths: h })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn thirds_add_up() {
        assert_eq!(largest_remainder(&[1, 1, 1]), vec![3334, 3333, 3333]);
        assert_eq!(largest_remainder(&[0, 0]), vec![0, 0]);
        assert_eq!(largest_remainder(&[2, 1]), vec![6667, 3333]);
        assert_eq!(largest_remainder(&[5, 0]), vec![10000, 0]);
    }

    proptest! {
        #[test]
        fn always_sums_to_100(counts in proptest::collection::vec(0u64..1_000_000, 1..12)) {
            let shares = largest_remainder(&counts);
            let total: u64 = counts.iter().sum();
            let sum: u32 = shares.iter().sum();
            prop_assert_eq!(sum, if total == 0 { 0 } else { 10_000 });
            for (c, s) in counts.iter().zip(&shares) {
                // Each share is within one hundredth of its exact value.
                let exact = *c as f64 * 10_000.0 / total.max(1) as f64;
                prop_assert!((f64::from(*s) - exact).abs() < 1.0 + 1e-9);
            }
        }
    }
}
