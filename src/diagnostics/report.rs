//! Renders diagnostics for people (rustc-like), for GitHub Actions
//! (workflow commands that become annotations on the pull request) and for
//! machines (JSON). Every string that came from a file — messages quote
//! values, snippets quote lines, paths are file names — is neutralised for
//! where it goes: control and bidirectional characters never reach a
//! terminal or a CI log, and in annotations, which GitHub shows on the pull
//! request, addresses cannot become live links.

use std::fmt::Write;

use serde_json::json;

use super::diagnostic::{Diagnostic, Severity, Tally};
use crate::render::escape;
use crate::render::workflow_command::{Annotation, Level};

/// How `validate` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Human,
    Github,
    Json,
}

/// All diagnostics in one format. `color` only affects `Human`.
pub fn render(diagnostics: &[Diagnostic], format: ReportFormat, color: bool) -> String {
    render_counted(diagnostics, Tally::of(diagnostics), format, color)
}

/// Like `render`, with the counts of all findings, including those
/// `cap_per_file` left out (the JSON summary reports them).
pub fn render_counted(
    diagnostics: &[Diagnostic],
    tally: Tally,
    format: ReportFormat,
    color: bool,
) -> String {
    match format {
        ReportFormat::Human => diagnostics
            .iter()
            .map(|d| human(d, color))
            .collect::<Vec<_>>()
            .join("\n"),
        ReportFormat::Github => diagnostics.iter().map(github).collect(),
        ReportFormat::Json => json_report(diagnostics, tally),
    }
}

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

fn human(d: &Diagnostic, color: bool) -> String {
    let paint = Paint { on: color };
    let severity_colour = match d.severity {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
        Severity::Note => "1;36",
    };
    let mut out = String::new();
    let head = format!("{}[{}]", d.severity.as_str(), d.code);
    let _ = writeln!(
        out,
        "{}{}",
        paint.wrap(severity_colour, &head),
        paint.wrap("1", &format!(": {}", clean(&d.message)))
    );
    let gutter_width = d.location.as_ref().map_or(1, |l| l.line.to_string().len());
    let pad = " ".repeat(gutter_width);
    let bar = paint.wrap("1;34", "|");
    if let Some(location) = &d.location {
        let _ = writeln!(
            out,
            "{pad}{} {}",
            paint.wrap("1;34", "-->"),
            clean(&location.to_string())
        );
        if let Some(line) = &d.snippet {
            let line = clean(line);
            let column = usize::try_from(d.snippet_column).unwrap_or(1).max(1);
            let available = line.chars().count().saturating_sub(column - 1).max(1);
            let length = usize::try_from(location.length)
                .unwrap_or(1)
                .clamp(1, available);
            let _ = writeln!(out, "{pad} {bar}");
            let _ = writeln!(
                out,
                "{} {bar} {line}",
                paint.wrap("1;34", &location.line.to_string())
            );
            let _ = writeln!(
                out,
                "{pad} {bar} {}{}",
                " ".repeat(column - 1),
                paint.wrap(severity_colour, &"^".repeat(length))
            );
        }
    }
    for related in &d.related {
        let _ = writeln!(
            out,
            "{pad} {} note: {}: {}",
            paint.wrap("1;34", "="),
            clean(&related.message),
            clean(&related.location.to_string())
        );
    }
    if let Some(help) = &d.help {
        let _ = writeln!(
            out,
            "{pad} {} help: {}",
            paint.wrap("1;34", "="),
            clean(help)
        );
    }
    if let Some(section) = d.console_step {
        let _ = writeln!(
            out,
            "{pad} {} source: {}",
            paint.wrap("1;34", "="),
            console_step(section)
        );
    }
    out
}

/// The Partner Sales Console help page a rule comes from, by its title and
/// step (`§11` -> "step 11", `§16-17` -> "steps 16-17"; docs/partner-sales-console.md).
pub fn console_step(section: &str) -> String {
    let steps = section.trim_start_matches('§');
    let word = if steps.contains(['-', '–']) {
        "steps"
    } else {
        "step"
    };
    format!("Add a Google Workspace customer, {word} {steps}")
}

/// Terminal control characters (and bidirectional overrides, which reorder
/// what the reader sees) from a manifest must not reach the terminal. The
/// same test as the plan renderers, so no output of resold lets one through.
fn clean(text: &str) -> String {
    escape::replace_unsafe(text)
}

fn github(d: &Diagnostic) -> String {
    let level = match d.severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
        Severity::Note => Level::Notice,
    };
    let mut lines = vec![d.message.clone()];
    for related in &d.related {
        lines.push(format!("{}: {}", related.message, related.location));
    }
    if let Some(help) = &d.help {
        lines.push(format!("help: {help}"));
    }
    if let Some(section) = d.console_step {
        lines.push(format!("source: {}", console_step(section)));
    }
    Annotation {
        level,
        location: d.location.clone(),
        title: d.code.to_string(),
        lines,
    }
    .command()
}

fn json_report(diagnostics: &[Diagnostic], tally: Tally) -> String {
    let mut text =
        serde_json::to_string_pretty(&json_value(diagnostics, tally)).unwrap_or_default();
    text.push('\n');
    text
}

/// `validate --format json`'s object, for commands that embed it.
pub fn json_value(diagnostics: &[Diagnostic], tally: Tally) -> serde_json::Value {
    json!({
        "valid": tally.errors == 0,
        "summary": tally,
        "diagnostics": diagnostics,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::SourceLocation;

    fn sample() -> Diagnostic {
        Diagnostic::error("R-X", "bad, really: 100%")
            .with_help("fix it")
            .with_console_step("§11")
            .at(
                SourceLocation::new("c/a.yaml", 2, 3, 4),
                Some("one\n  abcd: x\n"),
            )
    }

    #[test]
    fn human_output_points_at_the_column() {
        let text = render(&[sample()], ReportFormat::Human, false);
        assert!(text.contains("error[R-X]: bad, really: 100%"));
        assert!(text.contains(" --> c/a.yaml:2:3"));
        assert!(text.contains("2 |   abcd: x\n  |   ^^^^\n"));
        assert!(text.contains("= help: fix it"));
    }

    #[test]
    fn github_output_escapes_workflow_command_syntax() {
        let text = render(&[sample()], ReportFormat::Github, false);
        assert_eq!(
            text,
            "::error file=c/a.yaml,line=2,col=3,title=R-X::bad, really: 100%25%0Ahelp: fix it%0Asource: Add a Google Workspace customer, step 11\n"
        );
    }

    #[test]
    fn control_characters_are_neutralised() {
        assert_eq!(clean("a\x1b[31mb"), "a\u{fffd}[31mb");
        assert_eq!(clean("a\u{202e}b"), "a\u{fffd}b");
    }

    #[test]
    fn github_output_neutralises_control_characters_but_keeps_line_breaks() {
        let mut hostile = sample();
        hostile.message = "unknown SKU `a\x1b[2Jb`".into();
        let text = render(&[hostile], ReportFormat::Github, false);
        assert!(!text.contains('\x1b'), "{text:?}");
        assert!(text.contains("a\u{fffd}[2Jb"), "{text:?}");
        assert!(text.contains("%0Ahelp: fix it"), "{text:?}");
    }
}
