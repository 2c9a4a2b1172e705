//! Cloud Channel API v1 resources and request/response bodies (discovery
//! revision 20260627). Field names are Google's; `None`/empty fields are not
//! sent, so a request never carries an output-only field by accident.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::status::Status;

macro_rules! wire {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            $($(#[$fmeta])* #[serde(default, skip_serializing_if = "is_default")] pub $field: $ty,)*
        }
    };
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

wire!(Customer {
    name: String,
    org_display_name: String,
    org_postal_address: Option<PostalAddress>,
    primary_contact_info: Option<ContactInfo>,
    alternate_email: String,
    domain: String,
    create_time: String,
    update_time: String,
    cloud_identity_id: String,
    language_code: String,
    cloud_identity_info: Option<CloudIdentityInfo>,
    channel_partner_id: String,
    correlation_id: String,
    customer_attestation_state: String,
});

wire!(
    /// `google.type.PostalAddress`.
    PostalAddress {
        revision: i32,
        region_code: String,
        language_code: String,
        postal_code: String,
        sorting_code: String,
        administrative_area: String,
        locality: String,
        sublocality: String,
        address_lines: Vec<String>,
        recipients: Vec<String>,
        organization: String,
    }
);

wire!(ContactInfo {
    first_name: String,
    last_name: String,
    display_name: String,
    email: String,
    title: String,
    phone: String,
});

wire!(CloudIdentityInfo {
    customer_type: String,
    primary_domain: String,
    is_domain_verified: Option<bool>,
    alternate_email: String,
    phone_number: String,
    language_code: String,
    admin_console_uri: String,
    edu_data: Option<EduData>,
});

pub mod customer_type {
    pub const DOMAIN: &str = "DOMAIN";
    pub const TEAM: &str = "TEAM";
}

wire!(EduData {
    institute_type: String,
    institute_size: String,
    website: String,
});

wire!(AdminUser {
    email: String,
    given_name: String,
    family_name: String,
});

wire!(CheckCloudIdentityAccountsExistRequest {
    domain: String,
    primary_admin_email: String,
});

wire!(CheckCloudIdentityAccountsExistResponse {
    cloud_identity_accounts: Vec<CloudIdentityCustomerAccount>,
});

wire!(CloudIdentityCustomerAccount {
    existing: bool,
    owned: bool,
    customer_name: String,
    customer_cloud_identity_id: String,
    customer_type: String,
    channel_partner_cloud_identity_id: String,
});

wire!(ListCustomersResponse {
    customers: Vec<Customer>,
    next_page_token: String,
});

wire!(ImportCustomerRequest {
    domain: String,
    cloud_identity_id: String,
    primary_admin_email: String,
    auth_token: String,
    overwrite_if_exists: bool,
    channel_partner_id: String,
    customer: String,
});

wire!(ProvisionCloudIdentityRequest {
    cloud_identity_info: Option<CloudIdentityInfo>,
    user: Option<AdminUser>,
    validate_only: bool,
});

wire!(Entitlement {
    name: String,
    create_time: String,
    update_time: String,
    offer: String,
    commitment_settings: Option<CommitmentSettings>,
    provisioning_state: String,
    provisioned_service: Option<ProvisionedService>,
    suspension_reasons: Vec<String>,
    purchase_order_id: String,
    trial_settings: Option<TrialSettings>,
    association_info: Option<AssociationInfo>,
    parameters: Vec<Parameter>,
    billing_account: String,
    price_reference_id: String,
});

pub mod provisioning_state {
    pub const ACTIVE: &str = "ACTIVE";
    pub const SUSPENDED: &str = "SUSPENDED";
}

pub mod suspension_reason {
    pub const RESELLER_INITIATED: &str = "RESELLER_INITIATED";
    pub const TRIAL_ENDED: &str = "TRIAL_ENDED";
    pub const RENEWAL_WITH_TYPE_CANCEL: &str = "RENEWAL_WITH_TYPE_CANCEL";
    pub const PENDING_TOS_ACCEPTANCE: &str = "PENDING_TOS_ACCEPTANCE";
    pub const OTHER: &str = "OTHER";
}

wire!(CommitmentSettings {
    start_time: String,
    end_time: String,
    renewal_settings: Option<RenewalSettings>,
});

wire!(RenewalSettings {
    enable_renewal: bool,
    resize_unit_count: bool,
    payment_plan: String,
    payment_cycle: Option<Period>,
});

wire!(Period {
    duration: i32,
    period_type: String,
});

pub mod period_type {
    pub const DAY: &str = "DAY";
    pub const MONTH: &str = "MONTH";
    pub const YEAR: &str = "YEAR";
}

wire!(ProvisionedService {
    provisioning_id: String,
    product_id: String,
    sku_id: String,
});

wire!(TrialSettings {
    trial: bool,
    end_time: String,
});

wire!(AssociationInfo {
    base_entitlement: String,
});

wire!(Parameter {
    name: String,
    value: Option<ParamValue>,
    editable: bool,
});

wire!(
    /// `GoogleCloudChannelV1Value`: int64 travels as a string.
    ParamValue {
        int64_value: Option<String>,
        string_value: Option<String>,
        double_value: Option<f64>,
        bool_value: Option<bool>,
        proto_value: Option<Value>,
    }
);

impl Parameter {
    /// An int64 parameter such as `num_units`.
    pub fn int(name: &str, value: i64) -> Parameter {
        Parameter {
            name: name.to_string(),
            value: Some(ParamValue {
                int64_value: Some(value.to_string()),
                ..ParamValue::default()
            }),
            editable: false,
        }
    }

    pub fn int_value(&self) -> Option<i64> {
        self.value.as_ref()?.int64_value.as_ref()?.parse().ok()
    }
}

/// The value of the int64 parameter `name`, if present.
pub fn int_parameter(parameters: &[Parameter], name: &str) -> Option<i64> {
    parameters
        .iter()
        .find(|p| p.name == name)
        .and_then(Parameter::int_value)
}

pub mod parameter {
    pub const NUM_UNITS: &str = "num_units";
    pub const MAX_UNITS: &str = "max_units";
    pub const ASSIGNED_UNITS: &str = "assigned_units";
}

wire!(CreateEntitlementRequest {
    entitlement: Option<Entitlement>,
    request_id: String,
});

wire!(ChangeParametersRequest {
    parameters: Vec<Parameter>,
    request_id: String,
    purchase_order_id: String,
});

wire!(ChangeOfferRequest {
    offer: String,
    parameters: Vec<Parameter>,
    purchase_order_id: String,
    request_id: String,
    billing_account: String,
    price_reference_id: String,
});

wire!(ChangeRenewalSettingsRequest {
    renewal_settings: Option<RenewalSettings>,
    request_id: String,
});

wire!(
    /// Body of suspend, activate, cancel and startPaidService: only a request id.
    RequestIdOnly {
        request_id: String,
    }
);

wire!(ListEntitlementsResponse {
    entitlements: Vec<Entitlement>,
    next_page_token: String,
});

wire!(EntitlementChange {
    suspension_reason: String,
    cancellation_reason: String,
    activation_reason: String,
    other_change_reason: String,
    entitlement: String,
    offer: String,
    provisioned_service: Option<ProvisionedService>,
    change_type: String,
    create_time: String,
    operator_type: String,
    parameters: Vec<Parameter>,
    operator: String,
});

pub mod operator_type {
    pub const CUSTOMER_SERVICE_REPRESENTATIVE: &str = "CUSTOMER_SERVICE_REPRESENTATIVE";
    pub const SYSTEM: &str = "SYSTEM";
    pub const CUSTOMER: &str = "CUSTOMER";
    pub const RESELLER: &str = "RESELLER";
}

pub mod change_type {
    pub const CREATED: &str = "CREATED";
    pub const PRICE_PLAN_SWITCHED: &str = "PRICE_PLAN_SWITCHED";
    pub const COMMITMENT_CHANGED: &str = "COMMITMENT_CHANGED";
    pub const RENEWED: &str = "RENEWED";
    pub const SUSPENDED: &str = "SUSPENDED";
    pub const ACTIVATED: &str = "ACTIVATED";
    pub const CANCELLED: &str = "CANCELLED";
    pub const SKU_CHANGED: &str = "SKU_CHANGED";
    pub const RENEWAL_SETTING_CHANGED: &str = "RENEWAL_SETTING_CHANGED";
    pub const PAID_SUBSCRIPTION_STARTED: &str = "PAID_SUBSCRIPTION_STARTED";
    pub const LICENSE_CAP_CHANGED: &str = "LICENSE_CAP_CHANGED";
    pub const SUSPENSION_DETAILS_CHANGED: &str = "SUSPENSION_DETAILS_CHANGED";
    pub const TRIAL_END_DATE_EXTENDED: &str = "TRIAL_END_DATE_EXTENDED";
    pub const TRIAL_STARTED: &str = "TRIAL_STARTED";
}

wire!(ListEntitlementChangesResponse {
    entitlement_changes: Vec<EntitlementChange>,
    next_page_token: String,
});

wire!(Offer {
    name: String,
    marketing_info: Option<MarketingInfo>,
    sku: Option<Sku>,
    plan: Option<Plan>,
    constraints: Option<Constraints>,
    price_by_resources: Vec<Value>,
    start_time: String,
    end_time: String,
    parameter_definitions: Vec<ParameterDefinition>,
    deal_code: String,
});

wire!(Sku {
    name: String,
    marketing_info: Option<MarketingInfo>,
    product: Option<Product>,
});

wire!(Product {
    name: String,
    marketing_info: Option<MarketingInfo>,
});

wire!(MarketingInfo {
    display_name: String,
    description: String,
    default_logo: Option<Value>,
});

wire!(Plan {
    payment_plan: String,
    payment_type: String,
    payment_cycle: Option<Period>,
    trial_period: Option<Period>,
    billing_account: String,
});

/// `EntitlementChange.activationReason`.
pub mod activation_reason {
    pub const RESELLER_REVOKED_SUSPENSION: &str = "RESELLER_REVOKED_SUSPENSION";
    pub const CUSTOMER_ACCEPTED_PENDING_TOS: &str = "CUSTOMER_ACCEPTED_PENDING_TOS";
    pub const RENEWAL_SETTINGS_CHANGED: &str = "RENEWAL_SETTINGS_CHANGED";
    pub const OTHER_ACTIVATION_REASON: &str = "OTHER_ACTIVATION_REASON";
}

/// `EntitlementChange.cancellationReason`.
pub mod cancellation_reason {
    pub const SERVICE_TERMINATED: &str = "SERVICE_TERMINATED";
    pub const RELATIONSHIP_ENDED: &str = "RELATIONSHIP_ENDED";
    pub const PARTIAL_TRANSFER: &str = "PARTIAL_TRANSFER";
}

pub mod payment_plan {
    pub const COMMITMENT: &str = "COMMITMENT";
    pub const FLEXIBLE: &str = "FLEXIBLE";
    pub const FREE: &str = "FREE";
    pub const TRIAL: &str = "TRIAL";
    pub const OFFLINE: &str = "OFFLINE";
}

wire!(Constraints {
    customer_constraints: Option<CustomerConstraints>,
});

wire!(CustomerConstraints {
    allowed_regions: Vec<String>,
    allowed_customer_types: Vec<String>,
    promotional_order_types: Vec<String>,
});

wire!(ParameterDefinition {
    name: String,
    parameter_type: String,
    min_value: Option<ParamValue>,
    max_value: Option<ParamValue>,
    allowed_values: Vec<ParamValue>,
    optional: bool,
});

wire!(ListOffersResponse {
    offers: Vec<Offer>,
    next_page_token: String,
});

wire!(PurchasableOffer {
    offer: Option<Offer>,
    price_reference_id: String,
});

wire!(ListPurchasableOffersResponse {
    purchasable_offers: Vec<PurchasableOffer>,
    next_page_token: String,
});

wire!(PurchasableSku {
    sku: Option<Sku>,
});

wire!(ListPurchasableSkusResponse {
    purchasable_skus: Vec<PurchasableSku>,
    next_page_token: String,
});

wire!(ListProductsResponse {
    products: Vec<Product>,
    next_page_token: String,
});

wire!(ListSkusResponse {
    skus: Vec<Sku>,
    next_page_token: String,
});

wire!(
    /// `accounts.listTransferableSkus`: the customer by Cloud Identity id or
    /// Channel name; the other owner's transfer token until authorised.
    ListTransferableSkusRequest {
        cloud_identity_id: String,
        customer_name: String,
        auth_token: String,
        language_code: String,
        page_size: i32,
        page_token: String,
    }
);

wire!(ListTransferableSkusResponse {
    transferable_skus: Vec<TransferableSku>,
    next_page_token: String,
});

wire!(
    /// What a customer runs elsewhere and whether this reseller may take it over.
    TransferableSku {
        sku: Option<Sku>,
        legacy_sku: Option<Sku>,
        transfer_eligibility: Option<TransferEligibility>,
    }
);

wire!(TransferEligibility {
    is_eligible: bool,
    description: String,
    ineligibility_reason: String,
});

/// `TransferEligibility.ineligibilityReason`.
pub mod ineligibility_reason {
    pub const PENDING_TOS_ACCEPTANCE: &str = "PENDING_TOS_ACCEPTANCE";
    pub const SKU_NOT_ELIGIBLE: &str = "SKU_NOT_ELIGIBLE";
    pub const SKU_SUSPENDED: &str = "SKU_SUSPENDED";
    pub const CHANNEL_PARTNER_NOT_AUTHORIZED_FOR_SKU: &str =
        "CHANNEL_PARTNER_NOT_AUTHORIZED_FOR_SKU";
}

wire!(ListTransferableOffersRequest {
    cloud_identity_id: String,
    customer_name: String,
    sku: String,
    language_code: String,
    billing_account: String,
    page_size: i32,
    page_token: String,
});

wire!(ListTransferableOffersResponse {
    transferable_offers: Vec<TransferableOffer>,
    next_page_token: String,
});

wire!(TransferableOffer {
    offer: Option<Offer>,
    price_reference_id: String,
});

wire!(
    /// `customers.transferEntitlements`: every entitlement to take over, at once.
    TransferEntitlementsRequest {
        entitlements: Vec<Entitlement>,
        auth_token: String,
        request_id: String,
    }
);

wire!(
    /// The `response` of a done transferEntitlements operation.
    TransferEntitlementsResponse {
        entitlements: Vec<Entitlement>,
    }
);

wire!(TransferEntitlementsToGoogleRequest {
    entitlements: Vec<Entitlement>,
    request_id: String,
});

wire!(
    /// `google.longrunning.Operation`. When `done`, exactly one of `response`
    /// (with `@type`) and `error` is set.
    Operation {
        name: String,
        metadata: Option<Value>,
        done: bool,
        error: Option<Status>,
        response: Option<Value>,
    }
);

pub mod operation_type {
    pub const CREATE_ENTITLEMENT: &str = "CREATE_ENTITLEMENT";
    pub const CHANGE_RENEWAL_SETTINGS: &str = "CHANGE_RENEWAL_SETTINGS";
    pub const START_PAID_SERVICE: &str = "START_PAID_SERVICE";
    pub const ACTIVATE_ENTITLEMENT: &str = "ACTIVATE_ENTITLEMENT";
    pub const SUSPEND_ENTITLEMENT: &str = "SUSPEND_ENTITLEMENT";
    pub const CANCEL_ENTITLEMENT: &str = "CANCEL_ENTITLEMENT";
    pub const CHANGE_OFFER: &str = "CHANGE_OFFER";
    pub const CHANGE_PARAMETERS: &str = "CHANGE_PARAMETERS";
    pub const PROVISION_CLOUD_IDENTITY: &str = "PROVISION_CLOUD_IDENTITY";
    pub const TRANSFER_ENTITLEMENTS: &str = "TRANSFER_ENTITLEMENTS";
    pub const TRANSFER_ENTITLEMENTS_TO_GOOGLE: &str = "TRANSFER_ENTITLEMENTS_TO_GOOGLE";
}

pub const OPERATION_METADATA_TYPE: &str =
    "type.googleapis.com/google.cloud.channel.v1.OperationMetadata";
pub const CUSTOMER_TYPE_URL: &str = "type.googleapis.com/google.cloud.channel.v1.Customer";
pub const ENTITLEMENT_TYPE_URL: &str = "type.googleapis.com/google.cloud.channel.v1.Entitlement";
pub const EMPTY_TYPE_URL: &str = "type.googleapis.com/google.protobuf.Empty";
pub const TRANSFER_ENTITLEMENTS_RESPONSE_TYPE_URL: &str =
    "type.googleapis.com/google.cloud.channel.v1.TransferEntitlementsResponse";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_fields_are_not_sent() {
        let request = CreateEntitlementRequest {
            entitlement: Some(Entitlement {
                offer: "accounts/A/offers/O".into(),
                parameters: vec![Parameter::int(parameter::NUM_UNITS, 25)],
                ..Entitlement::default()
            }),
            request_id: "6f1c2d3e-4b5a-4c7d-9e8f-0a1b2c3d4e5f".into(),
        };
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"entitlement": {"offer": "accounts/A/offers/O",
                "parameters": [{"name": "num_units", "value": {"int64Value": "25"}}]},
                "requestId": "6f1c2d3e-4b5a-4c7d-9e8f-0a1b2c3d4e5f"})
        );
    }

    #[test]
    fn unknown_response_fields_are_tolerated() {
        let customer: Customer =
            serde_json::from_str(r#"{"name":"accounts/A/customers/C","futureField":1}"#).unwrap();
        assert_eq!(customer.name, "accounts/A/customers/C");
    }
}
