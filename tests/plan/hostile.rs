//! User-supplied strings cannot act: no terminal control in text output, no
//! HTML, table breaks or @mentions in Markdown.

use resold::fixtures::{sample_domain_customer, sample_subscription};
use resold::render::{self, RenderOptions};

use super::fixtures::*;
use super::scenarios;

const HOSTILE: &str = "<img src=x onerror=alert(1)> | **x** @team \u{1b}[2J\u{1b}]0;pwned\u{7}";

fn hostile_world() -> World {
    let mut world = scenarios::new_portfolio();
    world.desired[0].organization = HOSTILE.into();
    world.desired[0].address.locality = "Line\nbreak | cell".into();
    world
}

#[test]
fn text_output_neutralises_terminal_control_characters() {
    let plan = hostile_world().plan();
    let text = render::text::render(
        &plan,
        &RenderOptions {
            mask_personal: false,
            ..RenderOptions::default()
        },
    );
    assert!(!text.contains('\u{1b}'), "raw escape in text output");
    assert!(!text.contains('\u{7}'));
    assert!(text.contains("\\u{1b}[2J"), "escape shown as text");
}

#[test]
fn colour_codes_appear_only_when_asked_for() {
    let plan = hostile_world().plan();
    let plain = render::text::render(&plan, &RenderOptions::default());
    let coloured = render::text::render(
        &plan,
        &RenderOptions {
            color: true,
            ..RenderOptions::default()
        },
    );
    assert!(!plain.contains('\u{1b}'));
    assert!(coloured.contains("\u{1b}[32m+ create-customer\u{1b}[0m"));
}

#[test]
fn markdown_renders_hostile_names_inert() {
    let plan = hostile_world().plan();
    let comment = render::markdown::render(&plan, &RenderOptions::default());
    // Inside the `diff` fences text is literal (GitHub renders no HTML,
    // emphasis or mention there: tests/hostile/markdown.rs checks that with
    // cmark-gfm); the fence itself must hold, and everything outside it is
    // escaped.
    let (markdown, fenced) = outside_fences(&comment);
    assert!(
        fenced.contains(
            "+     organization = \"<img src=x onerror=alert(1)> | **x** @team \\u001b[2J"
        ),
        "{fenced}"
    );
    assert!(!fenced.contains('\u{1b}'));
    assert!(!markdown.contains("<img"), "raw HTML");
    assert!(!markdown.contains("**x**"), "emphasis from user text");
    assert!(!markdown.contains("@team"), "live mention");
    assert!(!markdown.contains(" | **"), "table break");
    assert!(!markdown.contains('\u{1b}'));
    assert!(markdown.contains("&lt;img src=x onerror=alert(1)&gt; \\| \\*\\*x\\*\\* @&#8203;team"));
    // The only HTML is the renderer's own.
    let tags: Vec<&str> = markdown
        .match_indices('<')
        .map(|(i, _)| &markdown[i..(i + 9).min(markdown.len())])
        .collect();
    assert!(
        tags.iter().all(|t| t.starts_with("<details>")
            || t.starts_with("</details")
            || t.starts_with("<summary>")
            || t.starts_with("</summary")
            || t.starts_with("<br>")),
        "{tags:?}"
    );
}

/// The comment without its fenced blocks, and the fenced lines; panics on
/// a fence that does not close.
fn outside_fences(markdown: &str) -> (String, String) {
    let (mut outside, mut inside) = (String::new(), String::new());
    let mut fence: Option<&str> = None;
    for line in markdown.lines() {
        match fence {
            None if line.starts_with("```") => {
                fence = Some(line.trim_end_matches(|c: char| c != '`'));
            }
            None => {
                outside.push_str(line);
                outside.push('\n');
            }
            Some(open) if line == open => fence = None,
            Some(_) => {
                inside.push_str(line);
                inside.push('\n');
            }
        }
    }
    assert!(fence.is_none(), "an unclosed fence:\n{markdown}");
    (outside, inside)
}

#[test]
fn json_keeps_values_exact_but_masks_personal_data_unless_asked() {
    let plan = hostile_world().plan();
    let masked: serde_json::Value =
        serde_json::from_str(&render::json::render(&plan, &RenderOptions::default())).unwrap();
    let text = masked.to_string();
    assert!(
        !text.contains("anna@acme.se"),
        "admin email leaked into CI JSON"
    );
    assert!(!text.contains("+4681234567"), "phone leaked into CI JSON");
    assert!(
        masked["masked"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "/actions/0/changes/6/after")
    );
    assert_eq!(
        masked["actions"][0]["changes"][0]["after"], HOSTILE,
        "JSON carries the exact value; consumers escape"
    );

    let shown = render::json::render(
        &plan,
        &RenderOptions {
            mask_personal: false,
            ..RenderOptions::default()
        },
    );
    assert!(shown.contains("anna@acme.se"));
    assert!(
        serde_json::from_str::<serde_json::Value>(&shown).unwrap()["masked"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn markdown_stays_within_budget_and_keeps_summary_notices_and_irreversible_actions() {
    let mut world = World::empty();
    for i in 0..300 {
        let mut c = sample_domain_customer(
            &format!("customer-{i:03}"),
            &format!("Customer {i} AB"),
            &format!("c{i}.se"),
        );
        c.subscriptions = vec![sample_subscription(
            "business-standard",
            resold::model::PlanKind::AnnualMonthly,
            5,
        )];
        world.desired.push(c);
    }
    let mut applied = World::applied(vec![scenarios::acme()]);
    applied.desired("acme-se").organization = "Acme Renamed AB".into();
    world.state.customers.extend(applied.state.customers);
    world.observed.customers.extend(applied.observed.customers);
    world.desired.extend(applied.desired);
    let plan = world.plan();
    let options = RenderOptions {
        markdown_budget: 65_000,
        ..RenderOptions::default()
    };
    let markdown = render::markdown::render(&plan, &options);
    assert!(markdown.len() <= 65_000, "{} bytes", markdown.len());
    assert!(
        markdown.starts_with("## resold plan\n\nFingerprint `"),
        "the fingerprint heads the comment"
    );
    assert!(markdown.contains(&plan.fingerprint()));
    assert!(markdown.contains("\n\n| to create"));
    assert!(
        markdown
            .contains("**Plan: 300 customers to create, 300 orders, 1 to change, 0 to cancel.**")
    );
    assert!(markdown.contains("### Notices"));
    assert!(markdown.contains("tell Acme Renamed AB about the change of organization"));
    assert!(
        markdown.contains(
            "### Checklist: waiting for the customer or a person, not changes (900 items)"
        ) && markdown.contains("- [ ] **verify the domain** (300 customers)<br>the customer adds"),
        "over budget, the checklist keeps its kinds and counts:\n{markdown}"
    );
    for action in plan.irreversible_actions() {
        assert!(
            markdown.contains(action.address.as_str()),
            "{} missing",
            action.address
        );
    }
    assert!(
        markdown.contains("**Left out to stay under GitHub's comment limit: ")
            && markdown.contains(" actions.** The full plan is in the job summary"),
        "says what was left out and where the full plan is"
    );
    assert_eq!(
        markdown.matches("<details>").count(),
        markdown.matches("</details>").count()
    );
}

#[test]
fn an_operator_named_by_email_is_masked_in_ci_output() {
    let mut world = scenarios::admin_console_drift();
    world.seen("acme-se").changes[0].operator = Some("olle@acme.se".into());
    let plan = world.plan();
    let json = render::json::render(&plan, &RenderOptions::default());
    let markdown = render::markdown::render(&plan, &RenderOptions::default());
    assert!(!json.contains("olle@acme.se") && !markdown.contains("olle@acme.se"));
    assert!(json.contains("\"/drift/4/changedBy\""), "{json}");
    let text = render::text::render(
        &plan,
        &RenderOptions {
            mask_personal: false,
            ..RenderOptions::default()
        },
    );
    assert!(
        text.contains("changed by olle@acme.se"),
        "the terminal shows it"
    );
}
