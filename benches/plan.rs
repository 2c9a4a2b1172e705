//! Planning at scale: 10,000 customers with `--refresh=none` (target: under
//! 1 s and 300 MB), and `--refresh=changed` after one manifest changed
//! (target: exactly one customer to observe).
//!
//! Runs the same library calls as `resold plan --refresh=none`: load the
//! manifests, read the state, select customers to refresh, diff, render.
//! `cargo bench --bench plan` (release build); prints timings and peak RSS.
//! The peak includes generating the fixture and a second portfolio load.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use resold::config::{PolicyConfig, StateConfig};
use resold::manifest::{LoadOptions, Portfolio, load_portfolio};
use resold::model::Customer;
use resold::plan::{self, PlanOptions, RefreshMode};
use resold::render::{self, RenderOptions};
use resold::state::{self, State};

#[path = "plan/scale.rs"]
mod scale;
mod support;

use support::portfolio::{PER_FILE, batch, peak_rss_mb, record, write_manifests, write_state};

const CUSTOMERS: usize = 10_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if let Some(case) = scale::requested_case() {
        return scale::run_case(&case);
    }
    let dir = tempfile::tempdir()?;
    let manifests = dir.path().join("customers");
    write_manifests(&manifests, CUSTOMERS)?;
    let portfolio = load(&manifests)?;
    assert_eq!(portfolio.customers.len(), CUSTOMERS);
    let state_config = StateConfig::default();
    write_state(dir.path(), &state_config, &portfolio)?;

    // The measured run: what `resold plan --refresh=none` does.
    let started = Instant::now();
    let (portfolio, t_load) = timed(|| load(&manifests));
    let portfolio = portfolio?;
    let (state, t_state) = timed(|| state::open(&state_config, dir.path()).read());
    let state = state?.ok_or("no state written")?;
    let options = PlanOptions {
        revert_drift: false,
        targets: vec![],
        refresh: RefreshMode::None,
        policy: PolicyConfig::default(),
        manifest_digest: portfolio.digest.clone(),
        ..PlanOptions::default()
    };
    let (plan, t_diff) = timed(|| plan::diff(&portfolio.customers, &state, None, &options));
    let (text, t_render) = timed(|| render::text::render(&plan, &RenderOptions::default()));
    let total = started.elapsed();
    assert!(
        plan.actions.is_empty(),
        "desired == recorded must plan nothing"
    );

    // One manifest changes: `--refresh=changed` must select exactly that customer.
    std::fs::write(manifests.join("batch-0042.yaml"), batch(42, Some(4_217)))?;
    let changed = load(&manifests)?;
    let (selected, t_select) =
        timed(|| plan::customers_to_refresh(&changed.customers, &state, RefreshMode::Changed));
    let selected = selected.unwrap_or_default();
    let changed_plan = plan::diff(
        &changed.customers,
        &state,
        None,
        &PlanOptions {
            manifest_digest: changed.digest.clone(),
            ..options.clone()
        },
    );

    let mut report = String::new();
    writeln!(
        report,
        "plan bench: {CUSTOMERS} customers, {} manifest files",
        CUSTOMERS / PER_FILE
    )?;
    writeln!(report, "  --refresh=none total   {:>8.1} ms", ms(total))?;
    writeln!(report, "    load manifests       {:>8.1} ms", ms(t_load))?;
    writeln!(report, "    read state           {:>8.1} ms", ms(t_state))?;
    writeln!(report, "    plan::diff           {:>8.1} ms", ms(t_diff))?;
    writeln!(
        report,
        "    render text          {:>8.1} ms ({} bytes)",
        ms(t_render),
        text.len()
    )?;
    writeln!(
        report,
        "  --refresh=changed: {} customer(s) to observe {:?} (selected in {:.1} ms); plan: {} action(s)",
        selected.len(),
        selected,
        ms(t_select),
        changed_plan.actions.len()
    )?;
    // Every customer new (an empty state): the plan with the most actions
    // and checklist items, at a quarter and at full size. Linear code takes
    // about 4x as long for 4x the customers; a scan per customer, 16x.
    let empty = State::new(None);
    let quarter = &portfolio.customers[..CUSTOMERS / 4];
    for (label, customers) in [("2,500", quarter), ("10,000", &portfolio.customers[..])] {
        let (created, t_diff) = timed(|| plan::diff(customers, &empty, None, &options));
        let (_, t_text) = timed(|| render::text::render(&created, &RenderOptions::default()));
        let (_, t_md) = timed(|| render::markdown::render(&created, &RenderOptions::default()));
        writeln!(
            report,
            "  {label} new customers: diff {:>7.1} ms, text {:>7.1} ms, markdown {:>7.1} ms ({} actions, {} checklist items)",
            ms(t_diff),
            ms(t_text),
            ms(t_md),
            created.actions.len(),
            created.checklist.len()
        )?;
    }
    // The review case of issue 15: a large portfolio, 5 customers changed.
    // Target: text and Markdown each under 50 ms at 10,000 customers.
    for size in [1_000, CUSTOMERS] {
        let (plan, text, markdown) = review_renders(&portfolio.customers[..size], &options);
        writeln!(
            report,
            "  {size} customers, 5 changed: text {:>6.1} ms ({} lines), markdown {:>6.1} ms ({} chars) [best of 5]",
            ms(text.0),
            text.1,
            ms(markdown.0),
            markdown.1,
        )?;
        assert_eq!(plan.actions.len(), 5);
        assert!(markdown.1 < 60_000, "the comment fits GitHub's limit");
    }
    writeln!(report, "  peak RSS               {:>8.1} MB", peak_rss_mb())?;
    print!("{report}");
    scale::run_all()?;
    assert_eq!(selected, vec!["customer-04217".to_string()]);
    // Keep the generated portfolio for timing the real CLI on it:
    // `RESOLD_BENCH_KEEP=1 cargo bench --bench plan`, then
    // `resold --config <dir>/resold.yaml plan --refresh=none`.
    if std::env::var_os("RESOLD_BENCH_KEEP").is_some() {
        std::fs::write(
            dir.path().join("resold.yaml"),
            "provider:\n  kind: sandbox\nmanifests: customers\n",
        )?;
        println!("  kept {}", dir.keep().display());
    }
    Ok(())
}

/// Plans `customers` (all applied) with five of them given one seat more,
/// and times both human renderings: (best time, lines) for text and
/// (best time, characters) for Markdown.
fn review_renders(
    customers: &[Customer],
    options: &PlanOptions,
) -> (plan::Plan, (Duration, usize), (Duration, usize)) {
    let mut state = State::new(Some("accounts/C00sandbox".into()));
    state.serial = 1;
    for (i, c) in customers.iter().enumerate() {
        state.customers.insert(c.name.clone(), record(c, i));
    }
    let mut desired = customers.to_vec();
    for k in 0..5 {
        desired[k * customers.len() / 5].subscriptions[0].seats += 1;
    }
    let plan = plan::diff(&desired, &state, None, options);
    let best = |render: &dyn Fn() -> String| {
        let mut best = Duration::MAX;
        let mut size = 0;
        for _ in 0..5 {
            let (out, t) = timed(render);
            best = best.min(t);
            size = out.len();
            std::hint::black_box(out);
        }
        (best, size)
    };
    let options = RenderOptions::default();
    let (t_text, _) = best(&|| render::text::render(&plan, &options));
    let lines = render::text::render(&plan, &options).lines().count();
    let (t_md, _) = best(&|| render::markdown::render(&plan, &options));
    let chars = render::markdown::render(&plan, &options).chars().count();
    (plan, (t_text, lines), (t_md, chars))
}

pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let value = f();
    (value, started.elapsed())
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn load(dir: &Path) -> Result<Portfolio, Box<dyn std::error::Error>> {
    let (portfolio, _) =
        load_portfolio(&[dir.to_path_buf()], &LoadOptions::default()).into_result()?;
    Ok(portfolio)
}
