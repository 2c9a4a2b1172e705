//! What `resold init` prints.

use std::path::Path;

use super::escape::terminal;

/// One file `init` wrote.
pub fn created(path: &Path) -> String {
    format!("created {}", terminal(&path.display().to_string()))
}

/// What to do after `init`.
pub fn next_step(example: &Path) -> String {
    format!(
        "next: edit {}, then run `resold validate`",
        terminal(&example.display().to_string())
    )
}
