//! Entitlement writes: order, change seats / plan / renewal, suspend,
//! activate, start paid service, cancel. Each carries the caller's request
//! id, which the HTTP layer reuses on every retry, and waits for its
//! operation.

use serde::Serialize;

use crate::api::channel as wire;
use crate::model::Subscription;
use crate::observed::ObservedSubscription;

use super::client::ChannelProvider;
use super::error::ProviderError;
use super::{convert, lro, offers};
use crate::api::EntitlementAction;

const CREATE_METHOD: &str = "cloudchannel.accounts.customers.entitlements.create";

/// `accounts/A/customers/C` of `accounts/A/customers/C/entitlements/E`.
fn customer_of(entitlement_name: &str) -> &str {
    entitlement_name
        .split_once("/entitlements/")
        .map_or(entitlement_name, |(customer, _)| customer)
}

pub fn request_id_only(request_id: &str) -> wire::RequestIdOnly {
    wire::RequestIdOnly {
        request_id: request_id.to_string(),
    }
}

fn no_offer(subscription: &Subscription, customer: &str) -> ProviderError {
    ProviderError::NoOffer {
        sku: subscription.sku.clone(),
        plan: subscription.plan.to_string(),
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
pub async fn act(
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

pub async fn order(
    provider: &ChannelProvider,
    customer: &str,
    subscription: &Subscription,
    purchase_order_id: Option<&str>,
    request_id: &str,
) -> Result<ObservedSubscription, ProviderError> {
    let sku = channel_sku(provider, &subscription.sku).await?;
    let purchasable = provider
        .channel
        .list_purchasable_offers_to_create(customer, &sku)
        .await?;
    let (offer, price_reference_id) = offers::pick(&purchasable, subscription.plan)
        .ok_or_else(|| no_offer(subscription, customer))?;
    let renewal = convert::renewal_settings(subscription.plan, subscription.renewal);
    let request = wire::CreateEntitlementRequest {
        entitlement: Some(wire::Entitlement {
            offer,
            parameters: convert::seat_parameters(subscription.plan, subscription.seats),
            commitment_settings: renewal.map(|r| wire::CommitmentSettings {
                renewal_settings: Some(r),
                ..wire::CommitmentSettings::default()
            }),
            purchase_order_id: purchase_order_id.unwrap_or_default().to_string(),
            price_reference_id,
            ..wire::Entitlement::default()
        }),
        request_id: request_id.to_string(),
    };
    let operation = provider
        .channel
        .create_entitlement(customer, &request)
        .await?;
    let entitlement: wire::Entitlement =
        lro::wait(&provider.channel, provider.lro(), CREATE_METHOD, operation).await?;
    to_observed(provider, &entitlement, &subscription.sku).await
}

pub async fn change_seats(
    provider: &ChannelProvider,
    entitlement_name: &str,
    subscription: &Subscription,
    purchase_order_id: Option<&str>,
    request_id: &str,
) -> Result<ObservedSubscription, ProviderError> {
    let body = wire::ChangeParametersRequest {
        parameters: convert::seat_parameters(subscription.plan, subscription.seats),
        request_id: request_id.to_string(),
        purchase_order_id: purchase_order_id.unwrap_or_default().to_string(),
    };
    let action = EntitlementAction::ChangeParameters;
    act(provider, entitlement_name, action, &body, &subscription.sku).await
}

/// `changeOffer` to the offer of the subscription's SKU and plan.
pub async fn change_plan(
    provider: &ChannelProvider,
    entitlement_name: &str,
    subscription: &Subscription,
    purchase_order_id: Option<&str>,
    request_id: &str,
) -> Result<ObservedSubscription, ProviderError> {
    let customer = customer_of(entitlement_name);
    let sku = channel_sku(provider, &subscription.sku).await?;
    let purchasable = provider
        .channel
        .list_purchasable_offers_to_change(customer, entitlement_name, &sku)
        .await?;
    let (offer, price_reference_id) = offers::pick(&purchasable, subscription.plan)
        .ok_or_else(|| no_offer(subscription, customer))?;
    let body = wire::ChangeOfferRequest {
        offer,
        parameters: convert::seat_parameters(subscription.plan, subscription.seats),
        purchase_order_id: purchase_order_id.unwrap_or_default().to_string(),
        request_id: request_id.to_string(),
        price_reference_id,
        ..wire::ChangeOfferRequest::default()
    };
    let action = EntitlementAction::ChangeOffer;
    act(provider, entitlement_name, action, &body, &subscription.sku).await
}

pub async fn change_renewal(
    provider: &ChannelProvider,
    entitlement_name: &str,
    subscription: &Subscription,
    request_id: &str,
) -> Result<ObservedSubscription, ProviderError> {
    // Google would answer NOT_COMMITMENT_PLAN; say so before sending.
    let renewal_settings = convert::renewal_settings(subscription.plan, subscription.renewal)
        .ok_or_else(|| {
            ProviderError::Settings(format!(
                "renewal settings apply to annual plans only, not `{}` ({})",
                subscription.plan, subscription.sku
            ))
        })?;
    let body = wire::ChangeRenewalSettingsRequest {
        renewal_settings: Some(renewal_settings),
        request_id: request_id.to_string(),
    };
    let action = EntitlementAction::ChangeRenewalSettings;
    act(provider, entitlement_name, action, &body, &subscription.sku).await
}

/// `cancel` answers Empty, not the entitlement.
pub async fn cancel(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_customer_of_an_entitlement_is_its_parent() {
        assert_eq!(
            customer_of("accounts/A/customers/C/entitlements/E"),
            "accounts/A/customers/C"
        );
    }
}
