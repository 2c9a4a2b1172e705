//! Where a parsed document came from, so any later stage (schema check,
//! conversion, rules) can point a diagnostic at `file:line:col` with the
//! source line quoted. Positions are worked out only when asked for: the
//! file is parsed a second time, with spans, on the first request, and its
//! line starts are indexed once, so each further finding costs a lookup.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use super::diagnostic::{Diagnostic, SourceLocation};
use super::lines::LineIndex;
use super::yaml::{self, Document, Span};

/// A file's path as shown to the user and its text.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    /// The documents with positions, parsed on first use.
    spans: OnceLock<Vec<Document>>,
    lines: OnceLock<LineIndex>,
}

impl SourceFile {
    pub fn new(path: PathBuf, text: String) -> SourceFile {
        SourceFile {
            path,
            text,
            spans: OnceLock::new(),
            lines: OnceLock::new(),
        }
    }

    /// A location given by line and column.
    pub fn locate(&self, line: u64, column: u64) -> SourceLocation {
        SourceLocation::new(&self.path, line, column, 1)
    }

    /// The location of byte `offset`, covering `length` characters.
    pub fn locate_offset(&self, offset: usize, length: u64) -> SourceLocation {
        let (line, column) = self.line_index().position(&self.text, offset);
        SourceLocation::new(&self.path, line, column, length)
    }

    /// `diagnostic` pointed at `location` in this file, its line quoted.
    pub fn quote(&self, diagnostic: Diagnostic, location: SourceLocation) -> Diagnostic {
        let line = self.line_index().line(&self.text, location.line);
        diagnostic.at_line(location, line)
    }

    /// Text of line `line` (1-based), without its line break.
    pub fn line(&self, line: u64) -> Option<&str> {
        self.line_index().line(&self.text, line)
    }

    fn line_index(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }

    /// The documents with positions (parsed on the first call).
    pub fn documents(&self) -> &[Document] {
        // The text already parsed once with the same options, so this parse
        // succeeds; if it somehow did not, locations fall back to line 1.
        self.spans
            .get_or_init(|| yaml::parse_documents(&self.text).unwrap_or_default())
    }

    fn document(&self, index: usize) -> Option<&Document> {
        self.documents().get(index)
    }
}

/// One document of a file.
#[derive(Debug, Clone)]
pub struct DocumentSource {
    pub file: Arc<SourceFile>,
    /// Position among the file's non-empty documents.
    pub index: usize,
}

impl DocumentSource {
    pub fn path(&self) -> &Path {
        &self.file.path
    }

    /// Where the value at `pointer` is (or its nearest existing parent).
    pub fn value_location(&self, pointer: &str) -> SourceLocation {
        self.to_location(
            self.file
                .document(self.index)
                .map(|d| d.value_span(pointer)),
        )
    }

    /// Where the key of the value at `pointer` is.
    pub fn key_location(&self, pointer: &str) -> SourceLocation {
        self.to_location(self.file.document(self.index).map(|d| d.key_span(pointer)))
    }

    /// Each string of the list at `list` with the index it first appears at.
    pub fn string_item_indexes(&self, list: &str) -> std::collections::HashMap<String, usize> {
        let mut indexes = std::collections::HashMap::new();
        if let Some(document) = self.file.document(self.index) {
            for (i, text) in document.string_items(list) {
                indexes.entry(text).or_insert(i);
            }
        }
        indexes
    }

    /// `diagnostic` pointed at the value at `pointer`.
    pub fn at_value(&self, diagnostic: Diagnostic, pointer: &str) -> Diagnostic {
        self.file.quote(diagnostic, self.value_location(pointer))
    }

    /// `diagnostic` pointed at the key of the value at `pointer`.
    pub fn at_key(&self, diagnostic: Diagnostic, pointer: &str) -> Diagnostic {
        self.file.quote(diagnostic, self.key_location(pointer))
    }

    fn to_location(&self, span: Option<Span>) -> SourceLocation {
        let span = span.unwrap_or(Span {
            line: 1,
            column: 1,
            length: 1,
        });
        SourceLocation::new(&self.file.path, span.line, span.column, span.length)
    }
}

/// `/spec/subscriptions/0/seats` as people write it: `spec.subscriptions[0].seats`.
pub fn field_name(pointer: &str) -> String {
    let mut name = String::new();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if segment.parse::<usize>().is_ok() {
            name.push_str(&format!("[{segment}]"));
        } else {
            if !name.is_empty() {
                name.push('.');
            }
            name.push_str(&super::quote::bounded(&segment));
        }
    }
    if name.is_empty() {
        "the document".to_string()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_read_as_field_paths() {
        assert_eq!(
            field_name("/spec/subscriptions/0/seats"),
            "spec.subscriptions[0].seats"
        );
        assert_eq!(field_name(""), "the document");
    }

    #[test]
    fn locations_come_from_a_lazy_second_parse() {
        let file = Arc::new(SourceFile::new(
            "a.yaml".into(),
            "a: 1\n---\nlist: [x, y]\n".to_string(),
        ));
        let second = DocumentSource { file, index: 1 };
        let at = second.value_location("/list/1");
        assert_eq!((at.line, at.column), (3, 11));
        let indexes = second.string_item_indexes("/list");
        assert_eq!(indexes.get("y"), Some(&1));
        assert_eq!(indexes.get("z"), None);
    }
}
