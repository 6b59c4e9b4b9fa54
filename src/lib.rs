//! # bramka
//!
//! SMS gateway clients for Rust. This facade re-exports [`bramka_core`].

pub use bramka_core::*;
