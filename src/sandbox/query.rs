//! Query strings and JSON bodies as Google's front end reads them: standard
//! parameters (`alt`, `fields`, `prettyPrint`, ...) are accepted and ignored,
//! malformed JSON is a 400 with Google's wording.

use serde::de::DeserializeOwned;

use super::errors::{ApiError, ApiResult};

/// Parameters every Google API accepts (discovery `parameters`).
const STANDARD: &[&str] = &[
    "alt",
    "fields",
    "prettyPrint",
    "quotaUser",
    "key",
    "oauth_token",
    "upload_protocol",
    "uploadType",
    "callback",
    "access_token",
    "$.xgafv",
];

pub fn is_standard(key: &str) -> bool {
    STANDARD.contains(&key)
}

/// The decoded query string, in order.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub fn parse(raw: Option<&str>) -> Query {
        Query::from_pairs(
            url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned(),
        )
    }

    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Query {
        Query {
            pairs: pairs.into_iter().collect(),
        }
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// Reads a JSON request body into `T`; an empty body is `T::default()` (the
/// client libraries send `{}` or nothing for bodies with only optional fields).
pub fn body<T: DeserializeOwned + Default>(bytes: &[u8]) -> ApiResult<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    let mut value: serde_json::Value = serde_json::from_slice(bytes).map_err(|error| {
        ApiError::invalid_argument(format!("Invalid JSON payload received. {error}"))
    })?;
    if !value.is_object() {
        return Err(ApiError::invalid_argument(
            "Invalid JSON payload received. Expected an object.",
        ));
    }
    camel_case_keys(&mut value);
    serde_json::from_value(value).map_err(|error| {
        ApiError::invalid_argument(format!("Invalid JSON payload received. {error}"))
    })
}

/// Google accepts proto field names (`request_id`) as well as JSON names
/// (`requestId`); the wire types know only the latter.
fn camel_case_keys(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(fields) => {
            let renamed: Vec<(String, serde_json::Value)> = std::mem::take(fields)
                .into_iter()
                .map(|(key, mut field)| {
                    camel_case_keys(&mut field);
                    (camel_case(&key), field)
                })
                .collect();
            fields.extend(renamed);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(camel_case_keys),
        _ => {}
    }
}

pub fn camel_case(key: &str) -> String {
    if !key.contains('_') || key.starts_with('@') {
        return key.to_string();
    }
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.push(c.to_ascii_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::channel::CreateEntitlementRequest;

    #[test]
    fn malformed_and_non_object_bodies_are_invalid_argument() {
        assert!(body::<CreateEntitlementRequest>(b"{not json").is_err());
        assert!(body::<CreateEntitlementRequest>(b"[1]").is_err());
        assert!(body::<CreateEntitlementRequest>(b"{\"requestId\": 5}").is_err());
        assert_eq!(
            body::<CreateEntitlementRequest>(b"").unwrap(),
            CreateEntitlementRequest::default()
        );
    }

    #[test]
    fn proto_field_names_are_accepted() {
        let request: CreateEntitlementRequest =
            body(br#"{"request_id":"r","entitlement":{"purchase_order_id":"p"}}"#).unwrap();
        assert_eq!(request.request_id, "r");
        assert_eq!(request.entitlement.unwrap().purchase_order_id, "p");
    }

    #[test]
    fn the_first_of_repeated_parameters_wins() {
        let query = Query::parse(Some("alt=json&a=1&a=2&b=x%20y"));
        assert_eq!(query.get("a"), Some("1"));
        assert_eq!(query.get("b"), Some("x y"));
    }
}
