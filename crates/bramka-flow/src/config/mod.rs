//! [`SmsActionConfig`]: the settings of one SMS element of a call flow, validated at `build()`
//! with every bad field reported at once.
//!
//! - [`settings`]: the validated configuration and where its text comes from ([`Content`]);
//! - [`builder`]: the builder's setters and `build()`;
//! - [`checks`]: one check per field or group of fields, as `build()` runs them;
//! - [`custom_field`]: the customer's own constant fields, plain or secret;
//! - [`errors`]: the refused fields ([`Field`], [`FieldError`], [`ConfigError`]).

use std::time::Duration;

mod builder;
mod checks;
mod custom_field;
mod errors;
mod settings;

pub use builder::SmsActionConfigBuilder;
pub use custom_field::CustomField;
pub use errors::{ConfigError, Field, FieldError};
pub use settings::{Content, SmsActionConfig};

/// Longest delay accepted (24 hours).
pub const MAX_DELAY: Duration = Duration::from_secs(24 * 3600);

/// Default delay above which a gateway that can schedule gets the message with a send time
/// instead of the action waiting (10 minutes).
pub const DEFAULT_SCHEDULE_THRESHOLD: Duration = Duration::from_secs(600);

/// Default lifetime of a once-per-call entry (24 hours).
pub const DEFAULT_DEDUPE_TTL: Duration = Duration::from_secs(24 * 3600);

/// Longest label accepted, in characters.
pub const MAX_LABEL_CHARS: usize = 64;
