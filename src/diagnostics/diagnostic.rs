//! What `validate` reports: one finding with its code, the console rule it
//! enforces and the place in the source it points at. Rendering lives in
//! `report.rs`; this file only holds the data, so the planner and the CLI can
//! carry diagnostics around without knowing how they will be shown.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::lines::{self, LineIndex};

/// Findings listed per file at most; the rest are counted in one note, so a
/// file with 100,000 errors neither floods a terminal nor a CI log.
pub const MAX_PER_FILE: usize = 100;
pub const MORE_IN_FILE: &str = "D-MORE";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational: nothing is wrong, but a reviewer should know (Add a Google Workspace customer, step 9).
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

fn serialize_console_step<S: serde::Serializer>(
    section: &Option<&'static str>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match section {
        Some(section) => serializer.serialize_str(&super::report::console_step(section)),
        None => serializer.serialize_none(),
    }
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
    /// The step of the Partner Sales Console's *Add a Google Workspace
    /// customer* the rule comes from, e.g. "§11" (docs/partner-sales-console.md);
    /// shown to users as "Add a Google Workspace customer, step 11".
    #[serde(
        rename = "source",
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_console_step"
    )]
    pub console_step: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<SourceLocation>,
    /// The source line the location points into (a window of it when the
    /// line is long), kept so that rendering needs no access to the files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    /// The column of the location within `snippet` (differs from the
    /// location's column when a long line was cut).
    #[serde(skip)]
    pub snippet_column: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
}

impl Diagnostic {
    pub fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code,
            message: super::quote::bounded_message(message.into()),
            help: None,
            console_step: None,
            location: None,
            snippet: None,
            snippet_column: 1,
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
        self.help = Some(super::quote::bounded_message(help.into()));
        self
    }

    pub fn with_console_step(mut self, section: &'static str) -> Self {
        self.console_step = Some(section);
        self
    }

    /// Points the finding at `location`, quoting its line from the whole
    /// text `source` (for one-off findings; a `SourceFile` quotes through
    /// its line index instead).
    pub fn at(self, location: SourceLocation, source: Option<&str>) -> Self {
        let line = source.and_then(|text| LineIndex::new(text).line(text, location.line));
        self.at_line(location, line)
    }

    /// Points the finding at `location`, quoting `line` (the text of the
    /// location's line), cut to a bounded window around the column.
    pub fn at_line(mut self, location: SourceLocation, line: Option<&str>) -> Self {
        match line {
            Some(line) => {
                let (snippet, column) = lines::snippet(line, location.column);
                self.snippet = Some(snippet);
                self.snippet_column = column;
            }
            None => self.snippet = None,
        }
        self.location = Some(location);
        self
    }

    pub fn with_related(mut self, message: impl Into<String>, location: SourceLocation) -> Self {
        self.related.push(Related {
            message: super::quote::bounded_message(message.into()),
            location,
        });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// True when any finding is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}

/// Orders findings by file, line and column so output is stable across runs.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    fn key(d: &Diagnostic) -> Option<(&Path, u64, u64)> {
        d.location
            .as_ref()
            .map(|l| (l.file.as_path(), l.line, l.column))
    }
    diagnostics.sort_by(|a, b| key(a).cmp(&key(b)).then_with(|| a.code.cmp(b.code)));
}

/// How many findings of each severity, counted before any were left out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

impl Tally {
    pub fn of(diagnostics: &[Diagnostic]) -> Tally {
        let mut tally = Tally::default();
        for d in diagnostics {
            tally.count(d.severity);
        }
        tally
    }

    fn count(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Note => self.notes += 1,
        }
    }
}

impl std::fmt::Display for Tally {
    /// "2 errors, 1 warning, 0 notes".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        write!(
            f,
            "{}, {}, {}",
            plural(self.errors, "error"),
            plural(self.warnings, "warning"),
            plural(self.notes, "note")
        )
    }
}

/// Keeps the first `MAX_PER_FILE` findings of each file (in the given,
/// sorted order) and replaces the rest by one note per file saying how many
/// were left out. Findings without a file are all kept.
pub fn cap_per_file(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    cap_per_file_at(diagnostics, MAX_PER_FILE)
}

/// `cap_per_file` with another cap.
pub fn cap_per_file_at(diagnostics: Vec<Diagnostic>, cap: usize) -> Vec<Diagnostic> {
    let mut shown: BTreeMap<PathBuf, usize> = BTreeMap::new();
    let mut left_out: BTreeMap<PathBuf, Tally> = BTreeMap::new();
    let mut kept = Vec::with_capacity(diagnostics.len().min(4 * cap));
    for d in diagnostics {
        let Some(file) = d.location.as_ref().map(|l| &l.file) else {
            kept.push(d);
            continue;
        };
        let count = shown.entry(file.clone()).or_default();
        if *count < cap {
            *count += 1;
            kept.push(d);
        } else {
            left_out.entry(file.clone()).or_default().count(d.severity);
        }
    }
    for (file, tally) in left_out {
        let total = tally.errors + tally.warnings + tally.notes;
        let line = kept
            .iter()
            .rev()
            .find_map(|d| {
                d.location
                    .as_ref()
                    .filter(|l| l.file == file)
                    .map(|l| l.line)
            })
            .unwrap_or(1);
        let index = kept.partition_point(|d| {
            d.location
                .as_ref()
                .is_some_and(|l| (l.file.as_path(), l.line) <= (file.as_path(), line))
        });
        let note = Diagnostic::note(
            MORE_IN_FILE,
            format!("and {total} more findings in this file ({tally}), not listed"),
        )
        .with_help(format!(
            "the first {cap} findings of a file are listed; fix them and run again"
        ));
        let location = SourceLocation::new(file, line, 1, 1);
        kept.insert(
            index,
            Diagnostic {
                location: Some(location),
                ..note
            },
        );
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_file_lists_at_most_the_cap_then_counts_the_rest() {
        let mut all: Vec<Diagnostic> = (0..250u64)
            .map(|i| {
                Diagnostic::error("R-X", "x").at(SourceLocation::new("a.yaml", i + 1, 1, 1), None)
            })
            .collect();
        all.push(Diagnostic::warning("R-Y", "y").at(SourceLocation::new("b.yaml", 1, 1, 1), None));
        let tally = Tally::of(&all);
        let capped = cap_per_file(all);
        assert_eq!(capped.len(), MAX_PER_FILE + 2);
        let note = &capped[MAX_PER_FILE];
        assert_eq!(note.code, MORE_IN_FILE);
        assert_eq!(
            note.message,
            "and 150 more findings in this file (150 errors, 0 warnings, 0 notes), not listed"
        );
        assert_eq!(capped[MAX_PER_FILE + 1].code, "R-Y");
        assert_eq!(tally.to_string(), "250 errors, 1 warning, 0 notes");
    }
}
