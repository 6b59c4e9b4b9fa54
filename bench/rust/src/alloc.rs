//! Allocation counting: the binary's global allocator is `stats_alloc`'s instrumented system
//! allocator; the segmentation benchmark reads its counter outside the timed loops.

use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};
use std::alloc::System;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Allocations (reallocations included) made by the process so far.
pub fn count() -> u64 {
    let s = GLOBAL.stats();
    (s.allocations + s.reallocations) as u64
}
