//! Where access tokens come from. Behind a trait so tests inject a token and
//! never reach the cloud metadata server (docs/stack.md §4): only
//! [`ApplicationDefault`] probes the environment, and only when first asked.
//! Tokens and keys never appear in `Debug` output or errors.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::OnceCell;

/// Orders and customers in Cloud Channel (shared with the Reseller API).
pub const CHANNEL_SCOPE: &str = "https://www.googleapis.com/auth/apps.order";
/// Read and patch the Directory `customers` resource (the Admin console view).
pub const DIRECTORY_CUSTOMER_SCOPE: &str =
    "https://www.googleapis.com/auth/admin.directory.customer";
/// Domain verification status.
pub const DIRECTORY_DOMAIN_SCOPE: &str =
    "https://www.googleapis.com/auth/admin.directory.domain.readonly";

const SCOPES: &[&str] = &[
    CHANNEL_SCOPE,
    DIRECTORY_CUSTOMER_SCOPE,
    DIRECTORY_DOMAIN_SCOPE,
];

/// A bearer token. Only the HTTP layer reads the secret.
#[derive(Clone)]
pub struct AccessToken(String);

impl AccessToken {
    pub fn new(secret: impl Into<String>) -> AccessToken {
        AccessToken(secret.into())
    }

    pub(crate) fn secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("cannot use the service-account key {path}: {message}")]
    KeyFile { path: PathBuf, message: String },
    #[error("cannot get an access token from {source_name}: {message}")]
    Token {
        source_name: &'static str,
        message: String,
    },
}

/// Gives a valid access token for the Channel and Directory scopes, cached
/// and refreshed before expiry by the implementation.
#[async_trait]
pub trait TokenSource: Send + Sync + std::fmt::Debug {
    async fn token(&self) -> Result<AccessToken, AuthError>;
}

/// A fixed token: the sandbox's development token, or a test's.
pub struct StaticToken(AccessToken);

impl StaticToken {
    pub fn new(secret: impl Into<String>) -> StaticToken {
        StaticToken(AccessToken::new(secret))
    }
}

impl std::fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StaticToken(<redacted>)")
    }
}

#[async_trait]
impl TokenSource for StaticToken {
    async fn token(&self) -> Result<AccessToken, AuthError> {
        Ok(self.0.clone())
    }
}

/// A service-account key with domain-wide delegation: the JWT-bearer grant
/// is sent to the key's own `token_uri` (Google's, or the sandbox's `/token`),
/// impersonating `subject`, a reseller-domain admin.
pub struct ServiceAccount {
    inner: gcp_auth::CustomServiceAccount,
    client_email: String,
    subject: Option<String>,
}

impl ServiceAccount {
    pub fn from_file(path: &Path, subject: Option<String>) -> Result<ServiceAccount, AuthError> {
        // Through fsio: a key linked out of its directory, a FIFO or an
        // endless file is refused, never read.
        let text = crate::fsio::read_to_string(path, crate::fsio::FileKind::ServiceAccountKey)
            .map_err(|e| AuthError::KeyFile {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        ServiceAccount::from_json(&text, subject).map_err(|e| match e {
            AuthError::KeyFile { message, .. } => AuthError::KeyFile {
                path: path.to_path_buf(),
                message,
            },
            other => other,
        })
    }

    /// From the key's JSON text. Errors name the problem, never the key.
    pub fn from_json(json: &str, subject: Option<String>) -> Result<ServiceAccount, AuthError> {
        let key_error = |message: String| AuthError::KeyFile {
            path: PathBuf::from("<inline key>"),
            message,
        };
        let fields: serde_json::Value =
            serde_json::from_str(json).map_err(|e| key_error(format!("not JSON ({e})")))?;
        let client_email = fields
            .get("client_email")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        let mut inner = gcp_auth::CustomServiceAccount::from_json(json)
            .map_err(|e| key_error(e.to_string()))?;
        if let Some(subject) = &subject {
            inner = inner.with_subject(subject.clone());
        }
        Ok(ServiceAccount {
            inner,
            client_email,
            subject,
        })
    }
}

impl std::fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("client_email", &self.client_email)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl TokenSource for ServiceAccount {
    async fn token(&self) -> Result<AccessToken, AuthError> {
        use gcp_auth::TokenProvider;
        // gcp_auth caches per scope set and refreshes 20 s before expiry.
        let token = self
            .inner
            .token(SCOPES)
            .await
            .map_err(|e| AuthError::Token {
                source_name: "the service-account key",
                message: e.to_string(),
            })?;
        Ok(AccessToken::new(token.as_str()))
    }
}

/// Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's
/// file, the metadata server, the gcloud CLI). Probed on first use only, so
/// building a provider never touches the network.
#[derive(Default)]
pub struct ApplicationDefault {
    provider: OnceCell<Arc<dyn gcp_auth::TokenProvider>>,
}

impl ApplicationDefault {
    pub fn new() -> ApplicationDefault {
        ApplicationDefault::default()
    }
}

impl std::fmt::Debug for ApplicationDefault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApplicationDefault")
    }
}

#[async_trait]
impl TokenSource for ApplicationDefault {
    async fn token(&self) -> Result<AccessToken, AuthError> {
        let failed = |e: gcp_auth::Error| AuthError::Token {
            source_name: "Application Default Credentials",
            message: e.to_string(),
        };
        let provider = self
            .provider
            .get_or_try_init(gcp_auth::provider)
            .await
            .map_err(failed)?;
        let token = provider.token(SCOPES).await.map_err(failed)?;
        Ok(AccessToken::new(token.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let token = StaticToken::new("sandbox-dev-token");
        assert!(!format!("{token:?}").contains("sandbox-dev-token"));
        assert!(!format!("{:?}", AccessToken::new("ya29.secret")).contains("ya29"));
    }

    #[test]
    fn a_broken_key_is_reported_without_its_content() {
        let err = ServiceAccount::from_json(
            r#"{"client_email":"a@b","private_key":"SECRETPEM","token_uri":"http://127.0.0.1/token"}"#,
            None,
        )
        .unwrap_err();
        assert!(!err.to_string().contains("SECRETPEM"), "{err}");
    }
}
