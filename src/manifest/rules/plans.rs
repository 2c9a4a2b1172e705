//! How each order is paid for: plans the SKU offers, seat limits, renewal
//! settings and purchase order ids.

use super::Context;
use crate::catalog::MAX_TRIAL_SEATS;
use crate::diagnostics::{Diagnostic, Severity};
use crate::manifest::schema::PURCHASE_ORDER_MAX_LENGTH;
use crate::model::PlanKind;

pub const PLAN_NOT_OFFERED: &str = "R-PLAN-ALLOWED";
pub const FREE_PLAN: &str = "R-PLAN-FREE";
pub const TRIAL_SEATS: &str = "R-TRIAL-SEATS";
pub const SEATS_RANGE: &str = "R-SEATS-RANGE";
pub const RENEWAL_ANNUAL_ONLY: &str = "R-RENEWAL-ANNUAL-ONLY";
pub const PURCHASE_ORDER_LENGTH: &str = "R-PO-LENGTH";

fn pointer(index: usize, field: &str) -> String {
    format!("/spec/subscriptions/{index}/{field}")
}

/// The plan must be one the SKU is sold on; `free` exists only for the
/// free products (Cloud Identity Free, Education Fundamentals).
pub fn plan_allowed(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (index, subscription) in ctx.customer.subscriptions.iter().enumerate() {
        let Some(sku) = ctx.catalog.get(&subscription.sku) else {
            continue;
        };
        if sku.allows_plan(subscription.plan) {
            continue;
        }
        let offered = sku
            .plans
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let code = if subscription.plan == PlanKind::Free {
            FREE_PLAN
        } else {
            PLAN_NOT_OFFERED
        };
        let message = if subscription.plan == PlanKind::Free {
            format!(
                "`plan: free` is only for free products such as `cloud-identity-free`, not `{}`",
                sku.key
            )
        } else {
            format!(
                "`{}` is not sold on the `{}` plan",
                sku.key, subscription.plan
            )
        };
        out.push(ctx.report(
            Severity::Error,
            code,
            None,
            &pointer(index, "plan"),
            message,
            format!("use one of its plans: {offered}"),
        ));
    }
}

/// At least one seat; trials at most 10 (Google's trial quota); nothing
/// above 50,000 without a support case.
pub fn seats_within_limits(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (index, subscription) in ctx.customer.subscriptions.iter().enumerate() {
        let Some(sku) = ctx.catalog.get(&subscription.sku) else {
            continue;
        };
        let max = sku.max_seats(subscription.plan);
        let seats = subscription.seats;
        // Google sells free plans without a seat count.
        let no_count_on_free = subscription.plan == PlanKind::Free && seats == 0;
        if (1..=max).contains(&seats) || no_count_on_free {
            continue;
        }
        let (code, message, help) = if subscription.plan == PlanKind::Trial && seats > max {
            (
                TRIAL_SEATS,
                format!(
                    "a trial has at most {MAX_TRIAL_SEATS} seats, `{}` asks for {seats}",
                    sku.key
                ),
                format!(
                    "lower `seats` to {MAX_TRIAL_SEATS}, or order a paid plan (`flexible` or annual)"
                ),
            )
        } else {
            (
                SEATS_RANGE,
                format!(
                    "`seats` of `{}` is {seats}; it must be between 1 and {max}",
                    sku.key
                ),
                if seats == 0 {
                    "to stop paying, remove the subscription (with `protect: false`) or set `state: suspended`"
                        .to_string()
                } else {
                    "larger orders go through Google support; split or lower the seat count"
                        .to_string()
                },
            )
        };
        out.push(ctx.report(
            Severity::Error,
            code,
            None,
            &pointer(index, "seats"),
            message,
            help,
        ));
    }
}

/// Renewal settings exist only on annual commitments.
pub fn renewal_only_for_annual_plans(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (index, subscription) in ctx.customer.subscriptions.iter().enumerate() {
        if subscription.plan.is_commitment() || subscription.renewal.is_none() {
            continue;
        }
        out.push(ctx.report(
            Severity::Error,
            RENEWAL_ANNUAL_ONLY,
            None,
            &pointer(index, "renewal"),
            format!(
                "`renewal` applies only to annual plans, and this subscription is on `{}`",
                subscription.plan
            ),
            "remove `renewal`, or use `plan: annual-monthly` or `annual-yearly`".to_string(),
        ));
    }
}

/// Google stores at most 80 characters of a purchase order id.
pub fn purchase_order_length(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let customer_level = ctx
        .customer
        .purchase_order_id
        .as_deref()
        .map(|po| ("/spec/purchaseOrderId".to_string(), po));
    let per_order = ctx
        .customer
        .subscriptions
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            s.purchase_order_id
                .as_deref()
                .map(|po| (pointer(i, "purchaseOrderId"), po))
        });
    for (at, po) in customer_level.into_iter().chain(per_order) {
        let length = po.chars().count();
        if length <= PURCHASE_ORDER_MAX_LENGTH {
            continue;
        }
        out.push(ctx.report(
            Severity::Error,
            PURCHASE_ORDER_LENGTH,
            None,
            &at,
            format!(
                "`purchaseOrderId` has {length} characters; Google accepts at most {PURCHASE_ORDER_MAX_LENGTH}"
            ),
            "shorten the purchase order id".to_string(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{DOMAIN_CUSTOMER, codes, with_subscriptions};
    use super::*;

    #[test]
    fn offered_plans_pass() {
        let ok = with_subscriptions(
            DOMAIN_CUSTOMER,
            &[
                "business-standard annual-yearly 25",
                "cloud-identity-free free 10",
            ],
        );
        assert!(codes(&ok).is_empty());
    }

    #[test]
    fn plans_the_sku_lacks_are_errors() {
        let flex_only = with_subscriptions(DOMAIN_CUSTOMER, &["business-standard free 5"]);
        assert_eq!(codes(&flex_only), vec![FREE_PLAN]);
        let no_annual = with_subscriptions(DOMAIN_CUSTOMER, &["essentials annual-monthly 5"]);
        assert_eq!(codes(&no_annual), vec![PLAN_NOT_OFFERED]);
    }

    #[test]
    fn trials_carry_at_most_ten_seats() {
        let ten = with_subscriptions(DOMAIN_CUSTOMER, &["business-starter trial 10"]);
        assert!(codes(&ten).is_empty());
        let eleven = with_subscriptions(DOMAIN_CUSTOMER, &["business-starter trial 11"]);
        assert_eq!(codes(&eleven), vec![TRIAL_SEATS]);
    }

    #[test]
    fn seats_lie_between_one_and_fifty_thousand() {
        let max = with_subscriptions(DOMAIN_CUSTOMER, &["business-starter flexible 50000"]);
        assert!(codes(&max).is_empty());
        let zero = with_subscriptions(DOMAIN_CUSTOMER, &["business-starter flexible 0"]);
        assert_eq!(codes(&zero), vec![SEATS_RANGE]);
        let huge = with_subscriptions(DOMAIN_CUSTOMER, &["business-starter flexible 50001"]);
        assert_eq!(codes(&huge), vec![SEATS_RANGE]);
    }

    #[test]
    fn free_plans_need_no_seat_count_and_paid_plans_do() {
        let free = DOMAIN_CUSTOMER.replace(
            "    - sku: business-standard\n      plan: flexible\n      seats: 5\n",
            "    - sku: cloud-identity-free\n      plan: free\n",
        );
        assert!(codes(&free).is_empty(), "{:?}", codes(&free));
        let paid = DOMAIN_CUSTOMER.replace("      seats: 5\n", "");
        assert_eq!(codes(&paid), vec!["S-MISSING-FIELD"]);
    }

    #[test]
    fn renewal_only_on_annual_plans() {
        let annual = with_subscriptions(
            DOMAIN_CUSTOMER,
            &["business-standard annual-monthly 5 cancel"],
        );
        assert!(codes(&annual).is_empty());
        let flexible =
            with_subscriptions(DOMAIN_CUSTOMER, &["business-standard flexible 5 cancel"]);
        assert_eq!(codes(&flexible), vec![RENEWAL_ANNUAL_ONLY]);
    }

    #[test]
    fn purchase_order_ids_are_at_most_80_characters() {
        let ok = DOMAIN_CUSTOMER.replace(
            "  admin:\n",
            &format!("  purchaseOrderId: {}\n  admin:\n", "P".repeat(80)),
        );
        assert!(codes(&ok).is_empty());
        let long = DOMAIN_CUSTOMER.replace(
            "  admin:\n",
            &format!("  purchaseOrderId: {}\n  admin:\n", "P".repeat(81)),
        );
        assert_eq!(codes(&long), vec![PURCHASE_ORDER_LENGTH]);
    }
}
