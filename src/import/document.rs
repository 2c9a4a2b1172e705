//! An imported customer as manifest text: the model turned back into the
//! file format, minus what the directory's Defaults already say, with the
//! comments a reviewer needs (where each value came from, what was left out).

use crate::manifest::spec::{
    AddressSpec, AdminSpec, ApiVersion, CustomerDocument, CustomerKind, CustomerSpec,
    DefaultsDocument, DefaultsKind, DefaultsMetadata, EducationSpec, Metadata, SubscriptionSpec,
};
use crate::manifest::write::{self, Comments};
use crate::model::{Customer, CustomerType, PlanKind, SubscriptionState};

use super::customer::Built;
use super::shared::Shared;

/// `value` unless the Defaults give the same.
fn unless_shared(value: &Option<String>, shared: &Option<String>) -> Option<String> {
    match (value, shared) {
        (Some(own), Some(default)) if own == default => None,
        _ => value.clone(),
    }
}

pub fn customer_document(customer: &Customer, shared: &Shared) -> CustomerDocument {
    let domain = customer.customer_type == CustomerType::Domain;
    let region = &customer.address.region_code;
    CustomerDocument {
        api_version: ApiVersion::V1,
        kind: CustomerKind::Customer,
        metadata: Metadata {
            name: customer.name.clone(),
            labels: customer.labels.clone(),
        },
        spec: CustomerSpec {
            customer_type: customer.customer_type,
            organization: customer.organization.clone(),
            domain: customer.domain.clone(),
            cloud_identity_id: customer.cloud_identity_id.clone(),
            correlation_id: customer.correlation_id.clone(),
            education: customer.education.as_ref().map(|e| EducationSpec {
                institute_type: e.institute_type,
                institute_size: e.institute_size,
                website: e.website.clone(),
            }),
            address: AddressSpec {
                lines: customer.address.lines.clone(),
                locality: customer.address.locality.clone(),
                administrative_area: customer.address.administrative_area.clone(),
                postal_code: customer.address.postal_code.clone(),
                region_code: if shared.region_code.as_ref() == Some(region) {
                    String::new()
                } else {
                    region.clone()
                },
            },
            phone: unless_shared(&customer.phone, &shared.phone),
            language: unless_shared(&customer.language, &shared.language),
            admin: AdminSpec {
                email: customer.admin.email.clone(),
                given_name: customer.admin.given_name.clone(),
                family_name: customer.admin.family_name.clone(),
            },
            alternate_email: if domain {
                unless_shared(&customer.alternate_email, &shared.alternate_email)
            } else {
                customer.alternate_email.clone()
            },
            purchase_order_id: customer.purchase_order_id.clone(),
            subscriptions: customer
                .subscriptions
                .iter()
                .map(|s| SubscriptionSpec {
                    sku: s.sku.clone(),
                    plan: s.plan,
                    seats: (!(s.plan == PlanKind::Free && s.seats == 0))
                        .then_some(u64::from(s.seats)),
                    renewal: s.renewal.filter(|_| s.plan.is_commitment()),
                    state: (s.state == SubscriptionState::Suspended).then_some(s.state),
                    purchase_order_id: s.purchase_order_id.clone(),
                })
                .collect(),
            ignore_drift: customer.ignore_drift.iter().cloned().collect(),
            protect: Some(customer.protect),
        },
    }
}

/// The manifest text of one imported customer.
pub fn customer_text(built: &Built, channel_name: &str, shared: &Shared, schema: &str) -> String {
    let customer = &built.customer;
    let mut comments = Comments::default();
    comments.header.push(format!(
        "Adopted by `resold import` from Channel customer {channel_name}."
    ));
    if !built.left_out.is_empty() {
        comments
            .header
            .push("Not in this manifest, and left as they are at Google:".to_string());
        for line in &built.left_out {
            comments.header.push(format!("- {line}"));
        }
    }
    comments.inline("/metadata/name", "the stable key in plans and state");
    let (unicode, _) = idna::domain_to_unicode(&customer.domain);
    if unicode != customer.domain {
        comments.inline("/spec/domain", unicode);
    }
    comments.inline(
        "/spec/cloudIdentityId",
        "the existing Google account (Add a Google Workspace customer, step 9)",
    );
    comments.inline(
        "/spec/correlationId",
        "Channel's correlationId, as another tool set it",
    );
    comments.inline(
        "/spec/admin",
        "Channel primaryContactInfo: the super admin made at provisioning is not readable through Channel",
    );
    if customer.ignore_drift.is_empty() {
        comments.inline("/spec/protect", "no cancellations or seat decreases");
    } else {
        comments.inline(
            "/spec/ignoreDrift",
            "values a manifest cannot hold; Google's are kept",
        );
    }
    for (index, comment) in built.subscription_comments.iter().enumerate() {
        if let Some(comment) = comment {
            comments.inline(&format!("/spec/subscriptions/{index}/sku"), comment.clone());
        }
    }
    write::customer_manifest(schema, &customer_document(customer, shared), &comments)
}

/// The `kind: Defaults` file of an import.
pub fn defaults_text(shared: &Shared, schema: &str) -> String {
    let doc = DefaultsDocument {
        api_version: ApiVersion::V1,
        kind: DefaultsKind::Defaults,
        metadata: Some(DefaultsMetadata {
            name: Some("imported".to_string()),
            labels: Default::default(),
        }),
        spec: shared.to_spec(),
    };
    let mut comments = Comments::default();
    comments.header.push(
        "Values most imported customers share, written by `resold import`; they apply to".into(),
    );
    comments.header.push(
        "every manifest in this directory and below, and a customer's own value wins.".into(),
    );
    comments.inline(
        "/spec/alternateEmail",
        "domain customers only (Add a Google Workspace customer, step 11)",
    );
    write::defaults_manifest(schema, &doc, &comments)
}
