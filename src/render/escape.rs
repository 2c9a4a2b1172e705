//! Neutralising strings that come from manifests or from Google before they
//! reach a terminal or a pull-request comment.

use crate::model::is_unsafe_char;

/// Makes control characters visible instead of letting them act: an escape
/// sequence in an organization name must not recolour, move the cursor or
/// rewrite earlier lines of a plan someone is reviewing. Bidirectional
/// overrides are included, since they reorder what the reviewer sees.
pub fn terminal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Escapes text for Markdown rendered by GitHub (and similar): HTML is
/// entity-encoded, Markdown punctuation is backslash-escaped, `@mentions`
/// and `#references` are broken with a zero-width space so they notify nobody,
/// and line breaks become spaces so a value cannot leave its table cell or list item.
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in terminal(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '@' => out.push_str("@&#8203;"),
            '#' => out.push_str("#&#8203;"),
            // Links need `[`, images `![`: escaping the brackets disarms both,
            // so parentheses and quotes can stay readable.
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_executed() {
        assert_eq!(
            terminal("Acme\u{1b}[31m AB\r\n"),
            "Acme\\u{1b}[31m AB\\u{d}\\u{a}"
        );
        assert_eq!(terminal("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(terminal("Åkerö AB"), "Åkerö AB");
    }

    #[test]
    fn html_tables_and_mentions_are_inert_in_markdown() {
        let escaped = markdown("<img src=x onerror=alert(1)> | **x** @team #1");
        assert!(!escaped.contains('<'));
        assert!(!escaped.contains(" | "));
        assert!(!escaped.contains("**"));
        assert!(!escaped.contains("@team"));
        assert!(!escaped.contains("#1"));
        assert_eq!(
            escaped,
            "&lt;img src=x onerror=alert(1)&gt; \\| \\*\\*x\\*\\* @&#8203;team #&#8203;1"
        );
    }
}
