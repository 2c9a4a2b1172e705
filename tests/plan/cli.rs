//! `resold plan` end to end on the embedded sandbox (loopback, in the
//! command's own process): exit codes, formats, saved plans, and the
//! plan → apply → plan round trip ending in exit 0.

use std::path::Path;

use assert_cmd::Command;

const CONFIG: &str = "provider:\n  kind: sandbox\nmanifests: customers\n";

const ACME: &str = "apiVersion: resold/v1
kind: Customer
metadata:
  name: acme-se
spec:
  type: domain
  organization: Acme AB
  domain: acme.se
  address:
    lines: [\"Storgatan 1\"]
    locality: Stockholm
    postalCode: \"111 22\"
    regionCode: SE
  phone: \"+46 8 123 45 67\"
  language: sv
  admin:
    email: anna@acme.se
    givenName: Anna
    familyName: Svensson
  alternateEmail: it@reseller.example
  subscriptions:
    - sku: business-standard
      plan: flexible
      seats: 5
";

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("resold.yaml"), CONFIG).unwrap();
    std::fs::create_dir(dir.path().join("customers")).unwrap();
    std::fs::write(dir.path().join("customers/acme.yaml"), ACME).unwrap();
    dir
}

fn resold(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("resold").unwrap();
    cmd.current_dir(dir)
        .env_remove("RESOLD_CONFIG")
        .env("NO_COLOR", "1");
    cmd
}

#[test]
fn plan_exit_codes_and_formats() {
    let dir = workspace();
    let out = resold(dir.path())
        .args(["plan", "--detailed-exitcode"])
        .assert()
        .code(2);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        stdout.contains("Plan: 1 customer to create, 1 order, 0 to change, 0 to cancel."),
        "{stdout}"
    );
    assert!(!stdout.contains('\u{1b}'), "no colour when not asked for");

    // Without --detailed-exitcode a successful plan exits 0.
    resold(dir.path())
        .args(["plan", "--refresh=none"])
        .assert()
        .code(0);

    let out = resold(dir.path())
        .args(["plan", "--format", "json"])
        .assert()
        .code(0);
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["formatVersion"], "3.0");
    assert!(json.get("format_version").is_none());
    assert_eq!(json["targeted"], serde_json::json!([]));
    assert!(
        !json.to_string().contains("anna@acme.se"),
        "personal data masked in JSON"
    );

    let out = resold(dir.path())
        .args(["plan", "--format", "markdown", "--show-personal-data"])
        .assert()
        .code(0);
    assert!(String::from_utf8_lossy(&out.get_output().stdout).starts_with("## resold plan"));

    resold(dir.path())
        .args(["plan", "--target", "nobody"])
        .assert()
        .code(1);
}

#[test]
fn plan_apply_plan_round_trip_ends_clean() {
    let dir = workspace();
    resold(dir.path())
        .args(["plan", "--out", "plan.json", "--detailed-exitcode"])
        .assert()
        .code(2);
    let saved = resold::plan::SavedPlan::read(&dir.path().join("plan.json")).unwrap();
    assert_eq!(saved.plan.actions.len(), 3);

    resold(dir.path())
        .args(["apply", "plan.json", "--auto-approve", "--ack-warnings"])
        .assert()
        .success();
    // Access not granted and ToS not accepted yet: checklist items, not changes or drift.
    let out = resold(dir.path())
        .args(["plan", "--detailed-exitcode"])
        .assert()
        .code(0);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.contains("No changes."), "{stdout}");

    // The applied plan is now stale: the state moved on.
    let out = resold(dir.path())
        .args(["apply", "plan.json", "--auto-approve"])
        .assert()
        .code(1);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("saved plan is stale"));
}

#[test]
fn invalid_manifests_fail_with_exit_1() {
    let dir = workspace();
    std::fs::write(
        dir.path().join("customers/acme.yaml"),
        ACME.replace("acme.se\n  address", "not a domain\n  address"),
    )
    .unwrap();
    resold(dir.path())
        .args(["plan", "--detailed-exitcode"])
        .assert()
        .code(1);
}

#[test]
fn plan_format_github_annotates_manifest_lines_and_appends_the_step_summary() {
    let dir = workspace();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "# an earlier step's summary\n").unwrap();
    let out = resold(dir.path())
        .args(["plan", "--format", "github", "--out", "plan.json"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_WORKSPACE", dir.path())
        .assert()
        .code(0);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.is_empty(), "{stderr}");
    // The text plan, fenced so nothing it quotes runs as a command.
    let first = stdout.lines().next().unwrap();
    let token = first.strip_prefix("::stop-commands::").expect(first);
    assert_eq!(token.len(), 32, "{first}");
    let resume = format!("::{token}::");
    let (plan, annotations) = stdout.split_once(&format!("{resume}\n")).expect(&stdout);
    assert!(
        plan.contains("Plan: 1 customer to create, 1 order, 0 to change, 0 to cancel."),
        "{plan}"
    );
    assert!(plan.contains("Saved the plan to plan.json"), "{plan}");
    assert!(
        !plan.contains("anna@acme.se"),
        "a CI log hides personal data"
    );
    // Irreversible actions point at their manifest lines.
    let errors: Vec<&str> = annotations.lines().collect();
    assert!(
        errors.contains(&"::error file=customers/acme.yaml,line=4,col=9,title=irreversible%3A provision-cloud-identity customer.acme-se::provision-cloud-identity customer.acme-se: creates a Google account%0Awhy: creates the Cloud Identity account and its super admin (Add a Google Workspace customer, step 11); Google accounts cannot be deleted through the API"),
        "{annotations}"
    );
    assert!(
        errors
            .iter()
            .any(|l| l.starts_with("::error file=customers/acme.yaml,line=22,col=7,title=irreversible%3A order customer.acme-se.subscription.business-standard::")),
        "{annotations}"
    );
    // The Markdown plan is appended after what the file held.
    let written = std::fs::read_to_string(&summary).unwrap();
    assert!(
        written.starts_with("# an earlier step's summary\n\n## resold plan\n"),
        "{written}"
    );
    assert!(written.contains("customer.acme-se.subscription.business-standard"));
    assert!(!written.contains("anna@acme.se"));

    // Outside GitHub Actions: said on stderr, the plan still printed.
    let out = resold(dir.path())
        .args(["plan", "--format", "github", "--detailed-exitcode"])
        .env_remove("GITHUB_STEP_SUMMARY")
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("$GITHUB_STEP_SUMMARY is not set"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.contains("Plan: 1 customer to create"), "{stdout}");

    // The saved plan shows the same way, annotations without a file.
    let out = resold(dir.path())
        .args(["show", "plan.json", "--format", "github"])
        .env("GITHUB_STEP_SUMMARY", dir.path().join("show.md"))
        .assert()
        .code(0);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        stdout.contains(
            "::error title=irreversible%3A order customer.acme-se.subscription.business-standard::"
        ),
        "{stdout}"
    );
    let shown = std::fs::read_to_string(dir.path().join("show.md")).unwrap();
    assert!(shown.starts_with("## resold plan\n"), "{shown}");
}

#[test]
fn plan_format_json_reports_invalid_manifests_as_json() {
    let dir = workspace();
    std::fs::write(
        dir.path().join("customers/acme.yaml"),
        ACME.replace("seats: 5", "seats: many"),
    )
    .unwrap();
    let out = resold(dir.path())
        .args(["plan", "--format", "json"])
        .assert()
        .code(1);
    let stdout = &out.get_output().stdout;
    let json: serde_json::Value = serde_json::from_slice(stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(stdout)));
    assert_eq!(json["formatVersion"], "3.0");
    assert_eq!(json["errored"], true);
    assert_eq!(json["valid"], false);
    assert!(json.get("actions").is_none(), "no plan: {json}");
    // The findings exactly as `validate --format json` reports them.
    let validated = resold(dir.path())
        .args(["validate", "--format", "json"])
        .assert()
        .code(1);
    let validated: serde_json::Value =
        serde_json::from_slice(&validated.get_output().stdout).unwrap();
    assert_eq!(json["diagnostics"], validated["diagnostics"]);
    assert_eq!(json["summary"], validated["summary"]);
    assert!(
        json["diagnostics"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("many")),
        "{json}"
    );

    // --format github: the findings as annotations, and exit 1.
    let out = resold(dir.path())
        .args(["plan", "--format", "github"])
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.starts_with("::error file="), "{stdout}");
    assert!(stdout.contains("customers/acme.yaml,line=24"), "{stdout}");
}
