//! libpq's URL form, `postgresql://user@host:port/database?param=value`,
//! read into a `tokio_postgres::Config`. Two parameters tokio-postgres does
//! not know are taken out first (`sslmode` beyond `require`, `sslrootcert`),
//! and a password anywhere in the URL is refused: the URL lives in
//! `resold.yaml`, which is committed.

use std::path::PathBuf;
use std::str::FromStr;

use super::{PostgresError, SslMode};

/// A URL taken apart: what tokio-postgres connects with, plus the TLS
/// parameters resold handles itself.
#[derive(Debug)]
pub(super) struct ParsedUrl {
    pub config: tokio_postgres::Config,
    pub sslmode: Option<SslMode>,
    pub sslrootcert: Option<PathBuf>,
}

const SCHEMES: [&str; 2] = ["postgresql://", "postgres://"];

pub(super) fn parse(field: &'static str, url: &str) -> Result<ParsedUrl, PostgresError> {
    let bad = |reason: String| PostgresError::BadUrl { field, reason };
    let Some(rest) = SCHEMES.iter().find_map(|scheme| url.strip_prefix(scheme)) else {
        return Err(bad(
            "it must start with postgresql:// (libpq's URL form)".into()
        ));
    };
    let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
    if userinfo(before_query).is_some_and(|info| info.contains(':')) {
        return Err(PostgresError::PasswordInUrl { field });
    }
    let mut sslmode = None;
    let mut sslrootcert = None;
    let mut kept = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "password" => return Err(PostgresError::PasswordInUrl { field }),
            "sslmode" => {
                sslmode = Some(SslMode::parse(&value).ok_or_else(|| {
                    bad(format!(
                        "sslmode={value} is not one of disable, prefer, require, verify-ca, verify-full"
                    ))
                })?);
            }
            "sslrootcert" => sslrootcert = Some(PathBuf::from(value.as_ref())),
            _ => {
                kept.append_pair(&key, &value);
            }
        }
    }
    let kept = kept.finish();
    let rebuilt = if kept.is_empty() {
        format!("postgresql://{before_query}")
    } else {
        format!("postgresql://{before_query}?{kept}")
    };
    let config = tokio_postgres::Config::from_str(&rebuilt).map_err(|error| {
        // tokio-postgres names the option, never its value.
        bad(
            std::iter::successors(Some(&error as &dyn std::error::Error), |e| e.source())
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(": "),
        )
    })?;
    if config.get_password().is_some() {
        return Err(PostgresError::PasswordInUrl { field });
    }
    Ok(ParsedUrl {
        config,
        sslmode,
        sslrootcert,
    })
}

/// The `user[:password]` part of `user:password@host/db`, if any: all
/// before the last `@`, so that a password with an unescaped `/` in it is
/// still found (and refused) rather than read as a host.
fn userinfo(before_query: &str) -> Option<&str> {
    before_query.rsplit_once('@').map(|(info, _)| info)
}

/// The URL fit to print: any password replaced by `***`.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (before_query, query) = match rest.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (rest, None),
    };
    let mut out = format!("{scheme}://");
    match userinfo(before_query) {
        Some(info) if info.contains(':') => {
            let user = info.split(':').next().unwrap_or_default();
            out.push_str(&format!("{user}:***@"));
            out.push_str(&before_query[info.len() + 1..]);
        }
        _ => out.push_str(before_query),
    }
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some(("password", _)) => "password=***".to_string(),
                _ => pair.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use tokio_postgres::config::Host;

    use super::*;

    #[test]
    fn takes_out_the_tls_parameters_tokio_postgres_does_not_know() {
        let parsed = parse(
            "url",
            "postgresql://resold@db.example:6543/state?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&connect_timeout=5",
        )
        .unwrap();
        assert_eq!(parsed.sslmode, Some(SslMode::VerifyFull));
        assert_eq!(parsed.sslrootcert, Some(PathBuf::from("/etc/ca.pem")));
        assert_eq!(parsed.config.get_user(), Some("resold"));
        assert_eq!(parsed.config.get_dbname(), Some("state"));
        assert_eq!(parsed.config.get_ports(), &[6543]);
        assert_eq!(
            parsed.config.get_connect_timeout(),
            Some(&std::time::Duration::from_secs(5))
        );
    }

    #[test]
    fn a_unix_socket_directory_is_a_host_parameter_or_an_escaped_host() {
        for url in [
            "postgresql://postgres@/postgres?host=/tmp/pg.sock&port=5433",
            "postgresql://postgres@%2Ftmp%2Fpg.sock:5433/postgres",
        ] {
            let parsed = parse("url", url).unwrap();
            assert!(
                matches!(
                    parsed.config.get_hosts(),
                    [Host::Unix(path)] if path == std::path::Path::new("/tmp/pg.sock")
                ),
                "{url}"
            );
            assert_eq!(parsed.config.get_ports(), &[5433]);
        }
    }

    #[test]
    fn refuses_a_password_anywhere_without_repeating_it() {
        for url in [
            "postgresql://alice:hunter2@db/resold",
            "postgres://alice:hunter2@db:5432",
            "postgresql://alice@db/resold?password=hunter2",
            "postgresql://alice:hun/ter2@db/resold",
        ] {
            let error = parse("url", url).unwrap_err();
            assert!(
                matches!(error, PostgresError::PasswordInUrl { .. }),
                "{url}"
            );
            let shown = format!("{error} {error:?}");
            assert!(
                !shown.contains("hunter2") && !shown.contains("ter2"),
                "{shown}"
            );
        }
    }

    #[test]
    fn explains_a_wrong_scheme_and_a_wrong_mode() {
        let error = parse("url", "mysql://db/resold").unwrap_err().to_string();
        assert!(error.contains("postgresql://"), "{error}");
        let error = parse("url", "postgresql://db/resold?sslmode=allow")
            .unwrap_err()
            .to_string();
        assert!(error.contains("sslmode=allow"), "{error}");
    }

    #[test]
    fn redaction_keeps_everything_but_the_password() {
        assert_eq!(
            redacted("postgresql://alice:hunter2@db:5432/resold?sslmode=require&password=x"),
            "postgresql://alice:***@db:5432/resold?sslmode=require&password=***"
        );
        assert_eq!(redacted("postgresql://db/resold"), "postgresql://db/resold");
        assert_eq!(
            redacted("postgresql://al@ice@db/r"),
            "postgresql://al@ice@db/r"
        );
    }
}
