//! Request bodies read as Google's front end reads them, using the request
//! schemas of the discovery documents compiled into the binary: unknown
//! fields are rejected ("Invalid JSON payload received. Unknown name ..."),
//! so a misspelt field fails loudly instead of being silently dropped; and
//! the proto3 JSON mapping is honoured — int64 fields (which travel as
//! strings) also accept numbers, int32 fields also accept strings, enums
//! also accept their numbers, and `null` stands for a field's default value
//! — so handlers see one shape.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::body::Bytes;
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

/// Checks `body` against the request schema of `method_id`, if the
/// discovery documents define one, and returns it in canonical form.
pub fn normalize_request(method_id: &str, body: Bytes) -> ApiResult<Bytes> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(body);
    }
    let Some((document, schema)) = documents()
        .iter()
        .find_map(|d| d.requests.get(method_id).map(|s| (d, s)))
    else {
        return Ok(body);
    };
    // Malformed JSON is reported by the handler with serde's position.
    let Ok(mut value) = serde_json::from_slice::<Value>(&body) else {
        return Ok(body);
    };
    normalize(document, schema, &mut value, "")?;
    serde_json::to_vec(&value)
        .map(Bytes::from)
        .map_err(|e| ApiError::new(crate::api::Code::Internal, e.to_string()))
}

fn normalize(document: &Document, schema_name: &str, value: &mut Value, at: &str) -> ApiResult<()> {
    let Some(schema) = document.schemas.get(schema_name) else {
        return Ok(());
    };
    normalize_value(document, schema, value, at)
}

fn normalize_value(
    document: &Document,
    schema: &Value,
    value: &mut Value,
    at: &str,
) -> ApiResult<()> {
    if let Some(reference) = schema["$ref"].as_str() {
        return normalize(document, reference, value, at);
    }
    match (schema["type"].as_str(), value) {
        (Some("object"), Value::Object(fields)) => {
            // proto3 JSON: a null field is the field's default, i.e. absent.
            fields.retain(|_, field| !field.is_null());
            let Some(properties) = schema["properties"].as_object() else {
                return Ok(());
            };
            for (key, field_value) in fields.iter_mut() {
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
                normalize_value(document, field_schema, field_value, &path)?;
            }
            Ok(())
        }
        (Some("array"), Value::Array(items)) => {
            for (index, item) in items.iter_mut().enumerate() {
                normalize_value(document, &schema["items"], item, &format!("{at}[{index}]"))?;
            }
            Ok(())
        }
        (Some("string"), value @ Value::Number(_))
            if matches!(schema["format"].as_str(), Some("int64" | "uint64")) =>
        {
            let number = value.to_string();
            if number.contains(['.', 'e', 'E']) {
                return Err(not_an_integer(at, &number));
            }
            *value = Value::String(number);
            Ok(())
        }
        // proto3 JSON: an enum may also be sent as its number (the discovery
        // document lists values in proto order, *_UNSPECIFIED = 0 first).
        (Some("string"), value @ Value::Number(_)) if schema["enum"].is_array() => {
            let names = schema["enum"].as_array().cloned().unwrap_or_default();
            let name = value
                .as_u64()
                .and_then(|n| names.get(usize::try_from(n).ok()?))
                .cloned()
                .ok_or_else(|| {
                    ApiError::invalid_argument(format!(
                        "Invalid value at '{at}' ({value}): not one of the enum's values."
                    ))
                })?;
            *value = name;
            Ok(())
        }
        (Some("integer"), value @ Value::String(_)) => {
            let text = value.as_str().unwrap_or_default().to_string();
            let number: i64 = text.trim().parse().map_err(|_| not_an_integer(at, &text))?;
            *value = Value::from(number);
            Ok(())
        }
        _ => Ok(()),
    }
}

fn not_an_integer(at: &str, text: &str) -> ApiError {
    ApiError::invalid_argument(format!("Invalid value at '{at}' ({text}): not an integer."))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREATE: &str = "cloudchannel.accounts.customers.entitlements.create";

    fn check_request(method: &str, body: &[u8]) -> ApiResult<Value> {
        normalize_request(method, Bytes::copy_from_slice(body))
            .map(|bytes| serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

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

    #[test]
    fn int64_numbers_int32_strings_and_nulls_follow_the_proto3_json_mapping() {
        let body = br#"{"requestId":null,"entitlement":{"offer":"o","purchaseOrderId":null,
            "parameters":[{"name":"num_units","value":{"int64Value":5}}],
            "commitmentSettings":{"renewalSettings":{"paymentCycle":{"duration":"1","periodType":"YEAR"}}}}}"#;
        let normal = check_request(CREATE, body).unwrap();
        assert_eq!(
            normal["entitlement"]["parameters"][0]["value"]["int64Value"],
            "5"
        );
        assert_eq!(
            normal["entitlement"]["commitmentSettings"]["renewalSettings"]["paymentCycle"]["duration"],
            1
        );
        assert!(normal.get("requestId").is_none());
        assert!(normal["entitlement"].get("purchaseOrderId").is_none());
        let by_number = br#"{"entitlement":{"commitmentSettings":{"renewalSettings":{"paymentPlan":2,"paymentCycle":{"periodType":3}}}}}"#;
        let renewal = &check_request(CREATE, by_number).unwrap()["entitlement"]["commitmentSettings"]
            ["renewalSettings"];
        assert_eq!(renewal["paymentPlan"], "FLEXIBLE");
        assert_eq!(renewal["paymentCycle"]["periodType"], "YEAR");
        let out_of_range =
            br#"{"entitlement":{"commitmentSettings":{"renewalSettings":{"paymentPlan":99}}}}"#;
        assert!(check_request(CREATE, out_of_range).is_err());
        let fraction = br#"{"entitlement":{"parameters":[{"value":{"int64Value":2.5}}]}}"#;
        assert!(check_request(CREATE, fraction).is_err());
    }
}
