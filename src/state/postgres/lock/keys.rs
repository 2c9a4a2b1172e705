//! Advisory-lock keys. PostgreSQL's two-key form `pg_advisory_lock(int4,
//! int4)` gives each workspace a key space of its own:
//!
//! - first key: a stable hash of (schema, workspace), so that two workspaces
//!   — in one schema or in two — never share a key by construction (the
//!   collision Terraform's `pg` backend had, hashicorp/terraform #22833 and
//!   #29034, where every schema's workspace ids started at 1);
//! - second key: 0 for the account-wide key, a stable hash of the customer
//!   name (never 0) for a customer, and a stable hash of the domain, in a
//!   hash space of its own (never 0), for a domain a run may create a
//!   customer of. Google accepts a second customer of a domain it already
//!   knows (docs/google-apis.md), so two checkouts whose manifests give one
//!   domain two customer names — disjoint customer locks — would otherwise
//!   both create it.
//!
//! The hashes are SHA-256 truncated to 32 bits, not `DefaultHasher`, whose
//! output may change between Rust releases and would let two resold versions
//! lock different keys for one customer.
//!
//! A collision — two customer names, or two workspaces, on one key — can only
//! make a run wait for a lock it did not need (over-locking); it can never
//! let two runs hold the lock of one customer (under-locking), because equal
//! names always give equal keys. Schema migrations lock a one-key (bigint)
//! key instead: PostgreSQL keeps one-key and two-key locks apart.

use sha2::{Digest, Sha256};

/// The second key of the account-wide lock; customers never get it.
pub const ACCOUNT_KEY: i32 = 0;

fn hash32(domain: &str, parts: &[&str]) -> [u8; 4] {
    let mut hasher = Sha256::new();
    hasher.update(domain.as_bytes());
    for part in parts {
        // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// The first key of every lock of one workspace.
pub fn workspace_space(schema: &str, workspace: &str) -> i32 {
    i32::from_be_bytes(hash32("resold workspace lock v1", &[schema, workspace]))
}

/// The second key of a customer's lock: never `ACCOUNT_KEY`.
pub fn customer_key(name: &str) -> i32 {
    match i32::from_be_bytes(hash32("resold customer lock v1", &[name])) {
        ACCOUNT_KEY => 1,
        key => key,
    }
}

/// The second key of a domain's lock: never `ACCOUNT_KEY`. `domain` is
/// normalized (lowercase, IDNA) by the model, so one domain has one key.
pub fn domain_key(domain: &str) -> i32 {
    match i32::from_be_bytes(hash32("resold domain lock v1", &[domain])) {
        ACCOUNT_KEY => 1,
        key => key,
    }
}

/// The key `pg_advisory_xact_lock(bigint)` takes while a schema is created
/// or migrated.
pub fn migration_key(schema: &str) -> i64 {
    let mut hasher = Sha256::new();
    hasher.update(b"resold schema migration v1");
    hasher.update(schema.as_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// How `pg_locks` shows an int4 key: as an unsigned `oid`, here widened to
/// bigint for comparison.
pub fn as_oid(key: i32) -> i64 {
    i64::from(key as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_across_builds() {
        // Fixed values: a change here means two resold versions would lock
        // different keys for the same customer, which must never ship.
        let pinned = (
            workspace_space("resold", "production"),
            customer_key("fjallvind-se"),
            migration_key("resold"),
        );
        assert_eq!(pinned, PINNED);
        assert_eq!(domain_key("fjallvind.se"), PINNED_DOMAIN);
    }

    const PINNED: (i32, i32, i64) = (-1_287_167_148, 2_091_312_706, -2_350_750_914_070_579_738);
    /// Computed independently: the first four bytes of SHA-256 over
    /// "resold domain lock v1", the length as 8 big-endian bytes, the name.
    const PINNED_DOMAIN: i32 = -1_438_757_364;

    #[test]
    fn a_domain_and_a_customer_of_one_name_get_different_keys() {
        assert_ne!(domain_key("acme.se"), customer_key("acme.se"));
        assert!((0..20_000).all(|n| domain_key(&format!("d{n}.se")) != ACCOUNT_KEY));
    }

    #[test]
    fn workspaces_differ_by_schema_and_by_name() {
        let base = workspace_space("resold", "production");
        assert_ne!(base, workspace_space("resold", "staging"));
        assert_ne!(base, workspace_space("team_b", "production"));
        assert_ne!(
            workspace_space("ab", "c"),
            workspace_space("a", "bc"),
            "parts are length-prefixed"
        );
    }

    #[test]
    fn no_customer_takes_the_account_key() {
        assert!((0..20_000).all(|n| customer_key(&format!("customer-{n}")) != ACCOUNT_KEY));
    }

    #[test]
    fn oid_form_is_the_unsigned_bits() {
        assert_eq!(as_oid(-1), 4_294_967_295);
        assert_eq!(as_oid(7), 7);
    }
}
