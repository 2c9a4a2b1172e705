//! YAML with source spans, read so that what a reviewer reads is what resold
//! sends to Google. A file is read twice at most: once into plain
//! `serde_json::Value`s, which the schema checks and the typed parse use
//! (by `fast`, a reader of the few shapes manifests are written in, when it
//! can, else by serde-saphyr), and only when a diagnostic needs a position
//! (or the text holds something the strict pass must look at), again into a
//! tree that remembers where each key and value came from and answers
//! "where is `/spec/subscriptions/1/seats`?" by key, not by scanning.
//! Keeping spans for every node of a 10,000-customer portfolio would double
//! the memory for nothing in the common, valid case.
//!
//! The options are not negotiable (docs/stack.md §2), and all of them hold YAML
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

mod fast;
mod strict;
mod tree;
mod visitors;

use serde_json::Value;
use serde_saphyr::Spanned;

use super::problem::{YamlLimit, YamlProblem};
pub use strict::needs_strict_pass;
pub use tree::{Document, Key, MapNode, Node, Raw, Span};
use visitors::Plain;

/// Nesting deeper than this is refused (a manifest nests 4 levels).
pub const MAX_DEPTH: usize = 32;
const MAX_ALIASES: usize = 1_000;
const MAX_ANCHORS: usize = 1_000;
const MAX_DOCUMENTS: usize = 10_000;

/// Why a text is not YAML we accept, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub problem: YamlProblem,
    pub line: u64,
    pub column: u64,
}

/// Parses every document of `text` into plain values (empty documents are
/// skipped): the common shapes of a manifest by the cheap reader, anything
/// else (and every error) by serde-saphyr.
pub fn parse_values(text: &str) -> Result<Vec<Value>, SyntaxError> {
    match fast::parse(text) {
        Some(values) => Ok(values),
        None => full_values(text),
    }
}

/// `parse_values` by serde-saphyr alone.
fn full_values(text: &str) -> Result<Vec<Value>, SyntaxError> {
    serde_saphyr::from_str_multiple_with_options::<Plain, Vec<_>>(text, options())
        .map(|documents| documents.into_iter().map(|Plain(value)| value).collect())
        .map_err(|error| syntax_error(&error))
}

/// Parses every document of `text` with positions; same options, so it
/// yields the same documents as `parse_values`.
pub fn parse_documents(text: &str) -> Result<Vec<Document>, SyntaxError> {
    serde_saphyr::from_str_multiple_with_options::<Spanned<Node>, Vec<_>>(text, options())
        .map(|roots| roots.into_iter().map(Document::new).collect())
        .map_err(|error| syntax_error(&error))
}

fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
        merge_keys: serde_saphyr::options::MergeKeyPolicy::AsOrdinary,
        // Comments are validated as YAML either way; nothing reads their text.
        emit_comments: false,
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
