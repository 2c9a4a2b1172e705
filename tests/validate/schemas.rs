//! The committed JSON Schemas: fresh, printed by `resold schema`, and
//! accepting every example (uv's check mode: `RESOLD_UPDATE_SCHEMAS=1`
//! rewrites the files instead of failing).

use std::path::Path;

use serde_json::Value;

use resold::diagnostics::yaml::parse_values;
use resold::manifest::schema;

use super::{resold, root};

fn check_fresh(file: &str, generated: &Value) {
    let path = root().join("schemas").join(file);
    let text = schema::to_pretty_json(generated);
    if std::env::var_os("RESOLD_UPDATE_SCHEMAS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "{} is stale: run `RESOLD_UPDATE_SCHEMAS=1 cargo test --test integration validate::schemas` and commit it",
        path.display()
    );
}

#[test]
fn committed_schemas_are_fresh() {
    check_fresh("manifest.schema.json", &schema::manifest());
    check_fresh("config.schema.json", &resold::config::json_schema());
}

#[test]
fn schema_command_prints_the_committed_schemas() {
    for (which, file) in [
        ("manifest", "manifest.schema.json"),
        ("config", "config.schema.json"),
    ] {
        let output = resold().args(["schema", which]).output().unwrap();
        assert!(output.status.success());
        let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
        let generated = if which == "manifest" {
            schema::manifest()
        } else {
            resold::config::json_schema()
        };
        assert_eq!(printed, generated, "{file}");
        assert_eq!(
            printed["$schema"],
            "http://json-schema.org/draft-07/schema#"
        );
    }
}

fn documents(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    parse_values(&text).unwrap()
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(schema)
        .unwrap()
}

#[test]
fn every_example_validates_against_the_published_schemas() {
    let manifests = validator(&schema::manifest());
    let mut checked = 0;
    for entry in std::fs::read_dir(root().join("examples/customers")).unwrap() {
        let path = entry.unwrap().path();
        for doc in documents(&path) {
            let errors: Vec<String> = manifests.iter_errors(&doc).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{}: {errors:?}", path.display());
            checked += 1;
        }
    }
    assert_eq!(checked, 9, "8 customers and 1 Defaults document");
    let config = validator(&resold::config::json_schema());
    for doc in documents(&root().join("examples/resold.yaml")) {
        assert!(config.is_valid(&doc));
    }
}

#[test]
fn the_published_schema_expresses_team_and_trial_rules() {
    let manifests = validator(&schema::manifest());
    let mut team = documents(&root().join("examples/customers/sweden.yaml")).remove(1);
    assert!(manifests.is_valid(&team));
    team["spec"]["subscriptions"][0]["sku"] = "vault".into();
    assert!(
        !manifests.is_valid(&team),
        "team customers cannot order Vault"
    );

    let mut trial = documents(&root().join("examples/customers/finland.yaml")).remove(0);
    assert!(manifests.is_valid(&trial));
    trial["spec"]["subscriptions"][0]["seats"] = 11.into();
    assert!(!manifests.is_valid(&trial), "trials have at most 10 seats");
}
