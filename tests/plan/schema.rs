//! The committed `schemas/plan.schema.json` is what the code generates, and
//! every scenario's JSON output validates against it.

use resold::render::{self, RenderOptions};

use super::scenarios;

const SCHEMA_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/plan.schema.json");

fn generated() -> String {
    serde_json::to_string_pretty(&render::json::schema()).unwrap() + "\n"
}

#[test]
fn committed_plan_schema_is_fresh() {
    let generated = generated();
    if std::env::var_os("RESOLD_UPDATE_SCHEMAS").is_some() {
        std::fs::write(SCHEMA_PATH, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(SCHEMA_PATH).unwrap_or_default();
    assert!(
        committed == generated,
        "schemas/plan.schema.json is stale: run `RESOLD_UPDATE_SCHEMAS=1 cargo test --test integration plan::schema` and commit it"
    );
}

#[test]
fn every_scenario_validates_against_the_plan_schema() {
    let schema: serde_json::Value = serde_json::from_str(&generated()).unwrap();
    let validator = jsonschema::draft7::new(&schema).unwrap();
    for world in [
        scenarios::new_portfolio(),
        scenarios::admin_console_drift(),
        scenarios::access_not_granted(),
        scenarios::cancel_unprotected(),
        scenarios::unmanaged_entitlement(),
        scenarios::transfer_needed(),
        scenarios::contact_change(),
        scenarios::education(),
    ] {
        let plan = world.plan();
        let json: serde_json::Value =
            serde_json::from_str(&render::json::render(&plan, &RenderOptions::default())).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
}
