//! GitHub Actions workflow commands (`::error file=…,line=…::message`),
//! which the runner turns into annotations on the pull request. One
//! formatter for every command resold prints — `validate --format github`
//! and `plan --format github` — so there is one escaping to get right.
//!
//! Everything in a command may come from a manifest or from Google. Control
//! and bidirectional characters are replaced first (a CI log viewer acts on
//! escape sequences too), addresses are defused so an annotation links
//! nowhere, and then GitHub's toolkit escaping applies: `%`, CR and LF in
//! the message; also `:` and `,` in property values, which end them.

use crate::diagnostics::SourceLocation;

use super::escape;

/// Which annotation a command makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warning,
    Notice,
}

impl Level {
    pub fn command(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }
}

/// One annotation: where, a title, and the message as lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub level: Level,
    pub location: Option<SourceLocation>,
    pub title: String,
    pub lines: Vec<String>,
}

impl Annotation {
    /// The workflow command, one line ending in `\n`.
    pub fn command(&self) -> String {
        let mut properties = Vec::with_capacity(4);
        if let Some(location) = &self.location {
            properties.push(format!(
                "file={}",
                escape_property(&escape::replace_unsafe(&location.file.to_string_lossy()))
            ));
            properties.push(format!("line={}", location.line));
            properties.push(format!("col={}", location.column));
        }
        properties.push(format!(
            "title={}",
            escape_property(&for_github(&self.title))
        ));
        // Every part is neutralised before the line breaks between them
        // become `%0A`, so no part can add a line (or a command) of its own.
        let message: Vec<String> = self.lines.iter().map(|l| for_github(l)).collect();
        format!(
            "::{} {}::{}\n",
            self.level.command(),
            properties.join(","),
            escape_data(&message.join("\n"))
        )
    }
}

/// Text from a file or from Google, safe to show on a pull request:
/// unsafe characters replaced and addresses defused.
pub fn for_github(text: &str) -> String {
    escape::defuse_autolinks_plain(&escape::replace_unsafe(text))
}

/// `::stop-commands::TOKEN`: until `::TOKEN::`, the runner reads no line as
/// a command, so text printed in between — a plan quoting manifests and
/// Google — cannot annotate, mask, or set anything, whatever it contains.
pub fn stop_commands(token: &str) -> String {
    format!("::stop-commands::{token}\n")
}

/// Ends what [`stop_commands`] began.
pub fn resume_commands(token: &str) -> String {
    format!("::{token}::\n")
}

/// GitHub's workflow-command escaping for the message part.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// …and for property values, which also end at `,` and `:`.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_and_message_are_escaped_as_the_toolkit_does() {
        let annotation = Annotation {
            level: Level::Warning,
            location: Some(SourceLocation::new("c/a,b:c%.yaml", 2, 3, 1)),
            title: "drift: a, b: 100%".into(),
            lines: vec!["one: 100%".into(), "two\r\nthree".into()],
        };
        assert_eq!(
            annotation.command(),
            "::warning file=c/a%2Cb%3Ac%25.yaml,line=2,col=3,title=drift%3A a%2C b%3A 100%25::one: 100%25%0Atwo\u{fffd}\u{fffd}three\n"
        );
    }

    #[test]
    fn nothing_from_a_value_can_start_a_command_or_a_link() {
        let annotation = Annotation {
            level: Level::Error,
            location: None,
            title: "x\n::add-mask::y".into(),
            lines: vec!["\u{1b}[2J\u{202e} see https://evil.example\n::error::x".into()],
        };
        let command = annotation.command();
        assert_eq!(command.lines().count(), 1, "{command:?}");
        assert!(!command.contains('\u{1b}') && !command.contains('\u{202e}'));
        assert!(command.contains("https:\u{200b}//evil.example"));
        assert!(command.starts_with("::error title=x\u{fffd}%3A%3Aadd-mask%3A%3Ay::"));
    }
}
