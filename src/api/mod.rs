//! Google's wire types: the JSON shapes of the Cloud Channel API v1, the Admin
//! SDK Directory `customers` resource, long-running operations and
//! `google.rpc.Status`, as in the discovery documents under
//! `discovery/` (copies of `shared/reference/discovery/`). Shared by `provider` (the client) and
//! `sandbox` (the emulator) and nothing else: the model never sees these.
//!
//! Enumerations are kept as strings with constants beside them, because Google
//! adds values over time and a client must not fail on a value it does not know.

pub mod channel;
pub mod directory;
pub mod entitlement_action;
pub mod regions;
pub mod status;

pub use entitlement_action::EntitlementAction;
pub use status::{Code, ErrorBody, ErrorInfo, Status};
