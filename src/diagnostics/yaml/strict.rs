//! The strict pass: what serde-saphyr's options cannot refuse, found in the
//! positioned tree with the byte offset of the text at fault. Tags other
//! than YAML 1.2's core ones would let the reviewer read one thing
//! (`!!binary ZXZpbC5zZQ==`) and resold send another (`evil.se`), or be
//! ignored (`!seats 10`); integers in another base read differently to
//! different tools.

use serde_saphyr::Spanned;

use super::tree::{Document, Node, Raw};
use crate::diagnostics::problem::YamlProblem;

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

impl Document {
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
