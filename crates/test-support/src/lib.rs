//! Test helpers shared by the bramka workspace's crates; not published.
//!
//! - [`mod@form`]: matching `application/x-www-form-urlencoded` bodies exactly ([`FormExact`]);
//! - [`fixture!`] and [`fixture_json!`]: reading a file under the calling crate's `tests/fixtures/`;
//! - [`suites`]: the behaviour suites every operator crate runs against its own wiremock server
//!   (status mapping with certainty, chunking, partial batches, no retry without
//!   de-duplication, DSN round trip and redaction);
//! - [`serve`]: the configuration file `bramka serve` must accept as written;
//! - `openapi` (feature `openapi`): request bodies checked against strict OpenAPI schemas.

pub mod form;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod serve;
pub mod suites;

pub use form::{FormExact, form, form_of, form_pairs};

/// The text of `tests/fixtures/$name` in the calling crate.
///
/// # Panics
/// When the file cannot be read (a test-setup mistake), naming the path.
#[macro_export]
macro_rules! fixture {
    ($name:expr) => {
        $crate::fixture_at(env!("CARGO_MANIFEST_DIR"), $name)
    };
}

/// `tests/fixtures/$name` in the calling crate, parsed as JSON.
///
/// # Panics
/// When the file cannot be read or is not JSON, naming the path.
#[macro_export]
macro_rules! fixture_json {
    ($name:expr) => {
        $crate::fixture_json_at(env!("CARGO_MANIFEST_DIR"), $name)
    };
}

/// `tests/fixtures/name` under `manifest_dir`, parsed as JSON; see [`fixture_json!`].
///
/// # Panics
/// When the file cannot be read or is not JSON, naming the path.
pub fn fixture_json_at(manifest_dir: &str, name: &str) -> serde_json::Value {
    serde_json::from_str(&fixture_at(manifest_dir, name))
        .unwrap_or_else(|e| panic!("fixture {name} is not JSON: {e}"))
}

/// The text of `tests/fixtures/name` under `manifest_dir`; see [`fixture!`].
///
/// # Panics
/// When the file cannot be read, naming the path.
pub fn fixture_at(manifest_dir: &str, name: &str) -> String {
    let path = std::path::Path::new(manifest_dir).join("tests").join("fixtures").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()))
}
