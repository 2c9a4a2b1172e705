//! Small helpers that turn model values into the JSON values plans carry, and
//! hash canonical JSON.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// A model value as JSON; values that cannot be represented become `null`
/// (never the case for the plain data types of `model`).
pub(super) fn json<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// An optional model value as optional JSON.
pub(super) fn json_opt<T: Serialize>(value: Option<&T>) -> Option<serde_json::Value> {
    value.map(json)
}

/// An `io::Write` that feeds a SHA-256.
#[derive(Default)]
pub(super) struct HashWriter(Sha256);

impl HashWriter {
    /// The digest of everything written, in hex.
    pub(super) fn hex(self) -> String {
        hex::encode(self.0.finalize())
    }
}

impl std::io::Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `ignoreDrift` entries name a field (`phone`), a parent (`admin`) or a
/// subscription field (`seats`, `subscriptions.vault.seats`).
pub(super) fn is_ignored(ignore: &std::collections::BTreeSet<String>, field: &str) -> bool {
    ignore.iter().any(|entry| {
        field == entry
            || field
                .strip_prefix(entry.as_str())
                .is_some_and(|rest| rest.starts_with('.'))
            || field
                .rsplit_once('.')
                .is_some_and(|(_, leaf)| leaf == entry && field.starts_with("subscriptions."))
    })
}
