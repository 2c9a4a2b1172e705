//! Turning the stored bytes into a `State`: the version is read first with a
//! tiny struct (serde skips every other value without building a tree), then
//! the document is deserialised straight into its types — version 1 into its
//! own and migrated. No `serde_json::Value` of the whole state is ever built
//! (issue 14 measured it at most of the peak heap at 10,000 customers).

use serde::Deserialize;

use super::v1::{MigrationError, StateV1, migrate};
use super::{STATE_FORMAT_VERSION, State};

/// Why stored bytes are not a state this resold reads.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("{0}")]
    Parse(#[from] serde_json::Error),
    #[error("format version {found}; this resold reads up to {STATE_FORMAT_VERSION}")]
    TooNew { found: u32 },
    #[error(transparent)]
    Migration(#[from] MigrationError),
}

#[derive(Deserialize)]
struct VersionOnly {
    version: Option<u32>,
}

/// The stored format version of `bytes`, if they say.
pub fn version_of(bytes: &[u8]) -> Option<u32> {
    serde_json::from_slice::<VersionOnly>(bytes)
        .ok()
        .and_then(|v| v.version)
}

/// Parses a state of any version this resold knows, migrating older ones.
pub fn parse(bytes: &[u8]) -> Result<State, FormatError> {
    let version: VersionOnly = serde_json::from_slice(bytes)?;
    match version.version {
        Some(found) if found > STATE_FORMAT_VERSION => Err(FormatError::TooNew { found }),
        Some(1) => {
            let old: StateV1 = serde_json::from_slice(bytes)?;
            Ok(migrate(old)?)
        }
        _ => Ok(serde_json::from_slice(bytes)?),
    }
}
