//! Auth like Google's: an OAuth 2 token endpoint for the service-account
//! JWT-bearer grant, and bearer tokens required on every API call.
//!
//! The sandbox holds no service-account keys, so it cannot verify a JWT's
//! signature; it checks the shape a real client must get right (grant type,
//! `iss`, `scope`, `aud`, `exp`). Issued tokens carry their grant (scopes,
//! expiry, principal) signed with HMAC-SHA256 under the world's secret key, so
//! only tokens the sandbox issued (and the development token) are accepted,
//! and they stay valid across a restart of a persisted sandbox like Google's do.

use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

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
pub fn issue_token(
    headers: &HeaderMap,
    body: &[u8],
    now: i64,
    key: &[u8],
) -> Result<Value, OAuthError> {
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
    let signature = URL_SAFE_NO_PAD.encode(hmac_sha256(key, encoded.as_bytes()));
    Ok(json!({
        "access_token": format!("{TOKEN_PREFIX}{encoded}.{signature}"),
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
pub fn check(headers: &HeaderMap, route: &Route, now: i64, key: &[u8]) -> Result<String, ApiError> {
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
        .and_then(|signed| verified(signed, key))
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

/// The payload of `payload.signature` when the signature is ours.
fn verified<'t>(signed: &'t str, key: &[u8]) -> Option<&'t str> {
    let (payload, signature) = signed.split_once('.')?;
    let given = URL_SAFE_NO_PAD.decode(signature).ok()?;
    let expected = hmac_sha256(key, payload.as_bytes());
    // Compare in constant time: the token is a secret.
    let same = given.len() == expected.len()
        && given
            .iter()
            .zip(expected.iter())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0;
    same.then_some(payload)
}

/// HMAC-SHA256 (RFC 2104).
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner_pad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let outer_pad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&inner_pad)
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(&outer_pad)
        .chain_update(inner)
        .finalize()
        .into()
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

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

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
        let reply = issue_token(&HeaderMap::new(), &form(&assertion), now, KEY)
            .ok()
            .unwrap();
        let token = reply["access_token"].as_str().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
        let route = Route::ProductsList;
        assert!(check(&headers, &route, now + 10, KEY).is_ok());
        assert_eq!(
            check(&headers, &route, now + 4000, KEY)
                .unwrap_err()
                .http_status(),
            401
        );
        assert_eq!(
            check(&headers, &route, now + 10, b"another sandbox's key")
                .unwrap_err()
                .http_status(),
            401,
            "signed by another key"
        );
        let directory = Route::DirectoryGet { key: "C0".into() };
        assert_eq!(
            check(&headers, &directory, now, KEY)
                .unwrap_err()
                .http_status(),
            403
        );
    }

    #[test]
    fn forged_tokens_are_refused() {
        let now = 1_000_000;
        let grant = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(
                &json!({"scope": SCOPE_ORDER, "exp": now + 3600, "principal": "x@y"}),
            )
            .unwrap(),
        );
        for forged in [
            format!("{TOKEN_PREFIX}{grant}"),
            format!("{TOKEN_PREFIX}{grant}.c2ln"),
            format!("{TOKEN_PREFIX}{grant}."),
            "ya29.anything".to_string(),
        ] {
            let mut headers = HeaderMap::new();
            headers.insert("authorization", format!("Bearer {forged}").parse().unwrap());
            assert_eq!(
                check(&headers, &Route::ProductsList, now, KEY)
                    .unwrap_err()
                    .http_status(),
                401,
                "{forged}"
            );
        }
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn bad_grants_are_refused() {
        let now = 1_000_000;
        let expired = jwt(json!({"iss": "sa@p", "scope": "s", "aud": "a", "exp": now - 1}));
        assert!(issue_token(&HeaderMap::new(), &form(&expired), now, KEY).is_err());
        assert!(issue_token(&HeaderMap::new(), &form("not-a-jwt"), now, KEY).is_err());
        assert!(issue_token(&HeaderMap::new(), b"grant_type=password", now, KEY).is_err());
        assert_eq!(
            check(&HeaderMap::new(), &Route::ProductsList, now, KEY)
                .unwrap_err()
                .http_status(),
            401
        );
    }
}
