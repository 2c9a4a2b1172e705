//! Where the password comes from, in libpq's order, with a resold name in
//! front: the variable `passwordEnv` names, then `PGPASSWORD`, then the
//! password file (`PGPASSFILE`, else `~/.pgpass`; lines
//! `host:port:database:user:password`, `*` matching anything, `\` escaping).
//! tokio-postgres reads none of these itself.
//!
//! The password is held in a `Secret`, which has no `Display`, whose `Debug`
//! prints `***`, and which is handed to tokio-postgres only at connect time.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::PostgresError;

/// A password. It cannot be printed or serialised.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub(super) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Where a connection's password was found, for messages ("password from
/// PGPASSWORD"): enough to fix a wrong one, nothing of the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    /// The variable `passwordEnv` names.
    Env(String),
    PgPassword,
    PassFile {
        path: PathBuf,
        line: usize,
    },
    /// No password: the server must not ask for one (trust, peer, cert).
    None,
}

impl std::fmt::Display for PasswordSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PasswordSource::Env(name) => write!(f, "password from ${name}"),
            PasswordSource::PgPassword => f.write_str("password from $PGPASSWORD"),
            PasswordSource::PassFile { path, line } => {
                write!(f, "password from {} line {line}", path.display())
            }
            PasswordSource::None => f.write_str("no password"),
        }
    }
}

/// What a password-file line is matched against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PassTarget {
    /// A host name, or a Unix-socket directory.
    pub host: String,
    pub unix_socket: bool,
    pub port: u16,
    pub database: String,
    pub user: String,
}

/// Socket directories libpq calls `localhost` when matching a password file.
const DEFAULT_SOCKET_DIRS: [&str; 3] = ["/var/run/postgresql", "/run/postgresql", "/tmp"];

pub(super) fn resolve(
    password_env: Option<&str>,
    target: &PassTarget,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Option<Secret>, PasswordSource), PostgresError> {
    if let Some(name) = password_env {
        return match env(name) {
            Some(value) => Ok((Some(Secret(value)), PasswordSource::Env(name.to_string()))),
            None => Err(PostgresError::PasswordEnvUnset {
                name: name.to_string(),
            }),
        };
    }
    if let Some(value) = env("PGPASSWORD").filter(|v| !v.is_empty()) {
        return Ok((Some(Secret(value)), PasswordSource::PgPassword));
    }
    let (path, explicit) = match env("PGPASSFILE").filter(|v| !v.is_empty()) {
        Some(path) => (PathBuf::from(path), true),
        None => match env("HOME").filter(|v| !v.is_empty()) {
            Some(home) => (Path::new(&home).join(".pgpass"), false),
            None => return Ok((None, PasswordSource::None)),
        },
    };
    match from_file(&path, target)? {
        Some((secret, line)) => Ok((Some(secret), PasswordSource::PassFile { path, line })),
        None if explicit && !path.exists() => Err(PostgresError::PassFile {
            path,
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        }),
        None => Ok((None, PasswordSource::None)),
    }
}

/// The first matching line's password and its line number. A missing file
/// is no password; a file others can read is refused, as libpq refuses it.
fn from_file(path: &Path, target: &PassTarget) -> Result<Option<(Secret, usize)>, PostgresError> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(source) if source.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(PostgresError::PassFile {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let mode = metadata.permissions().mode();
    if !metadata.is_file() || mode & 0o077 != 0 {
        return Err(PostgresError::PassFileTooOpen {
            path: path.to_path_buf(),
            mode: mode & 0o7777,
        });
    }
    let text = std::fs::read_to_string(path).map_err(|source| PostgresError::PassFile {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(find(&text, target).map(|(password, line)| (Secret(password), line)))
}

/// Password-file lookup over its text: the first line whose four fields
/// match wins; comments, blank and short lines are skipped.
fn find(text: &str, target: &PassTarget) -> Option<(String, usize)> {
    let port = target.port.to_string();
    text.lines().enumerate().find_map(|(index, line)| {
        if line.trim().is_empty() || line.starts_with('#') {
            return None;
        }
        let fields = split_fields(line);
        let [host, port_field, database, user, password] = fields.as_slice() else {
            return None;
        };
        let matches = |field: &str, value: &str| field == "*" || field == value;
        let host_matches = matches(host, &target.host)
            || (target.unix_socket
                && DEFAULT_SOCKET_DIRS.contains(&target.host.as_str())
                && host == "localhost");
        (host_matches
            && matches(port_field, &port)
            && matches(database, &target.database)
            && matches(user, &target.user)
            && !password.is_empty())
        .then(|| (password.clone(), index + 1))
    })
}

/// Splits on unescaped `:` into at most five fields, undoing `\` escapes;
/// the fifth field (the password) takes the rest of the line.
fn split_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => current.extend(chars.next()),
            ':' if fields.len() < 4 => fields.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    fields.push(current);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::postgres::test_env as env;

    fn target() -> PassTarget {
        PassTarget {
            host: "db.internal".into(),
            unix_socket: false,
            port: 5432,
            database: "state".into(),
            user: "resold".into(),
        }
    }

    #[test]
    fn the_named_variable_wins_over_pgpassword() {
        let lookup = env(&[("RESOLD_PG", "one"), ("PGPASSWORD", "two")]);
        let (secret, source) = resolve(Some("RESOLD_PG"), &target(), &lookup).unwrap();
        assert_eq!(secret.unwrap().expose(), "one");
        assert_eq!(source.to_string(), "password from $RESOLD_PG");
        let (secret, source) = resolve(None, &target(), &lookup).unwrap();
        assert_eq!(secret.unwrap().expose(), "two");
        assert_eq!(source, PasswordSource::PgPassword);
    }

    #[test]
    fn a_named_variable_that_is_unset_is_an_error() {
        let error = resolve(Some("RESOLD_PG"), &target(), &env(&[])).unwrap_err();
        assert!(error.to_string().contains("RESOLD_PG"), "{error}");
    }

    #[test]
    fn password_file_first_match_wins_with_wildcards_and_escapes() {
        let text = "# comment\n\
                    other:5432:*:resold:wrong\n\
                    db.internal:*:state:resold:pa\\:ss:word\n\
                    *:*:*:*:fallback\n";
        assert_eq!(find(text, &target()), Some(("pa:ss:word".into(), 3)));
        let mut elsewhere = target();
        elsewhere.host = "replica".into();
        assert_eq!(find(text, &elsewhere), Some(("fallback".into(), 4)));
        assert_eq!(find("db.internal:5433:*:*:x\n", &target()), None);
        assert_eq!(find("db.internal:5432:state\n", &target()), None);
    }

    #[test]
    fn the_default_socket_directory_matches_localhost() {
        let mut socket = target();
        socket.host = "/var/run/postgresql".into();
        socket.unix_socket = true;
        assert_eq!(find("localhost:*:*:*:s\n", &socket), Some(("s".into(), 1)));
        socket.host = "/srv/pg".into();
        assert_eq!(find("localhost:*:*:*:s\n", &socket), None);
        assert_eq!(find("/srv/pg:*:*:*:t\n", &socket), Some(("t".into(), 1)));
    }

    #[test]
    fn a_password_file_others_can_read_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgpass");
        std::fs::write(&path, "*:*:*:*:hunter2\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let lookup = env(&[("PGPASSFILE", path.to_str().unwrap())]);
        let error = resolve(None, &target(), &lookup).unwrap_err();
        assert!(error.to_string().contains("chmod 600"), "{error}");
        assert!(!format!("{error:?}").contains("hunter2"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let (secret, source) = resolve(None, &target(), &lookup).unwrap();
        assert_eq!(secret.unwrap().expose(), "hunter2");
        assert_eq!(
            source,
            PasswordSource::PassFile {
                path: path.clone(),
                line: 1
            }
        );
    }

    #[test]
    fn no_file_is_no_password_unless_pgpassfile_named_it() {
        let dir = tempfile::tempdir().unwrap();
        let home = env(&[("HOME", dir.path().to_str().unwrap())]);
        assert_eq!(
            resolve(None, &target(), &home).unwrap().1,
            PasswordSource::None
        );
        let missing = dir.path().join("nope");
        let named = env(&[("PGPASSFILE", missing.to_str().unwrap())]);
        assert!(resolve(None, &target(), &named).is_err());
    }

    #[test]
    fn a_secret_never_prints() {
        let secret = Secret("hunter2".into());
        assert_eq!(format!("{secret:?}"), "Secret(***)");
    }
}
