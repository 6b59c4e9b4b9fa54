//! CPU time and peak memory of this process (getrusage).

use nix::sys::resource::{UsageWho, getrusage};

/// User + system CPU seconds used by this process so far (all threads).
pub fn cpu_secs() -> f64 {
    match getrusage(UsageWho::RUSAGE_SELF) {
        Ok(u) => {
            let t = |tv: nix::sys::time::TimeVal| tv.tv_sec() as f64 + tv.tv_usec() as f64 / 1e6;
            t(u.user_time()) + t(u.system_time())
        }
        Err(_) => f64::NAN,
    }
}

/// Peak resident set size of this process in MiB (`ru_maxrss`, KiB on Linux).
pub fn peak_rss_mib() -> f64 {
    match getrusage(UsageWho::RUSAGE_SELF) {
        Ok(u) => u.max_rss() as f64 / 1024.0,
        Err(_) => f64::NAN,
    }
}
