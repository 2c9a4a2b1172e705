//! Logs on stderr, for an operator asking what `resold` is doing: `-v` shows
//! the calls to Google that failed or were retried, `-vv` every call (method
//! id, URL path, status, time, retry number), `-q` only errors. `RESOLD_LOG`
//! (or, when it is unset, `RUST_LOG`) takes a full `tracing` filter instead,
//! e.g. `RESOLD_LOG=resold::google=debug`.
//!
//! Logs never carry a token or personal data: resold's own events name
//! methods, paths and statuses only (see `provider/transport.rs`), and the
//! flags keep other crates at `warn`. A hand-written filter that turns on a
//! dependency's debug output is outside that promise.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use super::ColorChoice;

/// The variables read for a filter, first match wins.
const FILTER_VARIABLES: [&str; 2] = ["RESOLD_LOG", "RUST_LOG"];

/// How much the flags ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// `-q`: errors only.
    Quiet,
    /// No flag: warnings and errors.
    Normal,
    /// `-v` (1), `-vv` (2), `-vvv` (3 and more).
    Verbose(u8),
}

impl Verbosity {
    pub fn from_flags(verbose: u8, quiet: bool) -> Verbosity {
        match (quiet, verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Normal,
            (false, n) => Verbosity::Verbose(n),
        }
    }

    /// The filter the flags stand for: resold's own targets get the level,
    /// everything else stays at `warn` until `-vvv`.
    pub fn directives(self) -> &'static str {
        match self {
            Verbosity::Quiet => "error",
            Verbosity::Normal => "warn",
            Verbosity::Verbose(1) => "warn,resold=info",
            Verbosity::Verbose(2) => "warn,resold=debug",
            Verbosity::Verbose(_) => "info,resold=trace",
        }
    }
}

/// Where the filter came from, for the warning about a bad one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterChoice {
    pub directives: String,
    /// The variable that supplied `directives`, if any.
    pub variable: Option<&'static str>,
}

/// The filter to use: a variable's when one is set (and not empty), the
/// flags' otherwise. `lookup` reads the environment (a parameter for tests).
pub fn choose_filter(
    verbosity: Verbosity,
    lookup: impl Fn(&str) -> Option<String>,
) -> FilterChoice {
    for variable in FILTER_VARIABLES {
        if let Some(value) = lookup(variable).filter(|v| !v.trim().is_empty()) {
            return FilterChoice {
                directives: value,
                variable: Some(variable),
            };
        }
    }
    FilterChoice {
        directives: verbosity.directives().to_string(),
        variable: None,
    }
}

/// Installs the stderr subscriber. Returns a warning to print when the
/// variable's filter does not parse (the flags' level is used instead): a
/// typo in a log setting must not stop an apply.
pub fn init(verbosity: Verbosity, color: ColorChoice) -> Option<String> {
    let choice = choose_filter(verbosity, |name| std::env::var(name).ok());
    let (filter, warning) = match EnvFilter::try_new(&choice.directives) {
        Ok(filter) => (filter, None),
        Err(error) => {
            let variable = choice.variable.unwrap_or("the log filter");
            let warning = format!(
                "warning: {variable}={:?} is not a log filter ({error}); using `{}`",
                choice.directives,
                verbosity.directives()
            );
            (EnvFilter::new(verbosity.directives()), Some(warning))
        }
    };
    let ansi = match color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stderr().is_terminal()
        }
    };
    // A second init in one process (tests calling `cli::run`) keeps the first.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .try_init();
    warning
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn flags_choose_a_level_for_resold_and_keep_dependencies_at_warn() {
        assert_eq!(Verbosity::from_flags(0, true).directives(), "error");
        assert_eq!(Verbosity::from_flags(0, false).directives(), "warn");
        assert_eq!(
            Verbosity::from_flags(1, false).directives(),
            "warn,resold=info"
        );
        assert_eq!(
            Verbosity::from_flags(2, false).directives(),
            "warn,resold=debug"
        );
        assert_eq!(
            Verbosity::from_flags(5, false).directives(),
            "info,resold=trace"
        );
        for verbose in 0..4 {
            let directives = Verbosity::from_flags(verbose, false).directives();
            assert!(EnvFilter::try_new(directives).is_ok(), "{directives}");
        }
    }

    #[test]
    fn resold_log_wins_over_rust_log_which_wins_over_the_flags() {
        let both = env(&[
            ("RESOLD_LOG", "resold::google=debug"),
            ("RUST_LOG", "trace"),
        ]);
        let choice = choose_filter(Verbosity::Quiet, both);
        assert_eq!(choice.directives, "resold::google=debug");
        assert_eq!(choice.variable, Some("RESOLD_LOG"));

        let rust_only = choose_filter(Verbosity::Normal, env(&[("RUST_LOG", "debug")]));
        assert_eq!(rust_only.variable, Some("RUST_LOG"));

        let empty = choose_filter(Verbosity::Verbose(2), env(&[("RESOLD_LOG", " ")]));
        assert_eq!(empty.variable, None);
        assert_eq!(empty.directives, "warn,resold=debug");
    }
}
