//! The library API other stages build on: the normalised portfolio, its
//! digest and where each customer came from.

use std::path::PathBuf;

use resold::manifest::{LoadOptions, load_portfolio};
use resold::model::{PlanKind, Renewal};

use super::{case, root};

#[test]
fn yaml_1_2_values_reach_the_model_unchanged() {
    let report = load_portfolio(
        &[root().join(case("norway_yaml12.yaml"))],
        &LoadOptions::default(),
    );
    let (portfolio, warnings) = report.into_result().unwrap();
    assert!(warnings.is_empty());
    let customer = portfolio.customer("fjordlys-no").unwrap();
    assert_eq!(customer.address.region_code, "NO");
    assert_eq!(customer.address.postal_code, "0150");
    assert_eq!(customer.admin.family_name, "yes");
    assert!(customer.protect, "protect defaults to true");
}

#[test]
fn the_examples_load_normalised_with_defaults_applied() {
    let report = load_portfolio(
        &[root().join("examples/customers")],
        &LoadOptions::default(),
    );
    let (portfolio, findings) = report.into_result().unwrap();
    let names: Vec<&str> = portfolio
        .customers
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "customers come sorted by name");
    assert_eq!(findings.len(), 1, "the shared team organization note");

    let fjallvind = portfolio.customer("fjallvind-se").unwrap();
    assert_eq!(
        fjallvind.alternate_email.as_deref(),
        Some("kundtjanst@nordlysit.se")
    );
    assert_eq!(
        fjallvind.labels.get("reseller").map(String::as_str),
        Some("nordlys-it")
    );
    assert_eq!(fjallvind.phone.as_deref(), Some("+46841022000"));
    let standard = fjallvind.subscription("business-standard").unwrap();
    assert_eq!(standard.plan, PlanKind::AnnualYearly);
    assert_eq!(standard.renewal, Some(Renewal::AutoRenew));
    assert_eq!(fjallvind.subscription("vault").unwrap().renewal, None);

    let team = portfolio.customer("bergstrom-arkitekter-oslo").unwrap();
    assert_eq!(
        team.alternate_email, None,
        "Defaults' alternate email is for domain customers"
    );
    assert_eq!(team.address.postal_code, "0154");
    let norway = portfolio.customer("norrsken-sjomat-no").unwrap();
    assert_eq!(
        norway.address.postal_code, "9008",
        "a bare number is the code it spells"
    );

    let at = portfolio.source_of("kalevala-design-fi").unwrap();
    assert_eq!(
        at.to_string().rsplit_once("customers/").unwrap().1,
        "finland.yaml:6:9"
    );
    assert!(at.file.ends_with("examples/customers/finland.yaml"));
    assert_eq!((at.line, at.column), (6, 9));
}

#[test]
fn the_digest_covers_every_byte_and_only_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let source = root().join("examples/customers");
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    let paths: Vec<PathBuf> = vec![dir.path().to_path_buf()];
    let digest = || {
        load_portfolio(&paths, &LoadOptions::default())
            .portfolio
            .unwrap()
            .digest
    };
    let first = digest();
    assert_eq!(first.len(), 64);
    assert_eq!(first, digest(), "stable across runs");
    let finland = dir.path().join("finland.yaml");
    let text = std::fs::read_to_string(&finland).unwrap();
    std::fs::write(&finland, text.replace("seats: 10", "seats: 9")).unwrap();
    assert_ne!(first, digest());
}
