//! The JSON Schemas of manifests, generated from the Rust types (draft-07,
//! which the YAML language server understands). `resold.yaml`'s is
//! `config::json_schema`.
//!
//! Two flavours of the manifest schema exist on purpose:
//! - the *structural* schemas (`customer_structure`, `defaults_structure`):
//!   exactly what the serde types accept. `load` checks every document
//!   against them, so unknown fields and wrong types are reported with all
//!   their positions before any rule runs.
//! - the *published* schema (`manifest`, committed as
//!   `schemas/manifest.schema.json`): the structure plus the console's rules a
//!   schema can express (SKU names from the catalogue, seat limits, team vs
//!   domain SKUs, education SKUs, renewal only for annual plans). Editors show
//!   these while typing; `rules/` stays the authority and gives the step of
//!   the help article and the fix.

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema};
use serde_json::{Value, json};

use super::spec::{
    CustomerDocument, DefaultsDocument, IGNORABLE_FIELDS, IGNORABLE_SUBSCRIPTION_FIELDS,
};
use crate::catalog::{Catalog, MAX_SEATS, MAX_TRIAL_SEATS};
use crate::model::{CustomerType, PlanKind};

/// `metadata.name`: a DNS-label-like key, safe in file names and addresses.
pub const NAME_PATTERN: &str = "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$";
pub const NAME_MAX_LENGTH: usize = 63;
/// A two-letter CLDR region code, in either case (normalised to upper case).
pub const REGION_PATTERN: &str = "^[A-Za-z]{2}$";
/// Google's limit on `purchaseOrderId`.
pub const PURCHASE_ORDER_MAX_LENGTH: usize = 80;

fn draft07_root<T: JsonSchema>() -> Value {
    SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value()
}

/// What a `kind: Customer` document may contain, structurally.
pub fn customer_structure() -> Value {
    draft07_root::<CustomerDocument>()
}

/// What a `kind: Defaults` document may contain, structurally.
pub fn defaults_structure() -> Value {
    draft07_root::<DefaultsDocument>()
}

/// The published manifest schema (`schemas/manifest.schema.json`).
pub fn manifest() -> Value {
    let mut generator = SchemaSettings::draft07().into_generator();
    let customer = generator.subschema_for::<CustomerDocument>();
    let defaults = generator.subschema_for::<DefaultsDocument>();
    let mut definitions = Value::Object(generator.take_definitions(true));
    add_rule_hints(&mut definitions, Catalog::builtin());
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "resold manifest",
        "description": "One customer of a Google Workspace reseller (kind: Customer), or values shared by the customers of a directory (kind: Defaults). See docs/design.md \"Manifests\".",
        "type": "object",
        "if": {
            "properties": { "kind": { "const": "Defaults" } },
            "required": ["kind"]
        },
        "then": Schema::to_value(defaults),
        "else": Schema::to_value(customer),
        "definitions": definitions,
    })
}

/// Serialises a schema the way the committed files are written.
pub fn to_pretty_json(schema: &Value) -> String {
    let mut text = serde_json::to_string_pretty(schema).unwrap_or_default();
    text.push('\n');
    text
}

fn add_rule_hints(definitions: &mut Value, catalog: &Catalog) {
    // Numeric aliases are accepted bare (`sku: 1010020028`), so the editor
    // must accept them as numbers too.
    let all_skus: Vec<Value> = catalog
        .names()
        .flat_map(|name| {
            let number = name.parse::<u64>().ok().map(Value::from);
            std::iter::once(Value::from(name)).chain(number)
        })
        .collect();
    let names_where = |keep: &dyn Fn(&crate::catalog::Sku) -> bool| -> Vec<String> {
        catalog
            .all()
            .iter()
            .filter(|sku| keep(sku))
            .flat_map(|sku| std::iter::once(sku.key.clone()).chain(sku.aliases.iter().cloned()))
            .collect()
    };
    let team_skus = names_where(&|sku| sku.allows_type(CustomerType::Team));
    let education_skus = names_where(&|sku| sku.education_only);
    let free_skus = names_where(&|sku| sku.allows_plan(PlanKind::Free));
    let drift_pattern = format!(
        "^({})$|^subscriptions\\.[A-Za-z0-9-]+\\.({})$",
        IGNORABLE_FIELDS.join("|"),
        IGNORABLE_SUBSCRIPTION_FIELDS.join("|")
    );
    let not_annual: Vec<&str> = PlanKind::ALL
        .iter()
        .filter(|plan| !plan.is_commitment())
        .map(|plan| plan.as_str())
        .collect();

    merge(
        definitions,
        "/Metadata/properties/name",
        json!({ "pattern": NAME_PATTERN, "maxLength": NAME_MAX_LENGTH }),
    );
    for pointer in [
        "/AddressSpec/properties/regionCode",
        "/DefaultsSpec/properties/regionCode",
    ] {
        merge(definitions, pointer, json!({ "pattern": REGION_PATTERN }));
    }
    merge(
        definitions,
        "/SubscriptionSpec/properties/sku",
        json!({ "enum": all_skus }),
    );
    merge(
        definitions,
        "/SubscriptionSpec/properties/seats",
        json!({ "minimum": 1, "maximum": MAX_SEATS }),
    );
    for pointer in [
        "/CustomerSpec/properties/purchaseOrderId",
        "/SubscriptionSpec/properties/purchaseOrderId",
        "/DefaultsSpec/properties/purchaseOrderId",
    ] {
        merge(
            definitions,
            pointer,
            json!({ "maxLength": PURCHASE_ORDER_MAX_LENGTH }),
        );
    }
    merge(
        definitions,
        "/CustomerSpec/properties/ignoreDrift",
        json!({ "items": { "type": "string", "pattern": drift_pattern } }),
    );
    merge(
        definitions,
        "/SubscriptionSpec",
        json!({ "allOf": [
            {
                "if": { "properties": { "plan": { "const": "trial" } }, "required": ["plan"] },
                "then": { "properties": { "seats": { "maximum": MAX_TRIAL_SEATS } } }
            },
            {
                "if": { "properties": { "plan": { "enum": not_annual } }, "required": ["plan"] },
                "then": { "properties": { "renewal": false } }
            },
            {
                "if": { "properties": { "plan": { "const": "free" } }, "required": ["plan"] },
                "then": { "properties": { "sku": { "enum": free_skus } } }
            }
        ]}),
    );
    merge(
        definitions,
        "/CustomerSpec",
        json!({ "allOf": [
            {
                "if": { "properties": { "type": { "const": "team" } }, "required": ["type"] },
                "then": { "properties": { "subscriptions": { "items": {
                    "properties": { "sku": { "enum": team_skus } }
                } } } }
            },
            {
                "if": { "not": { "required": ["education"] } },
                "then": { "properties": { "subscriptions": { "items": {
                    "properties": { "sku": { "not": { "enum": education_skus } } }
                } } } }
            }
        ]}),
    );
}

/// Adds `extra`'s keys to the object at `pointer` (a no-op when the type is
/// not there, which the schema tests would catch).
fn merge(root: &mut Value, pointer: &str, extra: Value) {
    if let (Some(Value::Object(target)), Value::Object(extra)) = (root.pointer_mut(pointer), extra)
    {
        target.extend(extra);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_schema_is_draft_07_with_catalogue_skus() {
        let schema = manifest();
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
        let skus = schema
            .pointer("/definitions/SubscriptionSpec/properties/sku/enum")
            .and_then(Value::as_array)
            .unwrap();
        assert!(skus.contains(&json!("business-standard")));
        assert!(skus.contains(&json!("Google-Vault")));
        assert_eq!(
            schema.pointer("/definitions/Metadata/properties/name/pattern"),
            Some(&json!(NAME_PATTERN))
        );
    }

    #[test]
    fn node_lookup_follows_references() {
        use crate::diagnostics::structure::node_at;
        let schema = customer_structure();
        let seats = node_at(&schema, &schema, "/spec/subscriptions/3/seats").unwrap();
        // Optional on free plans, so it may be null as well.
        assert_eq!(seats["type"], serde_json::json!(["integer", "null"]));
        let education = node_at(&schema, &schema, "/spec/education").unwrap();
        assert!(education["properties"].get("instituteType").is_some());
    }
}
