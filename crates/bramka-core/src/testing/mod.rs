//! Test doubles for applications' own tests.
//!
//! Always available: [`NullGateway`] (accepts everything, sends nothing) and [`ConsoleGateway`]
//! (`console://`, prints what would be sent). With the feature `test-util`: `MockGateway`
//! (scripted results, records every call), `RecordingGateway` (wraps another gateway and
//! records), `LogCapture` (proves secrets stay out of logs) and the operator conformance kit
//! (`testing::conformance`).

#[cfg(feature = "test-util")]
pub mod conformance;
mod console;
#[cfg(feature = "test-util")]
mod logs;
#[cfg(feature = "test-util")]
mod mock;
mod null;
#[cfg(feature = "test-util")]
mod recording;

pub use console::{ConsoleGateway, SharedBuffer};
#[cfg(feature = "test-util")]
pub use logs::LogCapture;
#[cfg(feature = "test-util")]
pub use mock::{MockCall, MockGateway, MockOp, MockResult};
pub use null::NullGateway;
#[cfg(feature = "test-util")]
pub use recording::{Recorded, RecordingGateway};
