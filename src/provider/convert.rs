//! Wire types ↔ model: the one place they meet. Request bodies are built from
//! model values only, never by echoing a fetched object back (read-only
//! fields make Google reject them). Values read from Google go through the
//! model's `normalize_*` so diffs compare canonical forms.

use crate::api::channel as wire;
use crate::api::directory::{DirectoryCustomer, DirectoryPostalAddress};
use crate::model::{
    self, Address, Admin, Customer, CustomerType, Education, InstituteSize, InstituteType,
    PlanKind, Renewal, SubscriptionState,
};
use crate::observed::{
    AdminConsole, CustomerView, ExistingAccount, ObservedChange, ObservedCustomer,
    ObservedSubscription,
};

// ---- customers: model → wire -------------------------------------------------

fn postal_address(address: &Address) -> wire::PostalAddress {
    wire::PostalAddress {
        region_code: address.region_code.clone(),
        postal_code: address.postal_code.clone(),
        administrative_area: address.administrative_area.clone(),
        locality: address.locality.clone(),
        address_lines: address.lines.clone(),
        ..wire::PostalAddress::default()
    }
}

fn contact_info(customer: &Customer) -> wire::ContactInfo {
    wire::ContactInfo {
        first_name: customer.admin.given_name.clone(),
        last_name: customer.admin.family_name.clone(),
        email: customer.admin.email.clone(),
        phone: customer.phone.clone().unwrap_or_default(),
        ..wire::ContactInfo::default()
    }
}

/// The `customers.create` body; `correlationId` carries `metadata.name`.
pub fn customer_for_create(customer: &Customer) -> wire::Customer {
    wire::Customer {
        org_display_name: customer.organization.clone(),
        org_postal_address: Some(postal_address(&customer.address)),
        primary_contact_info: Some(contact_info(customer)),
        alternate_email: customer.alternate_email.clone().unwrap_or_default(),
        domain: customer.domain.clone(),
        language_code: customer.language.clone().unwrap_or_default(),
        correlation_id: customer.name.clone(),
        ..wire::Customer::default()
    }
}

/// The `customers.patch` body and its `updateMask` (camelCase paths), or
/// `None` when no Channel field changed.
pub fn customer_patch(
    before: &Customer,
    after: &Customer,
) -> Option<(wire::Customer, Vec<&'static str>)> {
    let full = customer_for_create(after);
    let mut body = wire::Customer::default();
    let mut mask = Vec::new();
    if before.organization != after.organization {
        body.org_display_name = full.org_display_name;
        mask.push("orgDisplayName");
    }
    if before.address != after.address {
        body.org_postal_address = full.org_postal_address;
        mask.push("orgPostalAddress");
    }
    if before.admin != after.admin || before.phone != after.phone {
        body.primary_contact_info = full.primary_contact_info;
        mask.push("primaryContactInfo");
    }
    if before.alternate_email != after.alternate_email {
        body.alternate_email = full.alternate_email;
        mask.push("alternateEmail");
    }
    if before.language != after.language {
        body.language_code = full.language_code;
        mask.push("languageCode");
    }
    if before.domain != after.domain {
        body.domain = full.domain;
        mask.push("domain");
    }
    (!mask.is_empty()).then_some((body, mask))
}

fn customer_type_wire(customer_type: CustomerType) -> &'static str {
    match customer_type {
        CustomerType::Domain => wire::customer_type::DOMAIN,
        CustomerType::Team => wire::customer_type::TEAM,
    }
}

fn education_wire(education: &Education) -> wire::EduData {
    let institute_type = match education.institute_type {
        InstituteType::K12 => "K12",
        InstituteType::University => "UNIVERSITY",
    };
    wire::EduData {
        institute_type: institute_type.to_string(),
        institute_size: institute_size_wire(education.institute_size).to_string(),
        website: education.website.clone().unwrap_or_default(),
    }
}

const INSTITUTE_SIZES: &[(InstituteSize, &str)] = &[
    (InstituteSize::Size1To100, "SIZE_1_100"),
    (InstituteSize::Size101To500, "SIZE_101_500"),
    (InstituteSize::Size501To1000, "SIZE_501_1000"),
    (InstituteSize::Size1001To2000, "SIZE_1001_2000"),
    (InstituteSize::Size2001To5000, "SIZE_2001_5000"),
    (InstituteSize::Size5001To10000, "SIZE_5001_10000"),
    (InstituteSize::Size10001OrMore, "SIZE_10001_OR_MORE"),
];

fn institute_size_wire(size: InstituteSize) -> &'static str {
    INSTITUTE_SIZES
        .iter()
        .find(|(s, _)| *s == size)
        .map_or("SIZE_1_100", |(_, w)| w)
}

/// The `provisionCloudIdentity` body: account type, recovery data and the
/// first (super or team) admin (Add a Google Workspace customer, step 11).
pub fn provision_request(customer: &Customer) -> wire::ProvisionCloudIdentityRequest {
    wire::ProvisionCloudIdentityRequest {
        cloud_identity_info: Some(wire::CloudIdentityInfo {
            customer_type: customer_type_wire(customer.customer_type).to_string(),
            alternate_email: customer.alternate_email.clone().unwrap_or_default(),
            phone_number: customer.phone.clone().unwrap_or_default(),
            language_code: customer.language.clone().unwrap_or_default(),
            edu_data: customer.education.as_ref().map(education_wire),
            ..wire::CloudIdentityInfo::default()
        }),
        user: Some(wire::AdminUser {
            email: customer.admin.email.clone(),
            given_name: customer.admin.given_name.clone(),
            family_name: customer.admin.family_name.clone(),
        }),
        validate_only: false,
    }
}

// ---- customers: wire → model -------------------------------------------------

fn non_empty(text: &str) -> Option<String> {
    let text = model::normalize_text(text);
    (!text.is_empty()).then_some(text)
}

fn domain(raw: &str) -> Option<String> {
    non_empty(raw).map(|d| model::normalize_domain(&d).unwrap_or(d))
}

fn email(raw: &str) -> Option<String> {
    non_empty(raw).map(|e| model::normalize_email(&e).unwrap_or(e))
}

fn phone(raw: &str) -> Option<String> {
    non_empty(raw).map(|p| model::normalize_phone(&p).unwrap_or(p))
}

fn language(raw: &str) -> Option<String> {
    non_empty(raw).map(|l| model::normalize_language(&l).unwrap_or(l))
}

fn region(raw: &str) -> String {
    model::normalize_region(raw).unwrap_or_else(|_| raw.trim().to_string())
}

/// What the Channel record says of a customer, with the Google account and
/// the Admin console read beside it; no entitlements yet (the caller adds
/// what its own reads found).
pub fn observed_customer(
    customer: &wire::Customer,
    cloud_identity_id: Option<String>,
    admin_console: AdminConsole,
    domain_verified: Option<bool>,
) -> ObservedCustomer {
    let info = customer.cloud_identity_info.clone().unwrap_or_default();
    ObservedCustomer {
        channel_name: customer.name.clone(),
        cloud_identity_id,
        correlation_id: Some(customer.correlation_id.clone()).filter(|id| !id.is_empty()),
        channel: channel_view(customer),
        admin_console,
        customer_type: customer_type(&info.customer_type),
        education: info.edu_data.as_ref().and_then(education),
        domain_verified,
        subscriptions: Default::default(),
        unknown_entitlements: Vec::new(),
        changes: Vec::new(),
    }
}

/// The Channel record as a [`CustomerView`].
pub fn channel_view(customer: &wire::Customer) -> CustomerView {
    let contact = customer.primary_contact_info.clone().unwrap_or_default();
    let info = customer.cloud_identity_info.clone().unwrap_or_default();
    CustomerView {
        organization: non_empty(&customer.org_display_name),
        domain: domain(&customer.domain),
        address: customer.org_postal_address.as_ref().map(|a| Address {
            lines: a
                .address_lines
                .iter()
                .filter_map(|l| non_empty(l))
                .collect(),
            locality: model::normalize_text(&a.locality),
            administrative_area: model::normalize_text(&a.administrative_area),
            postal_code: model::normalize_text(&a.postal_code),
            region_code: region(&a.region_code),
        }),
        phone: phone(&contact.phone).or_else(|| phone(&info.phone_number)),
        language: language(&customer.language_code),
        admin: email(&contact.email).map(|email| Admin {
            email,
            given_name: model::normalize_text(&contact.first_name),
            family_name: model::normalize_text(&contact.last_name),
        }),
        alternate_email: email(&customer.alternate_email),
    }
}

pub fn customer_type(wire_type: &str) -> Option<CustomerType> {
    match wire_type {
        wire::customer_type::DOMAIN => Some(CustomerType::Domain),
        wire::customer_type::TEAM => Some(CustomerType::Team),
        _ => None,
    }
}

pub fn education(edu: &wire::EduData) -> Option<Education> {
    let institute_type = match edu.institute_type.as_str() {
        "K12" => InstituteType::K12,
        "UNIVERSITY" => InstituteType::University,
        _ => return None,
    };
    let institute_size = INSTITUTE_SIZES
        .iter()
        .find(|(_, w)| *w == edu.institute_size)
        .map(|(s, _)| *s)?;
    Some(Education {
        institute_type,
        institute_size,
        website: non_empty(&edu.website),
    })
}

/// The Admin console profile as a [`CustomerView`]; it has no admin names.
pub fn directory_view(customer: &DirectoryCustomer) -> CustomerView {
    let address = customer.postal_address.as_ref();
    CustomerView {
        organization: address.and_then(|a| non_empty(&a.organization_name)),
        domain: domain(&customer.customer_domain),
        address: address.map(|a| Address {
            lines: [&a.address_line1, &a.address_line2, &a.address_line3]
                .into_iter()
                .filter_map(|l| non_empty(l))
                .collect(),
            locality: model::normalize_text(&a.locality),
            administrative_area: model::normalize_text(&a.region),
            postal_code: model::normalize_text(&a.postal_code),
            region_code: region(&a.country_code),
        }),
        phone: phone(&customer.phone_number),
        language: language(&customer.language),
        admin: None,
        alternate_email: email(&customer.alternate_email),
    }
}

fn directory_address(customer: &Customer) -> DirectoryPostalAddress {
    let line = |i: usize| customer.address.lines.get(i).cloned().unwrap_or_default();
    DirectoryPostalAddress {
        organization_name: customer.organization.clone(),
        contact_name: format!(
            "{} {}",
            customer.admin.given_name, customer.admin.family_name
        )
        .trim()
        .to_string(),
        address_line1: line(0),
        address_line2: line(1),
        // Directory has three lines; the rest is joined into the last one.
        address_line3: customer
            .address
            .lines
            .get(2..)
            .map(|rest| rest.join(", "))
            .unwrap_or_default(),
        locality: customer.address.locality.clone(),
        region: customer.address.administrative_area.clone(),
        postal_code: customer.address.postal_code.clone(),
        country_code: customer.address.region_code.clone(),
    }
}

/// A Directory `customers.patch` body with only the fields that changed.
pub fn directory_patch(before: &Customer, after: &Customer) -> Option<DirectoryCustomer> {
    let mut body = DirectoryCustomer::default();
    let mut changed = false;
    if before.organization != after.organization
        || before.address != after.address
        || before.admin != after.admin
    {
        body.postal_address = Some(directory_address(after));
        changed = true;
    }
    if before.domain != after.domain {
        body.customer_domain = after.domain.clone();
        changed = true;
    }
    if before.alternate_email != after.alternate_email {
        body.alternate_email = after.alternate_email.clone().unwrap_or_default();
        changed = true;
    }
    if before.phone != after.phone {
        body.phone_number = after.phone.clone().unwrap_or_default();
        changed = true;
    }
    if before.language != after.language {
        body.language = after.language.clone().unwrap_or_default();
        changed = true;
    }
    changed.then_some(body)
}

pub fn existing_account(account: &wire::CloudIdentityCustomerAccount) -> ExistingAccount {
    ExistingAccount {
        existing: account.existing,
        owned: account.owned,
        customer_name: non_empty(&account.customer_name),
        cloud_identity_id: non_empty(&account.customer_cloud_identity_id),
        customer_type: customer_type(&account.customer_type),
    }
}

// ---- entitlements ------------------------------------------------------------

/// `num_units` for commitments, `max_units` for flexible and trial plans.
pub fn seat_parameter(plan: PlanKind, seats: u32) -> wire::Parameter {
    let name = if plan.is_commitment() {
        wire::parameter::NUM_UNITS
    } else {
        wire::parameter::MAX_UNITS
    };
    wire::Parameter::int(name, i64::from(seats))
}

/// The parameters an order or change carries: the seat parameter, or none
/// for a free plan without a seat count (Google keeps none there).
pub fn seat_parameters(plan: PlanKind, seats: u32) -> Vec<wire::Parameter> {
    if plan == PlanKind::Free && seats == 0 {
        Vec::new()
    } else {
        vec![seat_parameter(plan, seats)]
    }
}

fn cycle(plan: PlanKind) -> wire::Period {
    let period_type = match plan {
        PlanKind::AnnualYearly => wire::period_type::YEAR,
        _ => wire::period_type::MONTH,
    };
    wire::Period {
        duration: 1,
        period_type: period_type.to_string(),
    }
}

/// Renewal settings for a commitment plan (Google requires them there);
/// `None` for the other plans. Unset renewal means auto-renew.
pub fn renewal_settings(plan: PlanKind, renewal: Option<Renewal>) -> Option<wire::RenewalSettings> {
    if !plan.is_commitment() {
        return None;
    }
    let commitment = |enable_renewal, resize_unit_count| wire::RenewalSettings {
        enable_renewal,
        resize_unit_count,
        payment_plan: wire::payment_plan::COMMITMENT.to_string(),
        payment_cycle: Some(cycle(plan)),
    };
    Some(match renewal.unwrap_or(Renewal::AutoRenew) {
        Renewal::AutoRenew => commitment(true, false),
        Renewal::RenewCurrentUsers => commitment(true, true),
        Renewal::Cancel => commitment(false, false),
        Renewal::SwitchToFlexible => wire::RenewalSettings {
            enable_renewal: true,
            resize_unit_count: false,
            payment_plan: wire::payment_plan::FLEXIBLE.to_string(),
            payment_cycle: Some(cycle(PlanKind::AnnualMonthly)),
        },
    })
}

fn renewal(settings: &wire::RenewalSettings) -> Renewal {
    if !settings.enable_renewal {
        Renewal::Cancel
    } else if settings.payment_plan == wire::payment_plan::FLEXIBLE {
        Renewal::SwitchToFlexible
    } else if settings.resize_unit_count {
        Renewal::RenewCurrentUsers
    } else {
        Renewal::AutoRenew
    }
}

/// The manifest plan an offer's `plan` stands for (docs/google-apis.md §4).
pub fn plan_kind(plan: &wire::Plan) -> Option<PlanKind> {
    match plan.payment_plan.as_str() {
        wire::payment_plan::COMMITMENT => {
            let yearly = plan
                .payment_cycle
                .as_ref()
                .is_some_and(|c| c.period_type == wire::period_type::YEAR);
            Some(if yearly {
                PlanKind::AnnualYearly
            } else {
                PlanKind::AnnualMonthly
            })
        }
        wire::payment_plan::FLEXIBLE => Some(PlanKind::Flexible),
        wire::payment_plan::TRIAL => Some(PlanKind::Trial),
        wire::payment_plan::FREE => Some(PlanKind::Free),
        _ => None,
    }
}

fn units(entitlement: &wire::Entitlement, name: &str) -> Option<u32> {
    wire::int_parameter(&entitlement.parameters, name).and_then(|n| u32::try_from(n).ok())
}

/// An entitlement as the planner sees it. `sku` and `offer_plan` come from
/// the offer catalogue (the entitlement itself names neither).
pub fn observed_subscription(
    entitlement: &wire::Entitlement,
    sku: &str,
    offer_plan: Option<PlanKind>,
) -> ObservedSubscription {
    let in_trial = entitlement.trial_settings.as_ref().is_some_and(|t| t.trial);
    let plan = if in_trial {
        Some(PlanKind::Trial)
    } else {
        offer_plan
    };
    let seats = match plan {
        Some(p) if p.is_commitment() => units(entitlement, wire::parameter::NUM_UNITS),
        Some(_) => units(entitlement, wire::parameter::MAX_UNITS),
        None => None,
    }
    .or_else(|| units(entitlement, wire::parameter::NUM_UNITS))
    .or_else(|| units(entitlement, wire::parameter::MAX_UNITS));
    let commitment = entitlement.commitment_settings.as_ref();
    let state = if entitlement.provisioning_state == wire::provisioning_state::SUSPENDED {
        SubscriptionState::Suspended
    } else {
        SubscriptionState::Active
    };
    ObservedSubscription {
        sku: sku.to_string(),
        entitlement_name: entitlement.name.clone(),
        offer: entitlement.offer.clone(),
        plan,
        seats,
        assigned_units: units(entitlement, wire::parameter::ASSIGNED_UNITS),
        renewal: plan
            .filter(|p| p.is_commitment())
            .and(commitment.and_then(|c| c.renewal_settings.as_ref()))
            .map(renewal),
        state,
        suspension_reasons: entitlement.suspension_reasons.clone(),
        trial_end: entitlement
            .trial_settings
            .as_ref()
            .and_then(|t| non_empty(&t.end_time)),
        commitment_end: commitment.and_then(|c| non_empty(&c.end_time)),
        purchase_order_id: non_empty(&entitlement.purchase_order_id),
    }
}

pub fn observed_change(change: &wire::EntitlementChange, sku: Option<String>) -> ObservedChange {
    ObservedChange {
        entitlement_name: change.entitlement.clone(),
        sku,
        change_type: change.change_type.clone(),
        operator_type: change.operator_type.clone(),
        operator: non_empty(&change.operator),
        create_time: change.create_time.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::sample_domain_customer;

    fn acme() -> Customer {
        sample_domain_customer("acme-se", "Acme AB", "acme.se")
    }

    #[test]
    fn a_created_customer_reads_back_as_the_same_view() {
        let customer = acme();
        let view = channel_view(&customer_for_create(&customer));
        assert_eq!(view.organization.as_deref(), Some("Acme AB"));
        assert_eq!(view.address.as_ref(), Some(&customer.address));
        assert_eq!(view.admin.as_ref(), Some(&customer.admin));
        assert_eq!(view.phone, customer.phone);
        assert_eq!(view.alternate_email, customer.alternate_email);
    }

    #[test]
    fn patch_masks_only_the_changed_fields() {
        let before = acme();
        let mut after = acme();
        assert!(customer_patch(&before, &after).is_none());
        after.organization = "Acme Group AB".into();
        after.alternate_email = Some("ops@reseller.example".into());
        let (body, mask) = customer_patch(&before, &after).unwrap();
        assert_eq!(mask, ["orgDisplayName", "alternateEmail"]);
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"orgDisplayName": "Acme Group AB", "alternateEmail": "ops@reseller.example"})
        );
    }

    #[test]
    fn renewal_settings_round_trip() {
        for renewal_kind in Renewal::ALL {
            let settings = renewal_settings(PlanKind::AnnualYearly, Some(*renewal_kind)).unwrap();
            assert_eq!(renewal(&settings), *renewal_kind);
        }
        assert!(renewal_settings(PlanKind::Flexible, Some(Renewal::AutoRenew)).is_none());
    }

    #[test]
    fn seats_travel_in_the_parameter_of_the_plan() {
        assert_eq!(
            seat_parameter(PlanKind::AnnualMonthly, 25).name,
            "num_units"
        );
        assert_eq!(seat_parameter(PlanKind::Trial, 5).name, "max_units");
        assert!(seat_parameters(PlanKind::Free, 0).is_empty());
        assert_eq!(seat_parameters(PlanKind::Free, 3).len(), 1);
        let entitlement = wire::Entitlement {
            name: "accounts/A/customers/C/entitlements/E".into(),
            parameters: vec![
                seat_parameter(PlanKind::Flexible, 7),
                wire::Parameter::int("assigned_units", 3),
            ],
            provisioning_state: "SUSPENDED".into(),
            suspension_reasons: vec!["PENDING_TOS_ACCEPTANCE".into()],
            ..wire::Entitlement::default()
        };
        let observed =
            observed_subscription(&entitlement, "business-standard", Some(PlanKind::Flexible));
        assert_eq!(observed.seats, Some(7));
        assert_eq!(observed.assigned_units, Some(3));
        assert!(observed.is_pending_tos_only());
    }

    #[test]
    fn education_round_trips() {
        let edu = Education {
            institute_type: InstituteType::University,
            institute_size: InstituteSize::Size10001OrMore,
            website: Some("https://uni.example".into()),
        };
        assert_eq!(education(&education_wire(&edu)), Some(edu));
    }

    #[test]
    fn directory_patch_sends_only_changed_fields() {
        let before = acme();
        let mut after = acme();
        after.phone = Some("+4687654321".into());
        let body = directory_patch(&before, &after).unwrap();
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"phoneNumber": "+4687654321"})
        );
    }
}
