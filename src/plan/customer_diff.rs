//! The customer record: create, adopt, provision, update (changed Channel
//! fields only), Admin-console drift, notices and the checklist.

use crate::model::{Customer, CustomerType};
use crate::observed::{AdminConsole, CustomerView, ExistingAccount, Observed, ObservedCustomer};
use crate::state::CustomerRecord;

use super::PlanOptions;
use super::action::{Action, ActionKind, FieldChange, customer_address};
use super::checklist::{self, ChecklistKind};
use super::diff::Draft;
use super::drift::{Drift, DriftCheck, DriftResolution, DriftSource};
use super::drift_scan::{ChangedBy, Field, FieldScan};
use super::findings::{Finding, FindingKind};
use super::notices;
use super::refresh::same_details;
use super::values::{json, json_opt};

/// What the subscription diff and the summary need to know about the customer.
pub(super) struct CustomerOutcome {
    /// No customer will exist (transfer needed): no orders either.
    pub blocked: bool,
    /// The Channel customer, when it exists already.
    pub channel_name: Option<String>,
    pub cloud_identity_id: Option<String>,
    /// `None` when nothing could be observed.
    pub drift_check: Option<DriftCheck>,
}

pub(super) fn plan_customer(
    desired: &Customer,
    record: Option<&CustomerRecord>,
    seen: Option<&ObservedCustomer>,
    observed: Option<&Observed>,
    options: &PlanOptions,
    draft: &mut Draft,
) -> CustomerOutcome {
    let channel_name = record
        .and_then(|r| r.channel_name.clone())
        .or_else(|| seen.map(|s| s.channel_name.clone()));
    let cloud_identity_id = record
        .and_then(|r| r.cloud_identity_id.clone())
        .or_else(|| seen.and_then(|s| s.cloud_identity_id.clone()));
    let mut outcome = CustomerOutcome {
        blocked: false,
        channel_name: channel_name.clone(),
        cloud_identity_id,
        drift_check: seen.map(|_| DriftCheck::Checked),
    };
    let recorded_channel = record.and_then(|r| r.channel_name.as_ref());
    if let Some(recorded_channel) = recorded_channel
        && observed.is_some_and(|o| o.missing.contains(&desired.name))
    {
        customer_missing(desired, recorded_channel, draft);
        outcome.blocked = true;
        return outcome;
    }
    match channel_name {
        None => plan_new_customer(desired, observed, draft, &mut outcome),
        Some(channel_name) => {
            if recorded_channel.is_none() {
                adopt(
                    desired,
                    Some(channel_name.clone()),
                    "found in the reseller account but not in the state",
                    draft,
                );
            }
            plan_existing_customer(
                desired,
                record,
                seen,
                &channel_name,
                options,
                draft,
                &mut outcome,
            );
        }
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

fn plan_new_customer(
    desired: &Customer,
    observed: Option<&Observed>,
    draft: &mut Draft,
    outcome: &mut CustomerOutcome,
) {
    let accounts: &[ExistingAccount] = observed
        .and_then(|o| o.existing_accounts.get(&desired.domain))
        .map(Vec::as_slice)
        .unwrap_or_default();
    if let Some(owned) = accounts.iter().find(|a| a.existing && a.owned) {
        outcome.cloud_identity_id = owned.cloud_identity_id.clone();
        adopt(
            desired,
            owned.customer_name.clone(),
            "the domain already belongs to a customer of this reseller account",
            draft,
        );
        return;
    }
    if let Some(foreign) = accounts.iter().find(|a| a.existing) {
        outcome.blocked = true;
        draft.findings.push(transfer_needed(desired, foreign));
        return;
    }
    let checked = if observed.is_some() {
        "no Google account exists for the domain"
    } else {
        "existing-account check skipped (--refresh=none); apply checks again before creating"
    };
    let address = customer_address(&desired.name);
    let mut create = Action::new(
        &desired.name,
        address.clone(),
        ActionKind::CreateCustomer,
        format!("new customer; {checked}"),
    );
    create.changes = created_fields(desired);
    create.desired_customer = Some(desired.clone());
    draft.actions.push(create);

    let mut provision = Action::new(
        &desired.name,
        address,
        ActionKind::ProvisionAccount,
        "creates the Cloud Identity account and its super admin (seed §11); Google accounts cannot be deleted through the API",
    );
    provision.desired_customer = Some(desired.clone());
    provision.irreversible = true;
    draft.actions.push(provision);
    checklist::for_new_customer(desired, &mut draft.checklist);
}

fn adopt(desired: &Customer, channel_name: Option<String>, why: &str, draft: &mut Draft) {
    let mut action = Action::new(
        &desired.name,
        customer_address(&desired.name),
        ActionKind::Adopt,
        format!("{why}: record it, create nothing"),
    );
    action.desired_customer = Some(desired.clone());
    action.channel_name = channel_name;
    draft.actions.push(action);
}

/// Seed §3: the domain has a Google account that is not ours.
fn transfer_needed(desired: &Customer, account: &ExistingAccount) -> Finding {
    let whose = match &account.customer_name {
        Some(_) => "under another reseller or bought directly from Google",
        None => {
            "outside this reseller account (for example the legacy free edition or Workspace for Nonprofits)"
        }
    };
    let id = account
        .cloud_identity_id
        .as_deref()
        .map(|id| format!(" (Cloud Identity ID {id})"))
        .unwrap_or_default();
    Finding {
        customer: desired.name.clone(),
        address: customer_address(&desired.name),
        kind: FindingKind::TransferNeeded,
        message: format!("domain {} already has a Google account{id} {whose}; resold will not create the customer (seed §3)", desired.domain),
        help: "ask the customer to accept a transfer to this reseller (they create a transfer token in their Admin console: Billing → Transfer), then transfer the customer and its entitlements; a legacy free edition or Nonprofits account must first move to a paid edition".into(),
        blocking: true,
    }
}

fn plan_existing_customer(
    desired: &Customer,
    record: Option<&CustomerRecord>,
    seen: Option<&ObservedCustomer>,
    channel_name: &str,
    options: &PlanOptions,
    draft: &mut Draft,
    outcome: &mut CustomerOutcome,
) {
    let address = customer_address(&desired.name);
    let provisioned =
        outcome.cloud_identity_id.is_some() || seen.is_some_and(ObservedCustomer::is_provisioned);
    if !provisioned {
        let mut provision = Action::new(
            &desired.name,
            address.clone(),
            ActionKind::ProvisionAccount,
            "the Channel customer exists but has no Cloud Identity account yet",
        );
        provision.desired_customer = Some(desired.clone());
        provision.channel_name = Some(channel_name.to_string());
        provision.irreversible = true;
        draft.actions.push(provision);
    }
    let recorded = record.and_then(|r| r.applied.as_ref());
    // Nothing observed and nothing changed: no field can differ (the common
    // case at scale with --refresh=none or changed).
    if seen.is_none() && recorded.is_some_and(|r| same_details(desired, r)) {
        return;
    }
    let ignore = &desired.ignore_drift;
    let mut scan = FieldScan {
        customer: &desired.name,
        address: &address,
        source: DriftSource::Channel,
        ignore,
        ignore_prefix: String::new(),
        revert: options.revert_drift,
        changed_by: ChangedBy::default(),
        drift: &mut draft.drift,
    };
    let mut all_fields = fields(desired, recorded, seen.map(|s| &s.channel));
    let recorded_education = match (recorded, seen) {
        (Some(c), _) => json_opt(c.education.as_ref()),
        (None, seen) => seen.and_then(|s| json_opt(s.education.as_ref())),
    };
    all_fields.push(
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
    all_fields.push(Field::new(
        "purchaseOrderId",
        json_opt(desired.purchase_order_id.as_ref()),
        recorded_po,
        false,
    ));
    let mut changes = Vec::new();
    let mut manifest_changed = false;
    for field in all_fields {
        let from_manifest = field.desired != field.recorded;
        if let Some(change) = scan.writable(field) {
            manifest_changed |= from_manifest;
            changes.push(change);
        }
    }

    if let Some(seen) = seen {
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
                    checklist::push(
                        &mut draft.checklist,
                        desired,
                        ChecklistKind::SetRegionAndLanguage,
                    );
                }
            }
            AdminConsole::Unavailable { .. } => {
                outcome.drift_check = Some(DriftCheck::AdminConsoleUnknown);
                checklist::push(
                    &mut draft.checklist,
                    desired,
                    ChecklistKind::GrantResellerAccess,
                );
            }
            AdminConsole::NotProvisioned => {}
        }
        if desired.customer_type == CustomerType::Domain && seen.domain_verified == Some(false) {
            checklist::push(&mut draft.checklist, desired, ChecklistKind::VerifyDomain);
        }
        if seen.subscriptions.values().any(|s| s.awaits_tos()) {
            checklist::push(
                &mut draft.checklist,
                desired,
                ChecklistKind::AcceptTermsOfService,
            );
        }
    }
    if !changes.is_empty() {
        notices::for_changes(desired, &changes, &mut draft.notices);
        let mut update = Action::new(
            &desired.name,
            address,
            ActionKind::UpdateCustomer,
            "the manifest changes the Channel customer record",
        );
        if !manifest_changed {
            update.reason = "--revert-drift: put the recorded values back".into();
        }
        update.changes = changes;
        update.desired_customer = Some(desired.clone());
        update.channel_name = Some(channel_name.to_string());
        draft.actions.push(update);
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

/// Every field a create sends, as `null -> value` changes.
fn created_fields(desired: &Customer) -> Vec<FieldChange> {
    let mut changes: Vec<FieldChange> = fields(desired, None, None)
        .into_iter()
        .filter(|f| f.desired.is_some())
        .map(|f| FieldChange {
            field: f.name,
            before: None,
            after: f.desired,
            personal: f.personal,
        })
        .collect();
    changes.insert(
        1,
        FieldChange {
            field: "type".into(),
            before: None,
            after: Some(json(&desired.customer_type)),
            personal: false,
        },
    );
    if let Some(education) = &desired.education {
        changes.push(FieldChange {
            field: "education".into(),
            before: None,
            after: Some(json(education)),
            personal: false,
        });
    }
    changes
}
