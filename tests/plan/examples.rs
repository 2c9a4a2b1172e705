//! The quickstart's plan (the example portfolio of 8 customers on the
//! embedded sandbox) as the binary prints it, in text and Markdown: the
//! plan a new user reads first, reviewed whole as snapshots.

use crate::cli::{describe, example_project, resold, text};

fn plan(args: &[&str]) -> String {
    let project = example_project();
    let output = resold(project.path(), args, &[]);
    assert!(output.status.success(), "{}", describe(&output));
    text(&output.stdout)
}

macro_rules! assert_example_snapshot {
    ($name:literal, $output:expr) => {
        insta::with_settings!({
            filters => vec![
                (r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", "[request-id]"),
                (r"[0-9a-f]{64}", "[sha256]"),
            ],
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!($name, $output);
        });
    };
}

#[test]
fn the_example_plan_in_text() {
    let text = plan(&["plan"]);
    assert!(text.lines().all(|l| l.chars().count() <= 200));
    assert_example_snapshot!("example_plan.text", text);
}

#[test]
fn the_example_plan_in_markdown() {
    assert_example_snapshot!("example_plan.md", plan(&["plan", "--format", "markdown"]));
}
