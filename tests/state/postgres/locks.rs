//! Per-customer locks between runs: disjoint runs in parallel, overlapping
//! ones waiting or failing with the holder named, the account-wide key,
//! the holder list, force-unlock, and the fence on writes.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use resold::state::postgres::{
    AccountMode, HeldLocks, Holder, LockRequest, LockTarget, LockWait, PostgresError, RunOutcome,
    RunStart,
};

use super::{
    eventually, fresh_store, put, run_locking, same_workspace, server, timed_out_on, try_locking,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_on_disjoint_customers_hold_their_locks_at_once() {
    let Some(server) = server() else { return };
    let store = fresh_store(&server).await;
    let other = same_workspace(&store).await;
    let (_, a) = run_locking(&store, &["acme", "birch"]).await;
    let (_, b) = run_locking(&other, &["cedar", "dune"]).await;
    // Both write at the same time.
    let (to_a, to_b) = ([put("acme", None, 1)], [put("dune", None, 2)]);
    let (wa, wb) = tokio::join!(store.write(&a, &to_a), other.write(&b, &to_b));
    wa.unwrap();
    wb.unwrap();
    assert_ne!(a.backend_pid(), b.backend_pid());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overlapping_run_fails_at_once_naming_the_holder() {
    let Some(server) = server() else { return };
    let store = fresh_store(&server).await;
    let other = same_workspace(&store).await;
    let (holder_run, _held) = run_locking(&store, &["acme", "birch"]).await;
    let run = other.begin_run(&RunStart::new("apply")).await.unwrap();
    let error = try_locking(&other, &run.id, &["zulu", "birch"])
        .await
        .unwrap_err();
    let holders = timed_out_on(&error, &LockTarget::Customer("birch".into()));
    assert_eq!(holders.len(), 1);
    assert_eq!(
        holders[0].run.as_ref().map(|r| r.id.as_str()),
        Some(holder_run.id.as_str())
    );
    let message = error.to_string();
    for part in [
        "customer birch is locked",
        &format!("held by run {}", holder_run.id),
        &format!("apply by {}@{}", holder_run.user, holder_run.host),
        &format!("since {}", holder_run.started_at),
        "holds the workspace (shared) and 2 customers (acme, birch)",
    ] {
        assert!(message.contains(part), "{part:?} not in:\n{message}");
    }
    // The failed run holds nothing: zulu is free for a third run.
    let third = same_workspace(&store).await;
    run_locking(&third, &["zulu"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overlapping_run_waits_until_the_holder_is_done() {
    let Some(server) = server() else { return };
    let store = fresh_store(&server).await;
    let other = same_workspace(&store).await;
    let (_, held) = run_locking(&store, &["acme"]).await;
    let run = other.begin_run(&RunStart::new("apply")).await.unwrap();
    type Seen = Vec<(LockTarget, Vec<Holder>)>;
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let record_wait = {
        let seen = Arc::clone(&seen);
        move |target: &LockTarget, holders: &[Holder]| {
            seen.lock()
                .unwrap()
                .push((target.clone(), holders.to_vec()));
        }
    };
    let wait = LockWait {
        timeout: Duration::from_secs(20),
        on_wait: Some(&record_wait),
    };
    let release = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        held.release().await.unwrap();
    };
    let started = Instant::now();
    let request = LockRequest::customers(["acme"]);
    let (acquired, ()) = tokio::join!(
        HeldLocks::acquire(&other, &run.id, &request, &wait),
        release
    );
    let acquired = acquired.unwrap();
    assert!(acquired.covers("acme"));
    assert!(started.elapsed() >= Duration::from_millis(300));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "told once that it waits");
    assert_eq!(seen[0].0, LockTarget::Customer("acme".into()));
    assert_eq!(seen[0].1.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_that_times_out_says_how_long_it_waited() {
    let Some(server) = server() else { return };
    let store = fresh_store(&server).await;
    let other = same_workspace(&store).await;
    let (_, _held) = run_locking(&store, &["acme"]).await;
    let run = other.begin_run(&RunStart::new("apply")).await.unwrap();
    let started = Instant::now();
    let error = HeldLocks::acquire(
        &other,
        &run.id,
        &LockRequest::customers(["acme"]),
        &LockWait::up_to(Duration::from_millis(400)),
    )
    .await
    .unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert!(
        matches!(error, PostgresError::LockTimeout { waited, .. } if waited >= Duration::from_millis(400))
    );
    assert!(error.to_string().contains("after waiting 0."), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_key_keeps_exclusive_and_ordinary_runs_apart() {
    let Some(server) = server() else { return };
    let store = fresh_store(&server).await;
    let other = same_workspace(&store).await;
    let (_, ordinary) = run_locking(&store, &["acme"]).await;
    let import = other.begin_run(&RunStart::new("import")).await.unwrap();
    let error = HeldLocks::acquire(
        &other,
        &import.id,
        &LockRequest::account_exclusive(),
        &LockWait::no_wait(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            &error,
            PostgresError::LockTimeout {
                target: LockTarget::Account(AccountMode::Exclusive),
                ..
            }
        ),
        "{error:?}"
    );
    ordinary.release().await.unwrap();
    let exclusive = HeldLocks::acquire(
        &other,
        &import.id,
        &LockRequest::account_exclusive(),
        &LockWait::no_wait(),
    )
    .await
    .unwrap();
    assert!(exclusive.covers("anyone"));
    // Now an ordinary run cannot start, whatever customers it wants.
    let run = store.begin_run(&RunStart::new("apply")).await.unwrap();
    let error = try_locking(&store, &run.id, &["zulu"]).await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("import, migration or state mv holds it alone")
            && error
                .to_string()
                .contains(&format!("held by run {}", import.id)),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_customers_escalate_to_the_whole_workspace() {
    let names: Vec<String> = (0..=resold::state::postgres::ESCALATE_ABOVE)
        .map(|n| format!("c{n}"))
        .collect();
    assert_eq!(
        LockRequest::customers(names).account(),
        AccountMode::Exclusive
    );
    assert_eq!(LockRequest::customers(["a"]).account(), AccountMode::Shared);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holders_lists_every_session_and_what_it_holds() {
    let Some(server) = server() else { return };
    let store = fresh_store(&server).await;
    let other = same_workspace(&store).await;
    let (first, _a) = run_locking(&store, &["acme", "birch"]).await;
    let (second, _b) = run_locking(&other, &["cedar"]).await;
    let holders = store.holders().await.unwrap();
    assert_eq!(holders.len(), 2);
    let of = |id: &str| {
        let holder = holders
            .iter()
            .find(|h| h.run.as_ref().is_some_and(|r| r.id == id))
            .expect("each run is a holder");
        (
            holder.account,
            holder.customers.clone(),
            holder.unnamed_locks,
        )
    };
    assert_eq!(
        of(&first.id),
        (
            Some(AccountMode::Shared),
            vec!["acme".into(), "birch".into()],
            0
        )
    );
    assert_eq!(
        of(&second.id),
        (Some(AccountMode::Shared), vec!["cedar".into()], 0)
    );
    // Another workspace's holders are not this one's.
    let staging =
        resold::state::postgres::Store::open(&store.settings().with_workspace("staging").unwrap())
            .await
            .unwrap();
    assert!(staging.holders().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_unlock_ends_the_holder_whose_next_write_then_fails() {
    let Some(server) = server() else { return };
    let store = fresh_store(&server).await;
    let operator = same_workspace(&store).await;
    let (stuck, locks) = run_locking(&store, &["acme"]).await;
    store.write(&locks, &[put("acme", None, 1)]).await.unwrap();

    let error = operator.force_unlock("not-a-run").await.unwrap_err();
    assert!(
        matches!(error, PostgresError::NotAHolder { .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains(&stuck.id),
        "the holders are listed: {error}"
    );

    let holder = operator.force_unlock(&stuck.id).await.unwrap();
    assert_eq!(
        holder.run.as_ref().map(|r| r.id.as_str()),
        Some(stuck.id.as_str())
    );
    assert!(operator.holders().await.unwrap().is_empty());
    let ended = operator.run(&stuck.id).await.unwrap().unwrap();
    assert_eq!(ended.outcome, Some(RunOutcome::ForceUnlocked));

    // The stuck run, still alive, cannot write any more.
    let error = store
        .write(&locks, &[put("acme", Some(1), 2)])
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            PostgresError::LockLost { .. } | PostgresError::ConnectionLost { .. }
        ),
        "{error:?}"
    );
    assert_eq!(
        store.read_all::<super::Record>().await.unwrap()[0].version,
        1
    );
    // And a new run gets the lock.
    run_locking(&operator, &["acme"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_checks_the_locks_are_still_held_by_its_session() {
    let Some(server) = server() else { return };
    let store = fresh_store(&server).await;
    let (_, locks) = run_locking(&store, &["acme"]).await;
    // Someone ends the lock session behind resold's back.
    let admin = super::admin(&server).await;
    admin
        .execute("SELECT pg_terminate_backend($1)", &[&locks.backend_pid()])
        .await
        .unwrap();
    let pid = locks.backend_pid();
    eventually("the session is gone", || {
        let admin = &admin;
        async move {
            admin
                .query_one(
                    "SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)",
                    &[&pid],
                )
                .await
                .unwrap()
                .get::<_, bool>(0)
        }
    })
    .await;
    let error = store
        .write(&locks, &[put("acme", None, 1)])
        .await
        .unwrap_err();
    assert!(matches!(error, PostgresError::LockLost { .. }), "{error:?}");
    assert!(error.to_string().contains("nothing was written"), "{error}");
    assert!(store.read_all::<super::Record>().await.unwrap().is_empty());
}
