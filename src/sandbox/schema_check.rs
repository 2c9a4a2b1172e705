//! Unknown request fields are rejected as Google's front end does
//! ("Invalid JSON payload received. Unknown name ..."), using the request
//! schemas of the discovery documents compiled into the binary. A misspelt
//! field in a client's request body then fails loudly against the sandbox
//! instead of being silently dropped.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

use super::errors::{ApiError, ApiResult};

const CHANNEL: &str = include_str!("../api/discovery/cloudchannel.v1.json");
const DIRECTORY: &str = include_str!("../api/discovery/admin.directory_v1.json");

/// One discovery document's schemas and each method's request schema.
struct Document {
    schemas: serde_json::Map<String, Value>,
    requests: HashMap<String, String>,
}

/// Method ids of the directory document carry the `directory.` prefix the
/// sandbox uses (discovery says `directory.customers.get`).
fn documents() -> &'static [Document] {
    static DOCUMENTS: OnceLock<Vec<Document>> = OnceLock::new();
    DOCUMENTS.get_or_init(|| {
        [CHANNEL, DIRECTORY]
            .iter()
            .filter_map(|text| serde_json::from_str::<Value>(text).ok())
            .map(|document| {
                let mut requests = HashMap::new();
                collect_requests(&document["resources"], &mut requests);
                Document {
                    schemas: document["schemas"].as_object().cloned().unwrap_or_default(),
                    requests,
                }
            })
            .collect()
    })
}

fn collect_requests(resources: &Value, into: &mut HashMap<String, String>) {
    let Some(resources) = resources.as_object() else {
        return;
    };
    for resource in resources.values() {
        if let Some(methods) = resource["methods"].as_object() {
            for method in methods.values() {
                if let (Some(id), Some(request)) =
                    (method["id"].as_str(), method["request"]["$ref"].as_str())
                {
                    into.insert(id.to_string(), request.to_string());
                }
            }
        }
        collect_requests(&resource["resources"], into);
    }
}

/// Checks `body` (already known to be JSON, or empty) against the request
/// schema of `method_id`, if the discovery documents define one.
pub fn check_request(method_id: &str, body: &[u8]) -> ApiResult<()> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let Some((document, schema)) = documents()
        .iter()
        .find_map(|d| d.requests.get(method_id).map(|s| (d, s)))
    else {
        return Ok(());
    };
    // Malformed JSON is reported by the handler with serde's position.
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Ok(());
    };
    check(document, schema, &value, "")
}

fn check(document: &Document, schema_name: &str, value: &Value, at: &str) -> ApiResult<()> {
    let Some(schema) = document.schemas.get(schema_name) else {
        return Ok(());
    };
    check_value(document, schema, value, at)
}

fn check_value(document: &Document, schema: &Value, value: &Value, at: &str) -> ApiResult<()> {
    if let Some(reference) = schema["$ref"].as_str() {
        return check(document, reference, value, at);
    }
    match (schema["type"].as_str(), value) {
        (Some("object"), Value::Object(fields)) => {
            let Some(properties) = schema["properties"].as_object() else {
                return Ok(());
            };
            for (key, field_value) in fields {
                let known = properties
                    .get(key)
                    .or_else(|| properties.get(&super::query::camel_case(key)));
                let Some(field_schema) = known else {
                    let place = if at.is_empty() {
                        String::new()
                    } else {
                        format!(" at '{at}'")
                    };
                    return Err(ApiError::invalid_argument(format!(
                        "Invalid JSON payload received. Unknown name \"{key}\"{place}: Cannot find field."
                    )));
                };
                let path = if at.is_empty() {
                    key.clone()
                } else {
                    format!("{at}.{key}")
                };
                check_value(document, field_schema, field_value, &path)?;
            }
            Ok(())
        }
        (Some("array"), Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                check_value(document, &schema["items"], item, &format!("{at}[{index}]"))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREATE: &str = "cloudchannel.accounts.customers.entitlements.create";

    #[test]
    fn misspelt_fields_are_refused_with_their_path() {
        let body = br#"{"requestId":"x","entitlement":{"offer":"o","parameters":[{"name":"n","valeu":{}}]}}"#;
        let error = check_request(CREATE, body).unwrap_err();
        assert!(
            error
                .status
                .message
                .contains("\"valeu\" at 'entitlement.parameters[0]'"),
            "{}",
            error.status.message
        );
        let proto_names =
            br#"{"request_id":"x","entitlement":{"offer":"o","purchase_order_id":"p"}}"#;
        assert!(check_request(CREATE, proto_names).is_ok());
        let directory = br#"{"postalAddress":{"countryCode":"SE","colour":"red"}}"#;
        assert!(check_request("directory.customers.patch", directory).is_err());
        assert!(check_request("sandbox.customers.acceptTos", b"{\"x\":1}").is_ok());
    }
}
