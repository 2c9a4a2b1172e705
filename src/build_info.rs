//! Which build this is: the version, and the commit `build.rs` found (none
//! from a tarball), for `resold version` and bug reports.

use serde::Serialize;

/// `--version`'s line after the name: "0.1.0 (0123456789ab 2026-12-01)".
pub const SUMMARY: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("RESOLD_BUILD_SUMMARY"),
    ")"
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildInfo {
    pub name: &'static str,
    pub version: &'static str,
    /// The full commit id; `None` when built outside a git checkout.
    pub commit: Option<&'static str>,
    /// The commit's date (YYYY-MM-DD).
    pub commit_date: Option<&'static str>,
    /// Whether src/, build.rs, Cargo.toml or Cargo.lock differed from the
    /// commit; `None` when that could not be told.
    pub dirty: Option<bool>,
    /// The target triple, e.g. `x86_64-unknown-linux-gnu`.
    pub target: &'static str,
}

impl BuildInfo {
    /// This binary's.
    pub fn current() -> BuildInfo {
        BuildInfo::from_build_env(
            env!("RESOLD_BUILD_COMMIT"),
            env!("RESOLD_BUILD_COMMIT_DATE"),
            env!("RESOLD_BUILD_DIRTY"),
            env!("RESOLD_BUILD_TARGET"),
        )
    }

    /// From `build.rs`'s strings ("unknown" and "" mean not known).
    fn from_build_env(
        commit: &'static str,
        date: &'static str,
        dirty: &'static str,
        target: &'static str,
    ) -> BuildInfo {
        BuildInfo {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
            commit: Some(commit).filter(|c| !c.is_empty() && *c != "unknown"),
            commit_date: Some(date).filter(|d| !d.is_empty()),
            dirty: match dirty {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            target,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tarball_build_knows_no_commit() {
        let info = BuildInfo::from_build_env("unknown", "", "unknown", "x86_64-unknown-linux-gnu");
        assert_eq!(info.commit, None);
        assert_eq!(info.commit_date, None);
        assert_eq!(info.dirty, None);
    }

    #[test]
    fn a_checkout_build_carries_commit_date_and_dirty_flag() {
        let info = BuildInfo::from_build_env("0123456789abcdef", "2026-12-01", "true", "t");
        assert_eq!(info.commit, Some("0123456789abcdef"));
        assert_eq!(info.commit_date, Some("2026-12-01"));
        assert_eq!(info.dirty, Some(true));
        assert!(SUMMARY.starts_with(env!("CARGO_PKG_VERSION")));
    }
}
