//! The manifest loader on hostile inputs: whatever the bytes, loading ends
//! in findings — no panic — within a bounded time and memory. The inputs
//! are the classes a pull request can bring: deep nesting, alias bombs,
//! huge scalars and keys, many keys, invalid UTF-8, tags, NULs, control and
//! format characters. (Time is asserted only as a generous bound that a
//! hang or a quadratic blow-up would exceed; speed is the benchmarks'.)

use std::time::{Duration, Instant};

use proptest::prelude::*;

use resold::manifest::{LoadOptions, load_portfolio};

/// A generous bound: the largest input here loads in well under a second.
const BOUND: Duration = Duration::from_secs(20);
/// No finding quotes more than this much of its line.
const MAX_SNIPPET_CHARS: usize = 170;
/// Peak memory of one load (an 8 MiB file at most) stays under this.
const MEMORY_BOUND_KIB: u64 = 768 * 1024;

/// Peak resident memory of this process since the last `reset_peak`, in
/// KiB (Linux: `VmHWM`; nextest runs every test in its own process).
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn load(bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fuzz.yaml");
    std::fs::write(&path, bytes).unwrap();
    reset_peak();
    let start = Instant::now();
    let report = load_portfolio(std::slice::from_ref(&path), &LoadOptions::default());
    assert!(start.elapsed() < BOUND, "took {:?}", start.elapsed());
    assert!(peak_kib() < MEMORY_BOUND_KIB, "peak {} KiB", peak_kib());
    assert_eq!(report.portfolio.is_some(), !report.has_errors());
    // Bounded output: at most 100 findings per file (plus the count), each
    // with a bounded snippet and message.
    assert!(
        report.diagnostics.len() <= 101,
        "{}",
        report.diagnostics.len()
    );
    for d in &report.diagnostics {
        if let Some(snippet) = &d.snippet {
            assert!(snippet.chars().count() <= MAX_SNIPPET_CHARS, "{snippet:?}");
        }
        assert!(
            d.message.chars().count() < 1000,
            "{} ({} bytes): {}…",
            d.code,
            d.message.len(),
            d.message.chars().take(300).collect::<String>()
        );
    }
}

/// Building blocks of hostile YAML.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("[".repeat(200)),
        Just("{a: ".repeat(100)),
        Just("- ".repeat(300)),
        Just("a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\n".to_string()),
        Just("!!binary ZXZpbC5zZQ==".to_string()),
        Just("!seats ".to_string()),
        Just("!<tag:x,1:y> ".to_string()),
        Just("<<: *a\n".to_string()),
        Just("0x1F 0b101 1_000 1:20 .inf .nan 1e999 ~ null".to_string()),
        Just("\u{0}\u{1b}[2J\u{202e}\u{200b}\u{feff}".to_string()),
        Just("%TAG ! tag:evil,2000:\n--- !x\n".to_string()),
        "[a-z]{1,8}: [a-z0-9 ]{0,20}\n",
        "x{1000,5000}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn hostile_yaml_never_panics_and_stays_bounded(
        parts in proptest::collection::vec(fragment(), 1..12),
        seed_cut in 0..super::CUSTOMER.len(),
    ) {
        let mut text = super::CUSTOMER[..seed_cut].to_string();
        for part in parts {
            text.push_str(&part);
        }
        load(text.as_bytes());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        load(&bytes);
    }
}

#[test]
fn many_keys_and_huge_scalars_stay_bounded() {
    let many: String = (0..40_000).map(|i| format!("k{i}: v\n")).collect();
    load(many.as_bytes());
    let huge_key = format!("{}: 1\n", "k".repeat(2_000_000));
    load(huge_key.as_bytes());
    let huge_value = format!(
        "apiVersion: resold/v1\nkind: Customer\nmetadata: {{name: {}}}\n",
        "n".repeat(3_000_000)
    );
    load(huge_value.as_bytes());
    let one_long_line = format!("a: [{}]\n", "1, ".repeat(100_000));
    load(one_long_line.as_bytes());
    let mut invalid = b"a: 1\n".repeat(1000);
    invalid.extend_from_slice(&[0xff, 0xfe, b'\n']);
    load(&invalid);
}
