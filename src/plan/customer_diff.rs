//! The customer record: update (changed Channel fields only), accepted
//! drift, the customer type, Admin-console drift, notices and the
//! checklist. A customer with no record (create, adopt, rename, transfer)
//! is `unrecorded.rs`.

use crate::model::{Customer, CustomerType};
use crate::observed::{AdminConsole, CustomerView, ObservedCustomer};
use crate::operation::{CustomerOperation, CustomerRef, DriftTarget, Operation, RecordOperation};
use crate::state::CustomerRecord;

use super::action::{PlannedAction, customer_address};
use super::checklist::ChecklistKind;
use super::diff::{Context, Draft};
use super::drift::{Drift, DriftCheck, DriftResolution, DriftSource};
use super::drift_scan::{ChangedBy, Field, FieldOutcome, FieldScan};
use super::findings::{Finding, FindingKind};
use super::notices;
use super::refresh::same_details;
use super::unrecorded;
use super::values::{json, json_opt};

/// What the subscription diff and the summary need to know about the customer.
pub(super) struct CustomerOutcome {
    /// The Channel customer later operations act on; `None`: nothing is
    /// planned on top of this customer (transfer needed, missing, rename,
    /// in flight, not read).
    pub target: Option<CustomerRef>,
    pub cloud_identity_id: Option<String>,
    /// `None` when nothing could be observed.
    pub drift_check: Option<DriftCheck>,
}

/// The customer values an operation sends and records: everything but the
/// subscriptions, which are operations of their own.
/// Field by field, so the subscriptions are never copied only to be dropped
/// (a plan of 10,000 new customers takes this twice per customer).
pub(super) fn details(customer: &Customer) -> Customer {
    // Destructured: a field added to `Customer` fails to compile here
    // instead of being left out of what is sent.
    let Customer {
        name,
        labels,
        customer_type,
        organization,
        domain,
        cloud_identity_id,
        correlation_id,
        education,
        address,
        phone,
        language,
        admin,
        alternate_email,
        purchase_order_id,
        subscriptions: _,
        ignore_drift,
        protect,
    } = customer;
    Customer {
        name: name.clone(),
        labels: labels.clone(),
        customer_type: *customer_type,
        organization: organization.clone(),
        domain: domain.clone(),
        cloud_identity_id: cloud_identity_id.clone(),
        correlation_id: correlation_id.clone(),
        education: education.clone(),
        address: address.clone(),
        phone: phone.clone(),
        language: language.clone(),
        admin: admin.clone(),
        alternate_email: alternate_email.clone(),
        purchase_order_id: purchase_order_id.clone(),
        subscriptions: Vec::new(),
        ignore_drift: ignore_drift.clone(),
        protect: *protect,
    }
}

pub(super) fn plan_customer(
    ctx: &Context,
    desired: &Customer,
    record: Option<&CustomerRecord>,
    seen: Option<&ObservedCustomer>,
    draft: &mut Draft,
) -> CustomerOutcome {
    let mut outcome = CustomerOutcome {
        target: None,
        cloud_identity_id: record
            .and_then(|r| r.cloud_identity_id.clone())
            .or_else(|| seen.and_then(|s| s.cloud_identity_id.clone())),
        drift_check: seen.map(|_| DriftCheck::Checked),
    };
    // Resold's own unfinished steps: what Google shows may be their effect.
    if record.is_some_and(|r| !r.pending.is_empty())
        || ctx.options.changed_while_read.contains(&desired.name)
    {
        return outcome;
    }
    match record.and_then(|r| r.channel_name.as_deref()) {
        Some(recorded) if ctx.is_missing(&desired.name) => {
            customer_missing(desired, recorded, draft);
        }
        Some(channel_name) => {
            outcome.target = Some(CustomerRef::Existing(channel_name.to_string()));
            plan_existing_customer(
                ctx,
                desired,
                record,
                seen,
                channel_name,
                draft,
                &mut outcome,
            );
        }
        None if ctx.options.refresh_only => {}
        None => unrecorded::plan_unrecorded(ctx, desired, seen, draft, &mut outcome),
    }
    outcome
}

/// Recorded, but Channel no longer has it (deleted or transferred away):
/// drift that blocks every change until a person looks.
fn customer_missing(desired: &Customer, recorded_channel: &str, draft: &mut Draft) {
    let address = customer_address(&desired.name);
    draft.drift.push(Drift {
        customer: desired.name.clone(),
        address: address.clone(),
        source: DriftSource::Channel,
        field: "exists".into(),
        recorded: Some(json(&recorded_channel)),
        observed: None,
        personal: false,
        resolution: DriftResolution::Kept,
        changed_by: None,
        changed_at: None,
    });
    draft.findings.push(Finding {
        customer: desired.name.clone(),
        address,
        kind: FindingKind::Missing,
        message: format!("{recorded_channel} is recorded in the state but Channel no longer lists it (transferred away or deleted)"),
        help: "check the Partner Sales Console; if the customer left, remove it from the state with `resold state rm`".into(),
        blocking: true,
    });
}

pub(super) fn plan_existing_customer(
    ctx: &Context,
    desired: &Customer,
    record: Option<&CustomerRecord>,
    seen: Option<&ObservedCustomer>,
    channel_name: &str,
    draft: &mut Draft,
    outcome: &mut CustomerOutcome,
) {
    let options = ctx.options;
    let address = customer_address(&desired.name);
    let provisioned =
        outcome.cloud_identity_id.is_some() || seen.is_some_and(ObservedCustomer::is_provisioned);
    if !provisioned && !options.refresh_only {
        draft.actions.push(PlannedAction::new(
            &desired.name,
            address.clone(),
            Operation::Customer(CustomerOperation::ProvisionCloudIdentity {
                target: CustomerRef::Existing(channel_name.to_string()),
                customer: details(desired),
            }),
            "the Channel customer exists but has no Cloud Identity account yet",
        ));
    }
    let recorded = record.and_then(|r| r.applied.as_ref());
    // Nothing observed and nothing changed: no field can differ (the common
    // case at scale with --refresh=none or changed).
    if seen.is_none() && recorded.is_some_and(|r| same_details(desired, r)) {
        return;
    }
    let mut scan = FieldScan {
        customer: &desired.name,
        address: &address,
        source: DriftSource::Channel,
        ignore: &desired.ignore_drift,
        ignore_prefix: String::new(),
        revert: options.revert_drift,
        refresh_only: options.refresh_only,
        changed_by: ChangedBy::default(),
        drift: &mut draft.drift,
    };
    let mut writes = Vec::new();
    let mut accepts = Vec::new();
    let mut manifest_changed = false;
    for field in channel_fields(desired, recorded, seen) {
        let from_manifest = field.desired != field.recorded;
        match scan.writable(field) {
            FieldOutcome::Write(change) => {
                manifest_changed |= from_manifest;
                writes.push(change);
            }
            FieldOutcome::Accept(change) => accepts.push(change),
            FieldOutcome::Unchanged => {}
        }
    }
    // A type Google changed is drift (with the next step); a type only the
    // manifest changed cannot be carried out.
    let type_field = customer_type_field(desired, recorded, seen);
    let live_type = match &type_field.observed {
        Some(observed) => observed.clone(),
        None => type_field.recorded.clone(),
    };
    let manifest_only = live_type == type_field.recorded && type_field.desired != live_type;
    match scan.recordable(type_field) {
        Some(change) => accepts.push(change),
        None if manifest_only && !options.refresh_only => {
            draft.findings.push(type_cannot_change(desired, seen))
        }
        None => {}
    }

    if let Some(seen) = seen {
        admin_console(desired, recorded, seen, scan, &mut draft.checklist, outcome);
    }
    if !accepts.is_empty() {
        let reason = if options.refresh_only {
            "--refresh-only: record what Google shows; nothing is sent"
        } else {
            "the manifest now says what Google shows: record it; nothing is sent"
        };
        draft.actions.push(PlannedAction::new(
            &desired.name,
            address.clone(),
            Operation::Record(RecordOperation::AcceptDrift {
                target: DriftTarget::Customer,
                values: accepts,
            }),
            reason,
        ));
    }
    if !writes.is_empty() {
        notices::for_changes(desired, &writes, &mut draft.notices);
        let reason = if manifest_changed {
            "the manifest changes the Channel customer record"
        } else {
            "--revert-drift: put the recorded values back"
        };
        draft.actions.push(PlannedAction::new(
            &desired.name,
            address,
            Operation::Customer(CustomerOperation::UpdateCustomer {
                channel_name: channel_name.to_string(),
                customer: details(desired),
                changes: writes,
            }),
            reason,
        ));
    }
}

/// Admin-console drift (read only: resold never writes it) and the
/// checklist items an observation reveals.
fn admin_console(
    desired: &Customer,
    recorded: Option<&Customer>,
    seen: &ObservedCustomer,
    scan: FieldScan,
    checklist: &mut super::checklist::Checklist,
    outcome: &mut CustomerOutcome,
) {
    match &seen.admin_console {
        AdminConsole::Available { view } => {
            let mut admin_scan = FieldScan {
                source: DriftSource::AdminConsole,
                ..scan
            };
            for field in fields(desired, recorded, Some(view)) {
                admin_scan.read_only(field);
            }
            if view.language.is_none() {
                checklist.push(desired, ChecklistKind::SetRegionAndLanguage);
            }
        }
        AdminConsole::Unavailable { .. } => {
            outcome.drift_check = Some(DriftCheck::AdminConsoleUnknown);
            checklist.push(desired, ChecklistKind::GrantResellerAccess);
        }
        AdminConsole::NotProvisioned => {}
    }
    // A team customer verifies by email: only domain customers verify domains.
    let is_domain = seen.customer_type.unwrap_or(desired.customer_type) == CustomerType::Domain;
    if is_domain && seen.domain_verified == Some(false) {
        checklist.push(desired, ChecklistKind::VerifyDomain);
    }
    if seen.subscriptions.values().any(|s| s.awaits_tos()) {
        checklist.push(desired, ChecklistKind::AcceptTermsOfService);
    }
}

/// The Channel fields, education and the purchase order id.
pub(super) fn channel_fields(
    desired: &Customer,
    recorded: Option<&Customer>,
    seen: Option<&ObservedCustomer>,
) -> Vec<Field> {
    let mut all = fields(desired, recorded, seen.map(|s| &s.channel));
    let recorded_education = match (recorded, seen) {
        (Some(c), _) => json_opt(c.education.as_ref()),
        (None, seen) => seen.and_then(|s| json_opt(s.education.as_ref())),
    };
    all.push(
        Field::new(
            "education",
            json_opt(desired.education.as_ref()),
            recorded_education,
            false,
        )
        .observed(seen.map(|s| json_opt(s.education.as_ref()))),
    );
    // Purchase order ids are not shown by Google: desired against recorded only.
    let recorded_po = recorded.map_or(json_opt(desired.purchase_order_id.as_ref()), |c| {
        json_opt(c.purchase_order_id.as_ref())
    });
    all.push(Field::new(
        "purchaseOrderId",
        json_opt(desired.purchase_order_id.as_ref()),
        recorded_po,
        false,
    ));
    all
}

/// Domain or team (`cloudIdentityInfo.customerType`): recorded when
/// applied, or Google's when adopted.
pub(super) fn customer_type_field(
    desired: &Customer,
    recorded: Option<&Customer>,
    seen: Option<&ObservedCustomer>,
) -> Field {
    let observed = seen.and_then(|s| s.customer_type);
    let recorded_type = recorded.map(|c| c.customer_type).or(observed);
    Field::new(
        "type",
        Some(json(&desired.customer_type)),
        recorded_type.map(|t| json(&t)),
        false,
    )
    .observed(observed.map(|t| Some(json(&t))))
}

/// The manifest asks for a type Google does not show; the API changes no
/// types (a team becomes a domain customer by verifying its domain).
fn type_cannot_change(desired: &Customer, seen: Option<&ObservedCustomer>) -> Finding {
    let now = seen
        .and_then(|s| s.customer_type)
        .map_or("another type".to_string(), |t| format!("`type: {t}`"));
    Finding {
        customer: desired.name.clone(),
        address: customer_address(&desired.name),
        kind: FindingKind::CustomerType,
        message: format!(
            "the manifest says `type: {}`, but the customer is {now} at Google; resold cannot change a customer's type",
            desired.customer_type
        ),
        help: "a team customer becomes a domain customer by verifying its domain in the Admin console; otherwise put the manifest's type back".into(),
        blocking: true,
    }
}

/// The customer fields a view can show, as desired / recorded / observed.
fn fields(
    desired: &Customer,
    recorded: Option<&Customer>,
    view: Option<&CustomerView>,
) -> Vec<Field> {
    macro_rules! field {
        ($name:literal, $personal:expr, |$c:ident| $get:expr, |$v:ident| $view_get:expr) => {{
            let desired_value = {
                let $c = desired;
                $get
            };
            let recorded_value = match recorded {
                Some($c) => $get,
                // No recorded values (adopted): the live value is the baseline.
                None => view.and_then(|$v| $view_get.map(|x| json(&x))),
            };
            Field::new($name, desired_value, recorded_value, $personal)
                .observed(view.and_then(|$v| $view_get.map(|x| Some(json(&x)))))
        }};
    }
    vec![
        field!(
            "organization",
            false,
            |c| Some(json(&c.organization)),
            |v| v.organization.clone()
        ),
        field!("domain", false, |c| Some(json(&c.domain)), |v| v
            .domain
            .clone()),
        field!("address", false, |c| Some(json(&c.address)), |v| v
            .address
            .clone()),
        field!("phone", true, |c| json_opt(c.phone.as_ref()), |v| v
            .phone
            .clone()),
        field!("language", false, |c| json_opt(c.language.as_ref()), |v| v
            .language
            .clone()),
        field!("admin.email", true, |c| Some(json(&c.admin.email)), |v| v
            .admin
            .as_ref()
            .map(|a| a.email.clone())),
        field!(
            "admin.givenName",
            true,
            |c| Some(json(&c.admin.given_name)),
            |v| v.admin.as_ref().map(|a| a.given_name.clone())
        ),
        field!(
            "admin.familyName",
            true,
            |c| Some(json(&c.admin.family_name)),
            |v| v.admin.as_ref().map(|a| a.family_name.clone())
        ),
        field!(
            "alternateEmail",
            true,
            |c| json_opt(c.alternate_email.as_ref()),
            |v| v.alternate_email.clone()
        ),
    ]
}
