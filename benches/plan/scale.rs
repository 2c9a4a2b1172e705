//! The plan benchmark at 10,000, 50,000 and 100,000 customers, each a new
//! portfolio (an empty state: every customer created) and a no-op (the
//! state an apply leaves: nothing to do), rendered in text, JSON and
//! Markdown. Each case runs in a child process of this benchmark so that its
//! peak memory is its own. Targets (issue 14): 10,000 under 1 s and 300 MB,
//! 100,000 under 10 s; linear means 10x the customers take about 10x.
//!
//! `RESOLD_BENCH_SIZES=10000,50000` picks the sizes.

use std::fmt::Write as _;
use std::process::Command;
use std::time::Instant;

use resold::config::{PolicyConfig, StateConfig};
use resold::plan::{self, PlanOptions, RefreshMode};
use resold::render::{self, RenderOptions};
use resold::state::{self, State};

use super::support::portfolio::{peak_rss_mb, write_manifests, write_state};
use super::{load, ms, timed};

const CASE_VAR: &str = "RESOLD_BENCH_PLAN_CASE";

/// One case: how many customers, and whether the state already holds them.
pub struct Case {
    customers: usize,
    applied: bool,
}

/// The case this process was started to run, if it is a child.
pub fn requested_case() -> Option<Case> {
    let spec = std::env::var(CASE_VAR).ok()?;
    let (kind, size) = spec.split_once(':')?;
    Some(Case {
        customers: size.parse().ok()?,
        applied: kind == "no-op",
    })
}

fn sizes() -> Vec<usize> {
    std::env::var("RESOLD_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 50_000, 100_000])
}

/// Runs every case in its own child process and prints their lines.
pub fn run_all() -> Result<(), Box<dyn std::error::Error>> {
    println!(
        "plan at scale (--refresh=none; load + state + diff + render, per format; own process each):"
    );
    let exe = std::env::current_exe()?;
    for size in sizes() {
        for kind in ["new", "no-op"] {
            let output = Command::new(&exe)
                .env(CASE_VAR, format!("{kind}:{size}"))
                .output()?;
            if !output.status.success() {
                return Err(format!(
                    "case {kind}:{size} failed: {}",
                    String::from_utf8_lossy(&output.stderr)
                )
                .into());
            }
            print!("{}", String::from_utf8_lossy(&output.stdout));
        }
    }
    Ok(())
}

/// What `resold plan --refresh=none --format F` does for one case, timed by
/// stage, then each renderer on the same plan.
pub fn run_case(case: &Case) -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let manifests = dir.path().join("customers");
    write_manifests(&manifests, case.customers)?;
    let state_config = StateConfig::default();
    if case.applied {
        write_state(dir.path(), &state_config, &load(&manifests)?)?;
    }

    let started = Instant::now();
    let (portfolio, t_load) = timed(|| load(&manifests));
    let portfolio = portfolio?;
    let (state, t_state) = timed(|| state::open(&state_config, dir.path()).read());
    let state = state?.unwrap_or_else(|| State::new(None));
    let options = PlanOptions {
        refresh: RefreshMode::None,
        policy: PolicyConfig::default(),
        manifest_digest: portfolio.digest.clone(),
        ..PlanOptions::default()
    };
    let (plan, t_diff) = timed(|| plan::diff(&portfolio.customers, &state, None, &options));
    let planned = started.elapsed();
    let render_options = RenderOptions::default();
    let (text, t_text) = timed(|| render::text::render(&plan, &render_options));
    let (json, t_json) = timed(|| render::json::render(&plan, &render_options));
    let (markdown, t_md) = timed(|| render::markdown::render(&plan, &render_options));
    // A new customer is created, its account provisioned, two orders placed.
    let expected_actions = if case.applied { 0 } else { case.customers * 4 };
    assert_eq!(plan.customers.len(), case.customers);
    assert_eq!(plan.actions.len(), expected_actions);
    assert!(
        markdown.chars().count() < 65_536,
        "the comment fits GitHub's limit"
    );

    let mut line = String::new();
    write!(
        line,
        "  {:>7} {:<5}: load {:>7.0} ms, state {:>6.0} ms, diff {:>6.0} ms | total text {:>7.0} ms, json {:>7.0} ms, markdown {:>7.0} ms",
        case.customers,
        if case.applied { "no-op" } else { "new" },
        ms(t_load),
        ms(t_state),
        ms(t_diff),
        ms(planned + t_text),
        ms(planned + t_json),
        ms(planned + t_md),
    )?;
    writeln!(
        line,
        " | render {:.0}/{:.0}/{:.0} ms ({} / {} / {} bytes) | peak {:.0} MB",
        ms(t_text),
        ms(t_json),
        ms(t_md),
        text.len(),
        json.len(),
        markdown.len(),
        peak_rss_mb()
    )?;
    print!("{line}");
    Ok(())
}
