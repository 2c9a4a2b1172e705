//! Entitlement writes: order, change seats / plan / renewal, suspend,
//! activate, start paid service, cancel. Each carries the caller's request
//! id, which the HTTP layer reuses on every retry, and waits for its
//! operation.

use serde::Serialize;

use crate::api::channel as wire;
use crate::model::{PlanKind, Renewal};
use crate::observed::ObservedSubscription;
use crate::operation::EntitlementOperation;

use super::client::ChannelProvider;
use super::error::ProviderError;
use super::{EntitlementOutcome, convert, lro, offers};
use crate::api::EntitlementAction;

const CREATE_METHOD: &str = "cloudchannel.accounts.customers.entitlements.create";

fn request_id_only(request_id: &str) -> wire::RequestIdOnly {
    wire::RequestIdOnly {
        request_id: request_id.to_string(),
    }
}

fn no_offer(sku: &str, plan: PlanKind, customer: &str) -> ProviderError {
    ProviderError::NoOffer {
        sku: sku.to_string(),
        plan: plan.to_string(),
        for_customer: format!(" for {customer}"),
    }
}

async fn to_observed(
    provider: &ChannelProvider,
    entitlement: &wire::Entitlement,
    fallback_sku: &str,
) -> Result<ObservedSubscription, ProviderError> {
    let book = provider.offers().await?;
    let sku = book
        .sku_key(entitlement)
        .unwrap_or_else(|| fallback_sku.to_string());
    Ok(convert::observed_subscription(
        entitlement,
        &sku,
        book.plan(entitlement),
    ))
}

async fn channel_sku(provider: &ChannelProvider, sku: &str) -> Result<String, ProviderError> {
    let book = provider.offers().await?;
    book.channel_sku(sku)
        .map(str::to_string)
        .ok_or_else(|| ProviderError::UnknownSku(sku.to_string()))
}

/// Runs an entitlement custom method and waits for the entitlement.
/// `fallback_sku` names it when neither its service ids nor its offer do.
async fn act(
    provider: &ChannelProvider,
    entitlement_name: &str,
    action: EntitlementAction,
    body: &impl Serialize,
    fallback_sku: &str,
) -> Result<ObservedSubscription, ProviderError> {
    let operation = provider
        .channel
        .entitlement_action(entitlement_name, action, body)
        .await?;
    let entitlement: wire::Entitlement = lro::wait(
        &provider.channel,
        provider.lro(),
        action.method_id(),
        operation,
    )
    .await?;
    to_observed(provider, &entitlement, fallback_sku).await
}

/// The provider's one entitlement method: every mutation by its operation.
pub async fn run(
    provider: &ChannelProvider,
    operation: &EntitlementOperation,
) -> Result<EntitlementOutcome, ProviderError> {
    let entitlement =
        |observed: ObservedSubscription| EntitlementOutcome::Entitlement(Box::new(observed));
    let sku = operation.sku();
    let name = operation.entitlement().unwrap_or_default();
    let request_id = operation.request_id().to_string();
    Ok(match operation {
        EntitlementOperation::Order {
            customer,
            plan,
            seats,
            renewal,
            purchase_order_id,
            ..
        } => {
            let order = Order {
                customer: customer.channel_name()?,
                sku,
                plan: *plan,
                seats: *seats,
                renewal: *renewal,
                purchase_order_id: purchase_order_id.as_deref(),
                request_id: &request_id,
            };
            entitlement(self::order(provider, &order).await?)
        }
        EntitlementOperation::ChangeSeats {
            plan,
            to,
            purchase_order_id,
            ..
        } => {
            let body = wire::ChangeParametersRequest {
                parameters: convert::seat_parameters(*plan, *to),
                request_id,
                purchase_order_id: purchase_order_id.clone().unwrap_or_default(),
            };
            let action = EntitlementAction::ChangeParameters;
            entitlement(act(provider, name, action, &body, sku).await?)
        }
        EntitlementOperation::ChangeOffer {
            plan,
            seats,
            purchase_order_id,
            ..
        } => {
            let customer = operation.channel_customer()?;
            let channel_sku = channel_sku(provider, sku).await?;
            let purchasable = provider
                .channel
                .list_purchasable_offers_to_change(customer, name, &channel_sku)
                .await?;
            let (offer, price_reference_id) =
                offers::pick(&purchasable, *plan).ok_or_else(|| no_offer(sku, *plan, customer))?;
            let body = wire::ChangeOfferRequest {
                offer,
                parameters: convert::seat_parameters(*plan, *seats),
                purchase_order_id: purchase_order_id.clone().unwrap_or_default(),
                request_id,
                price_reference_id,
                ..wire::ChangeOfferRequest::default()
            };
            let action = EntitlementAction::ChangeOffer;
            entitlement(act(provider, name, action, &body, sku).await?)
        }
        EntitlementOperation::ChangeRenewal { plan, to, .. } => {
            // Google would answer NOT_COMMITMENT_PLAN; say so before sending.
            let renewal_settings =
                convert::renewal_settings(*plan, Some(*to)).ok_or_else(|| {
                    ProviderError::Settings(format!(
                        "renewal settings apply to annual plans only, not `{plan}` ({sku})"
                    ))
                })?;
            let body = wire::ChangeRenewalSettingsRequest {
                renewal_settings: Some(renewal_settings),
                request_id,
            };
            let action = EntitlementAction::ChangeRenewalSettings;
            entitlement(act(provider, name, action, &body, sku).await?)
        }
        EntitlementOperation::Suspend { .. } => {
            let body = request_id_only(&request_id);
            entitlement(act(provider, name, EntitlementAction::Suspend, &body, sku).await?)
        }
        EntitlementOperation::Activate { .. } => {
            let body = request_id_only(&request_id);
            entitlement(act(provider, name, EntitlementAction::Activate, &body, sku).await?)
        }
        EntitlementOperation::StartPaidService { .. } => {
            let body = request_id_only(&request_id);
            let action = EntitlementAction::StartPaidService;
            entitlement(act(provider, name, action, &body, sku).await?)
        }
        EntitlementOperation::Cancel { .. } => {
            cancel(provider, name, &request_id).await?;
            EntitlementOutcome::Cancelled
        }
    })
}

/// What `entitlements.create` needs.
struct Order<'a> {
    customer: &'a str,
    sku: &'a str,
    plan: PlanKind,
    seats: u32,
    renewal: Option<Renewal>,
    purchase_order_id: Option<&'a str>,
    request_id: &'a str,
}

async fn order(
    provider: &ChannelProvider,
    order: &Order<'_>,
) -> Result<ObservedSubscription, ProviderError> {
    let sku = channel_sku(provider, order.sku).await?;
    let purchasable = provider
        .offers()
        .await?
        .purchasable_to_create(&provider.channel, order.customer, &sku)
        .await?;
    let (offer, price_reference_id) = offers::pick(&purchasable, order.plan)
        .ok_or_else(|| no_offer(order.sku, order.plan, order.customer))?;
    let renewal = convert::renewal_settings(order.plan, order.renewal);
    let request = wire::CreateEntitlementRequest {
        entitlement: Some(wire::Entitlement {
            offer,
            parameters: convert::seat_parameters(order.plan, order.seats),
            commitment_settings: renewal.map(|r| wire::CommitmentSettings {
                renewal_settings: Some(r),
                ..wire::CommitmentSettings::default()
            }),
            purchase_order_id: order.purchase_order_id.unwrap_or_default().to_string(),
            price_reference_id,
            ..wire::Entitlement::default()
        }),
        request_id: order.request_id.to_string(),
    };
    let operation = provider
        .channel
        .create_entitlement(order.customer, &request)
        .await?;
    let entitlement: wire::Entitlement =
        lro::wait(&provider.channel, provider.lro(), CREATE_METHOD, operation).await?;
    to_observed(provider, &entitlement, order.sku).await
}

/// `cancel` answers Empty, not the entitlement.
async fn cancel(
    provider: &ChannelProvider,
    entitlement_name: &str,
    request_id: &str,
) -> Result<(), ProviderError> {
    let action = EntitlementAction::Cancel;
    let body = request_id_only(request_id);
    let operation = provider
        .channel
        .entitlement_action(entitlement_name, action, &body)
        .await?;
    let _: serde_json::Value = lro::wait(
        &provider.channel,
        provider.lro(),
        action.method_id(),
        operation,
    )
    .await?;
    Ok(())
}
