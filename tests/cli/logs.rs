//! `-v`, `-vv`, `-q` and `RESOLD_LOG`: every call to Google on stderr with
//! method, path, status, time and retry number — and never a token or a
//! customer's personal data. An endpoint nobody listens on fails at once
//! with its URL and the likely fix.

use std::path::Path;

use super::{describe, example_project, resold, text};

/// Every email address, phone number and admin name in the manifests under
/// `dir`, read from the YAML text (flow or block style alike).
fn personal_data(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("customers dir") {
        let yaml = std::fs::read_to_string(entry.expect("entry").path()).expect("manifest");
        let values = |key: &str| -> Vec<String> {
            yaml.match_indices(&format!("{key}:"))
                .map(|(at, matched)| {
                    let rest = &yaml[at + matched.len()..];
                    let end = rest.find([',', '}', '\n']).unwrap_or(rest.len());
                    rest[..end].trim().trim_matches('"').to_string()
                })
                .filter(|value| !value.is_empty())
                .collect()
        };
        let given = values("givenName");
        let family = values("familyName");
        found.extend(values("email"));
        found.extend(values("phone"));
        found.extend(given.iter().zip(&family).map(|(g, f)| format!("{g} {f}")));
    }
    found.sort();
    found.dedup();
    found
}

fn assert_nothing_secret(stderr: &str, personal: &[String]) {
    assert!(
        !stderr.contains(resold::sandbox::DEV_TOKEN),
        "the bearer token reached the log:\n{stderr}"
    );
    assert!(
        !stderr.to_ascii_lowercase().contains("bearer"),
        "an Authorization header reached the log:\n{stderr}"
    );
    for value in personal {
        assert!(
            !stderr.contains(value.as_str()),
            "personal data {value:?} reached the log:\n{stderr}"
        );
    }
}

#[test]
fn vv_logs_every_google_call_without_a_token_or_personal_data() {
    let project = example_project();
    let personal = personal_data(&project.path().join("customers"));
    assert!(
        personal.iter().filter(|v| v.contains('@')).count() >= 8,
        "the examples have admin and alternate emails: {personal:?}"
    );

    let applied = resold(project.path(), &["-vv", "apply", "--auto-approve"], &[]);
    assert!(applied.status.success(), "{}", describe(&applied));
    let stderr = text(&applied.stderr);
    let calls: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("resold::google"))
        .collect();
    // Creating a customer posts its admin email; the log names the call only.
    let create = calls
        .iter()
        .find(|line| line.contains("method=cloudchannel.accounts.customers.create"))
        .unwrap_or_else(|| panic!("no customers.create line:\n{stderr}"));
    for field in [
        "verb=POST",
        "path=/v1/accounts/C00sandbox/customers",
        "status=200",
        "retry=0",
        " ms=",
    ] {
        assert!(create.contains(field), "{field} missing from {create}");
    }
    for method in [
        "cloudchannel.accounts.offers.list",
        "cloudchannel.accounts.checkCloudIdentityAccountsExist",
        "cloudchannel.accounts.customers.provisionCloudIdentity",
        "cloudchannel.accounts.customers.entitlements.create",
        "cloudchannel.operations.get",
    ] {
        assert!(
            calls
                .iter()
                .any(|line| line.contains(&format!("method={method} "))),
            "{method} is not logged:\n{stderr}"
        );
    }
    assert!(
        !calls.iter().any(|line| line.contains('?')),
        "a query string reached the log:\n{stderr}"
    );
    assert_nothing_secret(&stderr, &personal);

    // The most a filter can ask for, dependencies included, still leaks nothing.
    let traced = resold(project.path(), &["plan"], &[("RESOLD_LOG", "trace")]);
    assert!(traced.status.success(), "{}", describe(&traced));
    let stderr = text(&traced.stderr);
    assert!(stderr.contains("resold::google"), "{stderr}");
    assert_nothing_secret(&stderr, &personal);
}

#[test]
fn without_flags_and_with_q_no_call_is_logged() {
    let project = example_project();
    for args in [&["plan"][..], &["-q", "plan"][..], &["plan", "--quiet"][..]] {
        let output = resold(project.path(), args, &[]);
        assert!(output.status.success(), "{args:?}: {}", describe(&output));
        assert!(
            !text(&output.stderr).contains("resold::google"),
            "{args:?}: {}",
            describe(&output)
        );
    }
    let both = resold(project.path(), &["-q", "-v", "plan"], &[]);
    assert_eq!(both.status.code(), Some(1), "{}", describe(&both));
}

#[test]
fn resold_log_wins_over_the_flags_and_a_bad_one_is_a_warning_not_a_failure() {
    let project = example_project();
    let filtered = resold(
        project.path(),
        &["-q", "plan"],
        &[("RESOLD_LOG", "resold::google=debug")],
    );
    assert!(filtered.status.success(), "{}", describe(&filtered));
    assert!(
        text(&filtered.stderr).contains("method=cloudchannel.accounts.customers.list"),
        "{}",
        describe(&filtered)
    );

    let bad = resold(project.path(), &["plan"], &[("RESOLD_LOG", "resold=loud")]);
    assert!(bad.status.success(), "{}", describe(&bad));
    let stderr = text(&bad.stderr);
    assert!(
        stderr.contains("warning: RESOLD_LOG=\"resold=loud\" is not a log filter"),
        "{stderr}"
    );
}

#[test]
fn an_endpoint_nobody_listens_on_fails_at_the_first_attempt_with_its_url_and_a_hint() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let project = example_project();
    std::fs::write(
        project.path().join("resold.yaml"),
        format!("provider:\n  kind: sandbox\n  endpoint: http://127.0.0.1:{port}\nmanifests: customers/\nresellerDomain: nordlysit.se\n"),
    )
    .expect("config");
    let output = resold(project.path(), &["-v", "plan"], &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!("no answer from http://127.0.0.1:{port}/v1/")),
        "{stderr}"
    );
    assert!(stderr.contains("connection refused"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "is `resold sandbox serve --addr 127.0.0.1:{port}` running?"
        )),
        "{stderr}"
    );
    // Refused before anything was sent: one attempt, no backoff.
    let attempts: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("google call got no answer"))
        .collect();
    assert_eq!(attempts.len(), 1, "{stderr}");
    assert!(attempts[0].contains("retry=0"), "{stderr}");
    assert!(!stderr.contains("retries exhausted"), "{stderr}");
}
