//! The state directory (`.resold/` by default) is private: created 0700 by
//! whichever command makes it first, and refused when someone else could
//! write into it. In a group- or world-writable directory anyone could put
//! a link where the lock file or a backup goes, or replace the state
//! between plan and apply. A team that shares a directory on purpose says
//! so with `state.writableByOthers: warn` in `resold.yaml`.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use super::StateError;
use crate::config::WritableByOthers;

/// What to do about the state directory's permissions.
pub fn check(dir: &Path, policy: WritableByOthers) -> Result<Option<String>, StateError> {
    let metadata = match std::fs::metadata(dir) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(StateError::Io {
                action: "inspect",
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    let mode = metadata.permissions().mode() & 0o7777;
    let me = effective_uid();
    let foreign_owner = metadata.uid() != me && metadata.uid() != 0;
    if mode & 0o022 == 0 && !foreign_owner {
        return Ok(None);
    }
    let problem = StateError::UnsafeDirectory {
        path: dir.to_path_buf(),
        mode,
        owner: metadata.uid(),
        foreign_owner,
    };
    match policy {
        WritableByOthers::Refuse => Err(problem),
        WritableByOthers::Warn => Ok(Some(format!("warning: {problem}"))),
    }
}

/// The effective user id, read from `/proc/self` so no `unsafe` is needed.
fn effective_uid() -> u32 {
    std::fs::metadata("/proc/self").map_or(u32::MAX, |m| m.uid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_directories_pass_and_shared_ones_are_refused_or_warned_about() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join(".resold");
        std::fs::create_dir(&state).unwrap();
        std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert!(check(&state, WritableByOthers::Refuse).unwrap().is_none());
        std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o777)).unwrap();
        let error = check(&state, WritableByOthers::Refuse)
            .unwrap_err()
            .to_string();
        assert!(error.contains("0777"), "{error}");
        assert!(error.contains("writableByOthers: warn"), "{error}");
        let warning = check(&state, WritableByOthers::Warn).unwrap().unwrap();
        assert!(warning.starts_with("warning: "), "{warning}");
        std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o770)).unwrap();
        assert!(
            check(&state, WritableByOthers::Refuse).is_err(),
            "group-writable"
        );
        assert!(
            check(&dir.path().join("none"), WritableByOthers::Refuse)
                .unwrap()
                .is_none()
        );
    }
}
