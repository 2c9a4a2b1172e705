//! The text renderer's folding and parallel line making.

use super::*;
use crate::render::fold::visible_width;

fn folded(line: &str, width: usize) -> String {
    let mut out = String::new();
    fold(line, width, &mut out);
    out
}

#[test]
fn lines_made_in_parallel_are_those_of_one_loop() {
    let out = || {
        let mut out = Out::new(true, true);
        out.text.push_str("head\n");
        out
    };
    let items: Vec<usize> = (0..1_000).collect();
    let render = |o: &mut Out, i: &usize| {
        let long = "word ".repeat(i % 60);
        o.line_of(format_args!("  {} {i} {long}", o.paint('+', "+")));
    };
    let mut sequential = out();
    for item in &items {
        render(&mut sequential, item);
    }
    for per_slice in [1, 64, 999, 5_000] {
        let mut parallel = out();
        parallel.in_parallel(&items, per_slice, render);
        assert_eq!(parallel.text, sequential.text, "{per_slice}");
    }
}

#[test]
fn short_lines_pass_unchanged() {
    assert_eq!(folded("  a b", 10), "  a b\n");
}

#[test]
fn long_lines_fold_at_spaces_under_the_width() {
    let line = format!(
        "  ? drift unknown: {}",
        vec!["customer-name"; 40].join(", ")
    );
    let out = folded(&line, 80);
    assert!(out.lines().count() > 1);
    for l in out.lines() {
        assert!(l.chars().count() <= 80, "{l:?}");
    }
    assert!(
        out.lines()
            .skip(1)
            .all(|l| l.starts_with("      ") && !l.starts_with("       "))
    );
    assert_eq!(
        out.split_whitespace().collect::<Vec<_>>(),
        line.split_whitespace().collect::<Vec<_>>()
    );
}

#[test]
fn a_word_wider_than_the_line_is_cut() {
    let line = format!("  + address = {}", "x".repeat(250));
    let out = folded(&line, 100);
    for l in out.lines() {
        assert!(l.chars().count() <= 100, "{l:?}");
    }
    assert_eq!(out.chars().filter(|c| *c == 'x').count(), 250);
}

#[test]
fn colour_codes_take_no_columns() {
    assert_eq!(visible_width("\u{1b}[32m+\u{1b}[0m ab"), 4);
}
