//! The runs table: who ran what, from where, and how it ended.

use resold::state::postgres::{PostgresError, RunOutcome, RunStart};

use super::{fresh_store, server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_records_who_where_what_and_how_it_ended() {
    let Some(server) = server() else { return };
    let store = fresh_store(&server).await;
    let start = RunStart {
        operation: "apply".into(),
        plan_fingerprint: Some("sha256:0123abcd".into()),
    };
    let run = store.begin_run(&start).await.unwrap();
    assert_eq!(run.operation, "apply");
    assert_eq!(run.workspace, "production");
    assert_eq!(run.pid, i64::from(std::process::id()));
    assert_eq!(run.plan_fingerprint.as_deref(), Some("sha256:0123abcd"));
    assert_eq!(run.resold_version, env!("CARGO_PKG_VERSION"));
    assert!(!run.host.is_empty() && !run.user.is_empty());
    assert!(run.started_at.ends_with('Z'), "{}", run.started_at);
    assert_eq!((run.finished_at.as_deref(), run.outcome), (None, None));

    store
        .finish_run(&run.id, RunOutcome::Succeeded)
        .await
        .unwrap();
    let ended = store.run(&run.id).await.unwrap().unwrap();
    assert_eq!(ended.outcome, Some(RunOutcome::Succeeded));
    assert!(ended.finished_at.is_some());

    // An ended run stays ended as it was.
    let error = store
        .finish_run(&run.id, RunOutcome::Failed)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, PostgresError::RunNotOpen { outcome, .. } if outcome == "succeeded"),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_are_listed_newest_first_per_workspace() {
    let Some(server) = server() else { return };
    let store = fresh_store(&server).await;
    let first = store.begin_run(&RunStart::new("apply")).await.unwrap();
    let second = store.begin_run(&RunStart::new("state rm")).await.unwrap();
    let elsewhere = super::same_workspace(&store).await;
    let staging =
        resold::state::postgres::Store::open(&store.settings().with_workspace("staging").unwrap())
            .await
            .unwrap();
    staging.begin_run(&RunStart::new("apply")).await.unwrap();
    let listed = elsewhere.runs(10).await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|run| run.id.as_str()).collect();
    assert_eq!(ids, [second.id.as_str(), first.id.as_str()]);
    assert_eq!(elsewhere.runs(1).await.unwrap().len(), 1);
}
