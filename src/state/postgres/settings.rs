//! A `PostgresConfig` resolved against the environment, once, into what the
//! connections need: libpq's defaults and variables (`PGUSER`, `PGHOST`,
//! `PGPORT`, `PGDATABASE`, `PGSSLMODE`, `PGSSLROOTCERT`, the password order
//! of `password.rs`), the TLS choice, and the schema and workspace names
//! checked. Printing it shows where it connects and where the password came
//! from, never the password.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio_postgres::config::Host;

use super::password::{self, PassTarget, PasswordSource, Secret};
use super::tls::{RootCerts, TlsSettings};
use super::{PostgresConfig, PostgresError, SslMode, url};

/// Where and how to connect, for the data connection and the lock one.
#[derive(Clone)]
pub struct ConnectSettings {
    pub(super) schema: String,
    pub(super) workspace: String,
    pub(super) data: Endpoint,
    pub(super) lock: Endpoint,
}

/// One server address with its credentials and TLS choice.
#[derive(Clone)]
pub(super) struct Endpoint {
    /// Never holds the password: it is added at connect time.
    pub config: tokio_postgres::Config,
    pub password: Option<Secret>,
    pub password_source: PasswordSource,
    pub tls: TlsSettings,
    /// `postgresql://user@host:port/database`, for messages.
    pub shown: String,
}

/// A server may be slow to answer, never silent for ever.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// A lock holder whose machine vanished is noticed within about a minute.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(30);

impl ConnectSettings {
    /// Resolves `config` against this process's environment; relative paths
    /// (`sslrootcert`) are taken from `base_dir`, the directory of `resold.yaml`.
    pub fn from_config(
        config: &PostgresConfig,
        base_dir: &Path,
    ) -> Result<ConnectSettings, PostgresError> {
        ConnectSettings::resolve(config, base_dir, &|name| std::env::var(name).ok())
    }

    /// As `from_config`, with the environment given as a lookup.
    pub fn resolve(
        config: &PostgresConfig,
        base_dir: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<ConnectSettings, PostgresError> {
        check_schema_name(&config.schema)?;
        check_workspace_name(&config.workspace)?;
        let data = endpoint("url", &config.url, config, base_dir, env)?;
        let lock = match &config.lock_url {
            Some(lock_url) => endpoint("lockUrl", lock_url, config, base_dir, env)?,
            None => data.clone(),
        };
        Ok(ConnectSettings {
            schema: config.schema.clone(),
            workspace: config.workspace.clone(),
            data,
            lock,
        })
    }

    pub fn schema(&self) -> &str {
        &self.schema
    }

    pub fn workspace(&self) -> &str {
        &self.workspace
    }

    /// The same server and credentials, another workspace.
    pub fn with_workspace(&self, workspace: &str) -> Result<ConnectSettings, PostgresError> {
        check_workspace_name(workspace)?;
        Ok(ConnectSettings {
            workspace: workspace.to_string(),
            ..self.clone()
        })
    }
}

impl std::fmt::Display for ConnectSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (schema {}, workspace {}; {}, {})",
            self.data.shown, self.schema, self.workspace, self.data.tls, self.data.password_source
        )?;
        if self.lock.shown != self.data.shown {
            write!(f, "; locks on {}", self.lock.shown)?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for ConnectSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectSettings")
            .field("schema", &self.schema)
            .field("workspace", &self.workspace)
            .field("data", &self.data)
            .field("lock", &self.lock)
            .finish()
    }
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // tokio_postgres::Config's own Debug redacts its password field,
        // which is never set here anyway.
        f.debug_struct("Endpoint")
            .field("shown", &self.shown)
            .field("password", &self.password)
            .field("password_source", &self.password_source)
            .field("tls", &self.tls)
            .finish()
    }
}

fn endpoint(
    field: &'static str,
    text: &str,
    config: &PostgresConfig,
    base_dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Endpoint, PostgresError> {
    let parsed = url::parse(field, text)?;
    let mut pg = parsed.config;
    apply_libpq_defaults(&mut pg, env)?;
    let target = pass_target(&pg);
    let (password, password_source) =
        password::resolve(config.password_env.as_deref(), &target, env)?;
    let mode = match (config.sslmode, parsed.sslmode) {
        (Some(field_mode), Some(url_mode)) if field_mode != url_mode => {
            return Err(PostgresError::BadUrl {
                field,
                reason: format!(
                    "its sslmode={url_mode} contradicts sslmode: {field_mode}; keep one"
                ),
            });
        }
        (Some(mode), _) | (None, Some(mode)) => mode,
        (None, None) => match env("PGSSLMODE").filter(|v| !v.is_empty()) {
            Some(text) => SslMode::parse(&text).ok_or_else(|| PostgresError::BadUrl {
                field: "PGSSLMODE",
                reason: format!(
                    "{text} is not one of disable, prefer, require, verify-ca, verify-full"
                ),
            })?,
            None => SslMode::Prefer,
        },
    };
    let explicit_root = config
        .sslrootcert
        .clone()
        .or(parsed.sslrootcert)
        .or_else(|| {
            env("PGSSLROOTCERT")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .map(|path| base_dir.join(path));
    let default_root = env("HOME")
        .map(|home| Path::new(&home).join(".postgresql").join("root.crt"))
        .filter(|path| path.is_file());
    let root = match explicit_root.or(default_root) {
        Some(path) => RootCerts::File(path),
        None => RootCerts::System,
    };
    pg.ssl_mode(match mode {
        SslMode::Disable => tokio_postgres::config::SslMode::Disable,
        SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
            tokio_postgres::config::SslMode::Require
        }
    });
    if pg.get_connect_timeout().is_none() {
        pg.connect_timeout(CONNECT_TIMEOUT);
    }
    pg.keepalives(true).keepalives_idle(KEEPALIVE_IDLE);
    Ok(Endpoint {
        shown: show(&pg, &target),
        config: pg,
        password,
        password_source,
        tls: TlsSettings { mode, root },
    })
}

/// What libpq would fill in that tokio-postgres leaves empty.
fn apply_libpq_defaults(
    pg: &mut tokio_postgres::Config,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), PostgresError> {
    let var = |name: &str| env(name).filter(|v| !v.is_empty());
    if pg.get_user().is_none() {
        let user = var("PGUSER")
            .or_else(|| var("USER"))
            .or_else(|| var("LOGNAME"))
            .ok_or_else(|| PostgresError::BadUrl {
                field: "url",
                reason: "it names no user, and neither PGUSER nor USER is set".into(),
            })?;
        pg.user(user);
    }
    if pg.get_hosts().is_empty() {
        let host = var("PGHOST").unwrap_or_else(|| {
            let debian = "/var/run/postgresql";
            if Path::new(debian).is_dir() {
                debian
            } else {
                "/tmp"
            }
            .to_string()
        });
        pg.host(host);
    }
    if pg.get_ports().is_empty()
        && let Some(port) = var("PGPORT")
    {
        let port = port.parse().map_err(|_| PostgresError::BadUrl {
            field: "PGPORT",
            reason: format!("{port} is not a port number"),
        })?;
        pg.port(port);
    }
    if pg.get_dbname().is_none()
        && let Some(database) = var("PGDATABASE")
    {
        pg.dbname(database);
    }
    Ok(())
}

fn pass_target(pg: &tokio_postgres::Config) -> PassTarget {
    let user = pg.get_user().unwrap_or_default().to_string();
    let (host, unix_socket) = match pg.get_hosts().first() {
        Some(Host::Tcp(name)) => (name.clone(), false),
        Some(Host::Unix(path)) => (path.display().to_string(), true),
        None => (String::new(), false),
    };
    PassTarget {
        host,
        unix_socket,
        port: pg.get_ports().first().copied().unwrap_or(5432),
        database: pg.get_dbname().unwrap_or(&user).to_string(),
        user,
    }
}

fn show(pg: &tokio_postgres::Config, target: &PassTarget) -> String {
    let hosts: Vec<String> = pg
        .get_hosts()
        .iter()
        .map(|host| match host {
            Host::Tcp(name) => format!("{name}:{}", target.port),
            Host::Unix(path) => format!("[socket {}]", path.display()),
        })
        .collect();
    format!(
        "postgresql://{}@{}/{}",
        target.user,
        hosts.join(","),
        target.database
    )
}

/// Schema names are interpolated into SQL (quoted), so only plain lower-case
/// identifiers are allowed, and none PostgreSQL reserves (`pg_*`).
fn check_schema_name(name: &str) -> Result<(), PostgresError> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if first_ok && rest_ok && name.len() <= 63 && !name.starts_with("pg_") {
        Ok(())
    } else {
        Err(PostgresError::BadName {
            field: "schema",
            name: name.to_string(),
            rule: "lower-case letters, digits and _, starting with a letter or _, at most 63, not pg_*",
        })
    }
}

fn check_workspace_name(name: &str) -> Result<(), PostgresError> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(PostgresError::BadName {
            field: "workspace",
            name: name.to_string(),
            rule: "letters, digits, '-', '_' and '.', 1 to 128 of them",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::postgres::test_env as env;

    fn resolve(config: &PostgresConfig, pairs: &[(&str, &str)]) -> ConnectSettings {
        ConnectSettings::resolve(config, Path::new("/project"), &env(pairs)).unwrap()
    }

    #[test]
    fn fills_in_libpq_defaults_from_the_environment() {
        let config = PostgresConfig::new("postgresql:///", "production");
        let settings = resolve(
            &config,
            &[
                ("PGUSER", "ops"),
                ("PGHOST", "db.internal"),
                ("PGPORT", "6432"),
                ("PGDATABASE", "state"),
            ],
        );
        assert_eq!(
            settings.data.shown,
            "postgresql://ops@db.internal:6432/state"
        );
        assert_eq!(settings.data.tls.mode, SslMode::Prefer);
    }

    #[test]
    fn sslmode_comes_from_the_field_the_url_or_pgsslmode() {
        let mut config = PostgresConfig::new("postgresql://u@h/d?sslmode=verify-ca", "w");
        assert_eq!(resolve(&config, &[]).data.tls.mode, SslMode::VerifyCa);
        config.sslmode = Some(SslMode::VerifyFull);
        assert!(ConnectSettings::resolve(&config, Path::new("/"), &env(&[])).is_err());
        let config = PostgresConfig::new("postgresql://u@h/d", "w");
        let settings = resolve(&config, &[("PGSSLMODE", "require")]);
        assert_eq!(settings.data.tls.mode, SslMode::Require);
    }

    #[test]
    fn a_relative_root_certificate_is_taken_from_the_config_directory() {
        let mut config = PostgresConfig::new("postgresql://u@h/d", "w");
        config.sslrootcert = Some(PathBuf::from("certs/ca.pem"));
        let settings = resolve(&config, &[]);
        assert_eq!(
            settings.data.tls.root,
            RootCerts::File(PathBuf::from("/project/certs/ca.pem"))
        );
    }

    #[test]
    fn display_and_debug_name_the_source_never_the_password() {
        let mut config = PostgresConfig::new("postgresql://ops@db.internal/state", "production");
        config.password_env = Some("RESOLD_PG_PASSWORD".into());
        config.lock_url = Some("postgresql://ops@db-direct.internal/state".into());
        let settings = resolve(&config, &[("RESOLD_PG_PASSWORD", "hunter2")]);
        let shown = format!("{settings} {settings:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("password from $RESOLD_PG_PASSWORD"),
            "{shown}"
        );
        assert!(
            shown.contains("locks on postgresql://ops@db-direct.internal:5432/state"),
            "{shown}"
        );
    }

    #[test]
    fn schema_and_workspace_names_are_checked() {
        for schema in ["Resold", "1st", "pg_catalog", "a-b", "", "x\"; drop"] {
            let mut config = PostgresConfig::new("postgresql://u@h/d", "w");
            config.schema = schema.into();
            assert!(
                ConnectSettings::resolve(&config, Path::new("/"), &env(&[])).is_err(),
                "{schema}"
            );
        }
        for workspace in ["", "a b", "naïve"] {
            let config = PostgresConfig::new("postgresql://u@h/d", workspace);
            assert!(
                ConnectSettings::resolve(&config, Path::new("/"), &env(&[])).is_err(),
                "{workspace}"
            );
        }
        let config = PostgresConfig::new("postgresql://u@h/d", "team-a.prod_2");
        resolve(&config, &[]);
    }
}
