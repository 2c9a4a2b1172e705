//! The cheap reader against serde-saphyr: whatever it accepts, serde-saphyr
//! reads to the same values; what it gives up on is serde-saphyr's alone.

use std::path::Path;

use proptest::prelude::*;

use super::parse;
use crate::diagnostics::yaml::full_values;

/// Fails when the cheap reader accepts `text` but reads it otherwise than
/// serde-saphyr (or serde-saphyr refuses it). Returns whether it accepted.
fn agrees(text: &str) -> bool {
    let Some(fast) = parse(text) else {
        return false;
    };
    match full_values(text) {
        Ok(full) => assert_eq!(fast, full, "the readers differ on {text:?}"),
        Err(error) => panic!("accepted {text:?}, which serde-saphyr refuses: {error:?}"),
    }
    true
}

fn yaml_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

#[test]
fn every_fixture_and_example_reads_the_same() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["examples", "tests", "src"] {
        yaml_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 20, "{files:?}");
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // the invalid UTF-8 fixture
        };
        agrees(&text);
    }
}

#[test]
fn the_examples_take_the_cheap_path() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/customers");
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        assert!(agrees(&text), "{} is read slowly", entry.path().display());
    }
}

/// Scalars that mean different things in different YAML schemas, and
/// texts that end or change the structure around them.
const SCALARS: &[&str] = &[
    "NO",
    "no",
    "yes",
    "on",
    "off",
    "y",
    "n",
    "true",
    "True",
    "TRUE",
    "tRUE",
    "false",
    "FALSE",
    "null",
    "Null",
    "NULL",
    "nUll",
    "~",
    "",
    "0",
    "00",
    "0150",
    "-0150",
    "+0150",
    "12",
    "-12",
    "+12",
    "-0",
    "1_000",
    "1:20",
    "1.5",
    ".5",
    "1.",
    "1e3",
    "1E3",
    "0x10",
    "0X10",
    "0o17",
    "0b101",
    ".inf",
    "-.inf",
    ".nan",
    "inf",
    "nan",
    "NaN",
    "infinity",
    "2001-12-14",
    "111 22",
    "1 e3",
    "101-500",
    "1-",
    "1--2",
    "1 -2",
    "5001-10000",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "-9223372036854775809",
    "99999999999999999999",
    "a b",
    "a: b",
    "a:b",
    "a #b",
    "a#b",
    "a:",
    "- a",
    "-a",
    "?a",
    ":a",
    "@a",
    "`a",
    "%a",
    "&a",
    "*a",
    "!a",
    "|",
    ">",
    "a,b",
    "a, b",
    "[a]",
    "{a: b}",
    "[a, b]",
    "[a,b]",
    "[ a , b ]",
    "[]",
    "{}",
    "[a, ]",
    "[,]",
    "{a: 1, b: 2}",
    "{a: 1, a: 2}",
    "{a:1}",
    "{a: }",
    "{true: 1}",
    "[a, [b]]",
    "[\"x\", 'y']",
    "['it''s']",
    "\"a\"",
    "\"a\\nb\"",
    "\"a # b\"",
    "\"a\"#c",
    "\"a\" # c",
    "'a'",
    "'a''b'",
    "'a'''",
    "''",
    "\"\"",
    "'unclosed",
    "\"unclosed",
    "Storgatan 1",
    "København",
    "Ødegård",
    "\u{a0}a",
    "a\u{a0}",
    "日本",
    // Line and paragraph separators, next-line, bidi and zero-width
    // characters: content in YAML 1.2, never line breaks or spaces.
    "a\u{2028}b",
    "a\u{2029}b",
    "a\u{85}b",
    "\u{202e}a",
    "a\u{202e}",
    "a\u{200b}b",
    "\u{2066}a\u{2069}",
    "'\u{2028}'",
    "\"a\u{2029}\"",
    "a\u{3000}b",
    "_a",
    "/a",
    "a/b",
    "http://x.se",
    "a b  ",
    "a  b",
    "[a] x",
    "{a: b} x",
    "[a] # c",
    "[a #b]",
    "[a:b]",
    "[a: b]",
];

const KEYS: &[&str] = &[
    "a",
    "sku",
    "apiVersion",
    "cost-center",
    "a.b",
    "a/b",
    "_x",
    "true",
    "True",
    "null",
    "no",
    "yes",
    "y",
    "1",
    "-a",
    "a b",
    "\"a\"",
    "'a'",
    "<<",
    "?",
    "k",
    "K",
    "a_",
    "a:",
];

/// A document built from pieces: keys (mostly plain and distinct, some
/// tricky), scalars and the layouts around them.
fn document() -> impl Strategy<Value = String> {
    let scalar = proptest::sample::select(SCALARS);
    let key = proptest::option::weighted(0.2, proptest::sample::select(KEYS));
    let entry = (key, scalar, 0..6_u8);
    (proptest::collection::vec(entry, 1..6), any::<bool>()).prop_map(|(entries, marker)| {
        let mut body = String::new();
        for (index, (key, scalar, layout)) in entries.into_iter().enumerate() {
            let key = key.map_or_else(|| format!("k{index}"), str::to_string);
            body.push_str(&match layout {
                0 => format!("{key}: {scalar}\n"),
                1 => format!("{key}:\n  - {scalar}\n  - x\n"),
                2 => format!("{key}:\n- {scalar}\n"),
                3 => format!("{key}:\n  inner: {scalar}\n  other: 1 # note\n"),
                4 => format!("{key}:\n  - {key}: {scalar}\n    more: {scalar}\n  - z\n"),
                _ => format!("{key}: {scalar}   # comment\n\n"),
            });
        }
        if marker { format!("---\n{body}") } else { body }
    })
}

/// A manifest the size and shape of a real one, to mutate.
const CUSTOMER: &str = "apiVersion: resold/v1\nkind: Customer\nmetadata:\n  name: kund-00001\n  labels: { batch: b1 }\nspec:\n  type: domain\n  organization: Kund 1 AB\n  domain: kund00001.se\n  address:\n    lines: [\"Storgatan 1\"]\n    locality: Göteborg\n    postalCode: 411 06\n    regionCode: SE\n  phone: \"+46 8 001 01 01\"\n  language: sv\n  admin:\n    email: admin@kund00001.se\n    givenName: Anna\n    familyName: Svensson\n  subscriptions:\n    - sku: business-standard\n      plan: annual-yearly\n      seats: 11\n    - sku: vault\n      plan: flexible\n      seats: 5\n  ignoreDrift: [phone, subscriptions.vault.seats]\n---\napiVersion: resold/v1\nkind: Defaults\nmetadata:\n  name: d\nspec:\n  alternateEmail: it@reseller.se\n";

/// What an edit inserts: characters and words with a meaning in YAML.
const INSERTS: &[&str] = &[
    " ", "  ", "\n", "\n  ", "-", "- ", ":", ": ", "#", " #", "'", "\"", "[", "]", "{", "}", ",",
    "!", "&a ", "*a", "|", ">", "?", "%", "@", "\t", "\r", "\\", "0", "0x", "1.5", "_", "~",
    "---\n", "...\n", "true", "null", "x",
];

fn mutated() -> impl Strategy<Value = String> {
    let edit = (
        any::<prop::sample::Index>(),
        0..3_u8,
        proptest::sample::select(INSERTS),
    );
    proptest::collection::vec(edit, 1..4).prop_map(|edits| {
        let mut text = CUSTOMER.to_string();
        for (at, kind, insert) in edits {
            let boundaries: Vec<usize> = (0..=text.len())
                .filter(|&i| text.is_char_boundary(i))
                .collect();
            let at = boundaries[at.index(boundaries.len())];
            match kind {
                0 => text.insert_str(at, insert),
                1 => {
                    let end = boundaries.iter().copied().find(|&e| e > at).unwrap_or(at);
                    text.replace_range(at..end, "");
                }
                _ => {
                    let end = boundaries.iter().copied().find(|&e| e > at).unwrap_or(at);
                    text.replace_range(at..end, insert);
                }
            }
        }
        text
    })
}

#[test]
fn the_mutation_base_takes_the_cheap_path() {
    assert!(agrees(CUSTOMER));
}

#[test]
fn each_tricky_scalar_reads_the_same_in_every_place() {
    for scalar in SCALARS {
        for text in [
            format!("k: {scalar}\n"),
            format!("k:\n  - {scalar}\n"),
            format!("k: [{scalar}]\n"),
            format!("k: [a, {scalar}]\n"),
            format!("k: {{ x: {scalar} }}\n"),
            format!("- {scalar}\n"),
            format!("- x: {scalar}\n  y: 1\n"),
        ] {
            agrees(&text);
        }
    }
    for key in KEYS {
        agrees(&format!("{key}: v\n"));
        agrees(&format!("m: {{ {key}: v }}\n"));
    }
}

#[test]
fn what_manifests_hold_is_read_cheaply() {
    for text in [
        "a: NO\nb: 0150\nc: 111 22\nd: 12\ne: true\nf:\ng: ~\n",
        "a: [x, \"y z\", 'it''s']\nb: { k: v, n: 1 }\nc: []\nd: {}\n",
        "a:\n- x\n- y\nb:\n  - k: 1\n    l: 2\n  - k: 3\n",
        "# comment\n---\na: 1 # note\n\n   \nb: \"# not a comment\"\n",
        "a: 1\n---\nb: 2\n",
    ] {
        assert!(agrees(text), "{text:?} is read slowly");
    }
    for text in [
        "a: 1\na: 2\n",
        "a: !!str 1\n",
        "a: &x 1\nb: *x\n",
        "a: |\n  x\n",
        "a: x\n  y\n",
        "a:\n\tb: 1\n",
        "a: 1\r\n",
        "a: 1.5\n",
        "a: \"x\\ty\"\n",
        "---\n---\na: 1\n",
        "a: 1\n...\n",
        "",
        "# only a comment\n",
    ] {
        assert!(
            parse(text).is_none(),
            "{text:?} must be left to serde-saphyr"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    #[test]
    fn generated_documents_read_the_same(text in document()) {
        agrees(&text);
    }

    #[test]
    fn mutated_manifests_read_the_same(text in mutated()) {
        agrees(&text);
    }
}

/// The comparisons above are only as strong as the share of texts the
/// cheap reader accepts: many generated and mutated texts must be read by
/// both readers, not only by serde-saphyr.
#[test]
fn the_generators_reach_the_cheap_path() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    for (name, strategy) in [
        ("generated", document().boxed()),
        ("mutated", mutated().boxed()),
    ] {
        let accepted = (0..500)
            .filter(|_| agrees(&strategy.new_tree(&mut runner).unwrap().current()))
            .count();
        assert!(
            accepted > 100,
            "{name}: only {accepted} of 500 read cheaply"
        );
        assert!(accepted < 500, "{name}: no text left to serde-saphyr");
    }
}
