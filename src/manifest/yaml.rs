//! YAML with source spans. A file is read twice at most: once into plain
//! `serde_json::Value`s, which the schema checks and the typed parse use, and
//! only when a diagnostic needs a position, again into a tree that remembers
//! where each key and value came from and answers "where is
//! `/spec/subscriptions/1/seats`?". Keeping spans for every node of a
//! 10,000-customer portfolio would double the memory for nothing in the
//! common, valid case.
//!
//! The options are not negotiable (stack.md §2): YAML 1.2 booleans only
//! (`NO`, `yes`, `on` stay strings), leading-zero numbers stay strings
//! (`0150`), duplicate keys are errors, and a budget bounds what anchors and
//! aliases can expand to, so a "billion laughs" file fails fast instead of
//! eating the machine.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use serde_saphyr::Spanned;

/// A YAML node as written, with the location of every child.
#[derive(Debug, Clone)]
pub enum Raw {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<String>, Spanned<Raw>)>),
}

/// Where a node starts and how many characters it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub line: u64,
    pub column: u64,
    pub length: u64,
}

impl Span {
    fn of<T>(node: &Spanned<T>) -> Span {
        let location = node.referenced;
        Span {
            line: location.line(),
            column: location.column(),
            length: location.span().len().max(1),
        }
    }
}

/// One parsed document as a tree of positions.
#[derive(Debug, Clone)]
pub struct Document {
    root: Spanned<Raw>,
}

/// Why a text is not YAML we accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub line: u64,
    pub column: u64,
}

/// Parses every document of `text` into plain values (empty documents are
/// skipped).
pub fn parse_values(text: &str) -> Result<Vec<Value>, SyntaxError> {
    serde_saphyr::from_str_multiple_with_options::<Plain, Vec<_>>(text, options())
        .map(|documents| documents.into_iter().map(|Plain(value)| value).collect())
        .map_err(|error| syntax_error(&error))
}

/// Parses every document of `text` with positions; same options, so it
/// yields the same documents as `parse_values`.
pub fn parse_documents(text: &str) -> Result<Vec<Document>, SyntaxError> {
    serde_saphyr::from_str_multiple_with_options::<Spanned<Raw>, Vec<_>>(text, options())
        .map(|roots| roots.into_iter().map(|root| Document { root }).collect())
        .map_err(|error| syntax_error(&error))
}

fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        with_snippet: false,
        // Manifests are a few hundred nodes each; these caps are far above any
        // real portfolio file and far below what an alias bomb expands to.
        budget: serde_saphyr::budget! {
            max_aliases: 1_000,
            max_anchors: 1_000,
            max_depth: 32,
            max_documents: 10_000,
            max_nodes: 2_000_000,
            max_events: 4_000_000,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 100_000,
            max_replay_stack_depth: 16,
        },
    }
}

fn syntax_error(error: &serde_saphyr::Error) -> SyntaxError {
    let location = error.location();
    let rendered = error
        .without_snippet()
        .render_with_options(serde_saphyr::render_options! {
            snippets: serde_saphyr::SnippetMode::Off,
        });
    SyntaxError {
        message: strip_location_suffix(&rendered),
        line: location.map_or(1, |l| l.line().max(1)),
        column: location.map_or(1, |l| l.column().max(1)),
    }
}

/// serde-saphyr appends " at line L column C"; the diagnostic carries the
/// position separately, so the message drops it.
fn strip_location_suffix(message: &str) -> String {
    let first_line = message.lines().next().unwrap_or(message).trim();
    let message = match first_line.find(" at line ") {
        Some(index) => first_line[..index].trim_end_matches(','),
        None => first_line,
    };
    // The parser's hint names its own API; say it in the manifest's terms.
    match message.strip_prefix("duplicate mapping key: ") {
        Some(rest) => {
            let key = rest
                .split(", set DuplicateKeyPolicy")
                .next()
                .unwrap_or(rest);
            format!("duplicate key `{key}`: each key may appear once in a mapping")
        }
        None => message.to_string(),
    }
}

impl Document {
    /// The document as JSON.
    pub fn to_json(&self) -> Value {
        to_json(&self.root.value)
    }

    /// The strings of the list at `pointer`, with their indexes.
    pub fn string_items(&self, pointer: &str) -> Vec<(usize, String)> {
        let mut node = &self.root;
        for segment in pointer.split('/').skip(1) {
            let Raw::Map(entries) = &node.value else {
                return Vec::new();
            };
            match entries.iter().find(|(key, _)| key.value == segment) {
                Some((_, value)) => node = value,
                None => return Vec::new(),
            }
        }
        match &node.value {
            Raw::Seq(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| match &item.value {
                    Raw::Str(s) => Some((i, s.clone())),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Location of the value at a JSON Pointer, or of its nearest existing parent.
    pub fn value_span(&self, pointer: &str) -> Span {
        self.find(pointer).0
    }

    /// Location of the key whose value is at `pointer` (for unknown and
    /// misplaced fields); array elements and the root fall back to the value.
    pub fn key_span(&self, pointer: &str) -> Span {
        let (value, key) = self.find(pointer);
        key.unwrap_or(value)
    }

    fn find(&self, pointer: &str) -> (Span, Option<Span>) {
        let mut node = &self.root;
        let mut key_span = None;
        for segment in pointer.split('/').skip(1) {
            let segment = segment.replace("~1", "/").replace("~0", "~");
            let next = match &node.value {
                Raw::Map(entries) => entries
                    .iter()
                    .find(|(key, _)| key.value == segment)
                    .map(|(key, value)| (Some(Span::of(key)), value)),
                Raw::Seq(items) => segment
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| items.get(i))
                    .map(|item| (None, item)),
                _ => None,
            };
            match next {
                Some((key, value)) => {
                    key_span = key;
                    node = value;
                }
                None => return (Span::of(node), key_span),
            }
        }
        (Span::of(node), key_span)
    }
}

fn to_json(raw: &Raw) -> Value {
    match raw {
        Raw::Null => Value::Null,
        Raw::Bool(b) => Value::Bool(*b),
        Raw::Int(i) => Value::Number(Number::from(*i)),
        Raw::UInt(u) => Value::Number(Number::from(*u)),
        // The parser already rejects `.inf` and `1e999`; should a non-finite
        // value slip through, null makes the schema report a wrong type.
        Raw::Float(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Raw::Str(s) => Value::String(s.clone()),
        Raw::Seq(items) => Value::Array(items.iter().map(|item| to_json(&item.value)).collect()),
        Raw::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(key, value)| (key.value.clone(), to_json(&value.value)))
                .collect::<Map<String, Value>>(),
        ),
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Raw, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Raw, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw::UInt(v))
    }

    // Integers beyond 64 bits are kept as (possibly infinite) floats so the
    // schema reports them as out of range instead of the parser failing.
    #[allow(clippy::cast_precision_loss)]
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Raw, E> {
        Ok(Raw::Float(v as f64))
    }

    #[allow(clippy::cast_precision_loss)]
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Raw, E> {
        Ok(Raw::Float(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Str(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Raw>>()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let value = map.next_value::<Spanned<Raw>>()?;
            entries.push((key, value));
        }
        Ok(Raw::Map(entries))
    }
}

/// A document read straight into JSON, without positions (the fast path).
struct Plain(Value);

impl<'de> Deserialize<'de> for Plain {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Plain, D::Error> {
        deserializer.deserialize_any(PlainVisitor).map(Plain)
    }
}

struct PlainVisitor;

impl<'de> Visitor<'de> for PlainVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(PlainVisitor)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    // As in `RawVisitor`: beyond 64 bits becomes a float the schema rejects.
    #[allow(clippy::cast_precision_loss)]
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        Ok(to_json(&Raw::Float(v as f64)))
    }

    #[allow(clippy::cast_precision_loss)]
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        Ok(to_json(&Raw::Float(v as f64)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(to_json(&Raw::Float(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Plain(item)) = seq.next_element::<Plain>()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let Plain(value) = map.next_value::<Plain>()?;
            entries.insert(key, value);
        }
        Ok(Value::Object(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Document {
        let mut docs = parse_documents(text).unwrap();
        assert_eq!(docs.len(), 1);
        docs.remove(0)
    }

    #[test]
    fn yaml_1_2_scalars_stay_strings() {
        let text = "region: NO\npostal: 0150\nyes: on\nflag: true\nn: 12\n";
        let values = parse_values(text).unwrap();
        assert_eq!(values, vec![one(text).to_json()], "both readers agree");
        let value = &values[0];
        assert_eq!(value["region"], "NO");
        assert_eq!(value["postal"], "0150");
        assert_eq!(value["yes"], "on");
        assert_eq!(value["flag"], true);
        assert_eq!(value["n"], 12);
    }

    #[test]
    fn pointers_resolve_to_value_and_key_locations() {
        let doc = one("spec:\n  subscriptions:\n    - sku: vault\n      seats: 5\n");
        let seats = doc.value_span("/spec/subscriptions/0/seats");
        assert_eq!((seats.line, seats.column), (4, 14));
        let key = doc.key_span("/spec/subscriptions/0/seats");
        assert_eq!((key.line, key.column), (4, 7));
        let missing = doc.value_span("/spec/subscriptions/0/renewal");
        assert_eq!(missing.line, 3);
    }

    #[test]
    fn duplicate_keys_and_tabs_are_syntax_errors() {
        let dup = parse_documents("a: 1\na: 2\n").unwrap_err();
        assert_eq!(dup.line, 2);
        assert!(parse_documents("a:\n\tb: 1\n").is_err());
    }

    #[test]
    fn alias_bombs_are_stopped() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        assert!(parse_documents(&text).is_err());
    }

    #[test]
    fn absurd_numbers_are_errors_or_stay_finite() {
        let infinite = parse_documents("seats: 1e999\n").unwrap_err();
        assert_eq!((infinite.line, infinite.column), (1, 8));
        let values = parse_values("big: 123456789012345678901234567890\n").unwrap();
        assert!(values[0]["big"].is_number());
    }
}
