//! The provider's one error type. Google's own message is always kept, because
//! it is what an operator needs to read; secrets never enter it (tokens and
//! keys are held by `auth` and never formatted).

use std::time::Duration;

use super::transport::TransportFailure;

/// The canonical class of a Google error, as resold branches on it
/// (docs/google-apis.md §1.6: branch on the code, show the message as text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    NotFound,
    AlreadyExists,
    /// FAILED_PRECONDITION; the `reason` says which (NOT_ACTIVE, NOT_IN_TRIAL, ...).
    FailedPrecondition,
    PermissionDenied,
    InvalidArgument,
    /// 429 RESOURCE_EXHAUSTED or a quota-type 403 (`rateLimitExceeded`).
    Quota,
    /// 500, 502, 503, 504, a dropped connection or a timeout: worth retrying.
    Transient,
    Unauthenticated,
    /// Anything else Google may answer (ABORTED, UNIMPLEMENTED, ...).
    Other,
}

impl ErrorKind {
    /// Whether the same request may be sent again after a backoff.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorKind::Quota | ErrorKind::Transient)
    }
}

/// An error Google (or the sandbox) answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// Discovery method id, e.g. `cloudchannel.accounts.customers.create`.
    pub method: String,
    pub kind: ErrorKind,
    /// HTTP status, or 0 when the error came inside a finished operation.
    pub http_status: u16,
    /// Canonical code name (`FAILED_PRECONDITION`) as Google sent it.
    pub code: String,
    /// `ErrorInfo.reason` or the legacy `errors[0].reason`.
    pub reason: Option<String>,
    /// Google's message, for the user.
    pub message: String,
    /// The server's `Retry-After`, when it sent one.
    pub retry_after: Option<Duration>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} failed with {}", self.method, self.code)?;
        if let Some(reason) = &self.reason {
            write!(f, " ({reason})")?;
        }
        write!(f, ": {}", self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("{0}")]
    Api(ApiError),
    /// No HTTP answer: the URL (never its query) and what to do about it.
    #[error("{method}: no answer from {url}: {}", failure.with_hint(url))]
    Transport {
        method: String,
        url: String,
        failure: TransportFailure,
    },
    #[error("{method}: unexpected response: {message}")]
    Decode { method: String, message: String },
    #[error("authentication failed: {0}")]
    Auth(String),
    #[error("provider settings: {0}")]
    Settings(String),
    /// The operation is still running at the deadline: the action is in
    /// flight, not failed (docs/google-apis.md §1.7); apply keeps it pending.
    #[error("operation {operation} still running after {waited:?}")]
    OperationPending { operation: String, waited: Duration },
    #[error("no {plan} offer for `{sku}` is purchasable{for_customer}")]
    NoOffer {
        sku: String,
        plan: String,
        for_customer: String,
    },
    #[error("`{0}` is not in the SKU catalogue")]
    UnknownSku(String),
    /// The operation still names "the customer this plan creates": a bug
    /// of the caller, caught before anything is sent.
    #[error(transparent)]
    Unresolved(#[from] crate::operation::Unresolved),
    /// Found by the lookup before a create: the domain has a Google account
    /// that is not this reseller's (Add a Google Workspace customer, step 3). Nothing was created.
    #[error(
        "domain {domain} already has a Google account outside this reseller account; not creating a customer for it (Add a Google Workspace customer, step 3: transfer it instead)"
    )]
    ForeignAccount { domain: String },
    #[error(
        "{method}: retries exhausted after {attempts} attempts in {elapsed:?}; last error: {last}"
    )]
    RetriesExhausted {
        method: String,
        attempts: u32,
        elapsed: Duration,
        last: Box<ProviderError>,
    },
}

impl ProviderError {
    /// The Google error behind this one, looking through exhausted retries.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            ProviderError::Api(api) => Some(api),
            ProviderError::RetriesExhausted { last, .. } => last.api(),
            _ => None,
        }
    }

    /// The canonical class, if Google answered. A timeout or a dropped
    /// connection is transient (retried, outcome unknown); a refused
    /// connection, an unknown host or a failed TLS handshake has none: the
    /// request never left, and trying again at once would not help.
    pub fn kind(&self) -> Option<ErrorKind> {
        match self {
            ProviderError::Transport { failure, .. } => {
                failure.is_retryable().then_some(ErrorKind::Transient)
            }
            ProviderError::RetriesExhausted { last, .. } => last.kind(),
            other => other.api().map(|api| api.kind),
        }
    }

    pub fn is_kind(&self, kind: ErrorKind) -> bool {
        self.kind() == Some(kind)
    }

    /// True for failures where the request may or may not have taken effect
    /// (5xx, dropped connection): the caller must re-read before re-sending a
    /// call that has no request id.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self.kind(), Some(ErrorKind::Transient))
            || matches!(self, ProviderError::OperationPending { .. })
    }
}
