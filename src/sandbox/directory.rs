//! Admin SDK Directory `customers` get/patch/update and `domains.get`: the
//! customer's own Admin console profile, readable by the reseller only after
//! the customer grants access (Add a Google Workspace customer, step 16), in the Directory's older error shape.

use serde_json::{Map, Value};

use super::context::Ctx;
use super::customers::to_json;
use super::errors::{ApiError, ApiResult};
use super::world::{Identity, Owner, World, stable_hash};
use crate::api::Code;
use crate::api::directory::{DirectoryCustomer, DirectoryDomain};
use crate::model::{email_domain, is_same_or_subdomain};

/// Fields the Directory API computes itself.
const READ_ONLY: &[&str] = &["id", "kind", "etag", "customerCreationTime"];

fn accessible<'a>(world: &'a World, key: &str) -> ApiResult<&'a Identity> {
    let identity = world.identities.get(key).ok_or_else(|| {
        ApiError::directory(
            Code::NotFound,
            "notFound",
            "Resource Not Found: customerKey",
        )
    })?;
    let ours = matches!(identity.owner, Owner::Ours { .. });
    if !ours || !identity.reseller_access {
        return Err(ApiError::directory(
            Code::PermissionDenied,
            "forbidden",
            "Not Authorized to access this resource/api",
        ));
    }
    if identity.api_access_disabled {
        return Err(ApiError::directory(
            Code::PermissionDenied,
            "domainCannotUseApis",
            "Domain cannot use apis.",
        ));
    }
    Ok(identity)
}

/// The view with its etag, which changes whenever the content does.
fn with_etag(customer: &DirectoryCustomer) -> DirectoryCustomer {
    let mut view = customer.clone();
    view.etag = String::new();
    let text = serde_json::to_string(&view).unwrap_or_default();
    view.etag = format!("\"{:016x}\"", stable_hash(&text));
    view
}

pub fn get(world: &World, key: &str) -> ApiResult<Value> {
    to_json(&with_etag(&accessible(world, key)?.directory))
}

pub fn domain(world: &World, key: &str, domain: &str) -> ApiResult<Value> {
    let identity = accessible(world, key)?;
    if !identity.domain.eq_ignore_ascii_case(domain) {
        return Err(ApiError::directory(
            Code::NotFound,
            "notFound",
            "Resource Not Found: domainName",
        ));
    }
    to_json(&DirectoryDomain {
        domain_name: identity.domain.clone(),
        verified: identity.domain_verified,
        is_primary: true,
        kind: "admin#directory#domain".to_string(),
    })
}

/// PATCH merges the fields sent; PUT (`replace`) replaces every writable field.
pub fn patch(world: &mut World, ctx: &Ctx, key: &str, replace: bool) -> ApiResult<Value> {
    let current = accessible(world, key)?.directory.clone();
    let updated = merged(&current, ctx.body, replace)?;
    if let Some(identity) = world.identities.get_mut(key) {
        identity.directory = updated.clone();
    }
    to_json(&with_etag(&updated))
}

/// Applies a Directory `Customer` JSON body to `current`, checking it as the
/// Directory API does (the alternate email may not be on the customer's domain).
pub fn merged(
    current: &DirectoryCustomer,
    body: &[u8],
    replace: bool,
) -> ApiResult<DirectoryCustomer> {
    let invalid = |message: String| ApiError::directory(Code::InvalidArgument, "invalid", message);
    let patch: Map<String, Value> = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map,
        Ok(_) => {
            return Err(invalid(
                "Invalid JSON payload received. Expected an object.".into(),
            ));
        }
        Err(error) => return Err(invalid(format!("Invalid JSON payload received. {error}"))),
    };
    let Value::Object(mut base) = to_json(current)? else {
        return Err(ApiError::new(
            Code::Internal,
            "directory view is not an object",
        ));
    };
    if replace {
        base.retain(|key, _| READ_ONLY.contains(&key.as_str()));
    }
    for (key, value) in patch {
        if READ_ONLY.contains(&key.as_str()) {
            continue;
        }
        match (base.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(fields)) if !replace => {
                existing.extend(fields);
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
    let updated: DirectoryCustomer = serde_json::from_value(Value::Object(base))
        .map_err(|error| invalid(format!("Invalid value in the customer resource: {error}")))?;
    if !updated.alternate_email.is_empty()
        && is_same_or_subdomain(
            &email_domain(&updated.alternate_email).to_lowercase(),
            &updated.customer_domain.to_lowercase(),
        )
    {
        return Err(invalid(format!(
            "alternateEmail {} may not be on the customer's domain {}.",
            updated.alternate_email, updated.customer_domain
        )));
    }
    if updated
        .postal_address
        .as_ref()
        .is_some_and(|a| a.country_code.is_empty())
    {
        return Err(invalid(
            "postalAddress.countryCode is required.".to_string(),
        ));
    }
    Ok(updated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::directory::DirectoryPostalAddress;

    fn view() -> DirectoryCustomer {
        DirectoryCustomer {
            customer_domain: "acme.se".into(),
            alternate_email: "it@acme-mail.se".into(),
            language: "sv".into(),
            postal_address: Some(DirectoryPostalAddress {
                organization_name: "Acme".into(),
                locality: "Umeå".into(),
                country_code: "SE".into(),
                ..DirectoryPostalAddress::default()
            }),
            ..DirectoryCustomer::default()
        }
    }

    #[test]
    fn patch_merges_and_put_replaces() {
        let patched = merged(
            &view(),
            r#"{"postalAddress":{"locality":"Luleå"},"etag":"x"}"#.as_bytes(),
            false,
        )
        .unwrap();
        let address = patched.postal_address.unwrap();
        assert_eq!(
            (address.locality.as_str(), address.country_code.as_str()),
            ("Luleå", "SE")
        );
        assert_eq!(patched.language, "sv");
        let replaced = merged(
            &view(),
            br#"{"customerDomain":"acme.se","language":"en"}"#,
            true,
        )
        .unwrap();
        assert_eq!(replaced.alternate_email, "");
        assert!(replaced.postal_address.is_none());
    }

    #[test]
    fn alternate_email_on_the_domain_is_invalid() {
        let error =
            merged(&view(), br#"{"alternateEmail":"boss@sub.acme.se"}"#, false).unwrap_err();
        assert_eq!(error.body().legacy_reason(), Some("invalid"));
        assert!(merged(&view(), b"{nope", false).is_err());
    }
}
