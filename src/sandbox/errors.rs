//! Google-shaped error replies: `google.rpc.Status` in the HTTP envelope for
//! the Channel surface, plus the legacy `errors[]` entries the Directory API
//! still sends (`forbidden`, `notFound`, ...), which clients branch on.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::api::status::{ErrorBody, LegacyError};
use crate::api::{Code, Status};

pub const CHANNEL_DOMAIN: &str = "cloudchannel.googleapis.com";
const GOOGLEAPIS_DOMAIN: &str = "googleapis.com";

/// Which API answered: decides the shape of the error body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Channel,
    Directory,
    Sandbox,
}

/// A request the sandbox refuses, as Google would.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: Status,
    /// Replaces the canonical HTTP status (e.g. 413 for an oversized body).
    pub http_override: Option<u16>,
    /// The Directory API's `errors[0].reason`.
    pub legacy_reason: Option<String>,
    pub surface: Surface,
    /// Seconds for a `Retry-After` header (quota and unavailability faults).
    pub retry_after: Option<u64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: Code, message: impl Into<String>) -> ApiError {
        ApiError {
            status: Status::new(code, message),
            http_override: None,
            legacy_reason: None,
            surface: Surface::Channel,
            retry_after: None,
        }
    }

    /// Adds `ErrorInfo.reason` (e.g. `NOT_ACTIVE`), as the sandbox carries the
    /// service-specific conditions of the method descriptions.
    pub fn reason(mut self, reason: &str) -> ApiError {
        self.status = self.status.with_reason(reason, CHANNEL_DOMAIN);
        self
    }

    pub fn on(mut self, surface: Surface) -> ApiError {
        self.surface = surface;
        self
    }

    pub fn invalid_argument(message: impl Into<String>) -> ApiError {
        ApiError::new(Code::InvalidArgument, message)
    }

    /// A field value Google calls INVALID_VALUE (malformed domain, offer id).
    pub fn invalid_value(message: impl Into<String>) -> ApiError {
        ApiError::invalid_argument(message).reason("INVALID_VALUE")
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(Code::NotFound, message)
    }

    pub fn already_exists(message: impl Into<String>) -> ApiError {
        ApiError::new(Code::AlreadyExists, message)
    }

    pub fn failed_precondition(reason: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(Code::FailedPrecondition, message).reason(reason)
    }

    pub fn permission_denied(message: impl Into<String>) -> ApiError {
        ApiError::new(Code::PermissionDenied, message)
    }

    pub fn unauthenticated(message: impl Into<String>, reason: &str) -> ApiError {
        let mut error = ApiError::new(Code::Unauthenticated, message);
        error.status = error.status.with_reason(reason, GOOGLEAPIS_DOMAIN);
        error
    }

    /// The Directory API's older body: `errors[{domain, reason, message}]`.
    pub fn directory(code: Code, legacy_reason: &str, message: impl Into<String>) -> ApiError {
        let mut error = ApiError::new(code, message).on(Surface::Directory);
        error.legacy_reason = Some(legacy_reason.to_string());
        error
    }

    pub fn http_status(&self) -> u16 {
        self.http_override
            .unwrap_or_else(|| self.status.code().http_status())
    }

    pub fn body(&self) -> ErrorBody {
        let mut body = ErrorBody::from_status(&self.status);
        body.error.code = self.http_status();
        if let Some(reason) = &self.legacy_reason {
            body.error.errors.push(LegacyError {
                domain: legacy_domain(reason).to_string(),
                reason: reason.clone(),
                message: self.status.message.clone(),
            });
        }
        body
    }
}

/// Directory puts quota reasons under `usageLimits`, the rest under `global`.
fn legacy_domain(reason: &str) -> &'static str {
    match reason {
        "rateLimitExceeded" | "userRateLimitExceeded" | "dailyLimitExceeded" => "usageLimits",
        _ => "global",
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(self.body())).into_response();
        if self.status.code() == Code::Unauthenticated {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"https://accounts.google.com/\""),
            );
        }
        if let Some(seconds) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// The 413 Google's front end gives for an oversized request.
pub fn payload_too_large(limit: usize) -> ApiError {
    let mut error = ApiError::invalid_argument(format!(
        "Request payload size exceeds the limit: {limit} bytes."
    ));
    error.http_override = Some(413);
    error
}
