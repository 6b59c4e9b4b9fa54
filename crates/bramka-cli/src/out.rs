//! Standard output that ends quietly when its reader is gone (`bramka ... | head`), instead of
//! `println!`'s panic and backtrace.

use std::io::{ErrorKind, Write};

/// Writes `args` to standard output and flushes. A closed pipe ends the process quietly with
/// exit code 0 (the command did its work; the reader wanted no more); any other write error
/// ends it with one `error:` line and exit code 1.
pub(crate) fn print(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        if e.kind() == ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(i32::from(crate::failure::FAILED));
    }
}

/// `println!` through [`print`].
macro_rules! outln {
    ($($t:tt)*) => {
        $crate::out::print(format_args!("{}\n", format_args!($($t)*)))
    };
}
pub(crate) use outln;
