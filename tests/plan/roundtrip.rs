//! plan(desired == recorded == observed) is empty, for any portfolio.

use proptest::prelude::*;
use resold::fixtures::{sample_domain_customer, sample_subscription};
use resold::model::{PlanKind, Renewal, SubscriptionState};

use super::fixtures::*;

const SKUS: &[&str] = &[
    "business-starter",
    "business-standard",
    "enterprise-plus",
    "vault",
    "cloud-identity-premium",
];

fn arb_customer(index: usize) -> impl Strategy<Value = resold::model::Customer> {
    (
        "[A-Za-zÅÄÖåäö &<>|*@]{1,20}",
        proptest::option::of("\\+46[1-9][0-9]{6,9}"),
        proptest::sample::subsequence(SKUS, 0..=3),
        proptest::collection::vec((1u32..50_000, 0usize..4, any::<bool>(), 0usize..4), 3),
        any::<bool>(),
    )
        .prop_map(move |(org, phone, skus, params, protect)| {
            let mut c =
                sample_domain_customer(&format!("c{index}"), &org, &format!("c{index}.example"));
            c.phone = phone;
            c.protect = protect;
            c.subscriptions = skus
                .iter()
                .zip(params)
                .map(|(sku, (seats, plan, suspended, renewal))| {
                    let plan = [
                        PlanKind::AnnualMonthly,
                        PlanKind::AnnualYearly,
                        PlanKind::Flexible,
                        PlanKind::Trial,
                    ][plan];
                    let mut s = sample_subscription(sku, plan, seats);
                    if plan.is_commitment() {
                        s.renewal = Some(Renewal::ALL[renewal]);
                    }
                    if suspended {
                        s.state = SubscriptionState::Suspended;
                    }
                    s
                })
                .collect();
            c
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_portfolio_that_matches_state_and_google_plans_nothing(
        customers in (1usize..6).prop_flat_map(|n| (0..n).map(arb_customer).collect::<Vec<_>>())
    ) {
        let world = World::applied(customers);
        let plan = world.plan();
        prop_assert!(plan.actions.is_empty(), "{:#?}", plan.actions);
        prop_assert!(plan.drift.is_empty(), "{:#?}", plan.drift);
        prop_assert!(plan.findings.is_empty(), "{:#?}", plan.findings);
        prop_assert_eq!(plan.status().exit_code(), 0);
    }
}
