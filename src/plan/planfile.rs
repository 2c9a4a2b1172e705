//! Saved plans (`plan --out FILE`) and the stale-plan check `apply FILE`
//! runs first (plan-anchors.md §3): the state's lineage and serial, the
//! manifests' digest and a fingerprint of the observed objects relied on must
//! all still match.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::observed::{ExistingAccount, Observed, ObservedCustomer};
use crate::state::State;

use super::Plan;
use super::values::sha256_json;

/// Version of the saved-plan file; a reader refuses other versions.
pub const PLANFILE_FORMAT_VERSION: u32 = 1;

/// The file `plan --out` writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedPlan {
    pub format_version: u32,
    /// `resold` version that wrote it.
    pub resold_version: String,
    pub plan: Plan,
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
        "{path} holds a plan of format {found:?}; this resold reads plan format {}: plan again",
        super::PLAN_FORMAT_VERSION
    )]
    PlanVersion { path: PathBuf, found: String },
}

impl SavedPlan {
    pub fn new(plan: Plan) -> SavedPlan {
        SavedPlan {
            format_version: PLANFILE_FORMAT_VERSION,
            resold_version: env!("CARGO_PKG_VERSION").to_string(),
            plan,
        }
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
        let text = crate::fsio::read_to_string(path, crate::fsio::FileKind::SavedPlan).map_err(
            |source| PlanFileError::Read {
                path: path.to_path_buf(),
                source,
            },
        )?;
        let version: VersionOnly =
            serde_json::from_str(&text).map_err(|source| PlanFileError::Parse {
                path: path.to_path_buf(),
                source,
            })?;
        if version.format_version != PLANFILE_FORMAT_VERSION {
            return Err(PlanFileError::Version {
                path: path.to_path_buf(),
                found: version.format_version,
            });
        }
        let saved: SavedPlan =
            serde_json::from_str(&text).map_err(|source| PlanFileError::Parse {
                path: path.to_path_buf(),
                source,
            })?;
        // The plan inside has its own format version (the JSON plan's
        // `format_version`); a file whose outer version matches but whose
        // plan was written by another format is refused the same way.
        if saved.plan.format_version != super::PLAN_FORMAT_VERSION {
            return Err(PlanFileError::PlanVersion {
                path: path.to_path_buf(),
                found: saved.plan.format_version,
            });
        }
        Ok(saved)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VersionOnly {
    format_version: u32,
}

/// Why a saved plan may not be applied. Every message starts with "saved plan is stale".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StaleReason {
    #[error(
        "saved plan is stale: it was made for state lineage {planned}, but the state now has lineage {current} (a different state); run `resold plan` again"
    )]
    Lineage { planned: String, current: String },
    #[error(
        "saved plan is stale: the state changed since the plan was made (serial {planned} -> {current}); run `resold plan` again"
    )]
    Serial { planned: u64, current: u64 },
    #[error(
        "saved plan is stale: the manifests changed since the plan was made (digest {planned} -> {current}); run `resold plan` again"
    )]
    Manifests { planned: String, current: String },
    #[error(
        "saved plan is stale: Google's view of {customers} changed since the plan was made; run `resold plan` again"
    )]
    Observed { customers: String },
}

/// Compares a saved plan with the present. `current_observed_fingerprint` is
/// `observed_fingerprint` over a fresh observation of
/// `saved.plan.fingerprint_customers` (`None` when apply did not observe).
pub fn check_stale(
    saved: &SavedPlan,
    current_state: &State,
    current_observed_fingerprint: Option<&str>,
    manifest_digest: &str,
) -> Result<(), StaleReason> {
    let plan = &saved.plan;
    // Serial 0 on both sides means no state was ever written: each run makes
    // up a fresh lineage for the empty state, so lineages cannot match yet.
    let never_written = plan.state_serial == 0 && current_state.serial == 0;
    if !never_written && plan.state_lineage != current_state.lineage {
        return Err(StaleReason::Lineage {
            planned: plan.state_lineage.clone(),
            current: current_state.lineage.clone(),
        });
    }
    if plan.state_serial != current_state.serial {
        return Err(StaleReason::Serial {
            planned: plan.state_serial,
            current: current_state.serial,
        });
    }
    if plan.manifest_digest != manifest_digest {
        return Err(StaleReason::Manifests {
            planned: short(&plan.manifest_digest),
            current: short(manifest_digest),
        });
    }
    match (&plan.observed_fingerprint, current_observed_fingerprint) {
        (Some(planned), Some(current)) if planned != current => Err(StaleReason::Observed {
            customers: describe_customers(&plan.fingerprint_customers),
        }),
        _ => Ok(()),
    }
}

fn short(digest: &str) -> String {
    digest.chars().take(12).collect()
}

fn describe_customers(names: &[String]) -> String {
    match names {
        [] => "the reseller account".to_string(),
        [one] => format!("customer {one}"),
        many if many.len() <= 5 => format!("customers {}", many.join(", ")),
        many => format!("{} customers ({}, ...)", many.len(), many[..3].join(", ")),
    }
}

/// The observed objects a plan relies on, in a canonical shape: refresh time
/// excluded, customers limited to `customers`.
#[derive(Serialize)]
struct Relied<'a> {
    customers: BTreeMap<&'a str, &'a ObservedCustomer>,
    existing_accounts: &'a BTreeMap<String, Vec<ExistingAccount>>,
    missing: Vec<&'a str>,
}

/// sha256 (hex) over the canonical JSON of the observed customers named (and
/// the existing-account checks), so apply can tell whether Google changed
/// underneath a reviewed plan.
pub fn observed_fingerprint(observed: &Observed, customers: &[String]) -> String {
    let relied = Relied {
        customers: customers
            .iter()
            .filter_map(|n| {
                observed
                    .customers
                    .get_key_value(n)
                    .map(|(k, v)| (k.as_str(), v))
            })
            .collect(),
        existing_accounts: &observed.existing_accounts,
        missing: observed
            .missing
            .iter()
            .filter(|m| customers.contains(m))
            .map(String::as_str)
            .collect(),
    };
    sha256_json(&relied)
}
