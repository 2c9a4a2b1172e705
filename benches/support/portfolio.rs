//! A generated portfolio for the planning benchmarks: `PER_FILE` domain
//! customers per manifest file, each with an annual Business Standard and
//! a flexible Vault, and the state an apply of them leaves behind.

use std::fmt::Write as _;
use std::path::Path;

use resold::config::StateConfig;
use resold::fixtures::{EntitlementNames, applied_record};
use resold::manifest::Portfolio;
use resold::model::Customer;
use resold::state::{CustomerRecord, State};

pub const PER_FILE: usize = 100;

/// Writes `customers` customers into `dir` as `batch-NNNN.yaml` files.
pub fn write_manifests(dir: &Path, customers: usize) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for file in 0..customers.div_ceil(PER_FILE) {
        std::fs::write(dir.join(format!("batch-{file:04}.yaml")), batch(file, None))?;
    }
    Ok(())
}

/// The customers of manifest file `file` (`PER_FILE` documents, customer
/// `customer-NNNNN` for N from `file * PER_FILE`); `bump` gives one more seats.
pub fn batch(file: usize, bump: Option<usize>) -> String {
    let mut text = String::new();
    for i in file * PER_FILE..(file + 1) * PER_FILE {
        let seats = if bump == Some(i) { 26 } else { 25 };
        let _ = write!(
            text,
            "---\napiVersion: resold/v1\nkind: Customer\nmetadata:\n  name: customer-{i:05}\nspec:\n  type: domain\n  organization: Customer {i} AB\n  domain: customer{i}.se\n  address:\n    lines: [\"Storgatan {n}\"]\n    locality: Stockholm\n    postalCode: \"111 22\"\n    regionCode: SE\n  phone: \"+46 8 123 45 67\"\n  language: sv\n  admin:\n    email: anna@customer{i}.se\n    givenName: Anna\n    familyName: Svensson\n  alternateEmail: it@reseller.example\n  subscriptions:\n    - sku: business-standard\n      plan: annual-monthly\n      seats: {seats}\n      renewal: auto-renew\n    - sku: vault\n      plan: flexible\n      seats: 5\n",
            n = i % 90 + 1
        );
    }
    text
}

/// The state a successful apply of `portfolio` leaves behind.
pub fn write_state(
    base: &Path,
    config: &StateConfig,
    portfolio: &Portfolio,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut state = State::new(Some("accounts/C00sandbox".into()));
    state.serial = 1;
    for (i, c) in portfolio.customers.iter().enumerate() {
        state.customers.insert(c.name.clone(), record(c, i));
    }
    let path = base.join(&config.path);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, serde_json::to_vec(&state)?)?;
    Ok(())
}

pub fn record(c: &Customer, i: usize) -> CustomerRecord {
    let channel = format!("accounts/C00sandbox/customers/C{i:06}");
    applied_record(c, &channel, &format!("C0{i:07}"), |s| EntitlementNames {
        entitlement: format!("{channel}/entitlements/{}", s.sku),
        offer: format!("accounts/C00sandbox/offers/{}", s.sku),
    })
}

/// Peak resident set size (VmHWM) of this process, in MB.
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
