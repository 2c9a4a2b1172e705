//! Whatever bytes a manifest holds, loading ends in findings — never a
//! panic — and every finding points inside the file it names.

use std::path::PathBuf;

use proptest::prelude::*;

use resold::manifest::{LoadOptions, load_portfolio};

use super::root;

const SEED: &str = include_str!("../../examples/customers/finland.yaml");

fn check_bytes(bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fuzz.yaml");
    std::fs::write(&path, bytes).unwrap();
    let report = load_portfolio(std::slice::from_ref(&path), &LoadOptions::default());
    let lines = bytes.split(|&b| b == b'\n').count() as u64;
    for d in &report.diagnostics {
        if let Some(at) = &d.location {
            assert_eq!(at.file, path);
            assert!(
                at.line >= 1 && at.line <= lines.max(1),
                "{d:?} outside {lines} lines"
            );
        }
    }
    assert_eq!(report.portfolio.is_some(), !report.has_errors());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn mutated_manifests_never_panic(
        edits in proptest::collection::vec((0..SEED.len(), any::<u8>()), 1..8),
        cut in 0..SEED.len(),
    ) {
        let mut bytes = SEED.as_bytes().to_vec();
        for (at, byte) in edits {
            bytes[at] = byte;
        }
        check_bytes(&bytes);
        check_bytes(&bytes[..cut]);
    }

    #[test]
    fn arbitrary_yaml_like_text_never_panics(text in "[ \t\na-zA-Z0-9:\\-\\[\\]{}&*!|>'\"#,.]{0,300}") {
        check_bytes(text.as_bytes());
    }
}

#[test]
fn the_seed_itself_is_valid() {
    let path = PathBuf::from(root()).join("examples/customers/finland.yaml");
    let report = load_portfolio(&[path], &LoadOptions::default());
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
}

/// A lone carriage return is a line break to YAML but not to git's diff: it
/// is refused where it is, on a line the file has (it was once reported one
/// line past the end, with nothing to quote).
#[test]
fn a_lone_carriage_return_is_refused_at_its_line() {
    let mut bytes = SEED.as_bytes().to_vec();
    bytes[67] = b'\r';
    check_bytes(&bytes[..70]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cr.yaml");
    std::fs::write(&path, &bytes[..70]).unwrap();
    let report = load_portfolio(std::slice::from_ref(&path), &LoadOptions::default());
    let codes: Vec<_> = report.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["F-LINE-END"]);
    assert!(report.diagnostics[0].snippet.is_some());
}
