//! Issue 11's round trip: import, validate, plan (adopt only), apply (no
//! write reaches Google), plan again (nothing to do, exit 0).

use super::{Project, describe, stdout};

#[tokio::test(flavor = "multi_thread")]
async fn an_imported_account_adopts_without_a_write_and_then_plans_clean() {
    let project = Project::new().await;
    let import = project.run(&["import"]).await;
    assert!(import.status.success(), "{}", describe(&import));
    let validate = project.run(&["validate"]).await;
    assert!(validate.status.success(), "{}", describe(&validate));

    let plan = project.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(plan.status.code(), Some(2), "{}", describe(&plan));
    let text = stdout(&plan);
    let manifests: Vec<(String, String)> = project
        .files("customers")
        .into_iter()
        .filter(|(name, _)| name != "_defaults.yaml")
        .collect();
    assert!(text.contains(&format!("Also: {} to adopt.", 25)), "{text}");
    assert!(
        text.contains("Plan: 0 customers to create, 0 orders, 0 to change, 0 to cancel."),
        "only adoption is planned:\n{text}"
    );
    // Action lines: two spaces, a symbol, the kind, then the address.
    let acting = text.lines().filter(|l| {
        let mut words = l.strip_prefix("  ").unwrap_or("").split(' ');
        let symbol = words.next().unwrap_or("");
        let address = words.nth(1).unwrap_or("");
        ["+", "~", "-"].contains(&symbol) && address.starts_with("customer.")
    });
    assert_eq!(acting.count(), 0, "{text}");

    let before = project.mutations();
    let apply = project.run(&["apply", "--auto-approve"]).await;
    assert!(apply.status.success(), "{}", describe(&apply));
    assert_eq!(
        project.mutations(),
        before,
        "adoption writes nothing to Google"
    );

    let again = project.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(again.status.code(), Some(0), "{}", describe(&again));

    // Each manifest's Google account is the one recorded for it: the two
    // teams of one organization on one domain stay two customers.
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(project.path(".resold/state.json")).unwrap())
            .unwrap();
    let records = state["customers"].as_object().unwrap();
    assert_eq!(records.len(), manifests.len());
    let mut channel_names = std::collections::BTreeSet::new();
    for (file, text) in &manifests {
        let name = file.trim_end_matches(".yaml");
        let record = &records[name];
        let named = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("cloudIdentityId: "))
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("{file} names its account"));
        assert_eq!(record["cloudIdentityId"], named, "{name}");
        assert_eq!(record["protect"], true, "{name}");
        assert_eq!(record["origin"], "imported", "{name}");
        assert!(channel_names.insert(record["channelName"].as_str().unwrap().to_string()));
    }
    assert!(
        records.contains_key("konsult-fi-c06fqxsv8")
            && records.contains_key("konsult-fi-c0jawu1fe")
    );
}
