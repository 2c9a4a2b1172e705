//! How to reach Google: which account, which base URL, which credentials and
//! how politely (limits, retries, operation polling).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::config::{LimitsConfig, ProviderConfig, ProviderKind, RetryConfig};

use super::auth::{ApplicationDefault, ServiceAccount, TokenSource};
use super::error::ProviderError;
use super::events::ProviderEvents;
use super::http::RequestRecorder;

pub const CHANNEL_BASE_URL: &str = "https://cloudchannel.googleapis.com";
pub const DIRECTORY_BASE_URL: &str = "https://admin.googleapis.com";

/// Polling of long-running operations: a first poll after a quarter of
/// `first_interval`, then growing intervals under one deadline
/// (docs/google-apis.md §1.7: 1, 2, 4 s ... up to 15 s).
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
    /// Sees refresh estimates, progress and lowered rates (the CLI shows them).
    pub events: Option<Arc<dyn ProviderEvents>>,
    /// How long a domain check made while observing stands in for the one
    /// a create makes first (`domain_checks.rs`); zero: every create asks.
    pub domain_check_reuse: Duration,
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
            .field("domain_check_reuse", &self.domain_check_reuse)
            .finish_non_exhaustive()
    }
}

/// `provider.endpoint` must be a base URL a request can be sent to, and for
/// `kind: channel` an `https://` one unless it is on this machine: the
/// bearer token for the reseller account travels with every request, and
/// over plain HTTP anyone on the path could read it. A malformed endpoint
/// is a config error here, not a network failure to retry.
pub fn check_endpoint(endpoint: &str, kind: ProviderKind) -> Result<(), ProviderError> {
    let invalid = |why: String| {
        ProviderError::Settings(format!(
            "provider.endpoint `{}` {why}",
            crate::render::escape::terminal(endpoint)
        ))
    };
    let url = url::Url::parse(endpoint).map_err(|e| {
        invalid(format!(
            "is not a URL ({e}); write e.g. `https://proxy.example.com`"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(
            "must start with https:// (or http:// for a sandbox on this machine)".into(),
        ));
    }
    let Some(host) = url.host() else {
        return Err(invalid("has no host".into()));
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "must not carry a user name or password; credentials go in provider.credentials".into(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("must be a base URL, without `?` or `#`".into()));
    }
    let loopback = match host {
        url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    };
    if kind == ProviderKind::Channel && url.scheme() == "http" && !loopback {
        return Err(invalid(
            "uses plain http to another machine: the access token would travel unencrypted; use https://".into(),
        ));
    }
    Ok(())
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
            events: None,
            domain_check_reuse: super::domain_checks::DEFAULT_REUSE,
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

    pub fn with_events(mut self, events: Arc<dyn ProviderEvents>) -> Self {
        self.events = Some(events);
        self
    }

    pub fn with_domain_check_reuse(mut self, reuse: Duration) -> Self {
        self.domain_check_reuse = reuse;
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
        if let Some(endpoint) = &config.endpoint {
            check_endpoint(endpoint, config.kind)?;
        }
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

    #[test]
    fn channel_endpoints_are_https_or_on_this_machine() {
        for ok in [
            "https://proxy.example.com",
            "https://proxy.example.com:8443/base/",
            "http://127.0.0.1:8787",
            "http://localhost:8787",
            "http://[::1]:8787",
        ] {
            assert!(check_endpoint(ok, ProviderKind::Channel).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("http://proxy.example.com", "unencrypted"),
            ("http://10.0.0.5:8080", "unencrypted"),
            ("proxy.example.com", "is not a URL"),
            ("https//proxy", "is not a URL"),
            ("ftp://proxy.example.com", "must start with https://"),
            ("https://user:pw@proxy.example.com", "user name or password"),
            ("https://proxy.example.com/?x=1", "base URL"),
        ] {
            let error = check_endpoint(bad, ProviderKind::Channel)
                .unwrap_err()
                .to_string();
            assert!(error.contains(why), "{bad}: {error}");
        }
        assert!(check_endpoint("http://sandbox.internal:8787", ProviderKind::Sandbox).is_ok());
        assert!(check_endpoint("not a url", ProviderKind::Sandbox).is_err());
    }
}
