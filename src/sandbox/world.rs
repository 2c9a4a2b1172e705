//! The sandbox's world: every customer, Cloud Identity account, entitlement,
//! change and operation, as one serialisable value. Handlers get `&World` or
//! `&mut World` under a lock and never await while holding it.

use std::collections::{BTreeMap, BTreeSet};

use super::tracked::Tracked;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::errors::{ApiError, ApiResult};
use super::routes::{CustomerRef, EntitlementRef};
use crate::api::channel::{CloudIdentityInfo, Customer, Entitlement, EntitlementChange, Operation};
use crate::api::directory::DirectoryCustomer;

/// Bumped when the persisted shape changes incompatibly.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct World {
    pub format_version: u32,
    /// `accounts/C00sandbox`.
    pub account: String,
    pub seed: u64,
    /// Source of every generated id; persisted so ids never repeat after a restart.
    pub id_counter: u64,
    /// Set for a Test Partner Sales Console account: the reseller's domain,
    /// which test customers' domains must contain (and seats cap at 10).
    #[serde(default)]
    pub test_partner_domain: Option<String>,
    /// Seconds the simulated clock runs ahead of the real one.
    #[serde(default)]
    pub clock_offset_seconds: i64,
    /// Channel customers by customer id.
    pub customers: Tracked<CustomerRecord>,
    /// Cloud Identity accounts by Cloud Identity id: ours and foreign ones.
    pub identities: Tracked<Identity>,
    /// Operations by id (`operations/{id}`).
    pub operations: Tracked<OperationRecord>,
    /// `method|target|requestId` → operation id: the idempotency memory.
    pub request_ids: Tracked<String>,
    /// The last persisted change this world includes (persist.rs).
    #[serde(default)]
    pub log_generation: u64,
    /// The secret that signs the access tokens `/token` issues (hex): kept
    /// with the world so tokens outlive a restart, never shown by `GET world`.
    #[serde(default)]
    pub token_key: String,
    /// Operations accepted whose work has not been carried out yet.
    #[serde(default)]
    pub pending_operations: BTreeSet<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerRecord {
    /// The Channel record, as `customers.get` returns it.
    pub channel: Customer,
    /// Entitlements by entitlement id.
    pub entitlements: BTreeMap<String, EntitlementRecord>,
    /// The entitlement change log, oldest first.
    pub changes: Vec<EntitlementChange>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntitlementRecord {
    pub entitlement: Entitlement,
    /// The catalogue key of the SKU (the opaque names are derived from it).
    pub sku_key: String,
    /// Licences in use (`assigned_units`).
    pub assigned_units: i64,
}

/// Who runs a Cloud Identity account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Owner {
    /// Provisioned or imported by this reseller: the Channel customer id.
    Ours { customer: String },
    /// Another owner (Add a Google Workspace customer, step 3): legacy free edition, nonprofit, another reseller, Google direct.
    Foreign { edition: String },
}

/// A subscription a Cloud Identity account has with its other owner (another
/// reseller, or Google directly): what `listTransferableSkus` reports and
/// `transferEntitlements` takes over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Holding {
    /// The catalogue key, or `LEGACY_SKU` for a legacy free edition.
    pub sku_key: String,
    pub plan: crate::model::PlanKind,
    pub seats: i64,
    #[serde(default)]
    pub suspended: bool,
    /// End of the running commitment term (RFC 3339); empty when not committed.
    #[serde(default)]
    pub commitment_end_time: String,
}

/// The SKU key of a legacy G Suite free edition: not sold, not transferable.
pub const LEGACY_SKU: &str = "legacy-free-edition";

/// The token a customer's super admin makes so a reseller may take it over
/// (support.google.com/a/answer/7643790).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferToken {
    pub token: String,
    /// RFC 3339; the token is refused from then on.
    pub expire_time: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    pub id: String,
    pub domain: String,
    /// `DOMAIN` or `TEAM`; verifying a team's domain turns it into `DOMAIN`.
    pub customer_type: String,
    pub admin_email: String,
    pub owner: Owner,
    pub domain_verified: bool,
    pub tos_accepted: bool,
    /// Reseller access to the customer's Admin console (Add a Google Workspace customer, step 16: off until granted).
    pub reseller_access: bool,
    /// The customer switched off Admin SDK access for its domain.
    #[serde(default)]
    pub api_access_disabled: bool,
    /// Subscriptions still with the other owner, waiting to be transferred.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holdings: Vec<Holding>,
    /// The customer's current transfer token, if it made one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_token: Option<TransferToken>,
    /// Imported with a valid token: later transfer calls may omit it.
    #[serde(default)]
    pub transfer_authorized: bool,
    /// What Channel shows as `cloudIdentityInfo`.
    pub info: CloudIdentityInfo,
    /// The customer's own Admin console profile (Directory `customers`).
    pub directory: DirectoryCustomer,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationRecord {
    /// The final Operation (with `done: true`) once the polls run out.
    pub operation: Operation,
    /// `operations.get` calls left before the operation reports done.
    pub polls_left: u32,
    /// Unix milliseconds (simulated clock) before which it is still running.
    #[serde(default)]
    pub ready_at_ms: i64,
    /// The request to carry out when the operation becomes done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<super::operations::PendingWork>,
}

impl World {
    pub fn new(account: &str, seed: u64) -> World {
        let mut world = World {
            format_version: FORMAT_VERSION,
            account: account.to_string(),
            seed,
            ..World::default()
        };
        world.ensure_token_key();
        world
    }

    /// Gives a world saved without a token key (or a new one) a random key.
    pub fn ensure_token_key(&mut self) {
        if self.token_key.len() != 64 {
            self.token_key = hex::encode(rand::random::<[u8; 32]>());
        }
    }

    pub fn token_key(&self) -> &[u8] {
        self.token_key.as_bytes()
    }

    /// The account id without `accounts/`.
    pub fn account_id(&self) -> &str {
        self.account.trim_start_matches("accounts/")
    }

    /// A fresh opaque id: deterministic for a seed, never repeated.
    pub fn next_id(&mut self, prefix: &str, length: usize) -> String {
        self.id_counter += 1;
        let mut state = self.seed ^ self.id_counter.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut id = String::from(prefix);
        while id.len() < prefix.len() + length {
            state = splitmix64(state);
            let alphabet = b"0123456789abcdefghijklmnopqrstuvwxyz";
            id.push(char::from(
                alphabet[(state % alphabet.len() as u64) as usize],
            ));
        }
        id
    }

    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + time::Duration::seconds(self.clock_offset_seconds)
    }

    pub fn timestamp(&self) -> String {
        format_time(self.now())
    }

    /// Refuses names in another reseller's account, as Google does.
    pub fn check_account(&self, account: &str) -> ApiResult<()> {
        if account == self.account_id() {
            Ok(())
        } else {
            Err(ApiError::permission_denied(format!(
                "The caller does not have permission on accounts/{account}."
            )))
        }
    }

    pub fn customer(&self, reference: &CustomerRef) -> ApiResult<&CustomerRecord> {
        self.check_account(&reference.account)?;
        self.customers
            .get(&reference.customer)
            .ok_or_else(|| customer_not_found(reference))
    }

    pub fn customer_mut(&mut self, reference: &CustomerRef) -> ApiResult<&mut CustomerRecord> {
        self.check_account(&reference.account)?;
        self.customers
            .get_mut(&reference.customer)
            .ok_or_else(|| customer_not_found(reference))
    }

    pub fn entitlement(&self, reference: &EntitlementRef) -> ApiResult<&EntitlementRecord> {
        self.customer(&reference.customer)?
            .entitlements
            .get(&reference.entitlement)
            .ok_or_else(|| entitlement_not_found(reference))
    }

    /// The Cloud Identity account behind a Channel customer, if provisioned.
    pub fn identity_of(&self, customer: &CustomerRecord) -> Option<&Identity> {
        self.identities.get(&customer.channel.cloud_identity_id)
    }

    /// Every admin email in the world, ours and foreign (provisioning refuses repeats).
    pub fn admin_email_taken(&self, email: &str) -> bool {
        self.identities
            .values()
            .any(|identity| identity.admin_email.eq_ignore_ascii_case(email))
    }
}

/// What one mutation changed, as the change log keeps it: the touched
/// entries (null: removed) and the small scalars, stamped with the
/// mutation's generation.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub generation: u64,
    pub id_counter: u64,
    pub clock_offset_seconds: i64,
    #[serde(default)]
    pub pending_operations: BTreeSet<String>,
    #[serde(default)]
    pub customers: BTreeMap<String, Option<CustomerRecord>>,
    #[serde(default)]
    pub identities: BTreeMap<String, Option<Identity>>,
    #[serde(default)]
    pub operations: BTreeMap<String, Option<OperationRecord>>,
    #[serde(default)]
    pub request_ids: BTreeMap<String, Option<String>>,
}

fn touched_json<V: Serialize>(map: &mut Tracked<V>) -> serde_json::Result<serde_json::Value> {
    let mut entries = serde_json::Map::new();
    for (key, value) in map.take_touched() {
        entries.insert(key, serde_json::to_value(value)?);
    }
    Ok(serde_json::Value::Object(entries))
}

impl World {
    /// The change since the last call, as one log line (JSON, no newline),
    /// stamped `generation`; costs what was touched, not the world.
    pub fn take_change(&mut self, generation: u64) -> serde_json::Result<Vec<u8>> {
        self.log_generation = generation;
        let line = serde_json::json!({
            "generation": generation,
            "idCounter": self.id_counter,
            "clockOffsetSeconds": self.clock_offset_seconds,
            "pendingOperations": self.pending_operations,
            "customers": touched_json(&mut self.customers)?,
            "identities": touched_json(&mut self.identities)?,
            "operations": touched_json(&mut self.operations)?,
            "requestIds": touched_json(&mut self.request_ids)?,
        });
        serde_json::to_vec(&line)
    }

    /// Forgets what was touched: the change is not kept (memory-only world,
    /// or a refused request).
    pub fn forget_change(&mut self) {
        self.customers.forget_touched();
        self.identities.forget_touched();
        self.operations.forget_touched();
        self.request_ids.forget_touched();
    }

    /// Replays a logged change (one the world does not include yet).
    pub fn apply_change(&mut self, change: Change) {
        self.log_generation = change.generation;
        self.id_counter = change.id_counter;
        self.clock_offset_seconds = change.clock_offset_seconds;
        self.pending_operations = change.pending_operations;
        for (key, value) in change.customers {
            self.customers.restore(key, value);
        }
        for (key, value) in change.identities {
            self.identities.restore(key, value);
        }
        for (key, value) in change.operations {
            self.operations.restore(key, value);
        }
        for (key, value) in change.request_ids {
            self.request_ids.restore(key, value);
        }
    }
}

fn customer_not_found(reference: &CustomerRef) -> ApiError {
    ApiError::not_found(format!("Customer {} was not found.", reference.name()))
}

fn entitlement_not_found(reference: &EntitlementRef) -> ApiError {
    ApiError::not_found(format!("Entitlement {} was not found.", reference.name()))
}

pub fn format_time(moment: OffsetDateTime) -> String {
    moment
        .replace_nanosecond((moment.nanosecond() / 1000) * 1000)
        .ok()
        .and_then(|m| m.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// A small, well-mixed PRNG step (Steele et al.), enough for ids and faults.
pub fn splitmix64(mut state: u64) -> u64 {
    state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a: stable across runs and platforms (std's hasher is randomised).
pub fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_deterministic_per_seed_and_unique() {
        let mut a = World::new("accounts/A", 7);
        let mut b = World::new("accounts/A", 7);
        let first = a.next_id("S", 10);
        assert_eq!(first, b.next_id("S", 10));
        assert_ne!(first, a.next_id("S", 10));
        assert_ne!(first, World::new("accounts/A", 8).next_id("S", 10));
        assert_eq!(first.len(), 11);
    }
}
