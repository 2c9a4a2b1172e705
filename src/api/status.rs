//! `google.rpc.Status`, its HTTP error envelope and the canonical codes.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `google.rpc.Code`: the number travels inside operations, the name in HTTP
/// error bodies (`error.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    Ok,
    Cancelled,
    Unknown,
    InvalidArgument,
    DeadlineExceeded,
    NotFound,
    AlreadyExists,
    PermissionDenied,
    ResourceExhausted,
    FailedPrecondition,
    Aborted,
    OutOfRange,
    Unimplemented,
    Internal,
    Unavailable,
    DataLoss,
    Unauthenticated,
}

const CODES: &[(Code, i32, &str, u16)] = &[
    (Code::Ok, 0, "OK", 200),
    (Code::Cancelled, 1, "CANCELLED", 499),
    (Code::Unknown, 2, "UNKNOWN", 500),
    (Code::InvalidArgument, 3, "INVALID_ARGUMENT", 400),
    (Code::DeadlineExceeded, 4, "DEADLINE_EXCEEDED", 504),
    (Code::NotFound, 5, "NOT_FOUND", 404),
    (Code::AlreadyExists, 6, "ALREADY_EXISTS", 409),
    (Code::PermissionDenied, 7, "PERMISSION_DENIED", 403),
    (Code::ResourceExhausted, 8, "RESOURCE_EXHAUSTED", 429),
    (Code::FailedPrecondition, 9, "FAILED_PRECONDITION", 400),
    (Code::Aborted, 10, "ABORTED", 409),
    (Code::OutOfRange, 11, "OUT_OF_RANGE", 400),
    (Code::Unimplemented, 12, "UNIMPLEMENTED", 501),
    (Code::Internal, 13, "INTERNAL", 500),
    (Code::Unavailable, 14, "UNAVAILABLE", 503),
    (Code::DataLoss, 15, "DATA_LOSS", 500),
    (Code::Unauthenticated, 16, "UNAUTHENTICATED", 401),
];

impl Code {
    fn row(self) -> &'static (Code, i32, &'static str, u16) {
        CODES.iter().find(|row| row.0 == self).unwrap_or(&CODES[2])
    }

    pub fn number(self) -> i32 {
        self.row().1
    }

    pub fn name(self) -> &'static str {
        self.row().2
    }

    pub fn http_status(self) -> u16 {
        self.row().3
    }

    pub fn from_number(number: i32) -> Code {
        CODES
            .iter()
            .find(|row| row.1 == number)
            .map_or(Code::Unknown, |row| row.0)
    }

    pub fn from_name(name: &str) -> Option<Code> {
        CODES.iter().find(|row| row.2 == name).map(|row| row.0)
    }

    /// The code Google's gateway uses for a bare HTTP status.
    pub fn from_http_status(status: u16) -> Code {
        match status {
            400 => Code::InvalidArgument,
            401 => Code::Unauthenticated,
            403 => Code::PermissionDenied,
            404 => Code::NotFound,
            409 => Code::Aborted,
            429 => Code::ResourceExhausted,
            499 => Code::Cancelled,
            501 => Code::Unimplemented,
            503 => Code::Unavailable,
            504 => Code::DeadlineExceeded,
            500..=599 => Code::Internal,
            _ => Code::Unknown,
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// `google.rpc.Status` as it appears inside an Operation (`code` is the number).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    #[serde(default)]
    pub code: i32,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<Value>,
}

/// `google.rpc.ErrorInfo`, the detail that carries a machine-readable reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorInfo {
    pub reason: String,
    pub domain: String,
}

pub const ERROR_INFO_TYPE: &str = "type.googleapis.com/google.rpc.ErrorInfo";

impl Status {
    pub fn new(code: Code, message: impl Into<String>) -> Status {
        Status {
            code: code.number(),
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// Adds an `ErrorInfo` detail with a reason such as `NOT_ACTIVE`.
    pub fn with_reason(mut self, reason: &str, domain: &str) -> Status {
        self.details.push(serde_json::json!({
            "@type": ERROR_INFO_TYPE, "reason": reason, "domain": domain,
        }));
        self
    }

    /// Adds an `ErrorInfo` with metadata (quota errors carry the metric and limit).
    pub fn with_error_info(
        mut self,
        reason: &str,
        domain: &str,
        metadata: &[(&str, String)],
    ) -> Status {
        let metadata: serde_json::Map<String, serde_json::Value> = metadata
            .iter()
            .map(|(key, value)| (key.to_string(), serde_json::Value::String(value.clone())))
            .collect();
        self.details.push(serde_json::json!({
            "@type": ERROR_INFO_TYPE, "reason": reason, "domain": domain, "metadata": metadata,
        }));
        self
    }

    pub fn code(&self) -> Code {
        Code::from_number(self.code)
    }

    /// The first `ErrorInfo.reason`, if any.
    pub fn reason(&self) -> Option<&str> {
        self.details.iter().find_map(|detail| {
            (detail.get("@type")?.as_str()? == ERROR_INFO_TYPE)
                .then(|| detail.get("reason")?.as_str())
                .flatten()
        })
    }
}

/// The HTTP error envelope: `{"error": {"code": 409, "status": "ALREADY_EXISTS", ...}}`.
/// Here `code` is the HTTP status. The Directory API adds the older `errors[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail {
    #[serde(default)]
    pub code: u16,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<Value>,
    /// Legacy per-error entries (`domain`, `reason`, `message`) of Directory/Reseller.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<LegacyError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LegacyError {
    #[serde(default)]
    pub domain: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub message: String,
}

impl ErrorBody {
    pub fn from_status(status: &Status) -> ErrorBody {
        let code = status.code();
        ErrorBody {
            error: ErrorDetail {
                code: code.http_status(),
                message: status.message.clone(),
                status: code.name().to_string(),
                details: status.details.clone(),
                errors: Vec::new(),
            },
        }
    }

    /// Back to a Status: the canonical name wins, else the HTTP status decides.
    pub fn to_status(&self) -> Status {
        let code = Code::from_name(&self.error.status)
            .unwrap_or_else(|| Code::from_http_status(self.error.code));
        Status {
            code: code.number(),
            message: self.error.message.clone(),
            details: self.error.details.clone(),
        }
    }

    /// The legacy `errors[0].reason` (e.g. `forbidden`, `rateLimitExceeded`).
    pub fn legacy_reason(&self) -> Option<&str> {
        self.error.errors.first().map(|e| e.reason.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_between_number_name_and_http() {
        for row in CODES {
            assert_eq!(Code::from_number(row.1), row.0);
            assert_eq!(Code::from_name(row.2), Some(row.0));
        }
        assert_eq!(Code::AlreadyExists.http_status(), 409);
        assert_eq!(Code::from_http_status(503), Code::Unavailable);
    }

    #[test]
    fn error_bodies_keep_the_reason() {
        let status = Status::new(Code::FailedPrecondition, "not active")
            .with_reason("NOT_ACTIVE", "cloudchannel.googleapis.com");
        let body = ErrorBody::from_status(&status);
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["error"]["status"], "FAILED_PRECONDITION");
        assert_eq!(json["error"]["code"], 400);
        let back: ErrorBody = serde_json::from_value(json).unwrap();
        assert_eq!(back.to_status().reason(), Some("NOT_ACTIVE"));
    }
}
