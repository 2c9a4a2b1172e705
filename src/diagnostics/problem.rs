//! The problems of reading a file and its YAML, as plain data. A
//! [`Located`] problem is one of these plus where it is; its `Display` is
//! the only place the wording lives, and `into_diagnostic` gives it a code
//! and a help line. Whatever serde-saphyr or the OS said is translated here
//! into the manifest's terms, so `Depth { depth: 33 }` or a hint naming a
//! parser option never reaches a user.

use std::fmt;

use super::diagnostic::{Diagnostic, SourceLocation};
use super::quote::bounded;
use super::source::SourceFile;

/// What every problem kind says besides its message.
pub trait Problem: fmt::Display {
    /// The stable code (`F-*` for files, `Y-*`/`F-YAML` for YAML).
    fn code(&self) -> &'static str;
    /// The fix, when there is one to name.
    fn help(&self) -> Option<String>;
}

/// A problem and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<P> {
    pub location: SourceLocation,
    pub problem: P,
}

impl<P: Problem> Located<P> {
    pub fn new(location: SourceLocation, problem: P) -> Located<P> {
        Located { location, problem }
    }

    /// As a finding, quoting its line from `file` when given (never from a
    /// file that was refused: there is no text of it to quote).
    pub fn into_diagnostic(self, file: Option<&SourceFile>) -> Diagnostic {
        let mut d = Diagnostic::error(self.problem.code(), self.problem.to_string());
        if let Some(help) = self.problem.help() {
            d = d.with_help(help);
        }
        match file {
            Some(file) => file.quote(d, self.location),
            None => d.at_line(self.location, None),
        }
    }
}

pub const FILE_NOT_FOUND: &str = "F-NOT-FOUND";
pub const FILE_UNREADABLE: &str = "F-READ";
pub const FILE_REFUSED: &str = "F-REFUSED";
pub const FILE_TOO_LARGE: &str = "F-TOO-LARGE";
pub const NOT_UTF8: &str = "F-UTF8";
pub const LONE_CARRIAGE_RETURN: &str = "F-LINE-END";
pub const FILE_CHANGED: &str = "F-CHANGED";

/// Why a file could not be read as text.
#[derive(Debug, Clone, PartialEq)]
pub enum FileProblem {
    NotFound {
        path: String,
    },
    /// The OS refused (permissions and the like), in its own words.
    Unreadable {
        path: String,
        reason: String,
    },
    /// `fsio` refused it: a link out of the tree, not a regular file.
    Refused {
        reason: String,
    },
    /// Beyond the bytes a file of its kind may have (`fsio`'s words).
    TooLarge {
        reason: String,
    },
    NotUtf8 {
        path: String,
    },
    /// A carriage return not followed by a line feed. YAML reads it as a
    /// line break; git, GitHub's diff and editors set to LF show one line,
    /// so a reviewer and resold would read different documents.
    LoneCarriageReturn,
    /// Read twice in one run (a finding across files needs a place in it
    /// again) and different the second time.
    Changed {
        path: String,
    },
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileProblem::NotFound { path } => write!(f, "`{path}` does not exist"),
            FileProblem::Unreadable { path, reason } => write!(f, "cannot read `{path}`: {reason}"),
            FileProblem::Refused { reason } => f.write_str(reason),
            FileProblem::TooLarge { reason } => f.write_str(reason),
            FileProblem::NotUtf8 { path } => write!(f, "`{path}` is not valid UTF-8"),
            FileProblem::LoneCarriageReturn => f.write_str(
                "a carriage return without a line feed: YAML reads a line break here that a diff does not show",
            ),
            FileProblem::Changed { path } => {
                write!(f, "`{path}` changed while the manifests were being checked")
            }
        }
    }
}

impl Problem for FileProblem {
    fn code(&self) -> &'static str {
        match self {
            FileProblem::NotFound { .. } => FILE_NOT_FOUND,
            FileProblem::Unreadable { .. } => FILE_UNREADABLE,
            FileProblem::Refused { .. } => FILE_REFUSED,
            FileProblem::TooLarge { .. } => FILE_TOO_LARGE,
            FileProblem::NotUtf8 { .. } => NOT_UTF8,
            FileProblem::LoneCarriageReturn => LONE_CARRIAGE_RETURN,
            FileProblem::Changed { .. } => FILE_CHANGED,
        }
    }

    fn help(&self) -> Option<String> {
        match self {
            FileProblem::NotFound { .. } => Some("pass files or directories that exist".into()),
            FileProblem::TooLarge { .. } => Some("split it into several files".into()),
            FileProblem::NotUtf8 { .. } => Some("save the file as UTF-8".into()),
            FileProblem::LoneCarriageReturn => {
                Some("save the file with LF (or CRLF) line endings".into())
            }
            FileProblem::Changed { .. } => Some("run `resold validate` again".into()),
            FileProblem::Unreadable { .. } | FileProblem::Refused { .. } => None,
        }
    }
}

pub const YAML_SYNTAX: &str = "F-YAML";
pub const NO_DOCUMENTS: &str = "F-EMPTY";
pub const YAML_TAG: &str = "Y-TAG";
pub const YAML_NUMBER: &str = "Y-NUMBER";
pub const YAML_LIMIT: &str = "Y-LIMIT";

/// What a nesting or expansion limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YamlLimit {
    Depth(usize),
    Aliases(usize),
    Anchors(usize),
    AliasExpansion,
    Documents(usize),
    Size,
}

/// Why a text is not YAML that reads the same to a reviewer and to resold.
#[derive(Debug, Clone, PartialEq)]
pub enum YamlProblem {
    /// The YAML parser's own complaint ("did not find expected key").
    Syntax {
        message: String,
        tab_indented: bool,
    },
    DuplicateKey {
        key: String,
    },
    /// A tag other than YAML 1.2's core ones (`!!binary`, `!seats`, ...).
    Tag {
        tag: String,
    },
    /// `0x10`, `0o17`, `0b101`: read as a number by some tools, a string by
    /// others; manifests write numbers in decimal.
    RadixNumber {
        text: String,
    },
    /// `.inf`, `.nan`, `1e999`.
    NotFinite {
        text: String,
    },
    Limit(YamlLimit),
    UnknownAlias,
    NoDocuments {
        path: String,
    },
}

impl fmt::Display for YamlProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            YamlProblem::Syntax { message, .. } => write!(f, "invalid YAML: {message}"),
            YamlProblem::DuplicateKey { key } => write!(
                f,
                "duplicate key `{}`: each key may appear once in a mapping",
                bounded(key)
            ),
            YamlProblem::Tag { tag } => write!(
                f,
                "the YAML tag `{}` is not allowed: a manifest says what it means in plain values",
                bounded(&short_tag(tag))
            ),
            YamlProblem::RadixNumber { text } => write!(
                f,
                "`{}` is a number in another base than decimal",
                bounded(text)
            ),
            YamlProblem::NotFinite { text } => {
                write!(f, "`{}` is not a finite number", bounded(text))
            }
            YamlProblem::Limit(limit) => match limit {
                YamlLimit::Depth(max) => {
                    write!(f, "the YAML nests deeper than {max} levels")
                }
                YamlLimit::Aliases(max) => write!(f, "the YAML uses more than {max} aliases"),
                YamlLimit::Anchors(max) => write!(f, "the YAML defines more than {max} anchors"),
                YamlLimit::AliasExpansion => {
                    f.write_str("the YAML's aliases expand to more than a manifest can hold")
                }
                YamlLimit::Documents(max) => {
                    write!(f, "the file holds more than {max} YAML documents")
                }
                YamlLimit::Size => f.write_str("the YAML holds more values than a manifest can"),
            },
            YamlProblem::UnknownAlias => {
                f.write_str("invalid YAML: an alias names an anchor that is not defined before it")
            }
            YamlProblem::NoDocuments { path } => write!(f, "`{path}` holds no manifest"),
        }
    }
}

impl Problem for YamlProblem {
    fn code(&self) -> &'static str {
        match self {
            YamlProblem::Tag { .. } => YAML_TAG,
            YamlProblem::RadixNumber { .. } | YamlProblem::NotFinite { .. } => YAML_NUMBER,
            YamlProblem::Limit(_) => YAML_LIMIT,
            YamlProblem::NoDocuments { .. } => NO_DOCUMENTS,
            YamlProblem::Syntax { .. }
            | YamlProblem::DuplicateKey { .. }
            | YamlProblem::UnknownAlias => YAML_SYNTAX,
        }
    }

    fn help(&self) -> Option<String> {
        let text = match self {
            YamlProblem::Syntax {
                tab_indented: true, ..
            } => "indent with spaces: YAML does not allow tabs for indentation",
            YamlProblem::Syntax { .. } | YamlProblem::UnknownAlias => return None,
            YamlProblem::DuplicateKey { .. } => "keep one of them",
            YamlProblem::Tag { .. } => {
                "remove the tag and write the value itself (quote it to make it a string); what a reviewer reads must be what is sent to Google"
            }
            YamlProblem::RadixNumber { .. } => {
                "write the number in decimal, or quote it if it is text"
            }
            YamlProblem::NotFinite { .. } => {
                "write a finite number, or quote the value if it is text"
            }
            YamlProblem::Limit(_) => {
                "anchors, aliases and nesting here go beyond what a manifest needs; write the values out"
            }
            YamlProblem::NoDocuments { .. } => {
                "add a `kind: Customer` document, or delete the file"
            }
        };
        Some(text.to_string())
    }
}

/// `tag:yaml.org,2002:binary` as people write it: `!!binary`.
fn short_tag(tag: &str) -> String {
    match tag.strip_prefix("tag:yaml.org,2002:") {
        Some(core) => format!("!!{core}"),
        None => tag.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_use_the_spelling_people_write() {
        let tag = YamlProblem::Tag {
            tag: "tag:yaml.org,2002:binary".into(),
        };
        assert!(tag.to_string().contains("`!!binary`"), "{tag}");
        assert_eq!(
            YamlProblem::Limit(YamlLimit::Depth(32)).to_string(),
            "the YAML nests deeper than 32 levels"
        );
    }
}
