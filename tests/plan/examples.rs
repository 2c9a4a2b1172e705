//! The quickstart's plan (the example portfolio of 8 customers on the
//! embedded sandbox) as the binary prints it, in text and Markdown: the
//! plan a new user reads first, reviewed whole as snapshots.

use crate::cli::{describe, example_project, resold, text};
use crate::support::resold_snapshot;

fn plan(args: &[&str]) -> String {
    let project = example_project();
    let output = resold(project.path(), args, &[]);
    assert!(output.status.success(), "{}", describe(&output));
    text(&output.stdout)
}

#[test]
fn the_example_plan_in_text() {
    let text = plan(&["plan"]);
    assert!(text.lines().all(|l| l.chars().count() <= 200));
    resold_snapshot!("example_plan.text", text);
}

#[test]
fn the_example_plan_in_markdown() {
    resold_snapshot!("example_plan.md", plan(&["plan", "--format", "markdown"]));
}
