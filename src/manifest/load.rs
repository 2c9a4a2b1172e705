//! Reading manifest files: which files, at most how big, valid UTF-8, YAML
//! documents with spans, and which `kind` each document is. Nothing here
//! stops at the first problem: every file is read and every finding kept.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::check::Structure;
use super::diagnostic::Diagnostic;
use super::source::{DocumentSource, SourceFile};
use super::spec::{API_VERSION, CustomerDocument, DefaultsDocument};
use super::suggest::did_you_mean;
use super::yaml;

pub const FILE_NOT_FOUND: &str = "F-NOT-FOUND";
pub const FILE_UNREADABLE: &str = "F-READ";
pub const FILE_TOO_LARGE: &str = "F-TOO-LARGE";
pub const NOT_UTF8: &str = "F-UTF8";
pub const YAML_SYNTAX: &str = "F-YAML";
pub const NO_DOCUMENTS: &str = "F-EMPTY";
pub const NOT_A_MAPPING: &str = "S-DOCUMENT";
pub const UNKNOWN_KIND: &str = "S-KIND";
pub const UNKNOWN_API_VERSION: &str = "S-API-VERSION";

/// Limits on what `load` reads.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Larger files are refused unread: a manifest of a few hundred
    /// customers is well under 1 MiB, so this only stops accidents and abuse.
    pub max_file_bytes: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_file_bytes: 8 * 1024 * 1024,
        }
    }
}

/// The manifest files named by `paths`: files as given, directories searched
/// recursively for `*.yaml` / `*.yml`. Sorted, without duplicates.
pub fn discover(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, &mut files, &mut problems),
            Ok(_) => files.push(path.clone()),
            Err(error) => problems.push(
                Diagnostic::error(
                    FILE_NOT_FOUND,
                    format!("cannot read `{}`: {error}", path.display()),
                )
                .with_help("pass manifest files or directories that exist"),
            ),
        }
    }
    files.sort();
    files.dedup();
    (files, problems)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, problems: &mut Vec<Diagnostic>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            problems.push(Diagnostic::error(
                FILE_UNREADABLE,
                format!("cannot list `{}`: {error}", dir.display()),
            ));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        // Symlinked directories are not followed, so a link loop cannot hang us.
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            let hidden = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if !hidden {
                walk(&path, files, problems);
            }
        } else if is_manifest_name(&path)
            && path.file_name().and_then(|n| n.to_str()) != Some(crate::config::CONFIG_FILE_NAME)
        {
            // `resold.yaml` beside the manifests is the config, not a customer.
            files.push(path);
        }
    }
}

fn is_manifest_name(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

/// Reads a file whole, refusing huge files and invalid UTF-8. Also returns
/// the raw bytes, which the portfolio digest covers.
pub fn read_source(
    path: &Path,
    options: &LoadOptions,
) -> Result<(SourceFile, Vec<u8>), Box<Diagnostic>> {
    let unreadable = |error: std::io::Error| {
        Box::new(Diagnostic::error(
            FILE_UNREADABLE,
            format!("cannot read `{}`: {error}", path.display()),
        ))
    };
    let size = std::fs::metadata(path).map_err(unreadable)?.len();
    if size > options.max_file_bytes {
        return Err(Box::new(
            Diagnostic::error(
                FILE_TOO_LARGE,
                format!(
                    "`{}` is {size} bytes, more than the {} bytes a manifest file may have",
                    path.display(),
                    options.max_file_bytes
                ),
            )
            .with_help("split the customers over several files"),
        ));
    }
    let bytes = std::fs::read(path).map_err(unreadable)?;
    match std::str::from_utf8(&bytes) {
        Ok(text) => Ok((
            SourceFile::new(
                path.to_path_buf(),
                text.strip_prefix('\u{feff}').unwrap_or(text).to_string(),
            ),
            bytes,
        )),
        Err(error) => {
            let valid = &bytes[..error.valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
            let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(&valid[line_start..])
                .chars()
                .count() as u64
                + 1;
            let file = SourceFile::new(
                path.to_path_buf(),
                String::from_utf8_lossy(&bytes).into_owned(),
            );
            Err(Box::new(
                Diagnostic::error(NOT_UTF8, format!("`{}` is not valid UTF-8", path.display()))
                    .with_help("save the file as UTF-8")
                    .at(file.locate(line, column), Some(&file.text)),
            ))
        }
    }
}

/// Splits a file into its YAML documents, each with where it came from.
pub fn parse_source(
    file: Arc<SourceFile>,
) -> Result<Vec<(DocumentSource, Value)>, Box<Diagnostic>> {
    match yaml::parse_values(&file.text) {
        Ok(roots) if roots.is_empty() => Err(Box::new(
            Diagnostic::error(
                NO_DOCUMENTS,
                format!("`{}` holds no manifest", file.path.display()),
            )
            .with_help("add a `kind: Customer` document, or delete the file")
            .at(file.locate(1, 1), None),
        )),
        Ok(values) => Ok(values
            .into_iter()
            .enumerate()
            .map(|(index, value)| {
                let source = DocumentSource {
                    file: Arc::clone(&file),
                    index,
                };
                (source, value)
            })
            .collect()),
        Err(error) => {
            let mut d = Diagnostic::error(YAML_SYNTAX, format!("invalid YAML: {}", error.message));
            if file
                .text
                .lines()
                .nth(usize::try_from(error.line.saturating_sub(1)).unwrap_or(0))
                .is_some_and(|l| l.trim_start_matches(' ').starts_with('\t'))
            {
                d = d.with_help("indent with spaces: YAML does not allow tabs for indentation");
            } else if error.message.contains("alias") || error.message.contains("budget") {
                d = d.with_help(
                    "anchors and aliases here expand beyond what a manifest needs; write the values out",
                );
            }
            Err(Box::new(d.at(
                file.locate(error.line, error.column),
                Some(&file.text),
            )))
        }
    }
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
            typed(Structure::customer(), source, value, |doc, src| {
                Parsed::Customer(Box::new(doc), src)
            })
        }
        Some(Value::String(kind)) if kind == "Defaults" => {
            typed(Structure::defaults(), source, value, |doc, src| {
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
    let doc = classify_with(structure, &source, value)?;
    Ok(wrap(doc, source))
}

/// Checks a document against `structure`, then reads it as `T`.
pub fn classify_with<T: serde::de::DeserializeOwned>(
    structure: &Structure,
    source: &DocumentSource,
    value: &Value,
) -> Result<T, Vec<Diagnostic>> {
    let problems = structure.check(source, value);
    if !problems.is_empty() {
        return Err(problems);
    }
    T::deserialize(value).map_err(|error| {
        // The schema mirrors the types, so this is a schema bug; still a
        // clear error rather than a panic.
        let d = Diagnostic::error(super::check::SCHEMA, error.to_string());
        vec![source.at_value(d, "")]
    })
}
