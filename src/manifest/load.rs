//! Reading manifest files: which files (`discover`), and which `kind` each
//! document is (`classify`). Reading a file and its YAML is the diagnostics
//! module's (`diagnostics::read`). Nothing here stops at the first problem:
//! every file is read and every finding kept.
//!
//! A manifest directory is a tree a pull request can put anything into, so
//! the walk follows a symbolic link (to a file or a directory) only when it
//! stays under the directory that was given — the manifest root — and reads
//! a file reached twice through links once. A link out of the root is a
//! finding naming the link and its target, never a read.

use std::collections::HashSet;
use std::os::unix::fs::{DirEntryExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use super::schema;
use super::spec::{API_VERSION, CustomerDocument, DefaultsDocument};
use crate::diagnostics::diagnostic::MAX_PER_FILE;
use crate::diagnostics::{
    Diagnostic, DocumentSource, FileProblem, Located, SourceLocation, Structure, did_you_mean,
};
use crate::fsio;

pub use crate::diagnostics::problem::{
    FILE_NOT_FOUND, FILE_REFUSED, FILE_TOO_LARGE, FILE_UNREADABLE, NO_DOCUMENTS, NOT_UTF8,
    YAML_SYNTAX,
};
pub const NOT_A_MAPPING: &str = "S-DOCUMENT";
pub const UNKNOWN_KIND: &str = "S-KIND";
pub const UNKNOWN_API_VERSION: &str = "S-API-VERSION";

/// How `load_portfolio` reports.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Findings listed per file at most; the rest are counted in one note.
    pub findings_per_file: usize,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            findings_per_file: MAX_PER_FILE,
        }
    }
}

/// A manifest file and the tree its links must stay in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ManifestFile {
    pub path: PathBuf,
    pub tree: PathBuf,
}

/// The manifest files named by `paths`: files as given (their tree is their
/// directory), directories searched recursively for `*.yaml` / `*.yml` (the
/// directory is the tree). Sorted, each file once.
pub fn discover(paths: &[PathBuf]) -> (Vec<ManifestFile>, Vec<Diagnostic>) {
    let mut walk = Walk::default();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk.directory(path, path),
            Ok(_) => {
                // Named directly: the same file may also be named in a
                // directory given beside it.
                walk.linked = true;
                walk.files.push((
                    ManifestFile {
                        path: path.clone(),
                        tree: fsio::parent_of(path),
                    },
                    None,
                ));
            }
            Err(error) => {
                let problem = if error.kind() == std::io::ErrorKind::NotFound {
                    FileProblem::NotFound {
                        path: path.display().to_string(),
                    }
                } else {
                    FileProblem::Unreadable {
                        path: path.display().to_string(),
                        reason: error.to_string(),
                    }
                };
                walk.problems.push(
                    Located::new(SourceLocation::file_start(path), problem).into_diagnostic(None),
                );
            }
        }
    }
    let Walk {
        mut files,
        problems,
        linked,
        ..
    } = walk;
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files.dedup_by(|a, b| a.0.path == b.0.path);
    // A file reached under two names (a link inside the tree, a hard link,
    // a file also named directly) is read once. Without links, the
    // directory entries' own inode numbers tell; with any, every file is
    // asked, as a link's entry carries the link's inode, not its target's.
    let mut seen = HashSet::new();
    files.retain(|(file, entry)| {
        let identity = match entry {
            Some(identity) if !linked => Some(*identity),
            _ => std::fs::metadata(&file.path)
                .ok()
                .map(|m| (m.dev(), m.ino())),
        };
        identity.is_none_or(|identity| seen.insert(identity))
    });
    (files.into_iter().map(|(file, _)| file).collect(), problems)
}

#[derive(Default)]
struct Walk {
    /// With (device, inode) from the directory entry, for a file found as
    /// an entry of a directory walked without links.
    files: Vec<(ManifestFile, Option<(u64, u64)>)>,
    /// Whether any file or directory was reached through a link.
    linked: bool,
    problems: Vec<Diagnostic>,
    /// Directories already walked (device, inode), so a link loop ends.
    visited: HashSet<(u64, u64)>,
}

impl Walk {
    fn directory(&mut self, dir: &Path, tree: &Path) {
        let device = match std::fs::metadata(dir) {
            Ok(meta) if !self.visited.insert((meta.dev(), meta.ino())) => return,
            Ok(meta) => Some(meta.dev()),
            Err(_) => None,
        };
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(error) => {
                let problem = FileProblem::Unreadable {
                    path: dir.display().to_string(),
                    reason: error.to_string(),
                };
                self.problems.push(
                    Located::new(SourceLocation::file_start(dir), problem).into_diagnostic(None),
                );
                return;
            }
        };
        // Real entries before links, so a file is named by its own path
        // rather than through a link to its directory.
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|e| (e.file_type().is_ok_and(|t| t.is_symlink()), e.file_name()));
        for entry in entries {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let hidden = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if kind.is_symlink() {
                self.link(&path, tree, hidden);
            } else if kind.is_dir() {
                if !hidden {
                    self.directory(&path, tree);
                }
            } else if is_manifest_name(&path) {
                let identity = device.map(|device| (device, entry.ino()));
                self.file(path, tree, identity);
            }
        }
    }

    /// A link is followed only inside the tree; a link out of it that could
    /// be a manifest or a directory is reported, never read.
    fn link(&mut self, path: &Path, tree: &Path, hidden: bool) {
        match fsio::resolve_within(path, tree) {
            Ok(target) => match std::fs::metadata(&target) {
                Ok(meta) if meta.is_dir() => {
                    if hidden {
                        return;
                    }
                    self.linked = true;
                    self.directory(path, tree);
                }
                _ if is_manifest_name(path) => {
                    self.linked = true;
                    self.file(path.to_path_buf(), tree, None);
                }
                _ => {}
            },
            Err(error) if is_manifest_name(path) || !hidden => {
                // Links to other files (a README.md -> ../docs) are not
                // manifests; only those that could be are worth a finding.
                let points_to_dir = std::fs::metadata(path).is_ok_and(|m| m.is_dir());
                if !(is_manifest_name(path) || points_to_dir) {
                    return;
                }
                let problem = match fsio::refusal(&error) {
                    Some(refusal) => FileProblem::Refused {
                        reason: refusal.to_string(),
                    },
                    None => FileProblem::Unreadable {
                        path: path.display().to_string(),
                        reason: error.to_string(),
                    },
                };
                self.problems.push(
                    Located::new(SourceLocation::file_start(path), problem).into_diagnostic(None),
                );
            }
            Err(_) => {}
        }
    }

    fn file(&mut self, path: PathBuf, tree: &Path, identity: Option<(u64, u64)>) {
        // `resold.yaml` beside the manifests is the config, not a customer.
        if path.file_name().and_then(|n| n.to_str()) == Some(crate::config::CONFIG_FILE_NAME) {
            return;
        }
        self.files.push((
            ManifestFile {
                path,
                tree: tree.to_path_buf(),
            },
            identity,
        ));
    }
}

fn is_manifest_name(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

/// The structural schema of `kind: Customer`.
pub fn customer_structure() -> &'static Structure {
    static S: OnceLock<Structure> = OnceLock::new();
    S.get_or_init(|| Structure::compile(schema::customer_structure()))
}

/// The structural schema of `kind: Defaults`.
pub fn defaults_structure() -> &'static Structure {
    static S: OnceLock<Structure> = OnceLock::new();
    S.get_or_init(|| Structure::compile(schema::defaults_structure()))
}

/// A document after its structure was checked.
#[derive(Debug, Clone)]
pub enum Parsed {
    Customer(Box<CustomerDocument>, DocumentSource),
    Defaults(Box<DefaultsDocument>, DocumentSource),
}

/// Decides the `kind` of a document and checks it against that kind's schema.
pub fn classify(source: DocumentSource, value: &Value) -> Result<Parsed, Vec<Diagnostic>> {
    let Some(object) = value.as_object() else {
        let d = Diagnostic::error(
            NOT_A_MAPPING,
            "a manifest document must be a mapping with apiVersion, kind, metadata and spec",
        );
        return Err(vec![source.at_value(d, "")]);
    };
    if let Some(version) = object.get("apiVersion").and_then(Value::as_str)
        && version != API_VERSION
    {
        let d = Diagnostic::error(
            UNKNOWN_API_VERSION,
            format!("unsupported apiVersion `{version}`"),
        )
        .with_help(format!(
            "this version of resold reads `apiVersion: {API_VERSION}`"
        ));
        return Err(vec![source.at_value(d, "/apiVersion")]);
    }
    match object.get("kind") {
        Some(Value::String(kind)) if kind == "Customer" => {
            typed(customer_structure(), source, value, |doc, src| {
                Parsed::Customer(Box::new(doc), src)
            })
        }
        Some(Value::String(kind)) if kind == "Defaults" => {
            typed(defaults_structure(), source, value, |doc, src| {
                Parsed::Defaults(Box::new(doc), src)
            })
        }
        Some(other) => {
            let given = match other {
                Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            let mut d = Diagnostic::error(UNKNOWN_KIND, format!("unknown kind `{given}`"));
            d = match did_you_mean(&given, ["Customer", "Defaults"]) {
                Some(close) => d.with_help(format!("did you mean `{close}`?")),
                None => d.with_help("expected `Customer` or `Defaults`"),
            };
            Err(vec![source.at_value(d, "/kind")])
        }
        None => {
            let d = Diagnostic::error(UNKNOWN_KIND, "missing required field `kind`")
                .with_help("add `kind: Customer` (or `kind: Defaults`)");
            Err(vec![source.at_value(d, "")])
        }
    }
}

fn typed<T: serde::de::DeserializeOwned>(
    structure: &Structure,
    source: DocumentSource,
    value: &Value,
    wrap: impl FnOnce(T, DocumentSource) -> Parsed,
) -> Result<Parsed, Vec<Diagnostic>> {
    let doc = structure.read(&source, value)?;
    Ok(wrap(doc, source))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    #[test]
    fn structures_compile() {
        customer_structure();
        defaults_structure();
    }

    #[test]
    fn a_file_hard_linked_twice_in_a_tree_without_links_is_read_once() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("sub")).unwrap();
        std::fs::write(root.path().join("a.yaml"), "a: 1\n").unwrap();
        std::fs::write(root.path().join("c.yaml"), "c: 1\n").unwrap();
        std::fs::hard_link(root.path().join("a.yaml"), root.path().join("sub/b.yaml")).unwrap();
        let (files, problems) = discover(&[root.path().to_path_buf()]);
        let names: Vec<_> = files
            .iter()
            .map(|f| f.path.strip_prefix(root.path()).unwrap())
            .collect();
        assert_eq!(names, [Path::new("a.yaml"), Path::new("c.yaml")]);
        assert!(problems.is_empty());
        // Named directly beside its directory, a file is read once too.
        let (files, _) = discover(&[root.path().to_path_buf(), root.path().join("c.yaml")]);
        assert_eq!(files.len(), 2, "{files:?}");
    }

    #[test]
    fn links_are_followed_inside_the_tree_only_and_files_read_once() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let customers = root.path().join("customers");
        std::fs::create_dir_all(customers.join("nordics")).unwrap();
        std::fs::write(customers.join("nordics/a.yaml"), "a: 1\n").unwrap();
        std::fs::write(outside.path().join("b.yaml"), "b: 1\n").unwrap();
        symlink("nordics", customers.join("alias")).unwrap();
        symlink("nordics/a.yaml", customers.join("same.yaml")).unwrap();
        symlink(outside.path(), customers.join("away")).unwrap();
        symlink(outside.path().join("b.yaml"), customers.join("env.yaml")).unwrap();
        symlink("loop", customers.join("loop")).unwrap();
        symlink(".", customers.join("nordics/self")).unwrap();

        let (files, problems) = discover(std::slice::from_ref(&customers));
        let names: Vec<String> = files
            .iter()
            .map(|f| {
                f.path
                    .strip_prefix(&customers)
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(
            names,
            ["nordics/a.yaml"],
            "one name per file, none from outside"
        );
        let messages: Vec<&str> = problems.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(problems.len(), 2, "{messages:?}");
        assert!(
            messages
                .iter()
                .any(|m| m.contains("away` is a symbolic link")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("env.yaml` is a symbolic link")),
            "{messages:?}"
        );
    }
}
