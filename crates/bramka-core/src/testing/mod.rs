//! Test doubles for applications' own tests (feature `test-util`; [`NullGateway`] and
//! [`ConsoleGateway`] are always available).

mod null;

pub use null::NullGateway;
