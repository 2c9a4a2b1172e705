//! Auth like Google's: an OAuth 2 token endpoint for the service-account
//! JWT-bearer grant, and bearer tokens required on every API call.
//!
//! The sandbox holds no keys, so it cannot verify a JWT's signature; it checks
//! the shape a real client must get right (grant type, `iss`, `scope`, `aud`,
//! `exp`). Issued tokens are self-describing (scopes and expiry inside), so
//! they stay valid across a sandbox restart like Google's do.

use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::errors::{ApiError, Surface};
use super::routes::Route;
use crate::api::Code;

/// A token every API call accepts, so tests and the quickstart need no key.
pub const DEV_TOKEN: &str = "sandbox-dev-token";
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const TOKEN_PREFIX: &str = "ya29.sandbox.";
const TOKEN_LIFETIME_SECONDS: i64 = 3600;

pub const SCOPE_ORDER: &str = "https://www.googleapis.com/auth/apps.order";
pub const SCOPE_CUSTOMER: &str = "https://www.googleapis.com/auth/admin.directory.customer";
pub const SCOPE_CUSTOMER_READONLY: &str =
    "https://www.googleapis.com/auth/admin.directory.customer.readonly";
const SCOPE_CLOUD_PLATFORM: &str = "https://www.googleapis.com/auth/cloud-platform";

#[derive(Debug, Deserialize)]
struct TokenRequest {
    #[serde(default)]
    grant_type: String,
    #[serde(default)]
    assertion: String,
}

#[derive(Debug, Deserialize)]
struct Claims {
    #[serde(default)]
    iss: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    aud: String,
    #[serde(default)]
    exp: Option<i64>,
    #[serde(default)]
    sub: Option<String>,
}

/// What an issued access token carries.
#[derive(Debug, Serialize, Deserialize)]
struct Grant {
    scope: String,
    exp: i64,
    /// Who acts: the delegated subject, else the service account.
    #[serde(default)]
    principal: String,
}

/// An OAuth error reply (RFC 6749 §5.2), as Google's token endpoint gives.
pub struct OAuthError {
    pub status: u16,
    pub body: Value,
}

fn oauth_error(error: &str, description: &str) -> OAuthError {
    OAuthError {
        status: 400,
        body: json!({"error": error, "error_description": description}),
    }
}

/// `POST /token`: form-encoded (or JSON) `grant_type` + `assertion`.
pub fn issue_token(headers: &HeaderMap, body: &[u8], now: i64) -> Result<Value, OAuthError> {
    let is_json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let request: TokenRequest = if is_json {
        serde_json::from_slice(body)
            .map_err(|_| oauth_error("invalid_request", "Malformed JSON body."))?
    } else {
        let pairs: std::collections::HashMap<String, String> =
            url::form_urlencoded::parse(body).into_owned().collect();
        TokenRequest {
            grant_type: pairs.get("grant_type").cloned().unwrap_or_default(),
            assertion: pairs.get("assertion").cloned().unwrap_or_default(),
        }
    };
    if request.grant_type != JWT_BEARER_GRANT {
        return Err(oauth_error(
            "unsupported_grant_type",
            "Invalid grant_type: only urn:ietf:params:oauth:grant-type:jwt-bearer is supported.",
        ));
    }
    let claims = decode_assertion(&request.assertion)?;
    if claims.iss.is_empty() || !claims.iss.contains('@') {
        return Err(oauth_error(
            "invalid_grant",
            "Invalid JWT: `iss` must be a service account email.",
        ));
    }
    if claims.scope.trim().is_empty() {
        return Err(oauth_error(
            "invalid_scope",
            "Invalid JWT: `scope` is missing.",
        ));
    }
    if claims.aud.is_empty() {
        return Err(oauth_error(
            "invalid_grant",
            "Invalid JWT: `aud` is missing.",
        ));
    }
    match claims.exp {
        Some(exp) if exp > now && exp <= now + 3600 + 300 => {}
        _ => {
            return Err(oauth_error(
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.",
            ));
        }
    }
    if claims.sub.as_deref().is_some_and(|s| !s.contains('@')) {
        return Err(oauth_error(
            "invalid_grant",
            "Invalid JWT: `sub` must be a user email.",
        ));
    }
    let grant = Grant {
        scope: claims.scope,
        exp: now + TOKEN_LIFETIME_SECONDS,
        principal: claims.sub.unwrap_or(claims.iss),
    };
    let encoded = serde_json::to_vec(&grant)
        .map(|bytes| URL_SAFE_NO_PAD.encode(bytes))
        .map_err(|_| oauth_error("server_error", "Could not encode the token."))?;
    Ok(json!({
        "access_token": format!("{TOKEN_PREFIX}{encoded}"),
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_SECONDS,
    }))
}

fn decode_assertion(assertion: &str) -> Result<Claims, OAuthError> {
    let malformed = || {
        oauth_error(
            "invalid_grant",
            "Invalid JWT: expected header.claims.signature.",
        )
    };
    let mut parts = assertion.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed());
    };
    let header: Value = decode_part(header).ok_or_else(malformed)?;
    if header.get("alg").and_then(Value::as_str).is_none() || signature.is_empty() {
        return Err(malformed());
    }
    decode_part(claims).ok_or_else(malformed)
}

fn decode_part<T: serde::de::DeserializeOwned>(part: &str) -> Option<T> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .or_else(|_| URL_SAFE.decode(part))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Checks the bearer token of an API call: 401 without a valid one, 403 when
/// its scopes do not cover the API. Returns the acting user's email (empty
/// for the development token), which Google logs as a change's `operator`.
pub fn check(headers: &HeaderMap, route: &Route, now: i64) -> Result<String, ApiError> {
    let surface = route.surface();
    let header = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let Some(token) = header.and_then(|h| h.strip_prefix("Bearer ").map(str::trim)) else {
        return Err(unauthenticated(
            surface,
            "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
            "CREDENTIALS_MISSING",
        ));
    };
    if token == DEV_TOKEN {
        return Ok(String::new());
    }
    let grant = token
        .strip_prefix(TOKEN_PREFIX)
        .and_then(decode_part::<Grant>);
    let Some(grant) = grant.filter(|g| g.exp > now) else {
        return Err(unauthenticated(
            surface,
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
            "ACCESS_TOKEN_EXPIRED",
        ));
    };
    let scopes: Vec<&str> = grant.scope.split_whitespace().collect();
    let allowed = match surface {
        Surface::Directory => {
            scopes.contains(&SCOPE_CUSTOMER)
                || (route.method_id().ends_with(".get")
                    && scopes.contains(&SCOPE_CUSTOMER_READONLY))
        }
        _ => scopes.contains(&SCOPE_ORDER) || scopes.contains(&SCOPE_CLOUD_PLATFORM),
    };
    if allowed {
        Ok(grant.principal)
    } else {
        let mut error = ApiError::new(
            Code::PermissionDenied,
            "Request had insufficient authentication scopes.",
        )
        .on(surface);
        error.status = error
            .status
            .with_reason("ACCESS_TOKEN_SCOPE_INSUFFICIENT", "googleapis.com");
        if surface == Surface::Directory {
            error.legacy_reason = Some("insufficientPermissions".to_string());
        }
        Err(error)
    }
}

fn unauthenticated(surface: Surface, message: &str, reason: &str) -> ApiError {
    let mut error = ApiError::unauthenticated(message, reason).on(surface);
    if surface == Surface::Directory {
        error.legacy_reason = Some("authError".to_string());
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: Value) -> String {
        let part = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
        format!(
            "{}.{}.c2ln",
            part(&json!({"alg": "RS256", "typ": "JWT"})),
            part(&claims)
        )
    }

    fn form(assertion: &str) -> Vec<u8> {
        format!(
            "grant_type={}&assertion={assertion}",
            JWT_BEARER_GRANT.replace(':', "%3A")
        )
        .into_bytes()
    }

    #[test]
    fn a_well_formed_assertion_gets_a_token_that_authorises_calls() {
        let now = 1_000_000;
        let assertion = jwt(
            json!({"iss": "sa@p.iam.gserviceaccount.com", "sub": "admin@reseller.example",
            "scope": SCOPE_ORDER, "aud": "http://127.0.0.1/token", "iat": now, "exp": now + 3600}),
        );
        let reply = issue_token(&HeaderMap::new(), &form(&assertion), now)
            .ok()
            .unwrap();
        let token = reply["access_token"].as_str().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
        let route = Route::ProductsList;
        assert!(check(&headers, &route, now + 10).is_ok());
        assert_eq!(
            check(&headers, &route, now + 4000)
                .unwrap_err()
                .http_status(),
            401
        );
        let directory = Route::DirectoryGet { key: "C0".into() };
        assert_eq!(
            check(&headers, &directory, now).unwrap_err().http_status(),
            403
        );
    }

    #[test]
    fn bad_grants_are_refused() {
        let now = 1_000_000;
        let expired = jwt(json!({"iss": "sa@p", "scope": "s", "aud": "a", "exp": now - 1}));
        assert!(issue_token(&HeaderMap::new(), &form(&expired), now).is_err());
        assert!(issue_token(&HeaderMap::new(), &form("not-a-jwt"), now).is_err());
        assert!(issue_token(&HeaderMap::new(), b"grant_type=password", now).is_err());
        assert_eq!(
            check(&HeaderMap::new(), &Route::ProductsList, now)
                .unwrap_err()
                .http_status(),
            401
        );
    }
}
