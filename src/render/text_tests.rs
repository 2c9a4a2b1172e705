//! The text renderer's parallel line making.

use super::*;

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
