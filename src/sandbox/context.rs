//! What a handler gets besides the world: the request's query and body, the
//! behaviour switches and the price book.

use std::time::Duration;

use super::operations::{LroCall, Phase, Timing};
use super::routes::CustomerRef;

use super::offers::PriceBook;
use super::query::Query;
use crate::api::Status;

/// Behaviour switches for the (I)-marked semantics of docs/google-apis.md §5.
#[derive(Debug, Clone)]
pub struct Behaviour {
    pub polls_until_done: u32,
    /// Operations also stay running until this much (simulated) time passed.
    pub operation_delay: Duration,
    pub reject_duplicate_domains: bool,
    pub filter_lag: Duration,
    /// `checkCloudIdentityAccountsExist` says `owned: true` for a customer
    /// of ours before it has any order (undocumented; README assumptions).
    pub owned_without_orders: bool,
    /// `customers.patch` without `updateMask` changes every patchable field
    /// (else it is INVALID_ARGUMENT; undocumented, README assumptions).
    pub patch_without_mask: bool,
}

impl Behaviour {
    pub fn timing(&self) -> Timing {
        Timing {
            polls: self.polls_until_done,
            delay: self.operation_delay,
        }
    }
}

pub struct Ctx<'a> {
    pub query: &'a Query,
    pub body: &'a [u8],
    pub behaviour: &'a Behaviour,
    pub book: &'a PriceBook,
    /// Method id, for idempotency keys.
    pub method: &'a str,
    /// The caller's email (empty for the development token).
    pub principal: &'a str,
    /// An injected fulfilment failure for LRO methods.
    pub injected: Option<Status>,
    /// Accepting a request, or fulfilling an operation accepted earlier.
    pub phase: &'a Phase,
}

impl<'a> Ctx<'a> {
    /// The long-running call this request makes on `target`, changing `scope`.
    pub fn lro(
        &'a self,
        target: String,
        scope: &CustomerRef,
        request_id: &'a str,
        operation_type: &'a str,
    ) -> LroCall<'a> {
        LroCall {
            method: self.method,
            target,
            scope: scope.clone(),
            request_id,
            operation_type,
            injected: self.injected.clone(),
            timing: self.behaviour.timing(),
            phase: self.phase,
        }
    }
}
