//! A faithful local emulator of Google's Cloud Channel API v1 and Admin SDK
//! Directory `customers`, with the customer's side of the Admin console
//! simulated and faults injectable (docs/design.md "The sandbox"). It is a real
//! HTTP server: `resold`'s client talks to it over loopback exactly as it
//! talks to Google, so tests exercise the production code path.
//!
//! Paths mirror Google's roots under one base URL: Channel at `{base}/v1/…`,
//! Directory at `{base}/admin/directory/v1/…`, the OAuth token endpoint at
//! `{base}/token`, and the simulation surface at `{base}/sandbox/v1/…`:
//!
//! - `POST customers/{domain or Cloud Identity id}:{action}`: what the
//!   customer does in its Admin console (`adminConsoleEdit`,
//!   `grantResellerAccess`, `revokeResellerAccess`, `acceptTos`,
//!   `verifyDomain`, `setLicenses`, `disableApiAccess`, `enableApiAccess`,
//!   `generateTransferToken`);
//! - `POST accounts`: a Google account for a domain the reseller does not
//!   own (another reseller's or Google's customer), with the subscriptions it
//!   runs there and a transfer token (seeding.rs);
//! - `POST clock:advance`: move time to term and trial ends;
//! - `PUT|GET|DELETE faults`, `GET world`.
//!
//! Requests run in `dispatch`; each handler module owns one API resource and
//! works on the `World` under a lock it never holds across an await. Where
//! Google documents nothing, the choice made is listed in the README
//! ("Assumptions to confirm on a Test Partner Sales Console").

mod auth;
mod catalog_api;
mod clock;
mod connection;
mod console;
mod context;
mod customers;
mod directory;
mod dispatch;
mod entitlement_actions;
mod entitlements;
mod errors;
mod faults;
mod filter;
mod identity;
mod offers;
mod operations;
mod paging;
mod persist;
mod query;
mod quotas;
mod routes;
mod schema_check;
mod seeding;
mod shared;
mod suspensions;
mod tracked;
mod transferable;
mod transfers;
mod world;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use auth::{DEV_TOKEN, JWT_BEARER_GRANT, SCOPE_CUSTOMER, SCOPE_CUSTOMER_READONLY, SCOPE_ORDER};
pub use faults::{FaultConfig, FaultConfigError, FaultRule};
pub use persist::PersistError;
pub use routes::ConsoleAction;

use connection::{ConnectionInfo, KillableListener};
use context::Behaviour;
use persist::Persister;
use shared::{Limits, Shared};
use world::World;

/// The reseller account the sandbox plays unless told otherwise.
pub const DEFAULT_ACCOUNT: &str = "accounts/C00sandbox";
/// Request bodies above this size get 413.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// How long a new customer stays out of filtered `customers.list` results by
/// default: Google's filtered lists lag creation by "usually a few seconds"
/// (cloud.google.com/channel/docs/concepts/google-cloud/filter-customers).
pub const DEFAULT_FILTER_LAG: Duration = Duration::from_secs(5);

/// How to run a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Where to listen; port 0 picks a free one.
    pub addr: SocketAddr,
    /// Persist the world here (a snapshot plus a change log beside it,
    /// `<path>.log`, durable before a mutation is answered) and load it at
    /// start; `None` keeps it in memory only.
    pub state_path: Option<PathBuf>,
    pub faults: Option<FaultConfig>,
    /// Makes generated ids and fault probabilities reproducible.
    pub seed: u64,
    /// `accounts/{id}`: the reseller account.
    pub account: String,
    /// `operations.get` polls before an operation reports done; 0 means the
    /// mutation's own reply is already done.
    pub polls_until_done: u32,
    /// Operations also stay running until this much time has passed on the
    /// sandbox's clock (`clock:advance` moves it). Default zero.
    pub operation_delay: Duration,
    /// A second `customers.create` for a domain already in the account gets
    /// ALREADY_EXISTS. Off by default: Google documents no such error, so
    /// clients must deduplicate themselves (docs/google-apis.md §5).
    pub reject_duplicate_domains: bool,
    /// Undocumented: whether `owned` is true before a customer of ours has
    /// any order. Default true; confirm on a Test Partner Sales Console.
    pub owned_without_orders: bool,
    /// Undocumented: whether `customers.patch` without `updateMask` changes
    /// every patchable field (default) or is refused.
    pub patch_without_mask: bool,
    /// Filtered `customers.list` hides customers younger than this
    /// (`DEFAULT_FILTER_LAG`; tests that need no lag set zero).
    pub filter_lag: Duration,
    pub max_body_bytes: usize,
    /// Play a Test Partner Sales Console account of this reseller domain:
    /// at most 10 seats, one-day trials, customer domains `goog-test…<domain>`.
    pub test_partner_domain: Option<String>,
    /// Enforce Google's per-minute Channel quota buckets (24/24/600/120)
    /// with this window (Google's is 60 s; tests use less). `None`: unmetered.
    pub quota_window: Option<Duration>,
}

impl Default for SandboxOptions {
    fn default() -> SandboxOptions {
        SandboxOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            state_path: None,
            faults: None,
            seed: 0,
            account: DEFAULT_ACCOUNT.to_string(),
            polls_until_done: 1,
            operation_delay: Duration::ZERO,
            reject_duplicate_domains: false,
            owned_without_orders: true,
            patch_without_mask: true,
            filter_lag: DEFAULT_FILTER_LAG,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            quota_window: None,
            test_partner_domain: None,
        }
    }
}

/// Why the sandbox could not start or stop cleanly.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("account must look like accounts/ID, got `{0}`")]
    Account(String),
    #[error(transparent)]
    State(#[from] PersistError),
    #[error("the sandbox server failed: {0}")]
    Serve(std::io::Error),
    #[error("the sandbox server task ended abnormally: {0}")]
    Task(String),
}

/// A sandbox serving on a loopback port.
pub struct RunningSandbox {
    addr: SocketAddr,
    account: String,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
    writer: Option<JoinHandle<()>>,
}

/// Starts a sandbox on the current tokio runtime.
pub async fn start(options: SandboxOptions) -> Result<RunningSandbox, SandboxError> {
    let account_id = options
        .account
        .strip_prefix("accounts/")
        .filter(|id| !id.is_empty() && !id.contains('/'))
        .ok_or_else(|| SandboxError::Account(options.account.clone()))?;
    let world = match &options.state_path {
        Some(path) => persist::load(path)?,
        None => None,
    }
    .unwrap_or_else(|| World::new(&format!("accounts/{account_id}"), options.seed));
    let mut world = world;
    world.ensure_token_key();
    world.test_partner_domain = options.test_partner_domain.clone();
    let account = world.account.clone();
    // Start from one snapshot with everything folded in, and an empty log.
    let persister = match &options.state_path {
        Some(path) => {
            let bytes = serde_json::to_vec(&world).map_err(|e| PersistError::Write {
                path: path.clone(),
                message: e.to_string(),
            })?;
            persist::compact(path, &bytes)?;
            Some(Persister::new(
                path.clone(),
                world.log_generation,
                bytes.len() as u64,
            ))
        }
        None => None,
    };
    let behaviour = Behaviour {
        polls_until_done: options.polls_until_done,
        operation_delay: options.operation_delay,
        reject_duplicate_domains: options.reject_duplicate_domains,
        owned_without_orders: options.owned_without_orders,
        patch_without_mask: options.patch_without_mask,
        filter_lag: options.filter_lag,
    };
    let shared = Arc::new(Shared::new(
        world,
        options.faults.clone(),
        behaviour,
        persister.clone(),
        Limits {
            max_body_bytes: options.max_body_bytes,
            quota_window: options.quota_window,
        },
    ));
    let listener = tokio::net::TcpListener::bind(options.addr)
        .await
        .map_err(|source| SandboxError::Bind {
            addr: options.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(SandboxError::Serve)?;
    let writer = persister.map(|persister| {
        let snapshot_source = shared.clone();
        tokio::spawn(persister.run(move || snapshot_source.snapshot()))
    });
    let app = axum::Router::new()
        .fallback(dispatch::handle)
        .with_state(shared.clone())
        .into_make_service_with_connect_info::<ConnectionInfo>();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(KillableListener(listener), app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    Ok(RunningSandbox {
        addr,
        account,
        shared,
        stop: Some(stop),
        server: Some(server),
        writer,
    })
}

impl RunningSandbox {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `accounts/{id}`.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// Replaces the fault rules (`None` removes them), like `PUT /sandbox/v1/faults`.
    pub fn set_faults(&self, faults: Option<FaultConfig>) {
        let seed = self.shared.seed;
        self.shared.faults(|state| state.replace(faults, seed));
    }

    /// Mutating Channel and Directory requests received so far (the
    /// customer's simulated console and the sandbox's own surface excluded).
    pub fn mutations(&self) -> u64 {
        self.shared
            .mutations
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Channel requests received so far per quota bucket (`customers.list`,
    /// `entitlements.list`, `operations.get`, `default` for every other
    /// method), whether or not quotas are enforced.
    pub fn calls(&self) -> std::collections::BTreeMap<&'static str, u64> {
        self.shared
            .calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The whole world, like `GET /sandbox/v1/world`.
    pub fn world(&self) -> serde_json::Value {
        self.shared.world_json()
    }

    /// Stops accepting, lets requests in flight finish, and saves the world.
    pub async fn shutdown(mut self) -> Result<(), SandboxError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .map_err(|e| SandboxError::Task(e.to_string()))?
                .map_err(SandboxError::Serve)?;
        }
        if let Some(persister) = &self.shared.persister {
            // Let the log catch up first, so no append races the final snapshot.
            persister.wait_durable(self.shared.generation()).await?;
        }
        if let Some(writer) = self.writer.take() {
            writer.abort();
        }
        if let Some(persister) = &self.shared.persister {
            let bytes = self
                .shared
                .snapshot()
                .map_err(|message| PersistError::Write {
                    path: persister.path().to_path_buf(),
                    message,
                })?;
            persist::compact(persister.path(), &bytes)?;
        }
        Ok(())
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(writer) = self.writer.take() {
            writer.abort();
        }
    }
}
