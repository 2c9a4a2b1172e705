//! YAML reads the same to a reviewer (and their YAML 1.2 editor) as to
//! resold: no tags beyond the core schema, no YAML 1.1 numbers or merges,
//! and every type error at the value it is about.

use resold::diagnostics::{ReportFormat, render};
use resold::manifest::{Diagnostic, LoadOptions, load_portfolio};

use super::CUSTOMER;

/// The findings for `CUSTOMER` with `from` replaced by `to`.
fn findings(from: &str, to: &str) -> Vec<Diagnostic> {
    assert!(CUSTOMER.contains(from), "{from}");
    findings_of(CUSTOMER.replace(from, to).as_bytes())
}

fn findings_of(bytes: &[u8]) -> Vec<Diagnostic> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.yaml");
    std::fs::write(&path, bytes).unwrap();
    load_portfolio(&[path], &LoadOptions::default()).diagnostics
}

/// (code, line, column) of the only finding.
fn only(found: &[Diagnostic]) -> (&'static str, u64, u64) {
    assert_eq!(found.len(), 1, "{found:#?}");
    let at = found[0].location.as_ref().unwrap();
    (found[0].code, at.line, at.column)
}

#[test]
fn binary_and_unknown_tags_are_refused_at_their_value() {
    let binary = findings("domain: kalevaladesign.fi", "domain: !!binary ZXZpbC5zZQ==");
    assert_eq!(only(&binary), ("Y-TAG", 10, 20));
    assert!(
        binary[0].message.contains("`!!binary`"),
        "{}",
        binary[0].message
    );
    let local = findings("seats: 10", "seats: !seats 10");
    assert_eq!(only(&local), ("Y-TAG", 26, 21));
    let verbatim = findings("seats: 10", "seats: !<tag:example.com,2000:seats> 10");
    assert_eq!(only(&verbatim).0, "Y-TAG");
    let on_key = findings("      seats: 10", "      !!binary c2VhdHM=: 10");
    assert_eq!(only(&on_key).0, "Y-TAG");
    let on_list = findings("lines: [\"Mannerheimintie 20 B\"]", "lines: !!set {a}");
    assert_eq!(only(&on_list).0, "Y-TAG");
    assert!(findings("postalCode: \"00100\"", "postalCode: !!str 00100").is_empty());
}

#[test]
fn yaml_1_1_numbers_are_not_numbers() {
    let underscored = findings("seats: 10", "seats: 1_0");
    assert_eq!(only(&underscored), ("S-TYPE", 26, 14));
    assert!(
        underscored[0]
            .help
            .as_deref()
            .unwrap()
            .contains("write `10`"),
        "{:?}",
        underscored[0].help
    );
    for radix in ["0x0A", "0o12", "0b1010", "+0x0A"] {
        let found = findings("seats: 10", &format!("seats: {radix}"));
        assert_eq!(only(&found), ("Y-NUMBER", 26, 14), "{radix}");
    }
    let sexagesimal = findings("seats: 10", "seats: 1:20");
    assert_eq!(only(&sexagesimal).0, "S-TYPE");
    for infinite in [".inf", "-.Inf", ".nan", "1e999"] {
        let found = findings("seats: 10", &format!("seats: {infinite}"));
        assert_eq!(only(&found), ("Y-NUMBER", 26, 14), "{infinite}");
        assert!(!found[0].message.contains("policy"), "{}", found[0].message);
    }
}

#[test]
fn floats_where_integers_belong_are_located_at_the_value() {
    for float in ["10.0", "1e1", "!!float 10"] {
        let found = findings("seats: 10", &format!("seats: {float}"));
        let (code, line, column) = only(&found);
        assert_eq!((code, line), ("S-TYPE", 26), "{float}");
        assert!(column >= 14, "{float}: column {column}");
        assert!(
            found[0].message.contains("whole number"),
            "{}",
            found[0].message
        );
    }
    let postal = findings("postalCode: \"00100\"", "postalCode: 100.0");
    assert_eq!(only(&postal).1, 14);
}

#[test]
fn merge_keys_are_plain_unknown_keys() {
    let found = findings("      seats: 10", "      <<: {seats: 10}");
    let codes: Vec<&str> = found.iter().map(|d| d.code).collect();
    assert!(codes.contains(&"S-UNKNOWN-FIELD"), "{found:#?}");
}

#[test]
fn byte_order_marks_and_crlf_are_fine_and_nul_is_an_error() {
    let crlf = CUSTOMER.replace('\n', "\r\n");
    let mut bom = "\u{feff}".as_bytes().to_vec();
    bom.extend_from_slice(crlf.as_bytes());
    assert!(findings_of(&bom).is_empty(), "{:#?}", findings_of(&bom));
    let nul = CUSTOMER.replace("Kalevala Design Oy", "Kalevala\0Design Oy");
    let found = findings_of(nul.as_bytes());
    assert!(!found.is_empty());
    for format in [
        ReportFormat::Human,
        ReportFormat::Github,
        ReportFormat::Json,
    ] {
        let shown = render(&found, format, false);
        assert!(!shown.contains('\0'), "{format:?}: {shown:?}");
    }
}

#[test]
fn internal_wording_never_reaches_the_user() {
    let deep = format!("{}1{}", "[".repeat(40), "]".repeat(40));
    let texts = [
        findings("seats: 10", &format!("seats: {deep}")),
        findings("organization: Kalevala Design Oy", "organization: !!null"),
        findings("organization: Kalevala Design Oy", "organization: ~"),
        findings("domain: kalevaladesign.fi", "domain: !!binary \"%%%\""),
        findings_of(b"a: &x [*x]\n"),
    ];
    for found in texts.iter().flatten() {
        let text = format!("{} {}", found.message, found.help.as_deref().unwrap_or(""));
        for internal in [
            "Depth {", "Option<", "Options", "budget", "policy", "serde", "u64", "Rust",
        ] {
            assert!(!text.contains(internal), "{internal} in {text}");
        }
    }
}
