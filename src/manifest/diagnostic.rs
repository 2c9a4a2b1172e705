//! What `validate` reports: one finding with its code, the seed rule it
//! enforces and the place in the source it points at. Rendering lives in
//! `report.rs`; this file only holds the data, so the planner and the CLI can
//! carry diagnostics around without knowing how they will be shown.

use std::path::{Path, PathBuf};

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational: nothing is wrong, but a reviewer should know (seed §9).
    Note,
    /// Valid, but probably not what was meant; `validate` still exits 0.
    Warning,
    /// The portfolio cannot be planned until this is fixed; `validate` exits 1.
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A position in a source file. Lines and columns are 1-based and count
/// characters, as editors and GitHub annotations do.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct SourceLocation {
    pub file: PathBuf,
    pub line: u64,
    pub column: u64,
    /// Characters the finding covers (at least 1), for the `^^^` underline.
    #[serde(skip)]
    pub length: u64,
}

impl SourceLocation {
    pub fn new(file: impl Into<PathBuf>, line: u64, column: u64, length: u64) -> Self {
        SourceLocation {
            file: file.into(),
            line: line.max(1),
            column: column.max(1),
            length: length.max(1),
        }
    }

    /// The start of a file, for findings about the file as a whole.
    pub fn file_start(file: &Path) -> Self {
        SourceLocation::new(file, 1, 1, 1)
    }
}

impl std::fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// A second place a finding refers to, such as the first definition of a
/// duplicated name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Related {
    pub message: String,
    pub location: SourceLocation,
}

/// One finding of `validate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable identifier, e.g. `R-ALT-EMAIL-PRIMARY-DOMAIN`; never reused for
    /// another meaning, so CI filters and docs can rely on it.
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The rule of `reference/seed-add-workspace-customer.en.md` enforced, e.g. "§11".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<SourceLocation>,
    /// The source line the location points into, kept so that rendering
    /// needs no access to the files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
}

impl Diagnostic {
    pub fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            help: None,
            seed: None,
            location: None,
            snippet: None,
            related: Vec::new(),
        }
    }

    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic::new(Severity::Error, code, message)
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic::new(Severity::Warning, code, message)
    }

    pub fn note(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic::new(Severity::Note, code, message)
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_seed(mut self, section: &'static str) -> Self {
        self.seed = Some(section);
        self
    }

    /// Points the finding at `location`, quoting the line from `source`.
    pub fn at(mut self, location: SourceLocation, source: Option<&str>) -> Self {
        self.snippet = source.and_then(|text| line_of(text, location.line));
        self.location = Some(location);
        self
    }

    pub fn with_related(mut self, message: impl Into<String>, location: SourceLocation) -> Self {
        self.related.push(Related {
            message: message.into(),
            location,
        });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Line `line` (1-based) of `text`, without its line break.
fn line_of(text: &str, line: u64) -> Option<String> {
    let index = usize::try_from(line.checked_sub(1)?).ok()?;
    text.lines()
        .nth(index)
        .map(|l| l.trim_end_matches('\r').to_string())
}

/// True when any finding is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}

/// Orders findings by file, line and column so output is stable across runs.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            d.location
                .as_ref()
                .map(|l| (l.file.clone(), l.line, l.column))
        };
        key(a).cmp(&key(b)).then_with(|| a.code.cmp(b.code))
    });
}
