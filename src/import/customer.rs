//! One Channel customer as a desired `model::Customer`: the values the
//! manifest will hold, what stays out of it (and why), and the comments
//! the manifest carries about both. The values are the normalised ones the
//! planner compares, so a written manifest reads back as what it saw.

use crate::account::{AccountEntitlement, CustomerDetails, ListedCustomer, OfferPlan};
use crate::api::channel::suspension_reason;
use crate::catalog::Catalog;
use crate::model::{self, Customer, PlanKind, Renewal, Subscription, SubscriptionState};
use crate::observed::{AdminConsole, CustomerView};

use super::report::{Note, NoteKind};

/// A customer ready to be written, or why it cannot be.
pub struct Built {
    pub customer: Customer,
    pub notes: Vec<Note>,
    /// Inline comments per subscription (same order as `customer.subscriptions`).
    pub subscription_comments: Vec<Option<String>>,
    /// Header lines: entitlements left out, values kept as they are.
    pub left_out: Vec<String>,
}

/// Why a customer cannot become a manifest at all.
pub struct Refused {
    pub notes: Vec<Note>,
}

pub fn build(
    listed: &ListedCustomer,
    details: &CustomerDetails,
    name: &str,
) -> Result<Built, Refused> {
    let observed = &details.observed;
    let view = &observed.channel;
    let refuse = |kind, subject: &str, message: String| Refused {
        notes: vec![Note::new(kind, subject, message)],
    };
    let Some(customer_type) = observed.customer_type else {
        return Err(refuse(
            NoteKind::NotProvisioned,
            "cloudIdentityId",
            "the Channel customer has no Cloud Identity account; a plan would provision one, which is not adoption: provision it in the Partner Sales Console or write its manifest by hand".into(),
        ));
    };
    let (Some(address), Some(admin), Some(domain)) = (
        view.address.clone(),
        view.admin.clone(),
        view.domain.clone(),
    ) else {
        return Err(refuse(
            NoteKind::Incomplete,
            "primaryContactInfo",
            "Channel has no postal address, primary contact or domain for it; a manifest needs all three".into(),
        ));
    };
    let mut notes = Vec::new();
    let mut left_out = Vec::new();
    let mut ignore_drift = std::collections::BTreeSet::new();
    let mut keep_if_normal = |field: &str,
                              value: &Option<String>,
                              normalize: fn(&str) -> Result<String, model::NormalizeError>|
     -> Option<String> {
        let raw = value.as_ref()?;
        match normalize(raw) {
            Ok(normal) => Some(normal),
            Err(error) => {
                let message =
                    format!("{error}; Google's value is kept as it is and plans ignore the field");
                left_out.push(format!(
                    "{field}: {raw:?} is not written ({error}); ignoreDrift keeps Google's value"
                ));
                notes.push(Note::new(NoteKind::KeptAsIs, field, message));
                ignore_drift.insert(field.to_string());
                None
            }
        }
    };
    let phone = keep_if_normal("phone", &view.phone, model::normalize_phone);
    let language = keep_if_normal("language", &view.language, model::normalize_language);
    if let AdminConsole::Available { view: console } = &observed.admin_console {
        notes.extend(console_differences(view, console));
    }
    let (subscriptions, subscription_comments, mut entitlement_notes, mut entitlements_left_out) =
        subscriptions(&details.entitlements);
    notes.append(&mut entitlement_notes);
    left_out.append(&mut entitlements_left_out);
    let customer = Customer {
        name: name.to_string(),
        labels: Default::default(),
        customer_type,
        organization: view
            .organization
            .clone()
            .unwrap_or_else(|| listed.organization.clone()),
        domain,
        cloud_identity_id: observed.cloud_identity_id.clone(),
        correlation_id: listed.correlation_id.clone().filter(|id| id != name),
        education: observed.education.clone(),
        address,
        phone,
        language,
        admin,
        alternate_email: view.alternate_email.clone(),
        purchase_order_id: None,
        subscriptions,
        ignore_drift,
        protect: true,
    };
    Ok(Built {
        customer,
        notes,
        subscription_comments,
        left_out,
    })
}

/// Fields where the customer's Admin console shows something else than
/// Channel (Add a Google Workspace customer, step 14): the manifest takes Channel's, plans show the rest.
fn console_differences(channel: &CustomerView, console: &CustomerView) -> Vec<Note> {
    let mut notes = Vec::new();
    let mut compare = |field: &str, a: Option<String>, b: Option<String>| {
        if b.is_some() && a != b {
            notes.push(Note::new(
                NoteKind::AdminConsoleDiffers,
                field,
                format!(
                    "the Admin console shows {} where Channel has {}",
                    b.as_deref().unwrap_or("nothing"),
                    a.as_deref().unwrap_or("nothing")
                ),
            ));
        }
    };
    compare(
        "organization",
        channel.organization.clone(),
        console.organization.clone(),
    );
    compare("phone", channel.phone.clone(), console.phone.clone());
    compare(
        "language",
        channel.language.clone(),
        console.language.clone(),
    );
    compare(
        "alternateEmail",
        channel.alternate_email.clone(),
        console.alternate_email.clone(),
    );
    let address = |v: &CustomerView| {
        v.address.as_ref().map(|a| {
            format!(
                "{}, {} {}, {}",
                a.lines.join(", "),
                a.postal_code,
                a.locality,
                a.region_code
            )
        })
    };
    compare("address", address(channel), address(console));
    notes
}

type SubscriptionParts = (
    Vec<Subscription>,
    Vec<Option<String>>,
    Vec<Note>,
    Vec<String>,
);

/// The entitlements a manifest can list, with their comments; the others
/// as notes and header lines.
fn subscriptions(entitlements: &[AccountEntitlement]) -> SubscriptionParts {
    let catalog = Catalog::builtin();
    let mut kept: Vec<(Subscription, Option<String>, &AccountEntitlement)> = Vec::new();
    let mut notes = Vec::new();
    let mut left_out = Vec::new();
    let leave_out = |notes: &mut Vec<Note>,
                     left_out: &mut Vec<String>,
                     entitlement: &AccountEntitlement,
                     kind: NoteKind,
                     why: String| {
        let what = entitlement
            .sku_display
            .clone()
            .or_else(|| entitlement.sku.clone())
            .or_else(|| {
                entitlement
                    .google_sku
                    .as_ref()
                    .map(|id| format!("SKU {id}"))
            })
            .unwrap_or_else(|| "an unknown SKU".to_string());
        let seats = entitlement
            .subscription
            .seats
            .map(|n| format!(", {n} seats"))
            .unwrap_or_default();
        left_out.push(format!(
            "not managed: {what} ({}{seats}): {why}",
            entitlement.subscription.entitlement_name
        ));
        notes.push(Note::new(
            kind,
            entitlement.subscription.entitlement_name.clone(),
            format!("{what}: {why}"),
        ));
    };
    for entitlement in entitlements {
        let observed = &entitlement.subscription;
        let Some(sku) = entitlement.sku.clone() else {
            leave_out(
                &mut notes,
                &mut left_out,
                entitlement,
                NoteKind::UnknownSku,
                "the SKU is not in resold's catalogue".into(),
            );
            continue;
        };
        let plan = match &entitlement.offer_plan {
            OfferPlan::Manifest(plan) => *plan,
            OfferPlan::Offline => {
                leave_out(
                    &mut notes,
                    &mut left_out,
                    entitlement,
                    NoteKind::OfflinePlan,
                    "its plan is OFFLINE: price and ordering not available through the API".into(),
                );
                continue;
            }
            OfferPlan::Unknown(plan) => {
                let why = if plan.is_empty() {
                    "its offer is not in the account's offers and could not be looked up"
                        .to_string()
                } else {
                    format!("its offer has the payment plan {plan}, which resold does not know")
                };
                leave_out(
                    &mut notes,
                    &mut left_out,
                    entitlement,
                    NoteKind::UnknownPlan,
                    why,
                );
                continue;
            }
        };
        let seats = match (observed.seats, plan) {
            (Some(seats), _) => seats,
            (None, PlanKind::Free) => 0,
            (None, _) => {
                leave_out(
                    &mut notes,
                    &mut left_out,
                    entitlement,
                    NoteKind::NoSeatCount,
                    format!("Google reports no seat count for a {plan} plan"),
                );
                continue;
            }
        };
        let mut comment = Vec::new();
        let state = if observed.is_pending_tos_only() {
            comment.push("suspended until the customer accepts the Terms of Service".to_string());
            notes.push(Note::new(
                NoteKind::PendingTermsOfService,
                sku.clone(),
                "suspended until the customer accepts the Terms of Service; written as active, which it becomes then".to_string(),
            ));
            SubscriptionState::Active
        } else {
            if observed.state == SubscriptionState::Suspended {
                let reasons = observed
                    .suspension_reasons
                    .iter()
                    .filter(|r| r.as_str() != suspension_reason::PENDING_TOS_ACCEPTANCE)
                    .cloned()
                    .collect::<Vec<_>>();
                let reasons = if reasons.is_empty() {
                    "no reason given".to_string()
                } else {
                    reasons.join(", ")
                };
                comment.push(format!("suspended: {reasons}"));
                let advice = if observed
                    .suspension_reasons
                    .iter()
                    .all(|r| r == suspension_reason::RESELLER_INITIATED)
                {
                    "suspended by the reseller; `state: active` in the manifest would activate it"
                } else {
                    "only Google or the customer can lift this suspension; resold cannot activate it"
                };
                notes.push(Note::new(
                    NoteKind::Suspended,
                    sku.clone(),
                    format!("suspended ({reasons}): {advice}"),
                ));
            }
            observed.state
        };
        if let Some(end) = &observed.trial_end {
            comment.push(format!("trial ends {end}"));
        } else if let Some(end) = observed
            .commitment_end
            .as_ref()
            .filter(|_| plan.is_commitment())
        {
            comment.push(format!("term ends {end}"));
        }
        let renewal = plan
            .is_commitment()
            .then(|| observed.renewal.unwrap_or(Renewal::AutoRenew));
        kept.push((
            Subscription {
                sku,
                plan,
                seats,
                renewal,
                state,
                purchase_order_id: observed.purchase_order_id.clone(),
            },
            (!comment.is_empty()).then(|| comment.join("; ")),
            entitlement,
        ));
    }
    // An add-on needs its base edition in the same manifest (R-ADDON-BASE);
    // one whose base stays unmanaged stays unmanaged with it.
    let managed_skus: Vec<&crate::catalog::Sku> = kept
        .iter()
        .filter_map(|(s, _, _)| catalog.get(&s.sku))
        .collect();
    let mut subscriptions = Vec::new();
    let mut comments = Vec::new();
    let mut orphans = Vec::new();
    for (subscription, comment, entitlement) in kept {
        let needs_base = catalog
            .get(&subscription.sku)
            .filter(|sku| !sku.requires.is_empty());
        let has_base = needs_base.is_none_or(|sku| {
            managed_skus
                .iter()
                .any(|other| other.key != sku.key && sku.is_satisfied_by(other))
        });
        if has_base {
            subscriptions.push(subscription);
            comments.push(comment);
        } else {
            orphans.push(entitlement);
        }
    }
    for entitlement in orphans {
        leave_out(
            &mut notes,
            &mut left_out,
            entitlement,
            NoteKind::AddOnWithoutBase,
            "an add-on whose base edition is not managed".into(),
        );
    }
    // Base editions first, then add-ons: the order plans run them in.
    let mut ordered: Vec<(Subscription, Option<String>)> =
        subscriptions.into_iter().zip(comments).collect();
    ordered.sort_by_key(|(s, _)| {
        catalog
            .get(&s.sku)
            .is_some_and(|sku| !sku.requires.is_empty())
    });
    let (subscriptions, comments) = ordered.into_iter().unzip();
    (subscriptions, comments, notes, left_out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{AccountEntitlement, CustomerDetails, ListedCustomer, OfferPlan};
    use crate::fixtures::sample_domain_customer;
    use crate::observed::{AdminConsole, CustomerView, ObservedCustomer, ObservedSubscription};

    fn entitlement(sku: Option<&str>, plan: OfferPlan, seats: Option<u32>) -> AccountEntitlement {
        AccountEntitlement {
            sku: sku.map(String::from),
            sku_display: None,
            channel_sku: None,
            google_sku: None,
            offer_plan: plan,
            base_entitlement: None,
            subscription: ObservedSubscription {
                sku: sku.unwrap_or_default().to_string(),
                entitlement_name: format!(
                    "accounts/A/customers/C/entitlements/{}",
                    sku.unwrap_or("x")
                ),
                offer: "accounts/A/offers/O".into(),
                plan: None,
                seats,
                assigned_units: None,
                renewal: None,
                state: SubscriptionState::Active,
                suspension_reasons: Vec::new(),
                trial_end: None,
                commitment_end: None,
                purchase_order_id: None,
            },
        }
    }

    fn details(entitlements: Vec<AccountEntitlement>) -> (ListedCustomer, CustomerDetails) {
        let sample = sample_domain_customer("x", "Acme AB", "acme.se");
        let listed = ListedCustomer {
            channel_name: "accounts/A/customers/C".into(),
            domain: "acme.se".into(),
            organization: "Acme AB".into(),
            cloud_identity_id: Some("C0acme".into()),
            correlation_id: None,
            customer_type: Some(crate::model::CustomerType::Domain),
            create_time: None,
        };
        let observed = ObservedCustomer {
            channel_name: listed.channel_name.clone(),
            cloud_identity_id: Some("C0acme".into()),
            correlation_id: None,
            channel: CustomerView {
                organization: Some(sample.organization.clone()),
                domain: Some(sample.domain.clone()),
                address: Some(sample.address.clone()),
                phone: Some("08-123 45 67".into()),
                language: Some("sv".into()),
                admin: Some(sample.admin.clone()),
                alternate_email: sample.alternate_email.clone(),
            },
            admin_console: AdminConsole::NotProvisioned,
            customer_type: Some(crate::model::CustomerType::Domain),
            education: None,
            domain_verified: None,
            subscriptions: Default::default(),
            unknown_entitlements: Vec::new(),
            changes: Vec::new(),
        };
        (
            listed,
            CustomerDetails {
                observed,
                entitlements,
            },
        )
    }

    #[test]
    fn what_a_manifest_cannot_carry_is_left_out_with_a_note() {
        let (listed, details) = details(vec![
            entitlement(Some("business-standard"), OfferPlan::Offline, Some(10)),
            entitlement(
                Some("vault"),
                OfferPlan::Manifest(PlanKind::Flexible),
                Some(5),
            ),
            entitlement(None, OfferPlan::Unknown(String::new()), Some(3)),
            entitlement(
                Some("cloud-identity-free"),
                OfferPlan::Manifest(PlanKind::Free),
                None,
            ),
            entitlement(
                Some("appsheet-core"),
                OfferPlan::Manifest(PlanKind::Flexible),
                None,
            ),
        ]);
        let Ok(built) = build(&listed, &details, "acme-se") else {
            panic!("buildable");
        };
        let kinds: Vec<NoteKind> = built.notes.iter().map(|n| n.kind).collect();
        assert_eq!(
            kinds,
            vec![
                NoteKind::KeptAsIs,
                NoteKind::OfflinePlan,
                NoteKind::UnknownSku,
                NoteKind::NoSeatCount,
                NoteKind::AddOnWithoutBase,
            ]
        );
        let skus: Vec<&str> = built
            .customer
            .subscriptions
            .iter()
            .map(|s| s.sku.as_str())
            .collect();
        assert_eq!(skus, vec!["cloud-identity-free"]);
        assert_eq!(
            built.customer.subscriptions[0].seats, 0,
            "free: no seat count"
        );
        assert!(built.customer.ignore_drift.contains("phone"));
        assert_eq!(built.customer.phone, None);
        assert_eq!(built.left_out.len(), 5, "{:?}", built.left_out);
    }
}
