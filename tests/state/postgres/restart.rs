//! A server restart in the middle of a run: the run's next step fails with
//! an error that says what happened and that the run must be started again,
//! writes nothing, and a new run picks up where it stopped. This test owns
//! a private server (`ctl private`) so that the restart disturbs no other
//! test.

use std::process::Command;

use resold::state::postgres::{ConnectionRole, PostgresError, Store};

use super::{Record, put, run_locking, server, settings_for};

pub struct PrivateServer {
    ctl: String,
    data_dir: String,
    pub url: String,
}

impl PrivateServer {
    pub fn start(ctl: &str) -> PrivateServer {
        let name = format!(
            "restart-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let output = Command::new(ctl).args(["private", &name]).output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = String::from_utf8(output.stdout).unwrap();
        let (data_dir, url) = text.trim().split_once(' ').expect("DATADIR URL");
        PrivateServer {
            ctl: ctl.to_string(),
            data_dir: data_dir.to_string(),
            url: url.to_string(),
        }
    }

    pub fn ctl(&self, action: &str) {
        let status = Command::new(&self.ctl)
            .args([action, &self.data_dir])
            .status()
            .unwrap();
        assert!(status.success(), "ctl {action}");
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        let _ = Command::new(&self.ctl)
            .args(["stop", &self.data_dir])
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_mid_run_is_a_clear_error_and_the_next_run_resumes() {
    let Some(server) = server() else { return };
    let private = PrivateServer::start(&server.ctl);
    let settings = settings_for(&private.url, "resold", "production");
    let store = Store::open(&settings).await.unwrap();
    store.create_workspace("lineage-1", None).await.unwrap();
    let (_, locks) = run_locking(&store, &["acme", "birch"]).await;
    store.write(&locks, &[put("acme", None, 1)]).await.unwrap();

    private.ctl("restart");

    // The server ended both sessions; the lock session's end is noticed.
    super::eventually("the lock connection is known to be gone", || async {
        locks.is_lost()
    })
    .await;
    let error = store
        .write(&locks, &[put("birch", None, 1)])
        .await
        .unwrap_err();
    assert!(matches!(error, PostgresError::LockLost { .. }), "{error:?}");
    let message = error.to_string();
    for part in [
        "locks are gone",
        "did the PostgreSQL server restart",
        "nothing was written",
        "run it again",
    ] {
        assert!(message.contains(part), "{part:?} not in: {message}");
    }
    let error = store.read_all::<Record>().await.unwrap_err();
    assert!(
        matches!(
            error,
            PostgresError::ConnectionLost {
                role: ConnectionRole::Data,
                ..
            }
        ),
        "{error:?}"
    );

    // The next run: a new store, new locks, the state as it was.
    let store = Store::open(&settings).await.unwrap();
    let (_, locks) = run_locking(&store, &["acme", "birch"]).await;
    let all = store.read_all::<Record>().await.unwrap();
    assert_eq!(
        all.iter()
            .map(|v| (v.name.as_str(), v.version))
            .collect::<Vec<_>>(),
        [("acme", 1)]
    );
    store
        .write(&locks, &[put("birch", None, 1), put("acme", Some(1), 2)])
        .await
        .unwrap();
}
