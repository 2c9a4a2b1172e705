//! Validate a generated portfolio of 10,000 customers in 100 files, and two
//! hostile files whose findings must stay linear: one customer ordering the
//! same SKU 100,000 times (a 5 MB file with 100,000 errors) and one document
//! with 40,000 unknown keys.
//!
//! `cargo bench --bench validate` prints the wall time of `check_manifests`
//! (what `resold validate` runs) and of `load_portfolio` (what a plan
//! loads, the portfolio kept), best and median of several runs, and the
//! time per customer. With
//! `RESOLD_BENCH_DIR=DIR` the portfolio is written to DIR and kept, so the
//! binary can be measured too, e.g. for peak memory:
//! `/usr/bin/time -v target/release/resold validate DIR`.
//! `RESOLD_BENCH_FILES` and `RESOLD_BENCH_PER_FILE` change the shape (one
//! customer per file is how `scripts/bench-validate-peers` compares resold
//! with ajv-cli and check-jsonschema, which read one document per file).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use resold::manifest::{LoadOptions, check_manifests, load_portfolio};

const RUNS: usize = 5;

/// The portfolio's shape: how many files, how many customers in each.
#[derive(Clone, Copy)]
struct Shape {
    files: usize,
    per_file: usize,
}

impl Shape {
    fn from_env() -> Shape {
        let knob = |name: &str, default: usize| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Shape {
            files: knob("RESOLD_BENCH_FILES", 100),
            per_file: knob("RESOLD_BENCH_PER_FILE", 100),
        }
    }
}

const CITIES: &[(&str, &str, &str, &str)] = &[
    ("Stockholm", "111 22", "SE", "sv"),
    ("Oslo", "0150", "NO", "nb"),
    ("Helsinki", "00100", "FI", "fi"),
    ("København", "1050", "DK", "da"),
    ("Göteborg", "411 06", "SE", "sv"),
];

fn customer(index: usize) -> String {
    let (city, postal, region, language) = CITIES[index % CITIES.len()];
    let tld = region.to_ascii_lowercase();
    let name = format!("kund-{index:05}");
    let domain = format!("kund{index:05}.{tld}");
    let mut doc = String::new();
    let _ = write!(
        doc,
        "apiVersion: resold/v1\nkind: Customer\nmetadata:\n  name: {name}\n  labels: {{ batch: b{} }}\nspec:\n",
        index % 17
    );
    if index % 10 == 9 {
        // Every tenth customer is an Essentials team.
        let _ = write!(
            doc,
            "  type: team\n  organization: Team {index}\n  domain: {domain}\n  address:\n    lines: [\"Gatan {index}\"]\n    locality: {city}\n    postalCode: {postal}\n    regionCode: {region}\n  language: {language}\n  admin:\n    email: team@{domain}\n    givenName: Kim\n    familyName: Berg\n  subscriptions:\n    - sku: essentials\n      plan: flexible\n      seats: {}\n",
            1 + index % 40
        );
    } else {
        let _ = write!(
            doc,
            "  type: domain\n  organization: Kund {index} AB\n  domain: {domain}\n  address:\n    lines: [\"Storgatan {index}\"]\n    locality: {city}\n    postalCode: {postal}\n    regionCode: {region}\n  phone: \"+46 8 {:03} {:02} {:02}\"\n  language: {language}\n  admin:\n    email: admin@{domain}\n    givenName: Anna\n    familyName: Svensson\n  alternateEmail: it@reseller.se\n  purchaseOrderId: PO-{index}\n  subscriptions:\n    - sku: business-standard\n      plan: annual-yearly\n      seats: {}\n    - sku: vault\n      plan: flexible\n      seats: 5\n    - sku: additional-storage\n      plan: flexible\n      seats: 1\n  ignoreDrift: [phone, subscriptions.vault.seats]\n",
            index % 1000,
            index % 100,
            index % 97,
            10 + index % 500
        );
    }
    doc
}

fn generate(dir: &Path, shape: Shape) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for file in 0..shape.files {
        let documents: Vec<String> = (0..shape.per_file)
            .map(|i| customer(file * shape.per_file + i))
            .collect();
        let text = format!(
            "# yaml-language-server: $schema=../schemas/manifest.schema.json\n{}",
            documents.join("---\n")
        );
        std::fs::write(dir.join(format!("customers-{file:06}.yaml")), text)?;
    }
    Ok(())
}

/// One customer with `count` orders of the same SKU: every one after the
/// first is a duplicate (`R-SKU-DUPLICATE`).
fn duplicate_subscriptions(count: usize) -> String {
    let mut text = customer(0).replace("  ignoreDrift: [phone, subscriptions.vault.seats]\n", "");
    for i in 0..count {
        let _ = writeln!(
            text,
            "    - {{ sku: vault, plan: flexible, seats: {} }}",
            1 + i % 9
        );
    }
    text
}

/// A document with `count` keys the schema does not know (`S-UNKNOWN-FIELD`).
fn unknown_keys(count: usize) -> String {
    let mut text = customer(1);
    for i in 0..count {
        let _ = writeln!(text, "  unknownField{i}: x");
    }
    text
}

/// Loads `text` as one file `RUNS` times; the median time and the findings.
fn time_file(dir: &Path, name: &str, text: &str) -> (Duration, usize, usize) {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut times = Vec::with_capacity(RUNS);
    let mut found = (0, 0);
    for _ in 0..RUNS {
        let start = Instant::now();
        let report = check_manifests(std::slice::from_ref(&path), &LoadOptions::default());
        times.push(start.elapsed());
        found = (report.tally.errors, report.diagnostics.len());
    }
    times.sort();
    (times[RUNS / 2], found.0, found.1)
}

/// The best and the median wall time of `RUNS` runs of `run`.
fn best_and_median(mut run: impl FnMut()) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .collect();
    times.sort();
    (times[0], times[RUNS / 2])
}

fn hostile(dir: &Path) {
    for (name, text) in [
        ("duplicates.yaml", duplicate_subscriptions(100_000)),
        ("unknown-keys.yaml", unknown_keys(40_000)),
    ] {
        let size = text.len() as f64 / 1e6;
        let (median, errors, listed) = time_file(dir, name, &text);
        assert!(errors >= 40_000, "{name}: only {errors} errors");
        println!(
            "validate: {name} ({size:.1} MB): {errors} errors ({listed} listed) in {:.1} ms (median)",
            median.as_secs_f64() * 1e3
        );
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let kept = std::env::var_os("RESOLD_BENCH_DIR").map(PathBuf::from);
    let temp = tempfile::tempdir()?;
    let dir = kept.clone().unwrap_or_else(|| temp.path().to_path_buf());
    let shape = Shape::from_env();
    let generate_only = std::env::var_os("RESOLD_BENCH_GENERATE_ONLY").is_some();
    if generate_only && kept.is_none() {
        return Err("RESOLD_BENCH_GENERATE_ONLY needs RESOLD_BENCH_DIR".into());
    }
    generate(&dir, shape)?;
    let customers = shape.files * shape.per_file;
    if generate_only {
        println!(
            "generated {customers} customers in {} files in {}",
            shape.files,
            dir.display()
        );
        return Ok(());
    }

    let files = shape.files;
    let checked = best_and_median(|| {
        let report = check_manifests(std::slice::from_ref(&dir), &LoadOptions::default());
        assert!(
            !report.has_errors(),
            "the generated portfolio should be valid"
        );
        assert_eq!(report.customers, customers);
    });
    let loaded = best_and_median(|| {
        let report = load_portfolio(std::slice::from_ref(&dir), &LoadOptions::default());
        let portfolio = report.portfolio.expect("the generated portfolio is valid");
        assert_eq!(portfolio.customers.len(), customers);
    });
    for (what, (best, median)) in [("validate", checked), ("load for a plan", loaded)] {
        println!(
            "{what}: {customers} customers in {files} files: best {:.1} ms, median {:.1} ms, {:.1} µs per customer (median)",
            best.as_secs_f64() * 1e3,
            median.as_secs_f64() * 1e3,
            (median / customers as u32).as_secs_f64() * 1e6
        );
    }
    if let Some(dir) = kept {
        println!("portfolio kept in {}", dir.display());
    }
    let hostile_dir = tempfile::tempdir()?;
    hostile(hostile_dir.path());
    Ok(())
}
