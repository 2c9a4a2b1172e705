//! A manifest with no state record: a renamed customer (`resold state mv`),
//! one to adopt (found in the reseller account, or the Google account its
//! manifest names), one to transfer (a foreign Google account holds the
//! domain), or one to create and provision.

use crate::model::Customer;
use crate::observed::{ExistingAccount, ObservedCustomer};
use crate::operation::{CustomerOperation, CustomerRef, Operation, Origin, RecordOperation};

use super::action::{PlannedAction, customer_address};
use super::customer_diff::{
    CustomerOutcome, channel_fields, customer_type_field, details, plan_existing_customer,
};
use super::diff::{Context, Draft};
use super::findings::{Finding, FindingKind};

/// No state record: a rename, an adoption, a transfer or a create.
pub(super) fn plan_unrecorded(
    ctx: &Context,
    desired: &Customer,
    seen: Option<&ObservedCustomer>,
    draft: &mut Draft,
    outcome: &mut CustomerOutcome,
) {
    let accounts: &[ExistingAccount] = ctx
        .observed
        .and_then(|o| o.existing_accounts.get(&desired.domain))
        .map(Vec::as_slice)
        .unwrap_or_default();
    // A manifest that names its Google account (`spec.cloudIdentityId`, as
    // `resold import` writes) is that account or none: teams sharing a
    // domain each have their own (Add a Google Workspace customer, step 9).
    let named = desired.cloud_identity_id.as_deref();
    let owned = accounts.iter().filter(|a| a.existing && a.owned).find(|a| {
        named.is_none_or(|id| {
            a.cloud_identity_id
                .as_deref()
                .is_none_or(|found| found == id)
        })
    });
    let found = seen
        .map(|s| s.channel_name.as_str())
        .or_else(|| owned.and_then(|a| a.customer_name.as_deref()));
    if let Some(old) = found.and_then(|channel| ctx.orphan_of(channel)) {
        looks_like_rename(desired, old, draft);
        return;
    }
    if let Some(seen) = seen {
        adopt(
            desired,
            &seen.channel_name,
            seen.cloud_identity_id.clone(),
            Some(baseline(desired, seen)),
            "found in the reseller account but not in the state",
            draft,
        );
        outcome.target = Some(CustomerRef::Existing(seen.channel_name.clone()));
        plan_existing_customer(
            ctx,
            desired,
            None,
            Some(seen),
            &seen.channel_name,
            draft,
            outcome,
        );
        return;
    }
    if let Some(owned) = owned {
        outcome.cloud_identity_id = owned.cloud_identity_id.clone();
        owned_but_not_read(desired, owned, draft);
        return;
    }
    if let (Some(id), Some(_)) = (named, ctx.observed) {
        draft.findings.push(named_account_not_found(desired, id));
        return;
    }
    if let Some(foreign) = accounts.iter().find(|a| a.existing) {
        draft.findings.push(transfer_needed(desired, foreign));
        return;
    }
    let checked = if ctx.observed.is_some() {
        "no Google account exists for the domain"
    } else {
        "blind: not read from Google (--refresh=none); apply reads first and looks the domain up before creating"
    };
    let address = customer_address(&desired.name);
    let customer = details(desired);
    draft.actions.push(PlannedAction::new(
        &desired.name,
        address.clone(),
        Operation::Customer(CustomerOperation::CreateCustomer {
            customer: customer.clone(),
        }),
        format!("new customer; {checked}"),
    ));
    draft.actions.push(PlannedAction::new(
        &desired.name,
        address,
        Operation::Customer(CustomerOperation::ProvisionCloudIdentity {
            target: CustomerRef::CreatedInThisPlan,
            customer,
        }),
        "creates the Cloud Identity account and its super admin (Add a Google Workspace customer, step 11); Google accounts cannot be deleted through the API",
    ));
    draft.checklist.for_new_customer(desired);
    outcome.target = Some(CustomerRef::CreatedInThisPlan);
}

/// The new manifest names the Channel customer an orphaned record holds.
fn looks_like_rename(desired: &Customer, old: &str, draft: &mut Draft) {
    let new = &desired.name;
    draft.renamed.insert(old.to_string());
    draft.findings.push(Finding {
        customer: new.clone(),
        address: customer_address(new),
        kind: FindingKind::LooksLikeRename,
        message: format!(
            "looks like a rename: `resold state mv {old} {new}` — the state records this Channel customer as `{old}`, which no manifest names any more; nothing is planned for either"
        ),
        help: format!(
            "if `{new}` is `{old}` renamed, run `resold state mv {old} {new}` (it keeps the ids and history), then plan again; otherwise restore `{old}`'s manifest"
        ),
        blocking: true,
    });
}

fn adopt(
    desired: &Customer,
    channel_name: &str,
    cloud_identity_id: Option<String>,
    baseline: Option<Customer>,
    why: &str,
    draft: &mut Draft,
) {
    draft.actions.push(PlannedAction::new(
        &desired.name,
        customer_address(&desired.name),
        Operation::Record(RecordOperation::AdoptCustomer {
            channel_name: channel_name.to_string(),
            cloud_identity_id,
            protect: desired.protect,
            baseline,
            origin: if desired.cloud_identity_id.is_some() {
                Origin::Imported
            } else {
                Origin::Adopted
            },
        }),
        format!("{why}: record it, create nothing"),
    ));
}

/// What adopting records as applied: the manifest's values, with Google's
/// wherever the Channel record shows the field — so a later plan compares
/// with what exists, and what the manifest wants differently stays a change.
fn baseline(desired: &Customer, seen: &ObservedCustomer) -> Customer {
    let mut fields = channel_fields(desired, None, Some(seen));
    fields.push(customer_type_field(desired, None, Some(seen)));
    let live: Vec<(String, Option<serde_json::Value>)> = fields
        .into_iter()
        .filter_map(|f| f.observed.map(|observed| (f.name, observed)))
        .collect();
    crate::operation::customer_with(
        &details(desired),
        live.iter()
            .map(|(name, value)| (name.as_str(), value.as_ref())),
    )
}

/// `checkCloudIdentityAccountsExist` says the domain is ours, but the
/// customer itself was not read: adopting it is safe, ordering on top of it
/// is not (it may have the subscriptions already).
fn owned_but_not_read(desired: &Customer, owned: &ExistingAccount, draft: &mut Draft) {
    let address = customer_address(&desired.name);
    let help = "plan again: the next plan reads the customer and adopts what it has".to_string();
    match &owned.customer_name {
        Some(channel_name) => {
            adopt(
                desired,
                channel_name,
                owned.cloud_identity_id.clone(),
                None,
                "the domain already belongs to a customer of this reseller account",
                draft,
            );
            draft.findings.push(Finding {
                customer: desired.name.clone(),
                address,
                kind: FindingKind::NotRead,
                message: format!("{channel_name} is adopted, but its entitlements were not read; nothing is ordered for it in this plan"),
                help,
                blocking: true,
            });
        }
        None => draft.findings.push(Finding {
            customer: desired.name.clone(),
            address,
            kind: FindingKind::NotRead,
            message: format!(
                "domain {} already belongs to this reseller account, but Google did not name the customer; nothing is created",
                desired.domain
            ),
            help,
            blocking: true,
        }),
    }
}

/// Add a Google Workspace customer, step 3: the domain has a Google account that is not ours.
/// The manifest names a Google account that no customer of this reseller
/// account has: creating one would make a second account for the domain.
fn named_account_not_found(desired: &Customer, id: &str) -> Finding {
    Finding {
        customer: desired.name.clone(),
        address: customer_address(&desired.name),
        kind: FindingKind::Missing,
        message: format!(
            "the manifest names the Google account `{id}` (`spec.cloudIdentityId`), but no customer of this reseller account has it; nothing is created"
        ),
        help: "check the Cloud Identity ID in the Partner Sales Console; remove `cloudIdentityId` from the manifest to create a new customer instead".into(),
        blocking: true,
    }
}

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
        message: format!("domain {} already has a Google account{id} {whose}; resold will not create the customer (Add a Google Workspace customer, step 3)", desired.domain),
        help: "ask the customer to accept a transfer to this reseller (they create a transfer token in their Admin console: Billing → Transfer), then transfer the customer and its entitlements; a legacy free edition or Nonprofits account must first move to a paid edition".into(),
        blocking: true,
    }
}
