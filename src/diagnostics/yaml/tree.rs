//! The positioned tree of one YAML document: every node with its tag and
//! span, mappings indexed by key when large, and lookups by JSON Pointer.

use std::collections::HashMap;

use serde_json::{Map, Number, Value};
use serde_saphyr::Spanned;

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
    pub(super) fn new(entries: Vec<(Spanned<Key>, Spanned<Node>)>) -> MapNode {
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
    pub(super) fn of<T>(node: &Spanned<T>) -> Span {
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
    pub(super) root: Spanned<Node>,
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
}

impl Document {
    pub(super) fn new(root: Spanned<Node>) -> Document {
        Document { root }
    }
}

pub(super) fn to_json(raw: &Raw) -> Value {
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
