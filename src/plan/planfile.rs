//! The saved-plan file (`plan --out FILE`), sealed in one place
//! (Terraform's `planfile`): its own format version and the plan's are both
//! checked before the body is read, so a file from another resold says so
//! instead of failing on some field. What `apply FILE` then verifies is in
//! `verify.rs`: a saved plan is evidence of what was reviewed, never trusted
//! as instructions.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{PLAN_FORMAT_VERSION, Plan};

/// Version of the saved-plan file; a reader refuses other versions.
/// 2: typed operations.
pub const PLANFILE_FORMAT_VERSION: u32 = 2;

/// The file `plan --out` writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SavedPlan {
    pub format_version: u32,
    /// `resold` version that wrote it.
    pub resold_version: String,
    /// The config the plan was made with, so `apply FILE` needs no
    /// `--config` and runs against exactly that config (same bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<RecordedConfig>,
    pub plan: Plan,
}

/// Which config a saved plan was made with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecordedConfig {
    /// As `plan` found it: relative to the directory `plan` ran in when
    /// it was below it, absolute otherwise.
    pub path: String,
    /// sha256 of the file's bytes: the config names the state, the
    /// provider and the account, so `apply FILE` refuses any other bytes.
    pub sha256: String,
}

impl RecordedConfig {
    pub fn new(path: String, bytes: &[u8]) -> RecordedConfig {
        RecordedConfig {
            path,
            sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bytes)),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    #[error("cannot write the plan to {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the saved plan {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a saved resold plan: {source}")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "{path} is a saved plan of format version {found}; this resold reads version {PLANFILE_FORMAT_VERSION}: plan again"
    )]
    Version { path: PathBuf, found: u32 },
    #[error(
        "{path} holds a plan of format {found:?}; this resold reads plan format {PLAN_FORMAT_VERSION}: plan again"
    )]
    PlanVersion { path: PathBuf, found: String },
    #[error(
        "the saved plan was made with the config {recorded}, but {found} is not that config (its bytes differ: another file, or the config changed since): the saved plan runs only with the config it was made with; plan again with this one"
    )]
    ConfigChanged { recorded: String, found: PathBuf },
}

/// The first pass: only the versions, whatever else the file holds.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Versions {
    format_version: u32,
    plan: Option<PlanVersion>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PlanVersion {
    format_version: Option<String>,
}

impl SavedPlan {
    pub fn new(plan: Plan) -> SavedPlan {
        SavedPlan {
            format_version: PLANFILE_FORMAT_VERSION,
            resold_version: env!("CARGO_PKG_VERSION").to_string(),
            config: None,
            plan,
        }
    }

    pub fn with_config(self, config: RecordedConfig) -> SavedPlan {
        SavedPlan {
            config: Some(config),
            ..self
        }
    }

    /// What was reviewed is what runs: a plan that records its config runs
    /// only with a config of the same bytes, whichever path names it, so a
    /// saved plan can neither be pointed at another state, provider or
    /// account nor run after the config changed under it.
    pub fn check_config(&self, path: &Path, bytes: &[u8]) -> Result<(), PlanFileError> {
        let Some(recorded) = &self.config else {
            return Ok(());
        };
        let found = RecordedConfig::new(path.display().to_string(), bytes);
        if found.sha256 == recorded.sha256 {
            return Ok(());
        }
        Err(PlanFileError::ConfigChanged {
            recorded: recorded.path.clone(),
            found: path.to_path_buf(),
        })
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Writes via a temporary file in the same directory, so a crash never
    /// leaves half a plan behind.
    pub fn write(&self, path: &Path) -> Result<(), PlanFileError> {
        let error = |source| PlanFileError::Write {
            path: path.to_path_buf(),
            source,
        };
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut file = tempfile::NamedTempFile::new_in(dir).map_err(error)?;
        std::io::Write::write_all(&mut file, self.to_json().as_bytes()).map_err(error)?;
        file.persist(path).map_err(|e| error(e.error))?;
        Ok(())
    }

    pub fn read(path: &Path) -> Result<SavedPlan, PlanFileError> {
        let bytes = read_file(path)?;
        SavedPlan::parse(path, &bytes)
    }

    fn parse(path: &Path, bytes: &[u8]) -> Result<SavedPlan, PlanFileError> {
        let parse_error = |source| PlanFileError::Parse {
            path: path.to_path_buf(),
            source,
        };
        let versions: Versions = serde_json::from_slice(bytes).map_err(parse_error)?;
        if versions.format_version != PLANFILE_FORMAT_VERSION {
            return Err(PlanFileError::Version {
                path: path.to_path_buf(),
                found: versions.format_version,
            });
        }
        let plan_version = versions.plan.and_then(|p| p.format_version);
        if plan_version.as_deref().and_then(major) != major(PLAN_FORMAT_VERSION) {
            return Err(PlanFileError::PlanVersion {
                path: path.to_path_buf(),
                found: plan_version.unwrap_or_else(|| "(none)".into()),
            });
        }
        serde_json::from_slice(bytes).map_err(parse_error)
    }
}

/// The one place a saved plan's bytes are read: bounded, regular files
/// only, no symlinks (`fsio`).
fn read_file(path: &Path) -> Result<Vec<u8>, PlanFileError> {
    crate::fsio::read(path, crate::fsio::FileKind::SavedPlan).map_err(|source| {
        PlanFileError::Read {
            path: path.to_path_buf(),
            source,
        }
    })
}

fn major(version: &str) -> Option<&str> {
    version.split('.').next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved(config: &[u8]) -> SavedPlan {
        let plan = crate::plan::diff(
            &[],
            &crate::state::State::new(None),
            None,
            &crate::plan::PlanOptions::default(),
        );
        SavedPlan::new(plan).with_config(RecordedConfig::new("resold.yaml".into(), config))
    }

    #[test]
    fn only_the_same_config_bytes_pass() {
        let plan = saved(b"provider:\n  kind: sandbox\n");
        let elsewhere = Path::new("/elsewhere/resold.yaml");
        assert!(
            plan.check_config(elsewhere, b"provider:\n  kind: sandbox\n")
                .is_ok()
        );
        let changed = plan
            .check_config(
                elsewhere,
                b"provider:\n  kind: sandbox\nstate:\n  path: other.json\n",
            )
            .unwrap_err();
        assert!(
            changed.to_string().contains(
                "made with the config resold.yaml, but /elsewhere/resold.yaml is not that config"
            ),
            "{changed}"
        );
    }

    #[test]
    fn the_recorded_config_survives_the_file() {
        let plan = saved(b"x");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        plan.write(&path).unwrap();
        assert_eq!(SavedPlan::read(&path).unwrap().config, plan.config);
    }

    #[test]
    fn a_plan_without_a_recorded_config_takes_any() {
        let mut plan = saved(b"x");
        plan.config = None;
        assert!(plan.check_config(Path::new("resold.yaml"), b"y").is_ok());
    }
}
