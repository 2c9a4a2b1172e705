//! `resold.yaml`: which Google to talk to, where state lives, where the
//! manifests are and the policy knobs. Loaded with the same span-aware YAML
//! reader as manifests, so a bad config gets a `file:line:col` error too.
//!
//! The types below are the contract; `config::load` (in `config/load.rs`)
//! finds and parses the file.

use std::path::PathBuf;

mod load;
pub use load::*;

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde::{Deserialize, Serialize};

pub const CONFIG_FILE_NAME: &str = "resold.yaml";

/// The JSON Schema of `resold.yaml` (draft-07, committed as
/// `schemas/config.schema.json`).
pub fn json_schema() -> serde_json::Value {
    let mut schema = SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<Config>()
        .to_value();
    if let Some(root) = schema.as_object_mut() {
        root.insert(
            "title".into(),
            serde_json::json!("resold configuration (resold.yaml)"),
        );
    }
    schema
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Config {
    /// Where Google is: the embedded sandbox or the real Cloud Channel API.
    pub provider: ProviderConfig,
    /// Where `resold` records what it created.
    #[serde(default)]
    pub state: StateConfig,
    /// The manifest directory, relative to this file.
    #[serde(default = "default_manifests")]
    pub manifests: PathBuf,
    /// The reseller's own domain (alternate emails may live there, Add a Google Workspace customer, step 11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reseller_domain: Option<String>,
    #[serde(default)]
    pub policy: PolicyConfig,
}

fn default_manifests() -> PathBuf {
    PathBuf::from("customers")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderKind {
    /// The local emulator of Google's APIs (started in-process without `endpoint`).
    Sandbox,
    /// The Cloud Channel API v1 and Admin SDK Directory API.
    Channel,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProviderConfig {
    pub kind: ProviderKind,
    /// The reseller account, `accounts/C0...`; the sandbox defaults to `accounts/C00sandbox`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Base URL override (a running sandbox, or a proxy in front of Google).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Service-account key file (relative to this file); absent: Application Default Credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<PathBuf>,
    /// The reseller admin the service account impersonates (domain-wide delegation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// For `kind: sandbox` without `endpoint`: where the in-process sandbox keeps its world.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox_state: Option<PathBuf>,
    #[serde(default)]
    pub limits: LimitsConfig,
    #[serde(default)]
    pub retry: RetryConfig,
}

/// Client-side rate limits per Google quota bucket (requests per minute) and
/// the cap on requests in flight. Unset: Google's published buckets for
/// `channel`, unlimited for `sandbox`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LimitsConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customers_list_per_minute: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entitlements_list_per_minute: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operations_get_per_minute: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_per_minute: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_in_flight: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RetryConfig {
    /// Attempts per call, the first included.
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
    /// Upper bound on the time spent retrying one call, in seconds.
    #[serde(default = "default_total_seconds")]
    pub max_total_seconds: u32,
    /// First backoff step, in milliseconds (full jitter, doubling).
    #[serde(default = "default_initial_ms")]
    pub initial_backoff_ms: u32,
}

fn default_attempts() -> u32 {
    6
}
fn default_total_seconds() -> u32 {
    120
}
fn default_initial_ms() -> u32 {
    500
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: default_attempts(),
            max_total_seconds: default_total_seconds(),
            initial_backoff_ms: default_initial_ms(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "kebab-case")]
pub enum StateKind {
    /// A JSON file beside the config.
    #[default]
    Local,
    /// A PostgreSQL database shared by a team and its CI jobs (`url`,
    /// `workspace` and the other PostgreSQL settings below).
    Postgres,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StateConfig {
    #[serde(default)]
    pub kind: StateKind,
    /// The state file, relative to this file.
    #[serde(default = "default_state_path")]
    pub path: PathBuf,
    /// A state directory other users can write to (group- or world-writable,
    /// or owned by someone else) is refused; `warn` uses it with a warning.
    #[serde(default, skip_serializing_if = "WritableByOthers::is_refuse")]
    pub writable_by_others: WritableByOthers,
    /// `kind: postgres`: `postgresql://user@host:port/database` (libpq's URL
    /// form). A password in it is refused: use `passwordEnv`, `PGPASSWORD`
    /// or a password file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `kind: postgres`: the schema resold creates its tables in (default
    /// `resold`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// `kind: postgres`: the state inside the schema (say `production`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    /// `kind: postgres`: the environment variable holding the password
    /// (read before `PGPASSWORD` and the password file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
    /// `kind: postgres`: TLS as libpq spells it; unset: `PGSSLMODE`, else
    /// `prefer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sslmode: Option<crate::state::postgres::SslMode>,
    /// `kind: postgres`: PEM file of the certificate authorities that may
    /// sign the server's certificate, relative to this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sslrootcert: Option<PathBuf>,
    /// `kind: postgres`: a direct connection for the locks when `url` goes
    /// through a transaction-pooling proxy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_url: Option<String>,
}

impl StateConfig {
    /// The PostgreSQL settings of a `kind: postgres` state (`None` for a
    /// local one). `load` has checked that `url` and `workspace` are set.
    pub fn postgres(&self) -> Option<crate::state::postgres::PostgresConfig> {
        if self.kind != StateKind::Postgres {
            return None;
        }
        let mut config = crate::state::postgres::PostgresConfig::new(
            self.url.clone().unwrap_or_default(),
            self.workspace.clone().unwrap_or_default(),
        );
        if let Some(schema) = &self.schema {
            config.schema = schema.clone();
        }
        config.password_env = self.password_env.clone();
        config.sslmode = self.sslmode;
        config.sslrootcert = self.sslrootcert.clone();
        config.lock_url = self.lock_url.clone();
        Some(config)
    }

    /// The PostgreSQL-only keys this state sets, by their YAML names.
    pub fn postgres_keys(&self) -> Vec<&'static str> {
        [
            ("url", self.url.is_some()),
            ("schema", self.schema.is_some()),
            ("workspace", self.workspace.is_some()),
            ("passwordEnv", self.password_env.is_some()),
            ("sslmode", self.sslmode.is_some()),
            ("sslrootcert", self.sslrootcert.is_some()),
            ("lockUrl", self.lock_url.is_some()),
        ]
        .into_iter()
        .filter_map(|(key, set)| set.then_some(key))
        .collect()
    }
}

/// What to do with a state directory that other users can write to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum WritableByOthers {
    /// Stop with an error that says how to make it private.
    #[default]
    Refuse,
    /// Use it, with a warning on every run.
    Warn,
}

impl WritableByOthers {
    fn is_refuse(&self) -> bool {
        *self == WritableByOthers::Refuse
    }
}

fn default_state_path() -> PathBuf {
    PathBuf::from(".resold/state.json")
}

impl Default for StateConfig {
    fn default() -> Self {
        StateConfig {
            kind: StateKind::Local,
            path: default_state_path(),
            writable_by_others: WritableByOthers::Refuse,
            url: None,
            schema: None,
            workspace: None,
            password_env: None,
            sslmode: None,
            sslrootcert: None,
            lock_url: None,
        }
    }
}

/// Thresholds that turn into plan warnings `apply` must acknowledge; they
/// never stop a plan from being produced (docs/plan-and-apply.md §8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyConfig {
    /// Largest seat count one order or seat change may carry without a warning.
    #[serde(default = "default_max_seats_per_order")]
    pub max_seats_per_order: u32,
    /// Largest share (0-1) of existing customers one plan may change without a warning.
    #[serde(default = "default_max_changed_share")]
    pub max_changed_share: f64,
    /// The share check applies only from this many existing customers on.
    #[serde(default = "default_min_customers_for_share")]
    pub min_customers_for_share: u32,
}

fn default_max_seats_per_order() -> u32 {
    500
}
fn default_max_changed_share() -> f64 {
    0.3
}
fn default_min_customers_for_share() -> u32 {
    10
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            max_seats_per_order: default_max_seats_per_order(),
            max_changed_share: default_max_changed_share(),
            min_customers_for_share: default_min_customers_for_share(),
        }
    }
}
