//! The cheap reader for the YAML manifests are made of: block mappings and
//! sequences indented with spaces, one-line flow lists and mappings of
//! scalars, plain and quoted one-line scalars, comments. It reads such a
//! text straight into the `serde_json::Value` serde-saphyr would build with
//! resold's options, at a fraction of the cost, and gives up (`None`) on
//! anything else: tabs, carriage returns, tags, anchors, aliases, block
//! scalars, escapes, multi-line scalars, several documents, duplicate keys,
//! numbers other than plain decimal integers, and every syntax error. A text
//! it gives up on is read by serde-saphyr, which alone words findings, so a
//! manifest's diagnostics never depend on which reader read it.
//!
//! What it accepts it must read exactly as serde-saphyr does; the tests
//! below compare the two on the fixtures and on generated and mutated texts.

use serde_json::{Map, Value};

/// Larger texts are left to serde-saphyr, whose budgets bound them.
const MAX_LEN: usize = 1 << 20;
/// Far below the full reader's depth budget, so no budget is reached here.
const MAX_DEPTH: usize = 16;

/// The documents of `text` when it is in the easy subset.
pub fn parse(text: &str) -> Option<Vec<Value>> {
    if text.len() > MAX_LEN || !text.chars().all(printable) {
        return None;
    }
    documents(text)?
        .into_iter()
        .map(|lines| {
            if lines.first()?.indent != 0 {
                return None;
            }
            let mut reader = Reader { lines, at: 0 };
            let value = reader.block(0, 0)?;
            (reader.at == reader.lines.len()).then_some(value)
        })
        .collect()
}

/// YAML's printable characters, without the tab, the carriage return, the
/// next-line character (a line break in YAML 1.1) and a byte order mark,
/// which the full reader treats specially. The line and paragraph
/// separators are content in YAML 1.2, as the tests check.
fn printable(c: char) -> bool {
    matches!(c, '\n' | ' '..='~' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && c != '\u{feff}'
}

#[derive(Clone, Copy)]
struct Line<'a> {
    indent: usize,
    /// Without the indentation and trailing spaces; never empty.
    text: &'a str,
}

/// Each document's lines that hold content (blank and comment-only lines
/// dropped), split at `---` lines. An empty document, content after a
/// `---` on its line and any `...` give up.
fn documents(text: &str) -> Option<Vec<Vec<Line<'_>>>> {
    let mut documents = Vec::new();
    let mut lines: Vec<Line> = Vec::new();
    for raw in text.split('\n') {
        let body = raw.trim_start_matches(' ');
        let indent = raw.len() - body.len();
        let body = body.trim_end_matches(' ');
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if indent == 0 && (body.starts_with("---") || body.starts_with("...")) {
            if body != "---" || (lines.is_empty() && !documents.is_empty()) {
                return None;
            }
            documents.push(std::mem::take(&mut lines));
            continue;
        }
        lines.push(Line { indent, text: body });
    }
    documents.push(lines);
    // A leading `---` opens the first document rather than ending one.
    if documents.first().is_some_and(Vec::is_empty) {
        documents.remove(0);
    }
    (!documents.is_empty() && documents.iter().all(|d| !d.is_empty())).then_some(documents)
}

struct Reader<'a> {
    lines: Vec<Line<'a>>,
    at: usize,
}

impl<'a> Reader<'a> {
    /// The block node whose first line is the current one, at `indent`.
    fn block(&mut self, indent: usize, depth: usize) -> Option<Value> {
        let line = self.lines.get(self.at)?;
        if line.indent != indent || depth > MAX_DEPTH {
            return None;
        }
        if is_item(line.text) {
            self.sequence(indent, depth)
        } else {
            self.mapping(indent, depth)
        }
    }

    fn mapping(&mut self, indent: usize, depth: usize) -> Option<Value> {
        let mut map = Map::new();
        while let Some(line) = self.lines.get(self.at).copied() {
            if line.indent < indent {
                break;
            }
            if line.indent > indent || is_item(line.text) {
                return None;
            }
            let (key, rest) = split_key(line.text)?;
            if map.contains_key(key) {
                return None;
            }
            self.at += 1;
            let value = if rest.is_empty() {
                self.nested(indent, depth)?
            } else {
                self.after_inline(indent, inline(rest)?)?
            };
            map.insert(key.to_string(), value);
        }
        Some(Value::Object(map))
    }

    fn sequence(&mut self, indent: usize, depth: usize) -> Option<Value> {
        let mut items = Vec::new();
        while let Some(line) = self.lines.get(self.at).copied() {
            if line.indent < indent || (line.indent == indent && !is_item(line.text)) {
                break;
            }
            if line.indent > indent {
                return None;
            }
            let rest = line.text[1..].trim_start_matches(' ');
            if rest.is_empty() || rest.starts_with('#') || is_item(rest) {
                return None;
            }
            let item = if split_key(rest).is_some() {
                // `- sku: vault`: a mapping whose keys line up with `sku`.
                let column = indent + line.text.len() - rest.len();
                self.lines[self.at] = Line {
                    indent: column,
                    text: rest,
                };
                self.mapping(column, depth + 1)?
            } else {
                self.at += 1;
                self.after_inline(indent, inline(rest)?)?
            };
            items.push(item);
        }
        Some(Value::Array(items))
    }

    /// The value of a key written with nothing after its colon: a block
    /// below it, a sequence at its own indentation, or null.
    fn nested(&mut self, indent: usize, depth: usize) -> Option<Value> {
        match self.lines.get(self.at) {
            Some(next) if next.indent > indent => self.block(next.indent, depth + 1),
            Some(next) if next.indent == indent && is_item(next.text) => {
                self.sequence(indent, depth + 1)
            }
            _ => Some(Value::Null),
        }
    }

    /// A value written on its node's line; a deeper line after it would
    /// continue it, which is left to the full reader.
    fn after_inline(&self, indent: usize, value: Value) -> Option<Value> {
        match self.lines.get(self.at) {
            Some(next) if next.indent > indent => None,
            _ => Some(value),
        }
    }
}

/// `- item` or a lone `-`.
fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// `key: rest` or `key:` with a plain, simple key; `rest` without a comment.
fn split_key(text: &str) -> Option<(&str, &str)> {
    let end = text.find(|c: char| !is_key_char(c)).unwrap_or(text.len());
    let (key, after) = text.split_at(end);
    let after = after.strip_prefix(':')?;
    if !simple_key(key) || !(after.is_empty() || after.starts_with(' ')) {
        return None;
    }
    let rest = after.trim_start_matches(' ');
    Some((key, if rest.starts_with('#') { "" } else { rest }))
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')
}

/// A key that reads as the same string in every schema.
fn simple_key(key: &str) -> bool {
    key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(is_key_char)
        && !matches!(resolve(key), Some(Value::Null | Value::Bool(_)) | None)
}

/// A value on one line: quoted, a flow list or mapping, or plain; with at
/// most a comment after it.
fn inline(text: &str) -> Option<Value> {
    let (value, rest) = match text.as_bytes().first()? {
        b'"' | b'\'' => quoted(text)?,
        b'[' => flow_sequence(&text[1..])?,
        b'{' => flow_mapping(&text[1..])?,
        _ => {
            let plain = match text.find(" #") {
                Some(at) => &text[..at],
                None => text,
            };
            let plain = plain.trim_end_matches(' ');
            if plain.contains(": ") || plain.ends_with(':') || plain.contains(['[', ']', '{', '}'])
            {
                return None;
            }
            return plain_scalar(plain);
        }
    };
    trailing_comment(rest).then_some(value)
}

/// Nothing, or spaces and a comment.
fn trailing_comment(rest: &str) -> bool {
    let after = rest.trim_start_matches(' ');
    after.is_empty() || (after.starts_with('#') && after.len() < rest.len())
}

/// A one-line quoted scalar without escapes, and the text after it.
fn quoted(text: &str) -> Option<(Value, &str)> {
    let quote = text.chars().next()?;
    let body = &text[1..];
    if quote == '"' {
        let end = body.find('"')?;
        if body[..end].contains('\\') {
            return None;
        }
        return Some((Value::String(body[..end].to_string()), &body[end + 1..]));
    }
    let mut value = String::new();
    let mut rest = body;
    loop {
        let end = rest.find('\'')?;
        value.push_str(&rest[..end]);
        rest = &rest[end + 1..];
        match rest.strip_prefix('\'') {
            Some(after) => {
                value.push('\'');
                rest = after;
            }
            None => return Some((Value::String(value), rest)),
        }
    }
}

/// `a, b, "c"]` (after the `[`) and the text after the `]`.
fn flow_sequence(text: &str) -> Option<(Value, &str)> {
    let mut items = Vec::new();
    let mut rest = text.trim_start_matches(' ');
    if let Some(after) = rest.strip_prefix(']') {
        return Some((Value::Array(items), after));
    }
    loop {
        let (item, after) = flow_scalar(rest)?;
        items.push(item);
        let after = after.trim_start_matches(' ');
        match after.as_bytes().first()? {
            b',' => rest = after[1..].trim_start_matches(' '),
            b']' => return Some((Value::Array(items), &after[1..])),
            _ => return None,
        }
    }
}

/// `k: v, k2: "v2" }` (after the `{`) and the text after the `}`.
fn flow_mapping(text: &str) -> Option<(Value, &str)> {
    let mut map = Map::new();
    let mut rest = text.trim_start_matches(' ');
    if let Some(after) = rest.strip_prefix('}') {
        return Some((Value::Object(map), after));
    }
    loop {
        let end = rest.find(|c: char| !is_key_char(c))?;
        let (key, after) = rest.split_at(end);
        let after = after.strip_prefix(": ")?;
        if !simple_key(key) || map.contains_key(key) {
            return None;
        }
        let (value, after) = flow_scalar(after.trim_start_matches(' '))?;
        map.insert(key.to_string(), value);
        let after = after.trim_start_matches(' ');
        match after.as_bytes().first()? {
            b',' => rest = after[1..].trim_start_matches(' '),
            b'}' => return Some((Value::Object(map), &after[1..])),
            _ => return None,
        }
    }
}

/// A scalar inside a flow collection and the text after it.
fn flow_scalar(text: &str) -> Option<(Value, &str)> {
    match text.as_bytes().first()? {
        b'"' | b'\'' => quoted(text),
        _ => {
            let end = text.find([',', ']', '}', '[', '{', ':', '#'])?;
            let value = plain_scalar(text[..end].trim_end_matches(' '))?;
            Some((value, &text[end..]))
        }
    }
}

/// A plain scalar that cannot start anything else.
fn plain_scalar(text: &str) -> Option<Value> {
    let mut chars = text.chars();
    let first = chars.next()?;
    let starts_number = first == '-' && chars.next().is_some_and(|c| c.is_ascii_digit());
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) && !starts_number {
        return None;
    }
    resolve(text)
}

/// What a plain scalar means under YAML 1.2's core schema with resold's
/// options (booleans only `true`/`false`, leading zeros keep a string),
/// or `None` where the full reader should decide (floats, other bases,
/// signs, underscores, integers beyond 64 bits).
fn resolve(text: &str) -> Option<Value> {
    match text {
        "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    let first = text.chars().next()?;
    if first.is_ascii_digit() || first == '-' {
        let digits = text.strip_prefix('-').unwrap_or(text);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            if digits.len() > 1 && digits.starts_with('0') {
                return Some(Value::String(text.to_string()));
            }
            return if text.starts_with('-') {
                text.parse::<i64>().ok().map(Value::from)
            } else {
                text.parse::<u64>().ok().map(Value::from)
            };
        }
        // `111 22`, `101-500`, `2001-12-14`: digits with spaces or inner
        // dashes are no number in YAML 1.2's core schema.
        let spelled = first.is_ascii_digit()
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b' ' || b == b'-');
        return spelled.then(|| Value::String(text.to_string()));
    }
    (first.is_alphabetic() || first == '_' || first == '/').then(|| Value::String(text.to_string()))
}

#[cfg(test)]
#[path = "fast_tests.rs"]
mod tests;
