//! The import's file work: what the manifest directories hold already,
//! and writing new files so that a killed run leaves only whole files and
//! never replaces one (each file goes to a temporary name in the same
//! directory, is synced, and is then linked into place only if the name is
//! still free).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use crate::diagnostics::read::read_source;
use crate::diagnostics::report::{self as diagnostics, ReportFormat};
use crate::diagnostics::yaml;
use crate::fsio::FileKind;
use crate::manifest::load::LoadOptions;
use crate::manifest::load_portfolio;
use crate::manifest::spec::DefaultsDocument;
use crate::state::State;

use super::{Existing, Shared};

#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    #[error("the existing manifests are invalid; fix them first (`resold validate`):\n{rendered}")]
    Manifests { rendered: String },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What `dirs` (the manifest directory, the output directory) hold, with
/// the recorded state. The output directory is created if missing.
pub fn existing(dirs: &[PathBuf], out_dir: &Path, state: State) -> Result<Existing, FilesError> {
    std::fs::create_dir_all(out_dir).map_err(|source| FilesError::Write {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let present: Vec<PathBuf> = dirs.iter().filter(|d| d.exists()).cloned().collect();
    let report = load_portfolio(&present, &LoadOptions::default());
    if report.has_errors() {
        return Err(FilesError::Manifests {
            rendered: diagnostics::render(&report.diagnostics, ReportFormat::Human, false),
        });
    }
    let manifests = report.portfolio.map(|p| p.customers).unwrap_or_default();
    let mut files = Vec::new();
    let mut defaults = Vec::new();
    for path in &report.files {
        // The manifest root it was found under bounds where its links may point.
        let tree = present
            .iter()
            .find(|root| path.starts_with(root))
            .map_or_else(
                || path.parent().unwrap_or(path).to_path_buf(),
                PathBuf::clone,
            );
        let (source, _) =
            read_source(path, &tree, FileKind::Manifest).map_err(|d| FilesError::Read {
                path: path.clone(),
                source: std::io::Error::other(d.message.clone()),
            })?;
        for value in yaml::parse_values(&source.text).unwrap_or_default() {
            if value.get("kind").and_then(|k| k.as_str()) == Some("Defaults")
                && let Ok(doc) = serde_json::from_value::<DefaultsDocument>(value)
            {
                defaults.push((
                    path.parent().map(Path::to_path_buf).unwrap_or_default(),
                    doc,
                ));
            }
        }
        files.push((path.clone(), source.text.clone()));
    }
    let out = absolute(out_dir);
    // The nearest Defaults at or above the output directory applies there.
    let applying = defaults
        .iter()
        .filter(|(dir, _)| out.starts_with(absolute(dir)))
        .max_by_key(|(dir, _)| absolute(dir).components().count())
        .map(|(_, doc)| Shared::from_spec(&doc.spec));
    let output_has_manifests = report.files.iter().any(|f| absolute(f).starts_with(&out));
    let taken_paths = std::fs::read_dir(out_dir)
        .map_err(|source| FilesError::Read {
            path: out_dir.to_path_buf(),
            source,
        })?
        .flatten()
        .map(|entry| out_dir.join(entry.file_name()))
        .collect::<BTreeSet<_>>();
    Ok(Existing {
        manifests,
        files,
        state,
        defaults: applying,
        output_has_manifests,
        taken_paths,
    })
}

/// `path` made absolute and cleaned of `.` and `..` (without touching the
/// file system beyond the current directory), so paths compare.
pub fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut clean = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                clean.pop();
            }
            other => clean.push(other),
        }
    }
    clean
}

/// `to` relative to the directory `from`, with `/` separators (for a modeline).
pub fn relative(from: &Path, to: &Path) -> String {
    let from = absolute(from);
    let to = absolute(to);
    let from_parts: Vec<_> = from.components().collect();
    let to_parts: Vec<_> = to.components().collect();
    let common = from_parts
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> = vec!["..".to_string(); from_parts.len() - common];
    parts.extend(
        to_parts[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// Writes `text` to `path` unless something is there already: `Ok(false)`
/// then, and the existing file is left as it was.
pub fn write_new(path: &Path, text: &str) -> Result<bool, FilesError> {
    let failed = |source: std::io::Error| FilesError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(failed)?;
    let mut temporary = tempfile::Builder::new()
        .prefix(".resold-import-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(failed)?;
    temporary.write_all(text.as_bytes()).map_err(failed)?;
    temporary.as_file().sync_all().map_err(failed)?;
    match temporary.persist_noclobber(path) {
        Ok(_) => Ok(true),
        Err(error) if error.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(error) => Err(failed(error.error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_never_written_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        assert!(write_new(&path, "one\n").unwrap());
        assert!(!write_new(&path, "two\n").unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one\n");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn modeline_paths_are_relative() {
        assert_eq!(
            relative(
                Path::new("/p/customers"),
                Path::new("/p/schemas/manifest.schema.json")
            ),
            "../schemas/manifest.schema.json"
        );
        assert_eq!(
            relative(Path::new("/p/a/b"), Path::new("/p/schemas/m.json")),
            "../../schemas/m.json"
        );
    }
}
