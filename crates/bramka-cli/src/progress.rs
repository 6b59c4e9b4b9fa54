//! The progress bar of bulk sends, and output that never interleaves with it: lines printed
//! while the bar is shown (the console gateway's messages) clear the bar, print, and redraw it.

use std::io::Write;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The bar being shown, if any.
static SHOWN: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// The labelled template: done of total, rate and time left.
pub(crate) const TEMPLATE: &str = "{bar:40} {pos}/{len} recipients sent, {per_sec}, about {eta} left";

/// A bar for `total` recipients on standard error, hidden when `visible` is false. While it
/// lives, [`Suspending`] writers print around it.
pub(crate) fn bar(total: usize, visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(TEMPLATE) {
        bar.set_style(style);
    }
    *SHOWN.lock().unwrap_or_else(|p| p.into_inner()) = Some(bar.clone());
    bar
}

/// Clears and forgets the bar.
pub(crate) fn finish(bar: &ProgressBar) {
    bar.finish_and_clear();
    *SHOWN.lock().unwrap_or_else(|p| p.into_inner()) = None;
}

/// A writer that suspends the shown bar around each write.
pub(crate) struct Suspending<W>(pub(crate) W);

impl<W: Write> Write for Suspending<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let shown = SHOWN.lock().unwrap_or_else(|p| p.into_inner()).clone();
        match shown {
            Some(bar) => {
                bar.suspend(|| self.0.write_all(buf).and_then(|()| self.0.flush())).map(|()| buf.len())
            }
            None => self.0.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_pass_through_whole_with_and_without_a_bar_and_the_template_parses() {
        ProgressStyle::with_template(TEMPLATE).unwrap();
        let mut w = Suspending(Vec::new());
        w.write_all(b"one\n").unwrap();
        let bar = bar(3, true);
        bar.inc(1);
        w.write_all(b"two\n").unwrap();
        finish(&bar);
        assert!(SHOWN.lock().unwrap().is_none());
        assert_eq!(w.0, b"one\ntwo\n");
    }
}
