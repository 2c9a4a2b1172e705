//! How to reach Google: which account, which base URL, which credentials and
//! how politely (limits, retries, operation polling).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::config::{LimitsConfig, ProviderConfig, ProviderKind, RetryConfig};

use super::auth::{ApplicationDefault, ServiceAccount, TokenSource};
use super::error::ProviderError;
use super::http::RequestRecorder;

pub const CHANNEL_BASE_URL: &str = "https://cloudchannel.googleapis.com";
pub const DIRECTORY_BASE_URL: &str = "https://admin.googleapis.com";

/// Polling of long-running operations: growing intervals under one deadline
/// (google-apis.md §1.7: 1, 2, 4 s ... up to 15 s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LroSettings {
    pub first_interval: Duration,
    pub max_interval: Duration,
    pub deadline: Duration,
}

impl LroSettings {
    /// The sandbox finishes an operation by the first poll: polling it at
    /// Google's pace would only add seconds to every apply.
    pub fn for_sandbox() -> LroSettings {
        LroSettings {
            first_interval: Duration::from_millis(20),
            max_interval: Duration::from_millis(500),
            ..LroSettings::default()
        }
    }
}

impl Default for LroSettings {
    fn default() -> Self {
        LroSettings {
            first_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(15),
            deadline: Duration::from_secs(600),
        }
    }
}

#[derive(Clone)]
pub struct ProviderSettings {
    pub kind: ProviderKind,
    /// `accounts/{id}`.
    pub account: String,
    /// Serves Channel at `{base}/v1/...` and Directory at
    /// `{base}/admin/directory/v1/...` (the sandbox, a proxy). `None`: Google.
    pub base_url: Option<String>,
    pub token_source: Arc<dyn TokenSource>,
    pub limits: LimitsConfig,
    pub retry: RetryConfig,
    pub lro: LroSettings,
    /// Per-request timeout (connect + response).
    pub request_timeout: Duration,
    /// Sees every request body before it is sent (tests validate them against
    /// the discovery document).
    pub recorder: Option<Arc<dyn RequestRecorder>>,
}

impl std::fmt::Debug for ProviderSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderSettings")
            .field("kind", &self.kind)
            .field("account", &self.account)
            .field("base_url", &self.base_url)
            .field("token_source", &self.token_source)
            .field("limits", &self.limits)
            .field("retry", &self.retry)
            .field("lro", &self.lro)
            .finish_non_exhaustive()
    }
}

impl ProviderSettings {
    pub fn new(
        kind: ProviderKind,
        account: impl Into<String>,
        token_source: Arc<dyn TokenSource>,
    ) -> ProviderSettings {
        ProviderSettings {
            kind,
            account: account.into(),
            base_url: None,
            token_source,
            limits: LimitsConfig::default(),
            retry: RetryConfig::default(),
            lro: LroSettings::default(),
            request_timeout: Duration::from_secs(60),
            recorder: None,
        }
    }

    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    pub fn with_limits(mut self, limits: LimitsConfig) -> Self {
        self.limits = limits;
        self
    }

    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    pub fn with_lro(mut self, lro: LroSettings) -> Self {
        self.lro = lro;
        self
    }

    pub fn with_recorder(mut self, recorder: Arc<dyn RequestRecorder>) -> Self {
        self.recorder = Some(recorder);
        self
    }

    /// From `resold.yaml`'s `provider:` section. `config_dir` resolves a
    /// relative `credentials` path. Without `credentials`, `kind: channel`
    /// uses Application Default Credentials and `kind: sandbox` uses
    /// `sandbox_token` (the caller passes the sandbox's development token,
    /// since the provider never depends on the sandbox module).
    pub fn from_config(
        config: &ProviderConfig,
        config_dir: &Path,
        base_url: Option<String>,
        sandbox_token: Option<Arc<dyn TokenSource>>,
    ) -> Result<ProviderSettings, ProviderError> {
        let account = match (&config.account, config.kind) {
            (Some(account), _) => account.clone(),
            (None, ProviderKind::Sandbox) => "accounts/C00sandbox".to_string(),
            (None, ProviderKind::Channel) => {
                return Err(ProviderError::Settings(
                    "provider.account is required for kind: channel (accounts/C0...)".into(),
                ));
            }
        };
        if config.kind == ProviderKind::Channel
            && config.credentials.is_none()
            && config.subject.is_some()
        {
            // Application Default Credentials cannot impersonate anyone:
            // ignoring `subject` would call Google as someone else.
            return Err(ProviderError::Settings(
                "provider.subject needs provider.credentials: only a service-account key can act as the subject (domain-wide delegation)".into(),
            ));
        }
        let token_source: Arc<dyn TokenSource> = match (&config.credentials, config.kind) {
            (Some(path), _) => Arc::new(
                ServiceAccount::from_file(&config_dir.join(path), config.subject.clone())
                    .map_err(|e| ProviderError::Auth(e.to_string()))?,
            ),
            (None, ProviderKind::Channel) => Arc::new(ApplicationDefault::new()),
            (None, ProviderKind::Sandbox) => sandbox_token.ok_or_else(|| {
                ProviderError::Settings("the sandbox provider needs its development token".into())
            })?,
        };
        let mut settings = ProviderSettings::new(config.kind, account, token_source)
            .with_limits(config.limits.clone())
            .with_retry(config.retry.clone());
        settings.base_url = base_url.or_else(|| config.endpoint.clone());
        if config.kind == ProviderKind::Sandbox {
            settings.lro = LroSettings::for_sandbox();
        }
        Ok(settings)
    }

    pub(crate) fn channel_base(&self) -> &str {
        self.base_url
            .as_deref()
            .unwrap_or(CHANNEL_BASE_URL)
            .trim_end_matches('/')
    }

    pub(crate) fn directory_base(&self) -> &str {
        self.base_url
            .as_deref()
            .unwrap_or(DIRECTORY_BASE_URL)
            .trim_end_matches('/')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel_config(subject: &str) -> ProviderConfig {
        serde_json::from_value(serde_json::json!({
            "kind": "channel",
            "account": "accounts/C012345",
            "subject": subject,
        }))
        .expect("config")
    }

    #[test]
    fn a_subject_without_a_key_is_refused_rather_than_ignored() {
        let config = channel_config("admin@reseller.example");
        let error = ProviderSettings::from_config(&config, Path::new("."), None, None)
            .expect_err("refused");
        assert!(
            error
                .to_string()
                .contains("provider.subject needs provider.credentials"),
            "{error}"
        );
    }
}
