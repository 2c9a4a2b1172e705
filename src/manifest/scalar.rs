//! Writing one string as a YAML scalar that every reader takes back as the
//! same string. Values come from Google and from people, so anything may
//! arrive: `NO` (Norway, a boolean to YAML 1.1 readers), postal codes with
//! leading zeros (octal or numbers), `null`, `2024-01-31`, `: ` and ` #`,
//! leading spaces, line breaks, control and bidirectional characters.
//!
//! The rule is conservative: a scalar stays plain only when no YAML 1.1 or
//! 1.2 reader could read it as anything but that string; otherwise it is
//! single-quoted, or double-quoted with escapes when it holds a character
//! that must not appear raw in a file someone reviews.

use crate::model::is_unsafe_char;

/// Where the scalar stands: flow collections (`[a, b]`) forbid more in plain scalars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Block,
    Flow,
}

/// `text` as a YAML scalar.
pub fn scalar(text: &str, context: Context) -> String {
    if text.chars().any(needs_escape) {
        double_quoted(text)
    } else if is_plain_safe(text, context) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "''"))
    }
}

/// Characters written as escapes: control characters, bidirectional
/// overrides, invisible separators and line breaks YAML 1.1 recognises.
fn needs_escape(c: char) -> bool {
    is_unsafe_char(c)
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{200b}'..='\u{200d}'
                | '\u{2060}'..='\u{2065}'
                | '\u{feff}'
                | '\u{fffe}'
                | '\u{ffff}'
        )
}

fn double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => {
                let code = c as u32;
                if code <= 0xff {
                    out.push_str(&format!("\\x{code:02x}"));
                } else if code > 0xffff {
                    out.push_str(&format!("\\U{code:08x}"));
                } else {
                    out.push_str(&format!("\\u{code:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Words some YAML reader takes for a boolean or null (YAML 1.1 included).
const RESERVED: &[&str] = &[
    "null", "Null", "NULL", "~", "true", "True", "TRUE", "false", "False", "FALSE", "y", "Y",
    "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "=",
    "<<",
];

/// Indicator characters a plain scalar may not start with.
const LEADING_INDICATORS: &str = "-?:,[]{}#&*!|>'\"%@`";

fn is_plain_safe(text: &str, context: Context) -> bool {
    let (Some(first), Some(last)) = (text.chars().next(), text.chars().last()) else {
        return false;
    };
    if first.is_whitespace() || last.is_whitespace() || last == ':' {
        return false;
    }
    if LEADING_INDICATORS.contains(first) || RESERVED.contains(&text) {
        return false;
    }
    if text.contains(": ") || text.contains(" #") || text.contains('\t') {
        return false;
    }
    if context == Context::Flow && text.contains([',', '[', ']', '{', '}']) {
        return false;
    }
    !looks_like_number_or_date(text)
}

/// Integers in any base, floats, infinities, sexagesimal numbers and
/// YAML 1.1 timestamps; deliberately broad: a false positive only adds quotes.
fn looks_like_number_or_date(text: &str) -> bool {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let lower = unsigned.to_ascii_lowercase();
    if matches!(lower.as_str(), ".inf" | ".nan") {
        return true;
    }
    let starts_numeric = unsigned
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || c == '.');
    let numeric_chars = unsigned
        .chars()
        .all(|c| c.is_ascii_hexdigit() || matches!(c, '.' | '_' | ':' | 'x' | 'X' | 'o' | 'O'));
    if starts_numeric && numeric_chars {
        return true;
    }
    // 2024-01-31, 2024-1-5 and anything that starts like them.
    let bytes = text.as_bytes();
    bytes.len() >= 8 && bytes[..4].iter().all(u8::is_ascii_digit) && bytes[4] == b'-'
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What a reader without the manifest loader's safety options makes of
    /// `key: <scalar>`: YAML 1.1-style booleans and numbers included.
    fn read_back_loosely(yaml_value: &str) -> serde_json::Value {
        let doc: serde_json::Value =
            serde_saphyr::from_str(&format!("key: {yaml_value}\n")).expect("valid YAML");
        doc["key"].clone()
    }

    fn read_back_strictly(yaml_value: &str) -> serde_json::Value {
        let docs = crate::diagnostics::yaml::parse_values(&format!("key: {yaml_value}\n"))
            .expect("valid YAML");
        docs[0]["key"].clone()
    }

    fn read_back_in_flow(yaml_value: &str) -> serde_json::Value {
        let doc: serde_json::Value =
            serde_saphyr::from_str(&format!("key: [{yaml_value}, x]\n")).expect("valid YAML");
        doc["key"][0].clone()
    }

    #[test]
    fn ambiguous_words_are_quoted_and_plain_text_is_not() {
        for (text, written) in [
            ("NO", "'NO'"),
            ("no", "'no'"),
            ("yes", "'yes'"),
            ("null", "'null'"),
            ("~", "'~'"),
            ("0150", "'0150'"),
            ("01234", "'01234'"),
            ("12345", "'12345'"),
            ("1e3", "'1e3'"),
            ("0x1F", "'0x1F'"),
            ("12:30", "'12:30'"),
            (".inf", "'.inf'"),
            ("2024-01-31", "'2024-01-31'"),
            ("+4681234567", "'+4681234567'"),
            (" padded ", "' padded '"),
            ("a: b", "'a: b'"),
            ("a #b", "'a #b'"),
            ("#1", "'#1'"),
            ("- x", "'- x'"),
            ("@team", "'@team'"),
            ("it's", "it's"),
            ("'quoted'", "'''quoted'''"),
            ("", "''"),
            ("SE", "SE"),
            ("111 22", "111 22"),
            ("+46 8 123 45 67", "+46 8 123 45 67"),
            ("Fjällvind Konsult AB", "Fjällvind Konsult AB"),
            ("anna@acme.se", "anna@acme.se"),
            ("business-standard", "business-standard"),
            ("line\nbreak", "\"line\\nbreak\""),
            ("bidi\u{202e}txt", "\"bidi\\u202etxt\""),
            ("esc\u{1b}[31m", "\"esc\\x1b[31m\""),
        ] {
            assert_eq!(scalar(text, Context::Block), written, "{text:?}");
        }
        assert_eq!(scalar("a, b", Context::Flow), "'a, b'");
        assert_eq!(scalar("a, b", Context::Block), "a, b");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn any_string_reads_back_as_itself(text in any::<String>()) {
            let written = scalar(&text, Context::Block);
            prop_assert_eq!(read_back_loosely(&written), serde_json::Value::String(text.clone()));
            prop_assert_eq!(read_back_strictly(&written), serde_json::Value::String(text.clone()));
            let in_flow = scalar(&text, Context::Flow);
            prop_assert_eq!(read_back_in_flow(&in_flow), serde_json::Value::String(text));
        }

        #[test]
        fn yaml_lookalikes_read_back_as_themselves(
            text in prop_oneof![
                "[-+]?[0-9._:xob]{1,8}",
                "[0-9]{4}-[0-9]{2}-[0-9]{2}[ tT0-9:.]{0,6}",
                "(y|n|yes|no|on|off|true|false|null|NO|Yes|OFF|~)",
                "[ #:&*!|>'\"%@`,?{}\\[\\]-]{1,3}[a-z ]{0,4}",
                "[a-z]{0,3}(: | #|: *|\t)[a-z]{0,3}",
            ]
        ) {
            let written = scalar(&text, Context::Block);
            prop_assert_eq!(read_back_loosely(&written), serde_json::Value::String(text.clone()));
            prop_assert_eq!(read_back_strictly(&written), serde_json::Value::String(text.clone()));
            let in_flow = scalar(&text, Context::Flow);
            prop_assert_eq!(read_back_in_flow(&in_flow), serde_json::Value::String(text));
        }
    }
}
