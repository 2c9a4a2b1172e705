//! `resold sandbox serve` runs the local emulator of Google's APIs;
//! `resold sandbox console <action>` plays the customer (and the test
//! harness) against a running one.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::{Value, json};

use super::{CommandResult, Global};
use crate::provider::TransportFailure;
use crate::render;
use crate::sandbox::{self, FaultConfig, SandboxOptions};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: SandboxCommand,
}

#[derive(Debug, clap::Subcommand)]
enum SandboxCommand {
    /// Serve the sandbox until interrupted; prints its base URL first.
    Serve(ServeArgs),
    /// Act as the customer (Admin console) or inspect a running sandbox.
    Console(ConsoleArgs),
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8787")]
    addr: SocketAddr,
    /// Persist the world to this file (loaded at start).
    #[arg(long)]
    state: Option<PathBuf>,
    /// Fault rules (JSON, same shape as PUT /sandbox/v1/faults).
    #[arg(long)]
    faults: Option<PathBuf>,
    /// Seed for generated ids and fault probabilities.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The reseller account.
    #[arg(long, default_value = sandbox::DEFAULT_ACCOUNT)]
    account: String,
    /// operations.get polls before an operation is done (0 = done at once).
    #[arg(long, default_value_t = 1)]
    polls_until_done: u32,
    /// Milliseconds an operation stays running (besides the polls).
    #[arg(long, default_value_t = 0)]
    operation_delay_ms: u64,
    /// Enforce Google's per-minute quota buckets with this window in seconds.
    #[arg(long)]
    quota_window_seconds: Option<u64>,
    /// Play a Test Partner Sales Console account of this reseller domain.
    #[arg(long)]
    test_partner_domain: Option<String>,
    /// Answer ALREADY_EXISTS to a second customers.create for a domain.
    #[arg(long)]
    reject_duplicate_domains: bool,
    /// checkCloudIdentityAccountsExist says owned: false until a customer
    /// has its first order (undocumented; the default says owned: true).
    #[arg(long)]
    unowned_until_first_order: bool,
    /// customers.patch without updateMask is INVALID_ARGUMENT (undocumented;
    /// by default it changes every patchable field).
    #[arg(long)]
    require_update_mask: bool,
    /// Seconds a new customer stays out of filtered customers.list results
    /// (Google: "usually a few seconds"; 0 for none).
    #[arg(long, default_value_t = sandbox::DEFAULT_FILTER_LAG.as_secs())]
    filter_lag_seconds: u64,
}

#[derive(Debug, clap::Args)]
struct ConsoleArgs {
    #[command(subcommand)]
    action: ConsoleCommand,
}

#[derive(Debug, clap::Args)]
struct Endpoint {
    /// Base URL of the running sandbox, e.g. http://127.0.0.1:8787
    /// (default: `provider.endpoint` of the config).
    #[arg(long, env = "RESOLD_SANDBOX_ENDPOINT")]
    endpoint: Option<String>,
}

#[derive(Debug, clap::Args)]
struct CustomerArgs {
    #[command(flatten)]
    endpoint: Endpoint,
    /// The customer's domain or Cloud Identity ID.
    #[arg(long)]
    customer: String,
}

#[derive(Debug, clap::Subcommand)]
enum ConsoleCommand {
    /// Edit the Admin console profile (never the Channel record).
    AdminConsoleEdit {
        #[command(flatten)]
        target: CustomerArgs,
        /// Partial Directory Customer JSON, e.g. '{"phoneNumber":"+4681234"}'.
        #[arg(long)]
        json: String,
    },
    /// Let the reseller read the Admin console (Directory API).
    GrantResellerAccess {
        #[command(flatten)]
        target: CustomerArgs,
    },
    RevokeResellerAccess {
        #[command(flatten)]
        target: CustomerArgs,
    },
    /// Accept the Terms of Service: lifts PENDING_TOS_ACCEPTANCE.
    AcceptTos {
        #[command(flatten)]
        target: CustomerArgs,
    },
    /// Verify the domain (a team customer becomes a domain customer).
    VerifyDomain {
        #[command(flatten)]
        target: CustomerArgs,
    },
    /// Switch off Admin SDK access for the domain (Directory: 403 domainCannotUseApis).
    DisableApiAccess {
        #[command(flatten)]
        target: CustomerArgs,
    },
    EnableApiAccess {
        #[command(flatten)]
        target: CustomerArgs,
    },
    /// The customer changes its own licence cap (or buys the SKU).
    SetLicenses {
        #[command(flatten)]
        target: CustomerArgs,
        /// Catalogue key, e.g. business-standard.
        #[arg(long)]
        sku: String,
        #[arg(long)]
        max_units: i64,
    },
    /// Create a Google account for a domain the reseller does not own (Add a Google Workspace customer, step 3),
    /// with the subscriptions it runs elsewhere and a transfer token.
    SeedAccount {
        #[command(flatten)]
        endpoint: Endpoint,
        #[arg(long)]
        domain: String,
        /// legacy-free | nonprofit | other-reseller | direct
        #[arg(long)]
        edition: String,
        /// A subscription it has with its owner: SKU[:PLAN[:SEATS]], e.g.
        /// business-standard:annual-yearly:10 (repeatable; default: the edition's).
        #[arg(long = "sku", value_name = "SKU[:PLAN[:SEATS]]")]
        skus: Vec<String>,
        /// Days its transfer token stays valid (0 or less: already expired).
        #[arg(long, allow_hyphen_values = true)]
        token_valid_days: Option<i64>,
        /// DOMAIN (default) or TEAM.
        #[arg(long)]
        customer_type: Option<String>,
    },
    /// The customer's super admin makes a new transfer token (the old one stops working).
    GenerateTransferToken {
        #[command(flatten)]
        target: CustomerArgs,
        /// Days the token stays valid (default 14).
        #[arg(long, allow_hyphen_values = true)]
        valid_days: Option<i64>,
    },
    /// Install fault rules from a JSON file.
    SetFaults {
        #[command(flatten)]
        endpoint: Endpoint,
        #[arg(long)]
        file: PathBuf,
    },
    /// Remove every fault rule.
    ClearFaults {
        #[command(flatten)]
        endpoint: Endpoint,
    },
    /// Print the whole world as JSON.
    World {
        #[command(flatten)]
        endpoint: Endpoint,
    },
}

/// Why a sandbox command failed.
#[derive(Debug, thiserror::Error)]
enum SandboxCliError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Faults {
        path: PathBuf,
        source: sandbox::FaultConfigError,
    },
    #[error("--json is not a JSON object: {0}")]
    Json(serde_json::Error),
    #[error("no answer from the sandbox at {url}: {}", failure.with_hint(url))]
    Request {
        url: String,
        failure: TransportFailure,
    },
    #[error("the sandbox answered {status}: {body}")]
    Refused { status: u16, body: String },
    #[error("cannot wait for a shutdown signal: {0}")]
    Signal(std::io::Error),
    #[error(
        "which sandbox? pass --endpoint (or RESOLD_SANDBOX_ENDPOINT), or point `provider.endpoint` of a config at a running `resold sandbox serve`: {reason}"
    )]
    NoEndpoint { reason: String },
    #[error("--sku `{0}` is not SKU[:PLAN[:SEATS]] (e.g. business-standard:annual-yearly:10)")]
    SkuSpec(String),
}

pub fn run(global: &Global, args: Args) -> CommandResult {
    let runtime = super::runtime()?;
    match args.command {
        SandboxCommand::Serve(serve) => runtime.block_on(serve_until_stopped(serve)),
        SandboxCommand::Console(console) => {
            runtime.block_on(console_action(global, console.action))
        }
    }
}

/// `--endpoint` when given, else the config's `provider.endpoint`: the
/// sandbox that `plan` and `apply` talk to is the one the console drives.
fn endpoint_of(global: &Global, endpoint: Endpoint) -> Result<String, SandboxCliError> {
    if let Some(url) = endpoint.endpoint {
        return Ok(url);
    }
    let loaded = crate::config::load(global.config.as_deref()).map_err(|error| {
        SandboxCliError::NoEndpoint {
            reason: error.to_string(),
        }
    })?;
    let provider = &loaded.config.provider;
    match (provider.kind, &provider.endpoint) {
        (crate::config::ProviderKind::Sandbox, Some(url)) => Ok(url.clone()),
        (crate::config::ProviderKind::Sandbox, None) => Err(SandboxCliError::NoEndpoint {
            reason: format!(
                "{} runs the sandbox inside each command (no `provider.endpoint`), so none is running now",
                loaded.path.display()
            ),
        }),
        (crate::config::ProviderKind::Channel, _) => Err(SandboxCliError::NoEndpoint {
            reason: format!(
                "{} talks to Google (`kind: channel`), not to a sandbox",
                loaded.path.display()
            ),
        }),
    }
}

async fn serve_until_stopped(args: ServeArgs) -> CommandResult {
    let faults = match &args.faults {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| SandboxCliError::Read {
                path: path.clone(),
                source,
            })?;
            Some(
                FaultConfig::from_json(&text).map_err(|source| SandboxCliError::Faults {
                    path: path.clone(),
                    source,
                })?,
            )
        }
        None => None,
    };
    let options = SandboxOptions {
        addr: args.addr,
        state_path: args.state,
        faults,
        seed: args.seed,
        account: args.account,
        polls_until_done: args.polls_until_done,
        operation_delay: std::time::Duration::from_millis(args.operation_delay_ms),
        quota_window: args
            .quota_window_seconds
            .map(std::time::Duration::from_secs),
        test_partner_domain: args.test_partner_domain,
        reject_duplicate_domains: args.reject_duplicate_domains,
        owned_without_orders: !args.unowned_until_first_order,
        patch_without_mask: !args.require_update_mask,
        filter_lag: std::time::Duration::from_secs(args.filter_lag_seconds),
        ..SandboxOptions::default()
    };
    let running = sandbox::start(options).await?;
    if !running.addr().ip().is_loopback() {
        eprintln!(
            "{}",
            render::sandbox::exposed_warning(running.addr(), sandbox::DEV_TOKEN)
        );
    }
    // The first line is machine-read by scripts (conformance/run): keep its
    // shape. A reader that went away does not stop the serving.
    let _ = outln!("{}", render::sandbox::listening(&running.base_url()));
    let _ = outln!(
        "{}",
        render::sandbox::credentials(running.account(), sandbox::DEV_TOKEN)
    );
    wait_for_signal().await?;
    running.shutdown().await?;
    Ok(ExitCode::SUCCESS)
}

/// Said when the sandbox listens beyond loopback: anyone who can reach the
/// port can use the well-known development token.
async fn wait_for_signal() -> Result<(), SandboxCliError> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate()).map_err(SandboxCliError::Signal)?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.map_err(SandboxCliError::Signal),
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c()
            .await
            .map_err(SandboxCliError::Signal)
    }
}

async fn console_action(global: &Global, action: ConsoleCommand) -> CommandResult {
    let (endpoint, method, path, body) = match action {
        ConsoleCommand::AdminConsoleEdit { target, json } => {
            let body: Value = serde_json::from_str(&json).map_err(SandboxCliError::Json)?;
            customer_call(target, "adminConsoleEdit", body)
        }
        ConsoleCommand::GrantResellerAccess { target } => {
            customer_call(target, "grantResellerAccess", json!({}))
        }
        ConsoleCommand::RevokeResellerAccess { target } => {
            customer_call(target, "revokeResellerAccess", json!({}))
        }
        ConsoleCommand::AcceptTos { target } => customer_call(target, "acceptTos", json!({})),
        ConsoleCommand::DisableApiAccess { target } => {
            customer_call(target, "disableApiAccess", json!({}))
        }
        ConsoleCommand::EnableApiAccess { target } => {
            customer_call(target, "enableApiAccess", json!({}))
        }
        ConsoleCommand::VerifyDomain { target } => customer_call(target, "verifyDomain", json!({})),
        ConsoleCommand::SetLicenses {
            target,
            sku,
            max_units,
        } => customer_call(
            target,
            "setLicenses",
            json!({"sku": sku, "maxUnits": max_units}),
        ),
        ConsoleCommand::SeedAccount {
            endpoint,
            domain,
            edition,
            skus,
            token_valid_days,
            customer_type,
        } => {
            let mut body = json!({"domain": domain, "edition": edition});
            if !skus.is_empty() {
                body["skus"] = Value::Array(
                    skus.iter()
                        .map(|spec| sku_spec(spec))
                        .collect::<Result<_, _>>()?,
                );
            }
            if let Some(days) = token_valid_days {
                body["tokenValidDays"] = json!(days);
            }
            if let Some(kind) = customer_type {
                body["customerType"] = json!(kind);
            }
            (
                endpoint,
                reqwest::Method::POST,
                "/sandbox/v1/accounts".to_string(),
                Some(body),
            )
        }
        ConsoleCommand::GenerateTransferToken { target, valid_days } => {
            let body = match valid_days {
                Some(days) => json!({"validDays": days}),
                None => json!({}),
            };
            customer_call(target, "generateTransferToken", body)
        }
        ConsoleCommand::SetFaults { endpoint, file } => {
            let text = std::fs::read_to_string(&file).map_err(|source| SandboxCliError::Read {
                path: file.clone(),
                source,
            })?;
            let config =
                FaultConfig::from_json(&text).map_err(|source| SandboxCliError::Faults {
                    path: file.clone(),
                    source,
                })?;
            (
                endpoint,
                reqwest::Method::PUT,
                "/sandbox/v1/faults".to_string(),
                Some(serde_json::to_value(config).map_err(SandboxCliError::Json)?),
            )
        }
        ConsoleCommand::ClearFaults { endpoint } => (
            endpoint,
            reqwest::Method::DELETE,
            "/sandbox/v1/faults".to_string(),
            None,
        ),
        ConsoleCommand::World { endpoint } => (
            endpoint,
            reqwest::Method::GET,
            "/sandbox/v1/world".to_string(),
            None,
        ),
    };
    let endpoint = endpoint_of(global, endpoint)?;
    let reply = send(&endpoint, method, &path, body).await?;
    let text = serde_json::to_string_pretty(&reply).map_err(SandboxCliError::Json)?;
    outln!("{}", crate::render::escape::json(&text))?;
    Ok(ExitCode::SUCCESS)
}

/// `SKU[:PLAN[:SEATS]]` as the seed body's `{sku, plan, seats}`.
fn sku_spec(spec: &str) -> Result<Value, SandboxCliError> {
    let mut parts = spec.split(':');
    let sku = parts.next().unwrap_or_default();
    let plan = parts.next().unwrap_or_default();
    let mut entry = json!({"sku": sku, "plan": plan});
    if let Some(seats) = parts.next() {
        let seats: i64 = seats
            .parse()
            .map_err(|_| SandboxCliError::SkuSpec(spec.to_string()))?;
        entry["seats"] = json!(seats);
    }
    if sku.is_empty() || parts.next().is_some() {
        return Err(SandboxCliError::SkuSpec(spec.to_string()));
    }
    Ok(entry)
}

fn customer_call(
    target: CustomerArgs,
    verb: &str,
    body: Value,
) -> (Endpoint, reqwest::Method, String, Option<Value>) {
    (
        target.endpoint,
        reqwest::Method::POST,
        format!("/sandbox/v1/customers/{}:{verb}", target.customer),
        Some(body),
    )
}

async fn send(
    endpoint: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Result<Value, SandboxCliError> {
    let url = format!("{}{path}", endpoint.trim_end_matches('/'));
    let failed = |error: reqwest::Error| SandboxCliError::Request {
        failure: TransportFailure::classify(&error, &url),
        url: url.clone(),
    };
    let mut request = reqwest::Client::new().request(method, &url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.map_err(failed)?;
    let status = response.status();
    let text = response.text().await.map_err(failed)?;
    if !status.is_success() {
        return Err(SandboxCliError::Refused {
            status: status.as_u16(),
            body: text,
        });
    }
    Ok(serde_json::from_str(&text).unwrap_or(Value::String(text)))
}
