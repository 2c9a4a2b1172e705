//! The plan benchmark at 10,000, 50,000 and 100,000 customers, each a new
//! portfolio (an empty state: every customer created) and a no-op (the
//! state an apply leaves: nothing to do), rendered in text, JSON and
//! Markdown. Each case and format runs in a child process of this benchmark
//! so that its peak memory is its own (the fixture generator's excluded).
//! Targets (issue 14): 10,000 under 1 s and 300 MB, 100,000 under 10 s,
//! every format rendered in under 0.2 s at 10,000; linear means 10x the
//! customers take about 10x.
//!
//! `RESOLD_BENCH_SIZES=10000,50000` picks the sizes.

use std::fmt::Write as _;
use std::io::Write;
use std::process::Command;
use std::time::Instant;

use resold::config::{PolicyConfig, StateConfig};
use resold::plan::{self, PlanOptions, RefreshMode};
use resold::render::{self, RenderOptions};
use resold::state::{self, State};

use super::support::portfolio::{peak_rss_mb, write_manifests, write_state};
use super::{load, ms, timed};

const CASE_VAR: &str = "RESOLD_BENCH_PLAN_CASE";

/// One case: how many customers, whether the state already holds them, and
/// the format the plan is printed in.
pub struct Case {
    customers: usize,
    applied: bool,
    format: (&'static str, Format),
}

#[derive(Clone, Copy)]
enum Format {
    Text,
    Json,
    Markdown,
}

const FORMATS: [(&str, Format); 3] = [
    ("text", Format::Text),
    ("json", Format::Json),
    ("markdown", Format::Markdown),
];

/// The case this process was started to run, if it is a child:
/// `new:10000:json`.
pub fn requested_case() -> Option<Case> {
    let spec = std::env::var(CASE_VAR).ok()?;
    let mut parts = spec.split(':');
    let kind = parts.next()?;
    let customers = parts.next()?.parse().ok()?;
    let format = parts.next()?;
    let format = FORMATS.iter().find(|(name, _)| *name == format)?;
    Some(Case {
        customers,
        applied: kind == "no-op",
        format: *format,
    })
}

fn sizes() -> Vec<usize> {
    std::env::var("RESOLD_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 50_000, 100_000])
}

/// The line a child prints last: its total, for the ratios between sizes.
const TOTAL_TAG: &str = "#total-ms ";

/// Runs every case in its own child process, prints their lines, then how
/// each case's total grows with the number of customers.
pub fn run_all() -> Result<(), Box<dyn std::error::Error>> {
    println!(
        "plan at scale (--refresh=none; load + state + diff + render as the CLI prints it; own process each):"
    );
    let exe = std::env::current_exe()?;
    let sizes = sizes();
    let mut totals = Vec::new();
    for &size in &sizes {
        for kind in ["new", "no-op"] {
            for (format, _) in FORMATS {
                let output = Command::new(&exe)
                    .env(CASE_VAR, format!("{kind}:{size}:{format}"))
                    .output()?;
                if !output.status.success() {
                    return Err(format!(
                        "case {kind}:{size}:{format} failed: {}",
                        String::from_utf8_lossy(&output.stderr)
                    )
                    .into());
                }
                let stdout = String::from_utf8_lossy(&output.stdout);
                for line in stdout.lines() {
                    match line.strip_prefix(TOTAL_TAG) {
                        Some(total) => totals.push((kind, format, size, total.parse::<f64>()?)),
                        None => println!("{line}"),
                    }
                }
            }
        }
    }
    // Linear code takes about k times as long for k times the customers.
    if let (Some(&small), Some(&large)) = (sizes.first(), sizes.last())
        && large > small
    {
        println!(
            "growth from {small} to {large} customers ({}x):",
            large / small
        );
        for (kind, format, size, total) in &totals {
            if *size != small {
                continue;
            }
            let grown = totals
                .iter()
                .find(|(k, f, s, _)| k == kind && f == format && *s == large);
            if let Some((.., large_total)) = grown {
                println!("  {kind:<5} {format:<8} {:>5.1}x", large_total / total);
            }
        }
    }
    Ok(())
}

/// Forgets the peak so far (Linux: `5` to `clear_refs`), so that the peak
/// printed is the planning's, not the fixture generator's.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// What `resold plan --refresh=none --format F` does for one case, timed by
/// stage: JSON streamed to (a sink standing in for) stdout, text and
/// Markdown built whole and printed, as the CLI does.
pub fn run_case(case: &Case) -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let manifests = dir.path().join("customers");
    write_manifests(&manifests, case.customers)?;
    let state_config = StateConfig::default();
    if case.applied {
        write_state(dir.path(), &state_config, &load(&manifests)?)?;
    }
    reset_peak_rss();

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
    // A new customer is created, its account provisioned, two orders placed.
    let expected_actions = if case.applied { 0 } else { case.customers * 4 };
    assert_eq!(plan.customers.len(), case.customers);
    assert_eq!(plan.actions.len(), expected_actions);

    let render_options = RenderOptions::default();
    let print = |mut stdout: &mut Counted| -> std::io::Result<()> {
        match case.format.1 {
            Format::Text => {
                stdout.write_all(render::text::render(&plan, &render_options).as_bytes())
            }
            Format::Json => render::json::write(&plan, &render_options, &mut stdout),
            Format::Markdown => {
                let markdown = render::markdown::render(&plan, &render_options);
                assert!(
                    markdown.chars().count() < 65_536,
                    "the comment fits GitHub's limit"
                );
                stdout.write_all(markdown.as_bytes())
            }
        }
    };
    let mut stdout = Counted(0);
    let (printed, t_render) = timed(|| print(&mut stdout));
    printed?;
    let total = planned + t_render;
    // The machine is shared: the render's own cost is the best of three.
    let mut best = t_render;
    for _ in 0..2 {
        let (printed, t) = timed(|| print(&mut Counted(0)));
        printed?;
        best = best.min(t);
    }
    let format = case.format.0;
    let (_, t_fingerprint) = timed(|| plan.fingerprint());

    let mut line = String::new();
    writeln!(
        line,
        "  {:>7} {:<5} {format:<8}: load {:>6.0} ms, state {:>5.0} ms, diff {:>5.0} ms, render {:>5.0} ms (best of 3 {:>5.0} ms, fingerprint {:>4.0} ms, {:>9} bytes) | total {:>6.0} ms | peak {:>5.0} MB",
        case.customers,
        if case.applied { "no-op" } else { "new" },
        ms(t_load),
        ms(t_state),
        ms(t_diff),
        ms(t_render),
        ms(best),
        ms(t_fingerprint),
        stdout.0,
        ms(total),
        peak_rss_mb()
    )?;
    writeln!(line, "{TOTAL_TAG}{:.1}", ms(total))?;
    print!("{line}");
    Ok(())
}

/// Stands in for stdout: counts what is written.
struct Counted(usize);

impl Write for Counted {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
