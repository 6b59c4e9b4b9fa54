//! `bramka serve --sandbox`: the local SMS operator (bramka-sandbox) mounted at `/sandbox/` (its
//! SMSAPI, Infobip and Twilio endpoints), and its JSON API at `/api/v1/sandbox/` behind the API's
//! token check (`GET /api/v1/sandbox/messages`: what it received, newest first).

use axum::Router;
use bramka_sandbox::{Sandbox, SandboxConfig};

/// The configuration `bramka serve --sandbox` runs with when there is no file: in memory, no
/// account needed.
pub const NO_FILE_CONFIG: &str = "[server]\nstorage = \"memory:\"\n";

/// The sandbox of a server started with `--sandbox`.
pub(crate) fn start(enabled: bool) -> Option<Sandbox> {
    enabled.then(|| Sandbox::new(SandboxConfig::default()))
}

/// Adds the sandbox's API under `/api/v1/sandbox` to the API routes (before their token layer).
pub(crate) fn api<S: Clone + Send + Sync + 'static>(sandbox: Option<&Sandbox>, api: Router<S>) -> Router<S> {
    match sandbox {
        Some(sb) => api.nest_service("/api/v1/sandbox", sb.api_routes()),
        None => api,
    }
}

/// Mounts the operator endpoints under `/sandbox`.
pub(crate) fn mount(sandbox: Option<&Sandbox>, router: Router) -> Router {
    match sandbox {
        Some(sb) => router.nest_service("/sandbox", sb.operator_routes()),
        None => router,
    }
}
