//! Who changed an entitlement, and when: the change history
//! (`listEntitlementChanges`, the 120/min bucket), read only for customers
//! with an entitlement whose terms differ from what the state recorded, or
//! already read because the entitlements were fetched by name.
//!
//! The planner attributes drift of a recorded subscription to the latest
//! change of its recorded entitlement (`plan/subscription_diff.rs`,
//! `last_change`), and only for fields that drifted. So the observation
//! keeps exactly the changes of entitlements whose terms drifted: whichever
//! way the entitlements were read, the same customer yields the same
//! `changes`, and a saved plan's fingerprint of the observation holds.

use std::collections::{BTreeMap, BTreeSet};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::api::channel as wire;
use crate::model::{PlanKind, Renewal, SubscriptionState};
use crate::observed::{ObservedChange, ObservedSubscription};

use super::super::error::ProviderError;
use super::super::offers::OfferBook;
use super::{CustomerQuery, Run, convert};

/// What the state recorded of one subscription's terms: the values the
/// planner compares the observed ones with to find drift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedTerms {
    pub plan: PlanKind,
    pub seats: u32,
    pub renewal: Option<Renewal>,
    pub state: SubscriptionState,
}

/// Whether the planner will see drift on this subscription. Mirrors the
/// field rules of `plan/subscription_diff.rs` (`existing`): a field drifts
/// when Google reports a value and it is not the recorded one; a suspension
/// that only waits for the Terms of Service is not drift.
pub fn terms_drifted(observed: &ObservedSubscription, recorded: &RecordedTerms) -> bool {
    observed.plan.is_some_and(|plan| plan != recorded.plan)
        || observed.seats.is_some_and(|seats| seats != recorded.seats)
        || observed
            .renewal
            .is_some_and(|renewal| Some(renewal) != recorded.renewal)
        || (!observed.is_pending_tos_only() && observed.state != recorded.state)
}

/// Recorded entitlement names whose observed terms drifted. A recorded
/// entitlement whose terms the query does not carry counts as drifted:
/// without them, attribution cannot be ruled out.
fn drifted(
    query: &CustomerQuery,
    subscriptions: &BTreeMap<String, ObservedSubscription>,
) -> BTreeSet<String> {
    query
        .entitlements
        .iter()
        .filter(|(sku, _)| {
            subscriptions.get(*sku).is_some_and(|observed| {
                query
                    .recorded_terms
                    .get(*sku)
                    .is_none_or(|recorded| terms_drifted(observed, recorded))
            })
        })
        .map(|(_, name)| name.clone())
        .collect()
}

/// The changes the planner needs: those of drifted entitlements since
/// `changes_since`, oldest first. Reads the history only when some
/// entitlement drifted and it was not read already.
pub(super) async fn attribution(
    run: &Run<'_>,
    query: &CustomerQuery,
    customer: &str,
    subscriptions: &BTreeMap<String, ObservedSubscription>,
    history: Option<Vec<wire::EntitlementChange>>,
) -> Result<Vec<ObservedChange>, ProviderError> {
    let drifted = drifted(query, subscriptions);
    if drifted.is_empty() {
        return Ok(Vec::new());
    }
    let history = match history {
        Some(history) => history,
        None => {
            run.provider
                .channel
                .list_entitlement_changes(customer)
                .await?
        }
    };
    Ok(recent_changes(
        run.book,
        &history,
        query.changes_since.as_deref(),
        &drifted,
    ))
}

fn recent_changes(
    book: &OfferBook,
    history: &[wire::EntitlementChange],
    since: Option<&str>,
    of: &BTreeSet<String>,
) -> Vec<ObservedChange> {
    let since = since.and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
    let mut recent: Vec<(Option<OffsetDateTime>, ObservedChange)> = history
        .iter()
        .filter(|change| of.contains(&change.entitlement))
        .filter_map(|change| {
            let at = OffsetDateTime::parse(&change.create_time, &Rfc3339).ok();
            let is_recent = match (since, at) {
                (Some(since), Some(at)) => at >= since,
                _ => true,
            };
            is_recent.then(|| {
                (
                    at,
                    convert::observed_change(change, change_sku(book, change)),
                )
            })
        })
        .collect();
    recent.sort_by_key(|(at, _)| *at);
    recent.into_iter().map(|(_, change)| change).collect()
}

fn change_sku(book: &OfferBook, change: &wire::EntitlementChange) -> Option<String> {
    let probe = wire::Entitlement {
        offer: change.offer.clone(),
        provisioned_service: change.provisioned_service.clone(),
        ..wire::Entitlement::default()
    };
    book.sku_key(&probe)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(seats: u32, state: SubscriptionState, reasons: &[&str]) -> ObservedSubscription {
        ObservedSubscription {
            sku: "business-standard".into(),
            entitlement_name: "c/1/entitlements/e1".into(),
            offer: "o".into(),
            plan: Some(PlanKind::AnnualMonthly),
            seats: Some(seats),
            assigned_units: None,
            renewal: Some(Renewal::AutoRenew),
            state,
            suspension_reasons: reasons.iter().map(|r| r.to_string()).collect(),
            trial_end: None,
            commitment_end: None,
            purchase_order_id: None,
        }
    }

    fn recorded() -> RecordedTerms {
        RecordedTerms {
            plan: PlanKind::AnnualMonthly,
            seats: 5,
            renewal: Some(Renewal::AutoRenew),
            state: SubscriptionState::Active,
        }
    }

    #[test]
    fn drift_is_what_the_planner_calls_drift() {
        let active = SubscriptionState::Active;
        assert!(!terms_drifted(&observed(5, active, &[]), &recorded()));
        assert!(terms_drifted(&observed(6, active, &[]), &recorded()));
        let mut plan = observed(5, active, &[]);
        plan.plan = Some(PlanKind::Flexible);
        assert!(terms_drifted(&plan, &recorded()));
        let mut renewal = observed(5, active, &[]);
        renewal.renewal = Some(Renewal::Cancel);
        assert!(terms_drifted(&renewal, &recorded()));
        // Values Google does not report are not drift.
        let mut unknown = observed(5, active, &[]);
        (unknown.plan, unknown.seats, unknown.renewal) = (None, None, None);
        assert!(!terms_drifted(&unknown, &recorded()));
        let suspended = SubscriptionState::Suspended;
        assert!(terms_drifted(
            &observed(5, suspended, &["RESELLER_INITIATED"]),
            &recorded()
        ));
        assert!(!terms_drifted(
            &observed(5, suspended, &["PENDING_TOS_ACCEPTANCE"]),
            &recorded()
        ));
    }

    #[test]
    fn only_recorded_entitlements_that_drifted_need_history() {
        let mut query = CustomerQuery::new("acme-se", "acme.se");
        query.entitlements = BTreeMap::from([
            (
                "business-standard".to_string(),
                "c/1/entitlements/e1".to_string(),
            ),
            ("vault".to_string(), "c/1/entitlements/e2".to_string()),
        ]);
        query.recorded_terms = BTreeMap::from([("business-standard".to_string(), recorded())]);
        let mut seen = BTreeMap::from([(
            "business-standard".to_string(),
            observed(5, SubscriptionState::Active, &[]),
        )]);
        assert!(
            drifted(&query, &seen).is_empty(),
            "vault is not observed: nothing to attribute"
        );
        seen.insert("vault".into(), observed(5, SubscriptionState::Active, &[]));
        assert_eq!(
            drifted(&query, &seen),
            BTreeSet::from(["c/1/entitlements/e2".to_string()]),
            "no recorded terms for vault: cannot rule drift out"
        );
        seen.insert(
            "business-standard".into(),
            observed(9, SubscriptionState::Active, &[]),
        );
        assert_eq!(drifted(&query, &seen).len(), 2);
    }
}
