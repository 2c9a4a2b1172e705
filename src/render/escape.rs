//! Neutralising strings that come from manifests or from Google before they
//! reach a terminal or a pull-request comment. Every string resold did not
//! write itself passes through one of these on its way out.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::model::hidden_chars;

/// Makes control, bidirectional and invisible characters visible instead
/// of letting them act: an escape sequence in an organization name must not
/// recolour, move the cursor or rewrite earlier lines of a plan someone is
/// reviewing; an override must not reorder it; a zero-width space must not
/// make two different names look the same.
pub fn terminal(text: &str) -> String {
    terminal_cow(text).into_owned()
}

/// [`terminal`] without a copy of text that has nothing to neutralise
/// (nearly all of it): a plan of 10,000 new customers passes hundreds of
/// thousands of values through here.
pub fn terminal_cow(text: &str) -> Cow<'_, str> {
    if printable_ascii(text) {
        return Cow::Borrowed(text);
    }
    let mut hidden = hidden_chars(text).peekable();
    if hidden.peek().is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut last = 0;
    for (at, c) in hidden {
        out.push_str(&text[last..at]);
        let _ = write!(out, "\\u{{{:x}}}", c as u32);
        last = at + c.len_utf8();
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// Whether every byte is printable ASCII (space to `~`), which is never
/// hidden: a check without early exits inside each block of 32 bytes, so
/// the compiler can test a block at a time.
pub(super) fn printable_ascii(text: &str) -> bool {
    text.as_bytes().chunks(32).all(|block| {
        block
            .iter()
            .fold(true, |ok, &b| ok & (0x20..0x7f).contains(&b))
    })
}

/// Control characters (tabs excepted) and bidirectional overrides replaced
/// by U+FFFD: for text shown as it is, where an escape sequence must not act
/// and an override must not reorder what the reader sees (diagnostics, and
/// every GitHub workflow command).
pub fn replace_unsafe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c != '\t' && crate::model::is_unsafe_char(c) {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

/// JSON text for a terminal: serde_json escapes the C0 controls, not DEL,
/// C1, bidirectional or invisible characters, so those are written as
/// `\uXXXX` escapes too. The result is the same JSON document: outside
/// strings JSON has only its own whitespace (kept as it is), inside them
/// an escape means the character itself.
pub fn json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let hidden = hidden_chars(text).filter(|(_, c)| !matches!(c, '\n' | '\r' | '\t'));
    for (at, c) in hidden {
        out.push_str(&text[last..at]);
        let mut units = [0u16; 2];
        for unit in c.encode_utf16(&mut units) {
            let _ = write!(out, "\\u{unit:04x}");
        }
        last = at + c.len_utf8();
    }
    out.push_str(&text[last..]);
    out
}

/// What breaks an autolink in Markdown: a zero-width space, as an entity
/// (GitHub decodes it into the text, where the link pattern no longer
/// matches) or as the character itself for plain-text contexts.
const BREAK_ENTITY: &str = "&#8203;";
const BREAK_CHAR: char = '\u{200b}';

/// Whether GitHub would start an autolink right after `chars[i]`: the `:`
/// of any `scheme://` (http, https, ftp), the last `w` of `www.`, and `@`
/// (email addresses, `mailto:` and `xmpp:` links, @mentions).
fn breaks_after(chars: &[char], i: usize) -> bool {
    match chars[i] {
        ':' => chars.get(i + 1) == Some(&'/') && chars.get(i + 2) == Some(&'/'),
        '@' => true,
        'w' | 'W' => {
            i >= 2
                && chars[i - 2..=i]
                    .iter()
                    .all(|c| c.eq_ignore_ascii_case(&'w'))
                && chars.get(i + 1) == Some(&'.')
        }
        _ => false,
    }
}

/// Plain text for a place GitHub autolinks (workflow-command annotations):
/// `https://`, `www.`, email addresses and mentions are broken by a
/// zero-width space, so the text reads the same and links nowhere.
pub fn defuse_autolinks_plain(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        out.push(c);
        if breaks_after(&chars, i) {
            out.push(BREAK_CHAR);
        }
    }
    out
}

/// Escapes text for Markdown rendered by GitHub (and similar): HTML is
/// entity-encoded, Markdown punctuation is backslash-escaped (which also
/// disarms links, images, footnotes, link reference definitions, task
/// boxes, tables and strikethrough), `@mentions`, `#references` and every
/// GFM autolink (`https://…`, `www.…`, email addresses) are broken with a
/// zero-width space so they notify nobody and link nowhere, and line breaks
/// are shown as `\u{a}` so a value cannot leave its table cell or list item.
pub fn markdown(text: &str) -> String {
    let chars: Vec<char> = terminal(text).chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '#' => out.push_str("#&#8203;"),
            // Links need `[`, images `![`: escaping the brackets disarms both,
            // so parentheses and quotes can stay readable.
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
        if breaks_after(&chars, i) {
            out.push_str(BREAK_ENTITY);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_text_with_something_to_neutralise_is_copied() {
        assert!(matches!(
            terminal_cow("customer.acme ~ 1"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(terminal_cow("Åkerö AB"), Cow::Borrowed(_)));
        assert!(matches!(terminal_cow("a\u{7f}"), Cow::Owned(_)));
        let long = format!("{}\u{1b}[31m{}", "x".repeat(40), "y".repeat(40));
        assert_eq!(terminal_cow(&long), long.replace('\u{1b}', "\\u{1b}"));
        for text in ["", " ~", "a\tb", "\u{80}", &"z".repeat(33)] {
            assert_eq!(
                printable_ascii(text),
                text.bytes().all(|b| (0x20..0x7f).contains(&b)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn control_characters_are_shown_not_executed() {
        assert_eq!(
            terminal("Acme\u{1b}[31m AB\r\n"),
            "Acme\\u{1b}[31m AB\\u{d}\\u{a}"
        );
        assert_eq!(terminal("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(terminal("Acme\u{200b}"), "Acme\\u{200b}");
        assert_eq!(terminal("Åkerö AB"), "Åkerö AB");
    }

    #[test]
    fn json_keeps_its_meaning_without_hidden_characters() {
        let text = serde_json::to_string(&"a\u{202e}b\u{7f}c\u{e0041}").unwrap();
        let safe = json(&text);
        assert_eq!(safe, "\"a\\u202eb\\u007fc\\udb40\\udc41\"");
        let pretty = serde_json::to_string_pretty(&serde_json::json!({"a": "x\ny"})).unwrap();
        assert_eq!(json(&pretty), pretty);
        let back: String = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, "a\u{202e}b\u{7f}c\u{e0041}");
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

    #[test]
    fn autolinks_are_broken() {
        assert_eq!(
            markdown("Pay at https://evil.example/pay or WWW.evil.example, a@b.se"),
            "Pay at https:&#8203;//evil.example/pay or WWW&#8203;.evil.example, a@&#8203;b.se"
        );
        assert_eq!(
            defuse_autolinks_plain("see http://x.example and www.x.example"),
            "see http:\u{200b}//x.example and www\u{200b}.x.example"
        );
        assert_eq!(markdown("ww.example a:b"), "ww.example a:b");
    }
}
