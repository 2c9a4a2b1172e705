//! `resold show PLANFILE` and the config a saved plan records: `apply
//! plan.json` needs no `--config`, and runs only with the config the plan
//! was made with — the same bytes, so a saved plan cannot be pointed at
//! another state, provider or account than the one reviewed.

use std::path::Path;

use crate::cli::{describe, example_project, resold, text};

/// The example project moved under `examples/`, as in this repository:
/// `resold` is run from the directory above, which has no resold.yaml.
fn nested_project() -> tempfile::TempDir {
    let project = example_project();
    let examples = project.path().join("examples");
    std::fs::create_dir(&examples).unwrap();
    for name in ["resold.yaml", "customers"] {
        std::fs::rename(project.path().join(name), examples.join(name)).unwrap();
    }
    project
}

/// The nested project with a plan saved to `plan.json` from the directory
/// above it, with `--config examples/resold.yaml`.
fn planned_nested_project() -> tempfile::TempDir {
    let project = nested_project();
    let (planned, _) = run(
        project.path(),
        &[
            "--config",
            "examples/resold.yaml",
            "plan",
            "--out",
            "plan.json",
        ],
    );
    assert!(planned.status.success(), "{}", describe(&planned));
    project
}

fn run(dir: &Path, args: &[&str]) -> (std::process::Output, String) {
    let output = resold(dir, args, &[]);
    let stdout = text(&output.stdout);
    (output, stdout)
}

#[test]
fn apply_of_a_saved_plan_finds_the_config_it_was_made_with() {
    let project = planned_nested_project();
    let dir = project.path();
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("plan.json")).unwrap()).unwrap();
    assert_eq!(saved["config"]["path"], "examples/resold.yaml");

    let (applied, stdout) = run(dir, &["apply", "plan.json"]);
    assert!(applied.status.success(), "{}", describe(&applied));
    assert!(stdout.contains("Apply complete: "), "{stdout}");
    assert!(dir.join("examples/.resold/state.json").is_file());
}

#[test]
fn a_saved_plan_runs_only_with_the_config_bytes_it_was_made_with() {
    let project = planned_nested_project();
    let dir = project.path();

    // The same config, pointed at another state: given with --config.
    let config = std::fs::read_to_string(dir.join("examples/resold.yaml")).unwrap();
    let other = config.replace("path: .resold/state.json", "path: .resold/other-state.json");
    assert_ne!(other, config);
    std::fs::write(dir.join("examples/other.yaml"), &other).unwrap();
    let (refused, _) = run(
        dir,
        &["--config", "examples/other.yaml", "apply", "plan.json"],
    );
    assert_eq!(refused.status.code(), Some(1), "{}", describe(&refused));
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("the saved plan was made with the config examples/resold.yaml, but examples/other.yaml is not that config"),
        "{stderr}"
    );

    // The recorded config itself, changed after the plan was made.
    std::fs::write(dir.join("examples/resold.yaml"), &other).unwrap();
    let (refused, _) = run(dir, &["apply", "plan.json"]);
    assert_eq!(refused.status.code(), Some(1), "{}", describe(&refused));
    assert!(text(&refused.stderr).contains("is not that config"));
    for state in ["state.json", "other-state.json"] {
        assert!(
            !dir.join("examples/.resold").join(state).exists(),
            "nothing was applied"
        );
    }

    // A copy of the very same bytes elsewhere is the same config.
    std::fs::write(dir.join("examples/resold.yaml"), &config).unwrap();
    std::fs::write(dir.join("examples/copy.yaml"), &config).unwrap();
    let (applied, _) = run(
        dir,
        &["--config", "examples/copy.yaml", "apply", "plan.json"],
    );
    assert!(applied.status.success(), "{}", describe(&applied));
}

#[test]
fn show_renders_the_saved_plan_as_plan_did() {
    let project = example_project();
    let dir = project.path();
    let (planned, plan_text) = run(dir, &["plan", "--out", "plan.json"]);
    assert!(planned.status.success(), "{}", describe(&planned));
    let (shown, show_text) = run(dir, &["show", "plan.json"]);
    assert!(shown.status.success(), "{}", describe(&shown));
    let rendered = plan_text.split("\nSaved the plan to ").next().unwrap();
    assert!(show_text.starts_with(rendered), "{show_text}");
    assert!(show_text.ends_with(
        "\nMade with the config resold.yaml; `resold apply` of this file runs only with that config, unchanged.\n"
    ));

    let (json, json_text) = run(dir, &["show", "plan.json", "--format", "json"]);
    assert!(json.status.success());
    let json: serde_json::Value = serde_json::from_str(&json_text).unwrap();
    let fingerprint = json["fingerprint"].as_str().expect("fingerprint");
    assert!(plan_text.contains(&format!("Plan fingerprint: {fingerprint}")));
    assert!(
        !json_text.contains("@"),
        "personal data is masked in JSON by default"
    );

    let (md, md_text) = run(dir, &["show", "plan.json", "--format", "markdown"]);
    assert!(md.status.success());
    assert!(md_text.starts_with(&format!("## resold plan\n\nFingerprint `{fingerprint}`")));
}

#[test]
fn show_refuses_what_is_not_a_saved_plan() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plan.json"), "resold plan? no").unwrap();
    let (output, _) = run(dir.path(), &["show", "plan.json"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("plan.json is not a saved resold plan"));
    let (missing, _) = run(dir.path(), &["show", "nowhere.json"]);
    assert_eq!(missing.status.code(), Some(1));
}
