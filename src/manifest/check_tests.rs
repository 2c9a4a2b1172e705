//! `check_manifests` against `load_portfolio`: the same findings, counts
//! and files on every fixture and on trees built to reach each of its
//! shortcuts.

use std::path::{Path, PathBuf};

use super::*;
use crate::manifest::rules::testing::{DOMAIN_CUSTOMER, TEAM_CUSTOMER};

fn same_as_a_portfolio_load(paths: &[PathBuf]) -> CheckReport {
    let options = LoadOptions::default();
    let checked = check_manifests(paths, &options);
    let loaded = load_portfolio(paths, &options);
    assert_eq!(checked.diagnostics, loaded.diagnostics, "{paths:?}");
    assert_eq!(checked.tally, loaded.tally, "{paths:?}");
    assert_eq!(checked.files, loaded.files, "{paths:?}");
    if let Some(portfolio) = &loaded.portfolio {
        assert_eq!(checked.customers, portfolio.customers.len(), "{paths:?}");
    }
    checked
}

/// `check_files` on the texts under `dir`: `None` if it gave up.
fn streamed(dir: &Path) -> Option<Checked> {
    let (found, _) = load::discover(&[dir.to_path_buf()]);
    let texts = pipeline::read_files(&found)
        .into_iter()
        .enumerate()
        .filter_map(|(i, read)| read.ok().map(|(source, _)| (i, source.text)))
        .collect();
    check_files(texts, &found, Catalog::builtin())
}

fn customer(name: &str, domain: &str, organization: &str) -> String {
    DOMAIN_CUSTOMER
        .replace("acme-se", name)
        .replace("acme.se", domain)
        .replace("Acme AB", organization)
}

fn team(name: &str, organization: &str) -> String {
    TEAM_CUSTOMER
        .replace("konsult-team", name)
        .replace("Konsult Oy", organization)
}

fn tree(files: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

const DEFAULTS: &str = "\
apiVersion: resold/v1
kind: Defaults
metadata:
  name: shared
spec:
  alternateEmail: desk@reseller.se
  language: sv
";

#[test]
fn every_fixture_and_example_gives_the_same_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cases = root.join("tests/validate/cases");
    let mut paths = vec![
        vec![cases.clone()],
        vec![root.join("examples/customers")],
        vec![cases.join("duplicates")],
        vec![cases.join("duplicates"), root.join("examples/customers")],
    ];
    for entry in std::fs::read_dir(&cases).unwrap().flatten() {
        paths.push(vec![entry.path()]);
    }
    for paths in paths {
        same_as_a_portfolio_load(&paths);
    }
}

#[test]
fn defaults_in_a_file_read_after_the_customers_still_apply() {
    let no_alternate =
        customer("a-se", "alfa.se", "A AB").replace("  alternateEmail: it@reseller.se\n", "");
    let dir = tree(&[
        ("nordics/a.yaml", no_alternate.clone()),
        (
            "nordics/deep/b.yaml",
            no_alternate
                .replace("a-se", "b-se")
                .replace("alfa.se", "beta.se"),
        ),
        ("zz-defaults.yaml", DEFAULTS.to_string()),
    ]);
    assert!(
        streamed(dir.path()).is_some(),
        "the Defaults file was found first"
    );
    let checked = same_as_a_portfolio_load(&[dir.path().to_path_buf()]);
    assert_eq!(checked.tally.errors, 0, "{:?}", checked.diagnostics);
    assert_eq!(checked.customers, 2);

    // Without the Defaults the same customers are errors: they did apply.
    std::fs::remove_file(dir.path().join("zz-defaults.yaml")).unwrap();
    let checked = same_as_a_portfolio_load(&[dir.path().to_path_buf()]);
    assert!(checked.tally.errors > 0);
}

#[test]
fn defaults_spelled_with_an_escape_are_found() {
    let escaped = DEFAULTS.replace("kind: Defaults", "kind: \"\\x44efaults\"");
    assert!(!escaped.contains("Defaults"));
    let no_alternate =
        customer("a-se", "alfa.se", "A AB").replace("  alternateEmail: it@reseller.se\n", "");
    let dir = tree(&[("a.yaml", no_alternate), ("b.yaml", escaped)]);
    assert!(streamed(dir.path()).is_some());
    let checked = same_as_a_portfolio_load(&[dir.path().to_path_buf()]);
    assert_eq!(checked.tally.errors, 0, "{:?}", checked.diagnostics);
}

#[test]
fn two_defaults_and_defaults_beside_customers_give_the_same_findings() {
    let both = format!("{DEFAULTS}---\n{}", customer("c-se", "c.se", "C AB"));
    let dir = tree(&[
        ("a.yaml", DEFAULTS.to_string()),
        ("b.yaml", both),
        ("sub/d.yaml", customer("d-se", "d.se", "D AB")),
    ]);
    let checked = same_as_a_portfolio_load(&[dir.path().to_path_buf()]);
    assert!(
        checked
            .diagnostics
            .iter()
            .any(|d| d.code == super::super::defaults::DUPLICATE_DEFAULTS)
    );
}

#[test]
fn names_domains_and_team_organisations_shared_across_files_give_the_same_findings() {
    let dir = tree(&[
        ("a.yaml", customer("one", "one.se", "One AB")),
        ("b.yaml", customer("one", "two.se", "Two AB")),
        ("c.yaml", customer("three", "one.se", "Three AB")),
        (
            "d/e.yaml",
            format!("{}---\n{}", team("t1", "Lag Oy"), team("t2", "LAG OY")),
        ),
        ("d/f.yaml", team("t3", "lag oy")),
        (
            "g.yaml",
            customer("four", "four.se", "Four AB").replace("seats: 5", "seats: many"),
        ),
        ("h.yaml", customer("five", "five.se", "Five AB")),
    ]);
    let checked = same_as_a_portfolio_load(&[dir.path().to_path_buf()]);
    let codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code).collect();
    for code in ["R-NAME-UNIQUE", "R-DOMAIN-UNIQUE", "R-ORG-SHARED"] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
    let checked = streamed(dir.path()).unwrap();
    assert_eq!(
        sharing(&checked.keys),
        [0, 1, 2, 3, 4, 5],
        "five.se and four share nothing"
    );
}

#[test]
fn a_file_that_holds_defaults_it_was_not_expected_to_sends_the_check_the_long_way() {
    let outcome = check_one(
        Path::new("a.yaml"),
        0,
        Pending::Text(DEFAULTS.to_string()),
        &DefaultsByDir::default(),
        Catalog::builtin(),
    );
    assert!(outcome.is_none());
}

#[test]
fn a_file_changed_before_its_second_read_is_a_finding_not_a_wrong_place() {
    let dir = tree(&[
        ("a.yaml", customer("one", "one.se", "One AB")),
        ("b.yaml", customer("one", "two.se", "Two AB")),
    ]);
    let checked = streamed(dir.path()).unwrap();
    let (found, _) = load::discover(&[dir.path().to_path_buf()]);
    std::fs::write(
        dir.path().join("b.yaml"),
        format!("# edited\n{}", customer("one", "two.se", "Two AB")),
    )
    .unwrap();
    let findings = shared_keys(&checked.keys, &found, &checked.defaults, Catalog::builtin());
    let changed: Vec<&Diagnostic> = findings
        .iter()
        .filter(|d| d.code == crate::diagnostics::problem::FILE_CHANGED)
        .collect();
    assert_eq!(changed.len(), 1, "{findings:?}");
    assert!(
        changed[0]
            .location
            .as_ref()
            .unwrap()
            .file
            .ends_with("b.yaml")
    );
}
