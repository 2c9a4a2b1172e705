//! Bad manifests, each rendered in all three formats and snapshot-tested:
//! the snapshots are the reviewed wording, positions and codes.

use super::{case, validate};
use crate::support::resold_snapshot;

/// Validates one case in every format; all must agree on the exit code.
fn check(name: &str, expected_code: i32) {
    let path = case(name);
    let path = path.to_string_lossy();
    let (human, code) = validate(&[&path]);
    assert_eq!(code, expected_code, "exit code for {name}:\n{human}");
    let (github, code) = validate(&["--format", "github", &path]);
    assert_eq!(code, expected_code);
    let (json, code) = validate(&["--format", "json", &path]);
    assert_eq!(code, expected_code);
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed["valid"], expected_code == 0);
    let stem = name.trim_end_matches(".yaml").replace('/', "_");
    resold_snapshot!(format!("{stem}_human"), human);
    resold_snapshot!(format!("{stem}_github"), github);
    resold_snapshot!(json: format!("{stem}_json"), parsed);
}

#[test]
fn unknown_fields_suggest_the_intended_name() {
    check("unknown_fields.yaml", 1);
}

#[test]
fn wrong_types_name_the_field_and_what_was_found() {
    check("wrong_types.yaml", 1);
}

#[test]
fn yaml_1_2_keeps_norway_and_leading_zeros() {
    check("norway_yaml12.yaml", 0);
}

#[test]
fn duplicate_keys_are_rejected() {
    check("duplicate_key.yaml", 1);
}

#[test]
fn tabs_are_rejected_with_a_hint() {
    check("tabs.yaml", 1);
}

#[test]
fn invalid_utf8_points_at_the_byte() {
    check("invalid_utf8.yaml", 1);
}

#[test]
fn empty_files_are_reported() {
    check("empty.yaml", 1);
}

#[test]
fn billion_laughs_is_stopped() {
    check("billion_laughs.yaml", 1);
}

#[test]
fn absurd_numbers_are_out_of_range() {
    check("absurd_numbers.yaml", 1);
}

#[test]
fn unknown_kinds_versions_and_shapes_are_reported() {
    check("kind_and_version.yaml", 1);
}

#[test]
fn seed_rules_of_a_domain_customer() {
    check("seed_rules.yaml", 1);
}

#[test]
fn seed_rules_of_a_team_customer() {
    check("seed_rules_team.yaml", 1);
}

#[test]
fn duplicates_across_files_name_both_places() {
    check("duplicates", 1);
}
