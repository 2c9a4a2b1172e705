//! Domain locks: a run that may create a customer of a domain holds that
//! domain's key, so a second run — another checkout whose manifest gives
//! the domain another customer name, a disjoint customer lock — cannot
//! create it too (Google accepts a second customer of a known domain).

use resold::state::postgres::{
    ESCALATE_ABOVE, HeldLocks, LockRequest, LockTarget, LockWait, PostgresError, RunStart,
};

use super::{fresh_store, same_workspace, server, timed_out_on};

async fn lock(
    store: &resold::state::postgres::Store,
    customers: &[&str],
    domains: &[&str],
) -> Result<(String, HeldLocks), PostgresError> {
    let run = store.begin_run(&RunStart::new("apply")).await?;
    let request =
        LockRequest::customers(customers.iter().copied()).with_domains(domains.iter().copied());
    let locks = HeldLocks::acquire(store, &run.id, &request, &LockWait::no_wait()).await?;
    Ok((run.id, locks))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_name_for_a_held_domain_waits_for_its_holder() {
    let Some(server) = server() else { return };
    let store = fresh_store(&server).await;
    let other = same_workspace(&store).await;
    let (holder_run, held) = lock(&store, &["acme"], &["acme.se"]).await.unwrap();
    assert_eq!(held.domains().collect::<Vec<_>>(), ["acme.se"]);

    let error = lock(&other, &["acme-ab"], &["acme.se"])
        .await
        .map(drop)
        .unwrap_err();
    let holders = timed_out_on(&error, &LockTarget::Domain("acme.se".into()));
    assert_eq!(holders.len(), 1);
    assert_eq!(holders[0].domains, ["acme.se"]);
    let message = error.to_string();
    for part in [
        "domain acme.se is locked",
        &format!("held by run {holder_run}"),
        "holds the workspace (shared) and 1 customer (acme) and 1 domain (acme.se)",
    ] {
        assert!(message.contains(part), "{part:?} not in:\n{message}");
    }

    // Another domain is free, and so is acme.se once the holder is done.
    lock(&other, &["bolt"], &["bolt.se"]).await.unwrap();
    held.release().await.unwrap();
    lock(&other, &["acme-ab"], &["acme.se"]).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holders_name_their_domains() {
    let Some(server) = server() else { return };
    let store = fresh_store(&server).await;
    let (run, _held) = lock(&store, &["acme", "bolt"], &["acme.se", "bolt.se"])
        .await
        .unwrap();
    let holders = store.holders().await.unwrap();
    assert_eq!(holders.len(), 1);
    assert_eq!(
        holders[0].run.as_ref().map(|r| r.id.as_str()),
        Some(run.as_str())
    );
    assert_eq!(holders[0].customers, ["acme", "bolt"]);
    assert_eq!(holders[0].domains, ["acme.se", "bolt.se"]);
    assert_eq!(holders[0].unnamed_locks, 0);
}

#[test]
fn escalation_counts_domain_keys_too() {
    let customers: Vec<String> = (0..ESCALATE_ABOVE / 2 + 1)
        .map(|n| format!("c{n}"))
        .collect();
    let domains: Vec<String> = customers.iter().map(|c| format!("{c}.se")).collect();
    let request = LockRequest::customers(customers.iter().cloned());
    assert_eq!(
        request.account(),
        resold::state::postgres::AccountMode::Shared
    );
    let request = request.with_domains(domains);
    assert_eq!(
        request.account(),
        resold::state::postgres::AccountMode::Exclusive,
        "{} keys in all",
        ESCALATE_ABOVE + 2
    );
}
