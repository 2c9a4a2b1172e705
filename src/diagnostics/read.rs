//! From a path to documents: the file read through `fsio` (links kept in
//! their tree, regular files only, bounded), checked to be UTF-8, split into
//! YAML documents, each paired with where it came from. Every failure is a
//! located [`FileProblem`] or [`YamlProblem`]; a file that was refused is
//! never quoted.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use super::diagnostic::{Diagnostic, SourceLocation};
use super::problem::{FileProblem, Located, YamlProblem};
use super::source::{DocumentSource, SourceFile};
use super::yaml;
use crate::fsio::{self, FileKind};

/// The byte order mark a text may start with; it is not part of the text.
pub const BYTE_ORDER_MARK: &str = "\u{feff}";

/// Reads `path` (links must stay under `tree`) as `kind`, refusing what
/// `fsio` refuses and invalid UTF-8. Also says whether the file started
/// with a byte order mark: the file's bytes are that mark, if any, and the
/// text (the portfolio digest covers them; the text is not copied for it).
pub fn read_source(
    path: &Path,
    tree: &Path,
    kind: FileKind,
) -> Result<(SourceFile, bool), Box<Diagnostic>> {
    read_source_in(path, &fsio::Tree::resolved(tree), kind)
}

/// [`read_source`] under a tree resolved once for many files.
pub fn read_source_in(
    path: &Path,
    tree: &fsio::Tree,
    kind: FileKind,
) -> Result<(SourceFile, bool), Box<Diagnostic>> {
    let shown = path.display().to_string();
    let bytes = fsio::read_in(path, tree, kind).map_err(|error| {
        let problem = match (fsio::refusal(&error), error.kind()) {
            (Some(too_large @ fsio::ReadError::TooLarge { .. }), _) => FileProblem::TooLarge {
                reason: too_large.to_string(),
            },
            (Some(refusal), _) => FileProblem::Refused {
                reason: refusal.to_string(),
            },
            (None, std::io::ErrorKind::NotFound) => FileProblem::NotFound {
                path: shown.clone(),
            },
            (None, _) => FileProblem::Unreadable {
                path: shown.clone(),
                reason: error.to_string(),
            },
        };
        Box::new(Located::new(SourceLocation::file_start(path), problem).into_diagnostic(None))
    })?;
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            let bom = text.starts_with(BYTE_ORDER_MARK);
            if bom {
                text.drain(..BYTE_ORDER_MARK.len());
            }
            let lone_cr = lone_carriage_return(&text);
            let file = SourceFile::new(path.to_path_buf(), text);
            match lone_cr {
                None => Ok((file, bom)),
                Some(offset) => {
                    let location = file.locate_offset(offset, 1);
                    let problem = FileProblem::LoneCarriageReturn;
                    Err(Box::new(
                        Located::new(location, problem).into_diagnostic(Some(&file)),
                    ))
                }
            }
        }
        Err(error) => {
            // The text up to the bad byte is valid, so the position is exact;
            // the quoted line shows the bad bytes as U+FFFD.
            let valid_up_to = error.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(error.as_bytes()).into_owned();
            let file = SourceFile::new(path.to_path_buf(), lossy);
            let location = file.locate_offset(valid_up_to, 1);
            let problem = FileProblem::NotUtf8 { path: shown };
            Err(Box::new(
                Located::new(location, problem).into_diagnostic(Some(&file)),
            ))
        }
    }
}

/// The offset of the first `\r` that is not the start of a `\r\n`.
fn lone_carriage_return(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'\r', bytes).find(|&at| bytes.get(at + 1) != Some(&b'\n'))
}

/// Splits a file into its YAML documents, each with where it came from.
/// Tags beyond YAML's core schema and numbers in another base are refused
/// here, each at its place, so no later stage sees a value the reviewer
/// did not read.
pub fn parse_source(
    file: Arc<SourceFile>,
) -> Result<Vec<(DocumentSource, Value)>, Vec<Diagnostic>> {
    let values = yaml::parse_values(&file.text).map_err(|error| {
        let problem = match error.problem {
            YamlProblem::Syntax { message, .. } => YamlProblem::Syntax {
                tab_indented: file
                    .line(error.line)
                    .is_some_and(|l| l.trim_start_matches(' ').starts_with('\t')),
                message,
            },
            other => other,
        };
        let location = file.locate(error.line, error.column);
        vec![Located::new(location, problem).into_diagnostic(Some(&file))]
    })?;
    if values.is_empty() {
        let problem = YamlProblem::NoDocuments {
            path: file.path.display().to_string(),
        };
        return Err(vec![
            Located::new(file.locate(1, 1), problem).into_diagnostic(None),
        ]);
    }
    if yaml::needs_strict_pass(&file.text) {
        let problems: Vec<Diagnostic> = file
            .documents()
            .iter()
            .flat_map(|document| document.problems(&file.text))
            .map(|(offset, length, problem)| {
                Located::new(file.locate_offset(offset, length), problem)
                    .into_diagnostic(Some(&file))
            })
            .collect();
        if !problems.is_empty() {
            return Err(problems);
        }
    }
    Ok(values
        .into_iter()
        .enumerate()
        .map(|(index, value)| {
            let source = DocumentSource {
                file: Arc::clone(&file),
                index,
            };
            (source, value)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<(DocumentSource, Value)>, Vec<Diagnostic>> {
        parse_source(Arc::new(SourceFile::new("a.yaml".into(), text.to_string())))
    }

    #[test]
    fn tags_are_refused_at_their_value() {
        let found = parse("a: 1\ndomain: !!binary ZXZpbC5zZQ==\n").unwrap_err();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, "Y-TAG");
        let at = found[0].location.as_ref().unwrap();
        assert_eq!((at.line, at.column), (2, 18));
        assert!(
            found[0].message.contains("`!!binary`"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn budget_errors_are_worded_for_people() {
        let deep = format!("a: {}1{}\n", "[".repeat(40), "]".repeat(40));
        let found = parse(&deep).unwrap_err();
        assert_eq!(found[0].message, "the YAML nests deeper than 32 levels");
    }

    #[test]
    fn invalid_utf8_is_located_and_quoted_lossily() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        std::fs::write(&path, b"a: 1\nb: x\xffy\n").unwrap();
        let error = read_source(&path, dir.path(), FileKind::Manifest).unwrap_err();
        let at = error.location.as_ref().unwrap();
        assert_eq!((at.line, at.column), (2, 5));
        assert_eq!(error.snippet.as_deref(), Some("b: x\u{fffd}y"));
    }

    #[test]
    fn a_lone_carriage_return_is_refused_where_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        std::fs::write(&path, b"a: 1\r\nb: x\rseats: 500\r\n").unwrap();
        let error = read_source(&path, dir.path(), FileKind::Manifest).unwrap_err();
        assert_eq!(error.code, "F-LINE-END");
        let at = error.location.as_ref().unwrap();
        assert_eq!((at.line, at.column), (2, 5));
        std::fs::write(&path, b"a: 1\r\nb: x\r\n").unwrap();
        assert!(read_source(&path, dir.path(), FileKind::Manifest).is_ok());
    }

    #[test]
    fn a_refused_file_is_never_quoted() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "TOKEN: hunter2\n").unwrap();
        let link = dir.path().join("env.yaml");
        std::os::unix::fs::symlink(outside.path().join("secret"), &link).unwrap();
        let error = read_source(&link, dir.path(), FileKind::Manifest).unwrap_err();
        assert_eq!(error.code, "F-REFUSED");
        assert!(error.snippet.is_none());
        assert!(!format!("{error:?}").contains("hunter2"));
    }
}
