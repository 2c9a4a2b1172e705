//! Nothing a customer typed (or Google returned) becomes live on GitHub:
//! the plan's Markdown and `validate --format github` rendered through
//! GitHub's own renderer, cmark-gfm (`scripts/cmark-gfm`), hold no link,
//! image, footnote, strikethrough or HTML of theirs. `scripts/test` sets
//! `RESOLD_REQUIRE_CMARK_GFM=1`, so there a missing renderer fails the test
//! instead of skipping it.

use std::io::Write;
use std::process::{Command, Stdio};

use resold::fixtures::sample_domain_customer;
use resold::plan::{self, PlanOptions};
use resold::render::{self, RenderOptions};
use resold::state::State;

use super::{CUSTOMER, Workspace};

/// Every kind of GitHub-live Markdown a hostile string could carry.
const HOSTILE: &[&str] = &[
    "Pay the overdue invoice at https://evil.example/pay",
    "http://evil.example ftp://evil.example HTTPS://EVIL.EXAMPLE",
    "see www.evil.example or WWW.Evil.example",
    "write to billing@evil.example or mailto:billing@evil.example",
    "xmpp:bot@evil.example/r",
    "<https://evil.example> <billing@evil.example>",
    "<img src=https://evil.example/a.png> <script>alert(1)</script>",
    "![logo](https://evil.example/a.png)",
    "[click here](https://evil.example)",
    "[ref]\n\n[ref]: https://evil.example",
    "footnote[^1]\n\n[^1]: https://evil.example",
    "~~struck~~ **bold** `code`",
    "@octocat #1 GH-1",
    "&#x68;ttps://evil.example &lt;b&gt;",
    "| a | b |\n|---|---|",
];

/// The renderer, or `None` when it cannot be set up and the caller did
/// not require it.
fn cmark_gfm(markdown: &str) -> Option<String> {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/cmark-gfm");
    let required = std::env::var_os("RESOLD_REQUIRE_CMARK_GFM").is_some_and(|v| v == "1");
    let child = Command::new(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(error) if !required => {
            eprintln!("skipped: {} cannot run ({error})", script.display());
            return None;
        }
        Err(error) => panic!("{}: {error}", script.display()),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(markdown.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!required, "scripts/cmark-gfm failed: {stderr}");
        eprintln!("skipped: scripts/cmark-gfm failed: {stderr}");
        return None;
    }
    Some(String::from_utf8(output.stdout).unwrap())
}

/// Live elements in rendered HTML that no user string may produce.
fn live_elements(html: &str) -> Vec<&'static str> {
    [
        "<a ",
        "<img",
        "<script",
        "<del>",
        "data-footnote",
        "<table",
        "<strong>",
        "<code>",
    ]
    .into_iter()
    .filter(|tag| html.contains(tag))
    .collect()
}

/// The plan comment for one new customer named `c{index}` whose
/// organization and locality are `text`.
fn plan_comment(index: usize, text: &str) -> String {
    let mut customer = sample_domain_customer(&format!("c{index}"), text, "acme.se");
    customer.address.locality = text.to_string();
    let plan = plan::diff(
        &[customer],
        &State::new(None),
        None,
        &PlanOptions::default(),
    );
    let options = RenderOptions {
        mask_personal: false,
        ..RenderOptions::default()
    };
    render::markdown::render(&plan, &options)
}

#[test]
fn hostile_customer_strings_are_inert_in_the_plan_comment() {
    for (i, text) in HOSTILE.iter().enumerate() {
        let markdown = plan_comment(i, text);
        let Some(html) = cmark_gfm(&markdown) else {
            return;
        };
        // resold's own Markdown (a table, bold summary, code spans for
        // symbols, a checklist) is counted out by rendering the same plan
        // for a harmless name.
        let baseline = cmark_gfm(&plan_comment(i, "Plain AB")).unwrap();
        for tag in [
            "<a ",
            "<img",
            "<script",
            "<del>",
            "data-footnote",
            "<table",
            "<strong>",
            "<code>",
            "<input",
        ] {
            assert_eq!(
                html.matches(tag).count(),
                baseline.matches(tag).count(),
                "{text:?} produced {tag}:\n{markdown}\n{html}"
            );
        }
        assert!(!html.contains("href"), "{text:?}:\n{html}");
    }
}

#[test]
fn hostile_values_are_inert_in_github_annotations() {
    let ws = Workspace::new();
    for (i, text) in HOSTILE.iter().enumerate() {
        let value = serde_json::to_string(&text.replace('\n', " ")).unwrap();
        let manifest = CUSTOMER
            .replace("kalevala-design-fi", &format!("c{i}"))
            .replace("sku: business-plus", &format!("sku: {value}"))
            .replace(
                "alternateEmail: it@kalevala-group.fi",
                &format!("alternateEmail: {value}"),
            );
        std::fs::write(ws.path("customers/finland.yaml"), manifest).unwrap();
        let run = ws.resold(&["validate", "--format", "github"]);
        assert_eq!(run.code, Some(1), "{run:?}");
        for live in ["://", "www.", "WWW."] {
            assert!(
                !run.stdout.contains(live),
                "{text:?}: {live} in {}",
                run.stdout
            );
        }
        assert!(
            !run.stdout
                .split('@')
                .skip(1)
                .any(|rest| !rest.starts_with('\u{200b}')),
            "{text:?}: a live @ in {}",
            run.stdout
        );
        // Rendered as Markdown (the strictest reading), still nothing live.
        let Some(html) = cmark_gfm(&run.stdout) else {
            return;
        };
        assert!(!html.contains("href"), "{text:?}:\n{html}");
        assert!(
            live_elements(&html).iter().all(|t| *t == "<code>"),
            "{text:?}:\n{html}"
        );
    }
}
