//! What `resold.yaml` says about a PostgreSQL state: where the server is,
//! which schema and workspace, and how to find the password and check the
//! server's certificate. The password itself never lives here: it comes
//! from the environment or a password file, as libpq users expect (see
//! `password.rs`).

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `state: {kind: postgres, ...}` without the `kind`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PostgresConfig {
    /// `postgresql://user@host:port/database`, libpq's URL form. A password
    /// in it is refused: use `passwordEnv`, `PGPASSWORD` or a password file.
    pub url: String,
    /// The schema resold creates its tables in; several teams or test
    /// suites can share one database with a schema each.
    #[serde(default = "default_schema")]
    pub schema: String,
    /// The state inside the schema: one portfolio of customers. Several
    /// workspaces (say `production` and `staging`) share one schema.
    pub workspace: String,
    /// The environment variable that holds the password (read before
    /// `PGPASSWORD` and the password file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
    /// TLS as libpq spells it; unset: `PGSSLMODE`, else `prefer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sslmode: Option<SslMode>,
    /// PEM file of the certificate authorities that may sign the server's
    /// certificate (a managed server's CA, e.g. Cloud SQL's per-instance CA);
    /// unset: `PGSSLROOTCERT`, `~/.postgresql/root.crt`, else the system's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sslrootcert: Option<PathBuf>,
    /// A direct connection for the locks when `url` goes through a
    /// transaction-pooling proxy (PgBouncer, a cloud pooler): session locks
    /// need a session of their own. Same form and rules as `url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_url: Option<String>,
}

pub const DEFAULT_SCHEMA: &str = "resold";

fn default_schema() -> String {
    DEFAULT_SCHEMA.to_string()
}

impl PostgresConfig {
    /// A config with the default schema and nothing optional set.
    pub fn new(url: impl Into<String>, workspace: impl Into<String>) -> PostgresConfig {
        PostgresConfig {
            url: url.into(),
            schema: default_schema(),
            workspace: workspace.into(),
            password_env: None,
            sslmode: None,
            sslrootcert: None,
            lock_url: None,
        }
    }
}

/// The URLs are shown without any password, should one have slipped in.
impl std::fmt::Debug for PostgresConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresConfig")
            .field("url", &super::url::redacted(&self.url))
            .field("schema", &self.schema)
            .field("workspace", &self.workspace)
            .field("password_env", &self.password_env)
            .field("sslmode", &self.sslmode)
            .field("sslrootcert", &self.sslrootcert)
            .field(
                "lock_url",
                &self.lock_url.as_deref().map(super::url::redacted),
            )
            .finish()
    }
}

/// libpq's `sslmode` values (the `allow` mode, plain text first, is left
/// out: it protects nothing a state store needs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SslMode {
    /// Plain text.
    Disable,
    /// TLS when the server offers it, unverified; plain text otherwise.
    Prefer,
    /// TLS, the certificate unverified unless `sslrootcert` is given.
    Require,
    /// TLS with a certificate signed by a trusted authority, any name.
    VerifyCa,
    /// TLS with a trusted certificate for the host name connected to.
    VerifyFull,
}

impl SslMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// The libpq spelling, as in `PGSSLMODE` or a URL's `sslmode=`.
    pub fn parse(text: &str) -> Option<SslMode> {
        [
            SslMode::Disable,
            SslMode::Prefer,
            SslMode::Require,
            SslMode::VerifyCa,
            SslMode::VerifyFull,
        ]
        .into_iter()
        .find(|mode| mode.as_str() == text)
    }
}

impl std::fmt::Display for SslMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_yaml_fields_with_libpq_spellings() {
        let config: PostgresConfig = serde_json::from_value(serde_json::json!({
            "url": "postgresql://resold@db.internal/resold",
            "workspace": "production",
            "passwordEnv": "RESOLD_PG_PASSWORD",
            "sslmode": "verify-full",
            "sslrootcert": "certs/server-ca.pem"
        }))
        .unwrap();
        assert_eq!(config.schema, "resold");
        assert_eq!(config.sslmode, Some(SslMode::VerifyFull));
        assert_eq!(config.password_env.as_deref(), Some("RESOLD_PG_PASSWORD"));
    }

    #[test]
    fn refuses_a_password_field_and_unknown_modes() {
        let with_password = serde_json::json!({
            "url": "postgresql://h/d", "workspace": "w", "password": "hunter2"
        });
        assert!(serde_json::from_value::<PostgresConfig>(with_password).is_err());
        let allow =
            serde_json::json!({"url": "postgresql://h/d", "workspace": "w", "sslmode": "allow"});
        assert!(serde_json::from_value::<PostgresConfig>(allow).is_err());
    }

    #[test]
    fn every_mode_round_trips_through_its_libpq_spelling() {
        for text in ["disable", "prefer", "require", "verify-ca", "verify-full"] {
            assert_eq!(SslMode::parse(text).map(SslMode::as_str), Some(text));
        }
        assert_eq!(SslMode::parse("VERIFY-FULL"), None);
    }

    #[test]
    fn debug_hides_a_password_that_slipped_into_the_url() {
        let config = PostgresConfig::new("postgresql://alice:hunter2@db/resold", "w");
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("alice"), "{shown}");
    }
}
