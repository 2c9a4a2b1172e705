//! Validates every request body the client sends against the request schema
//! of its method in Google's discovery documents, turned into JSON Schema
//! with `additionalProperties: false` (a misspelled field fails) and
//! output-only fields forbidden (Google rejects echoed read-only fields).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use resold::provider::{RecordedRequest, RequestRecorder};
use serde_json::{Map, Value, json};

const CHANNEL: &str = include_str!("../../src/api/discovery/cloudchannel.v1.json");
const DIRECTORY: &str = include_str!("../../src/api/discovery/admin.directory_v1.json");

/// One discovery document: method id → request schema name, and the schemas.
struct Document {
    requests: HashMap<String, Option<String>>,
    definitions: Map<String, Value>,
}

fn collect_methods(resource: &Value, out: &mut HashMap<String, Option<String>>) {
    if let Some(methods) = resource.get("methods").and_then(Value::as_object) {
        for method in methods.values() {
            let id = method["id"].as_str().unwrap_or_default().to_string();
            let request = method
                .pointer("/request/$ref")
                .and_then(Value::as_str)
                .map(str::to_string);
            out.insert(id, request);
        }
    }
    if let Some(resources) = resource.get("resources").and_then(Value::as_object) {
        for child in resources.values() {
            collect_methods(child, out);
        }
    }
}

/// A discovery property as JSON Schema.
fn convert(property: &Value) -> Value {
    if property.get("readOnly").and_then(Value::as_bool) == Some(true) {
        return Value::Bool(false);
    }
    if let Some(reference) = property.get("$ref").and_then(Value::as_str) {
        return json!({"$ref": format!("#/definitions/{reference}")});
    }
    match property.get("type").and_then(Value::as_str) {
        Some("object") => convert_object(property),
        Some("array") => json!({"type": "array", "items": convert(&property["items"])}),
        Some("string") => match property.get("enum") {
            Some(values) => json!({"type": "string", "enum": values}),
            None => json!({"type": "string"}),
        },
        Some(kind @ ("integer" | "number" | "boolean")) => json!({ "type": kind }),
        _ => json!({}),
    }
}

fn convert_object(schema: &Value) -> Value {
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        let converted: Map<String, Value> = properties
            .iter()
            .map(|(name, property)| (name.clone(), convert(property)))
            .collect();
        return json!({"type": "object", "properties": converted, "additionalProperties": false});
    }
    match schema.get("additionalProperties") {
        Some(values) => json!({"type": "object", "additionalProperties": convert(values)}),
        None => json!({"type": "object"}),
    }
}

impl Document {
    fn parse(text: &str) -> Document {
        let doc: Value = serde_json::from_str(text).unwrap();
        let mut requests = HashMap::new();
        collect_methods(&doc, &mut requests);
        let definitions = doc["schemas"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, schema)| (name.clone(), convert_object(schema)))
            .collect();
        Document {
            requests,
            definitions,
        }
    }

    fn schema_for(&self, request: &str) -> Value {
        json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "$ref": format!("#/definitions/{request}"),
            "definitions": self.definitions,
        })
    }
}

/// A [`RequestRecorder`] that checks each body as it goes out and keeps
/// every request for later assertions.
pub struct SchemaRecorder {
    documents: Vec<Document>,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
    requests: Mutex<Vec<RecordedRequest>>,
    violations: Mutex<Vec<String>>,
}

impl SchemaRecorder {
    pub fn new() -> Arc<SchemaRecorder> {
        Arc::new(SchemaRecorder {
            documents: vec![Document::parse(CHANNEL), Document::parse(DIRECTORY)],
            validators: Mutex::new(HashMap::new()),
            requests: Mutex::new(Vec::new()),
            violations: Mutex::new(Vec::new()),
        })
    }

    /// Every request seen so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests.lock().unwrap().clone()
    }

    /// The requests of one API method, in the order they were sent.
    pub fn requests_of(&self, method_id: &str) -> Vec<RecordedRequest> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.method_id == method_id)
            .cloned()
            .collect()
    }

    pub fn count(&self, method_id: &str) -> usize {
        self.requests_of(method_id).len()
    }

    /// Panics with every schema violation seen; also proves bodies were checked.
    pub fn assert_all_valid(&self) {
        let violations = self.violations.lock().unwrap();
        assert!(
            violations.is_empty(),
            "request bodies off-schema:\n{}",
            violations.join("\n")
        );
    }

    /// Checks one body against its method's request schema.
    pub fn check(&self, method_id: &str, body: Option<&Value>) -> Result<(), String> {
        let Some(document) = self
            .documents
            .iter()
            .find(|d| d.requests.contains_key(method_id))
        else {
            return Err(format!(
                "{method_id}: not a method of the discovery documents"
            ));
        };
        let request = document.requests.get(method_id).cloned().flatten();
        let (request, body) = match (request, body) {
            (None, None) => return Ok(()),
            (None, Some(_)) => return Err(format!("{method_id}: sends a body but takes none")),
            (Some(request), None) => return Err(format!("{method_id}: needs a {request} body")),
            (Some(request), Some(body)) => (request, body),
        };
        let validator = {
            let mut cache = self.validators.lock().unwrap();
            cache
                .entry(request.clone())
                .or_insert_with(|| {
                    Arc::new(jsonschema::validator_for(&document.schema_for(&request)).unwrap())
                })
                .clone()
        };
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("{method_id} ({request}) at {}: {e}", e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }
}

/// A recorder nobody asserts on still fails the test that owned it.
impl Drop for SchemaRecorder {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let violations = self
            .violations
            .get_mut()
            .map(std::mem::take)
            .unwrap_or_default();
        assert!(
            violations.is_empty(),
            "request bodies off-schema:\n{}",
            violations.join("\n")
        );
    }
}

impl RequestRecorder for SchemaRecorder {
    fn record(&self, request: &RecordedRequest) {
        if let Err(violation) = self.check(request.method_id, request.body.as_ref()) {
            self.violations.lock().unwrap().push(violation);
        }
        self.requests.lock().unwrap().push(request.clone());
    }
}

#[test]
fn a_misspelled_or_output_only_field_fails_validation() {
    let recorder = SchemaRecorder::new();
    let good = json!({"requestId": "6f1c2d3e-4b5a-4c7d-9e8f-0a1b2c3d4e5f",
        "entitlement": {"offer": "accounts/A/offers/O",
            "parameters": [{"name": "num_units", "value": {"int64Value": "25"}}]}});
    recorder
        .check(
            "cloudchannel.accounts.customers.entitlements.create",
            Some(&good),
        )
        .unwrap();
    let misspelled = json!({"requestId": "x", "entitlement": {"ofer": "accounts/A/offers/O"}});
    let error = recorder
        .check(
            "cloudchannel.accounts.customers.entitlements.create",
            Some(&misspelled),
        )
        .unwrap_err();
    assert!(error.contains("ofer"), "{error}");
    let output_only = json!({"orgDisplayName": "Acme", "cloudIdentityId": "C123"});
    assert!(
        recorder
            .check("cloudchannel.accounts.customers.create", Some(&output_only))
            .is_err()
    );
    let wrong_enum = json!({"cloudIdentityInfo": {"customerType": "FAMILY"}});
    assert!(
        recorder
            .check(
                "cloudchannel.accounts.customers.provisionCloudIdentity",
                Some(&wrong_enum)
            )
            .is_err()
    );
    assert!(
        recorder
            .check("cloudchannel.accounts.customers.get", Some(&good))
            .is_err()
    );
    assert!(recorder.check("directory.customers.get", None).is_ok());
    let directory = json!({"phoneNumber": "+4681234567", "postalAddress": {"countryCode": "SE"}});
    recorder
        .check("directory.customers.patch", Some(&directory))
        .unwrap();
}
