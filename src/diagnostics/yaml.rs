//! YAML with source spans, read so that what a reviewer reads is what resold
//! sends to Google. A file is read twice at most: once into plain
//! `serde_json::Value`s, which the schema checks and the typed parse use, and
//! only when a diagnostic needs a position (or the text holds something the
//! strict pass must look at), again into a tree that remembers where each key
//! and value came from and answers "where is `/spec/subscriptions/1/seats`?"
//! by key, not by scanning. Keeping spans for every node of a
//! 10,000-customer portfolio would double the memory for nothing in the
//! common, valid case.
//!
//! The options are not negotiable (stack.md §2), and all of them hold YAML
//! 1.2's core schema — what editors and the YAML language server use — over
//! YAML 1.1's habits: booleans are only `true`/`false` (`NO`, `yes`, `on`
//! stay strings), leading-zero numbers stay strings (`0150`), so do
//! underscored digits (`1_000`) and sexagesimals (`1:20`), `<<` is an
//! ordinary key (no merge), duplicate keys are errors, non-finite numbers
//! (`.inf`, `1e999`) are errors, and a budget bounds what anchors and aliases
//! can expand to, so a "billion laughs" file fails fast.
//!
//! What the options cannot express, the strict pass (`Document::problems`)
//! refuses: every tag but YAML 1.2's core ones (`!!binary ZXZpbC5zZQ==` would
//! otherwise reach Google as `evil.se` while the reviewer reads base64;
//! `!seats 10` would be silently ignored), and integers in another base
//! (`0x10`, `0o17`, `0b101`). A tag starts with `!` and such a number with
//! `0x`/`0o`/`0b`, so the pass runs only on texts that contain one of those.

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use serde_saphyr::{Spanned, Tagged};

use super::problem::{YamlLimit, YamlProblem};

/// Nesting deeper than this is refused (a manifest nests 4 levels).
pub const MAX_DEPTH: usize = 32;
const MAX_ALIASES: usize = 1_000;
const MAX_ANCHORS: usize = 1_000;
const MAX_DOCUMENTS: usize = 10_000;

/// The tags of YAML 1.2's core schema (and the non-specific `!`, which makes
/// a plain scalar a string): they mean what the value looks like.
const CORE_TAGS: &[&str] = &[
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
    "!",
];

/// A YAML node as written, with the tag it carried.
#[derive(Debug, Clone)]
pub struct Node {
    pub raw: Raw,
    pub tag: Option<Box<str>>,
}

/// A YAML node's value, with the location of every child.
#[derive(Debug, Clone)]
pub enum Raw {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Node>>),
    Map(MapNode),
}

/// A mapping's entries in document order, with an index by key for large
/// ones, so locating each of 40,000 unknown keys is not a scan of 40,000.
#[derive(Debug, Clone, Default)]
pub struct MapNode {
    pub entries: Vec<(Spanned<Key>, Spanned<Node>)>,
    index: Option<HashMap<String, usize>>,
}

/// Maps smaller than this are searched; larger ones get an index.
const INDEX_FROM: usize = 16;

impl MapNode {
    fn new(entries: Vec<(Spanned<Key>, Spanned<Node>)>) -> MapNode {
        let index = (entries.len() >= INDEX_FROM).then(|| {
            let mut index = HashMap::with_capacity(entries.len());
            for (i, (key, _)) in entries.iter().enumerate() {
                index.entry(key.value.text.clone()).or_insert(i);
            }
            index
        });
        MapNode { entries, index }
    }

    pub fn get(&self, key: &str) -> Option<&(Spanned<Key>, Spanned<Node>)> {
        match &self.index {
            Some(index) => index.get(key).map(|&i| &self.entries[i]),
            None => self.entries.iter().find(|(k, _)| k.value.text == key),
        }
    }
}

/// A mapping key with the tag it carried.
#[derive(Debug, Clone)]
pub struct Key {
    pub text: String,
    pub tag: Option<Box<str>>,
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
    root: Spanned<Node>,
}

/// Why a text is not YAML we accept, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub problem: YamlProblem,
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
    serde_saphyr::from_str_multiple_with_options::<Spanned<Node>, Vec<_>>(text, options())
        .map(|roots| roots.into_iter().map(|root| Document { root }).collect())
        .map_err(|error| syntax_error(&error))
}

/// Whether `text` may hold a tag or a non-decimal number, which only the
/// strict pass over the positioned documents sees.
pub fn needs_strict_pass(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr(b'!', bytes).is_some()
        || memchr::memchr_iter(b'0', bytes).any(|i| {
            bytes
                .get(i + 1)
                .is_some_and(|b| matches!(b, b'x' | b'X' | b'o' | b'O' | b'b' | b'B'))
        })
}

fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
        merge_keys: serde_saphyr::options::MergeKeyPolicy::AsOrdinary,
        with_snippet: false,
        // Manifests are a few hundred nodes each; these caps are far above any
        // real portfolio file and far below what an alias bomb expands to.
        budget: serde_saphyr::budget! {
            max_aliases: MAX_ALIASES,
            max_anchors: MAX_ANCHORS,
            max_depth: MAX_DEPTH,
            max_documents: MAX_DOCUMENTS,
            max_nodes: 2_000_000,
            max_events: 4_000_000,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 100_000,
            max_replay_stack_depth: 16,
        },
    }
}

/// serde-saphyr's error in the manifest's terms.
fn syntax_error(error: &serde_saphyr::Error) -> SyntaxError {
    let location = error.location();
    SyntaxError {
        problem: problem_of(error),
        line: location.map_or(1, |l| l.line().max(1)),
        column: location.map_or(1, |l| l.column().max(1)),
    }
}

fn problem_of(error: &serde_saphyr::Error) -> YamlProblem {
    use serde_saphyr::Error as E;
    use serde_saphyr::budget::BudgetBreach as B;
    match error {
        E::WithSnippet { error, .. } | E::AliasError { error, .. } => problem_of(error),
        E::Budget { breach, .. } => YamlProblem::Limit(match breach {
            B::Depth { .. } => YamlLimit::Depth(MAX_DEPTH),
            B::Aliases { .. } | B::AliasAnchorRatio { .. } => YamlLimit::Aliases(MAX_ALIASES),
            B::Anchors { .. } => YamlLimit::Anchors(MAX_ANCHORS),
            B::Documents { .. } => YamlLimit::Documents(MAX_DOCUMENTS),
            _ => YamlLimit::Size,
        }),
        E::AliasReplayCounterOverflow { .. }
        | E::AliasReplayLimitExceeded { .. }
        | E::AliasExpansionLimitExceeded { .. }
        | E::AliasReplayStackDepthExceeded { .. } => YamlProblem::Limit(YamlLimit::AliasExpansion),
        E::NonFiniteFloat { value, .. } => YamlProblem::NotFinite {
            text: value.clone(),
        },
        E::DuplicateMappingKey { key, .. } => YamlProblem::DuplicateKey {
            key: key.clone().unwrap_or_default(),
        },
        E::UnsupportedTag { tag, .. } | E::TaggedStructFieldName { tag, .. } => {
            YamlProblem::Tag { tag: tag.clone() }
        }
        E::InvalidBinaryBase64 { .. }
        | E::BinaryNotUtf8 { .. }
        | E::TaggedScalarCannotDeserializeIntoString { .. }
        | E::BytesNotSupportedMissingBinaryTag { .. } => YamlProblem::Tag {
            tag: "tag:yaml.org,2002:binary".into(),
        },
        E::UnknownAnchor { .. } => YamlProblem::UnknownAlias,
        E::Message { msg, .. } => YamlProblem::Syntax {
            message: parser_message(msg),
            tab_indented: false,
        },
        other => YamlProblem::Syntax {
            message: parser_message(&plain_message(other)),
            tab_indented: false,
        },
    }
}

/// The error's own text, without serde-saphyr's snippet and location.
fn plain_message(error: &serde_saphyr::Error) -> String {
    error
        .without_snippet()
        .render_with_options(serde_saphyr::render_options! {
            snippets: serde_saphyr::SnippetMode::Off,
        })
}

/// The parser's message on one line, without the " at line L column C"
/// it appends (the finding carries the position) and without hints that
/// name the library's options or Rust types ("…; use Option<String>",
/// "…, set DuplicateKeyPolicy").
fn parser_message(message: &str) -> String {
    let first_line = message.lines().next().unwrap_or(message).trim();
    let mut message = match first_line.find(" at line ") {
        Some(index) => first_line[..index].trim_end_matches(','),
        None => first_line,
    };
    for hint in ["; ", ", use ", ", set ", " use Option", " set "] {
        if let Some(index) = message.find(hint) {
            message = &message[..index];
        }
    }
    super::quote::bounded(message.trim_end_matches([',', ' '])).into_owned()
}

impl Document {
    /// The document as JSON.
    pub fn to_json(&self) -> Value {
        to_json(&self.root.value.raw)
    }

    /// The strings of the list at `pointer`, with their indexes.
    pub fn string_items(&self, pointer: &str) -> Vec<(usize, String)> {
        let mut node = &self.root;
        for segment in pointer.split('/').skip(1) {
            let Raw::Map(map) = &node.value.raw else {
                return Vec::new();
            };
            match map.get(segment) {
                Some((_, value)) => node = value,
                None => return Vec::new(),
            }
        }
        match &node.value.raw {
            Raw::Seq(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| match &item.value.raw {
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
            let next = match &node.value.raw {
                Raw::Map(map) => map
                    .get(&segment)
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

    /// What the options could not refuse: tags other than the core ones
    /// and numbers in another base, each with the byte offset of the
    /// offending text in `text` (the document's file) and its length in
    /// characters. Aliases are checked where their anchor is.
    pub fn problems(&self, text: &str) -> Vec<(usize, u64, YamlProblem)> {
        let mut found = Vec::new();
        check_node(&self.root, text, &mut found);
        found
    }
}

/// (byte offset, characters, problem) of each finding.
type Found = Vec<(usize, u64, YamlProblem)>;

fn check_node(node: &Spanned<Node>, text: &str, found: &mut Found) {
    // An alias repeats its anchor's node, which is checked where it is defined.
    if node.referenced != node.defined {
        return;
    }
    let (offset, length, source) = written(&node.defined, text);
    if let Some(tag) = node.value.tag.as_deref().filter(|t| !CORE_TAGS.contains(t)) {
        found.push((offset, length, YamlProblem::Tag { tag: tag.into() }));
        return;
    }
    match &node.value.raw {
        Raw::Int(_) | Raw::UInt(_) | Raw::Float(_) if is_radix_number(source) => {
            found.push((
                offset,
                length,
                YamlProblem::RadixNumber {
                    text: source.trim().to_string(),
                },
            ));
        }
        Raw::Seq(items) => items.iter().for_each(|item| check_node(item, text, found)),
        Raw::Map(map) => {
            for (key, value) in &map.entries {
                if let Some(tag) = key.value.tag.as_deref().filter(|t| !CORE_TAGS.contains(t)) {
                    let (offset, length, _) = written(&key.defined, text);
                    found.push((offset, length, YamlProblem::Tag { tag: tag.into() }));
                }
                check_node(value, text, found);
            }
        }
        _ => {}
    }
}

/// Byte offset, length in characters and text of what `location` covers.
fn written<'t>(location: &serde_saphyr::Location, text: &'t str) -> (usize, u64, &'t str) {
    let span = location.span();
    let start = span
        .byte_offset()
        .and_then(|o| usize::try_from(o).ok())
        .unwrap_or(0)
        .min(text.len());
    let len = span
        .byte_len()
        .and_then(|l| usize::try_from(l).ok())
        .unwrap_or(0);
    let source = text.get(start..start.saturating_add(len)).unwrap_or("");
    (start, span.len().max(1), source)
}

/// `0x1F`, `-0o17`, `+0b101`: an integer spelt in another base.
fn is_radix_number(source: &str) -> bool {
    let unsigned = source.trim().trim_start_matches(['+', '-']);
    let bytes = unsigned.as_bytes();
    bytes.len() > 2
        && bytes[0] == b'0'
        && matches!(bytes[1], b'x' | b'X' | b'o' | b'O' | b'b' | b'B')
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
        Raw::Seq(items) => {
            Value::Array(items.iter().map(|item| to_json(&item.value.raw)).collect())
        }
        Raw::Map(map) => Value::Object(
            map.entries
                .iter()
                .map(|(key, value)| (key.value.text.clone(), to_json(&value.value.raw)))
                .collect::<Map<String, Value>>(),
        ),
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        let Tagged(RawValue(raw), tag) = Tagged::<RawValue>::deserialize(deserializer)?;
        Ok(Node {
            raw,
            tag: tag.map(String::into_boxed_str),
        })
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key, D::Error> {
        let Tagged(text, tag) = Tagged::<String>::deserialize(deserializer)?;
        Ok(Key {
            text,
            tag: tag.map(String::into_boxed_str),
        })
    }
}

/// The untagged part of a `Node`.
struct RawValue(Raw);

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RawValue, D::Error> {
        deserializer.deserialize_any(RawVisitor).map(RawValue)
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
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<Key>>()? {
            let value = map.next_value::<Spanned<Node>>()?;
            entries.push((key, value));
        }
        Ok(Raw::Map(MapNode::new(entries)))
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

    fn problems(text: &str) -> Vec<(u64, YamlProblem)> {
        assert!(needs_strict_pass(text), "the pre-check must see {text:?}");
        one(text)
            .problems(text)
            .into_iter()
            .map(|(offset, _, problem)| (offset as u64, problem))
            .collect()
    }

    #[test]
    fn yaml_1_2_scalars_stay_strings() {
        let text = "region: NO\npostal: 0150\nyes: on\nflag: true\nn: 12\nseats: 1_000\nsexa: 1:20\nday: 2001-12-14\n";
        let values = parse_values(text).unwrap();
        assert_eq!(values, vec![one(text).to_json()], "both readers agree");
        let value = &values[0];
        assert_eq!(value["region"], "NO");
        assert_eq!(value["postal"], "0150");
        assert_eq!(value["yes"], "on");
        assert_eq!(value["flag"], true);
        assert_eq!(value["n"], 12);
        assert_eq!(value["seats"], "1_000");
        assert_eq!(value["sexa"], "1:20");
        assert_eq!(value["day"], "2001-12-14");
    }

    #[test]
    fn merge_keys_are_ordinary_keys() {
        let values = parse_values("<<: {seats: 10}\nsku: vault\n").unwrap();
        assert_eq!(values[0]["<<"]["seats"], 10);
        assert!(values[0].get("seats").is_none());
    }

    #[test]
    fn tags_beyond_the_core_schema_are_problems_at_their_value() {
        let text = "domain: !!binary ZXZpbC5zZQ==\nseats: !seats 10\nok: !!str 10\nplain: ! 12\n";
        let found = problems(text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, 17);
        assert!(matches!(&found[0].1, YamlProblem::Tag { tag } if tag.ends_with("binary")));
        assert!(matches!(&found[1].1, YamlProblem::Tag { tag } if tag == "!seats"));
        let keys = problems("!!binary a2V5: v\n");
        assert_eq!(keys.len(), 1);
        let seq = problems("list: !!set {a}\n");
        assert_eq!(seq.len(), 1);
    }

    #[test]
    fn numbers_in_another_base_are_problems() {
        let text = "a: 0x10\nb: -0o17\nc: +0b101\nd: 10\ne: '0x10'\nf: 0xZZ\n";
        let found = problems(text);
        let texts: Vec<String> = found
            .iter()
            .map(|(_, p)| match p {
                YamlProblem::RadixNumber { text } => text.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(texts, ["0x10", "-0o17", "+0b101"]);
        assert!(!needs_strict_pass("a: 10\nb: text\n"));
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
    fn large_mappings_are_found_by_key() {
        let text: String = (0..100).map(|i| format!("k{i}: {i}\n")).collect();
        let doc = one(&text);
        assert_eq!(doc.key_span("/k77").line, 78);
        assert_eq!(doc.value_span("/k5").line, 6);
    }

    #[test]
    fn duplicate_keys_and_tabs_are_syntax_errors() {
        let dup = parse_documents("a: 1\na: 2\n").unwrap_err();
        assert_eq!(dup.line, 2);
        assert_eq!(dup.problem, YamlProblem::DuplicateKey { key: "a".into() });
        assert!(parse_documents("a:\n\tb: 1\n").is_err());
    }

    #[test]
    fn alias_bombs_and_deep_nesting_are_stopped_in_plain_words() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let bomb = parse_documents(&text).unwrap_err();
        assert!(matches!(bomb.problem, YamlProblem::Limit(_)), "{bomb:?}");
        let deep = format!("{}1{}", "[".repeat(40), "]".repeat(40));
        for error in [
            parse_values(&deep).unwrap_err(),
            parse_documents(&deep).unwrap_err(),
        ] {
            assert_eq!(
                error.problem,
                YamlProblem::Limit(YamlLimit::Depth(MAX_DEPTH))
            );
            assert!(
                !error.problem.to_string().contains('{'),
                "{}",
                error.problem
            );
        }
    }

    #[test]
    fn absurd_numbers_are_errors_or_stay_finite() {
        let infinite = parse_documents("seats: 1e999\n").unwrap_err();
        assert_eq!((infinite.line, infinite.column), (1, 8));
        assert!(matches!(infinite.problem, YamlProblem::NotFinite { .. }));
        let inf = parse_values("seats: .inf\n").unwrap_err();
        assert_eq!(inf.problem.to_string(), "`.inf` is not a finite number");
        let values = parse_values("big: 123456789012345678901234567890\n").unwrap();
        assert!(values[0]["big"].is_number());
    }
}
