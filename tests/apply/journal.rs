//! The journal's promise, checked from the outside: when a mutation leaves
//! for Google, the state file on disk already holds it as pending; and by the
//! time the next step of the customer goes out, the previous result is on disk.

use std::sync::{Arc, Mutex};

use resold::provider::{RecordedRequest, RequestRecorder};
use resold::state::{Backend, LocalBackend, State};

use super::harness::{Harness, fast_settings, portfolio};
use crate::support::start_sandbox;

/// Looks at the state file each time a mutation is about to be sent.
struct Spy {
    state: LocalBackend,
    seen: Mutex<Vec<String>>,
}

fn pending_for(state: &State, customer: &str, kind: &str, request_id: Option<&str>) -> bool {
    state.customers.get(customer).is_some_and(|r| {
        r.pending.iter().any(|p| {
            p.operation.kind().as_str() == kind
                && (request_id.is_none()
                    || p.operation.request_id().map(|id| id.to_string()).as_deref() == request_id)
        })
    })
}

/// The customer whose recorded Channel name appears in `url`.
fn owner_in_url(state: &State, url: &str) -> Option<String> {
    state
        .customers
        .iter()
        .find(|(_, r)| {
            r.channel_name
                .as_deref()
                .is_some_and(|c| url.contains(&format!("{c}/")) || url.contains(&format!("{c}:")))
        })
        .map(|(n, _)| n.clone())
}

impl RequestRecorder for Spy {
    fn record(&self, request: &RecordedRequest) {
        const MUTATIONS: &[&str] = &[
            "cloudchannel.accounts.customers.create",
            "cloudchannel.accounts.customers.provisionCloudIdentity",
            "cloudchannel.accounts.customers.entitlements.create",
            "cloudchannel.accounts.customers.entitlements.changeParameters",
        ];
        if !MUTATIONS.contains(&request.method_id) {
            return;
        }
        let body = request.body.clone().unwrap_or_default();
        let request_id = body["requestId"].as_str();
        let Ok(Some(state)) = self.state.read() else {
            self.seen
                .lock()
                .unwrap()
                .push(format!("{}: NO STATE ON DISK", request.method_id));
            return;
        };
        let journaled = match request.method_id {
            "cloudchannel.accounts.customers.create" => {
                let name = body["correlationId"].as_str().unwrap_or_default();
                pending_for(&state, name, "create-customer", None)
            }
            // The create's result (the Channel name) is on disk before this.
            "cloudchannel.accounts.customers.provisionCloudIdentity" => {
                owner_in_url(&state, &request.url)
                    .is_some_and(|n| pending_for(&state, &n, "provision-cloud-identity", None))
            }
            // The provisioning's result is on disk before any order.
            "cloudchannel.accounts.customers.entitlements.create" => {
                owner_in_url(&state, &request.url).is_some_and(|n| {
                    state.customers[&n].cloud_identity_id.is_some()
                        && pending_for(&state, &n, "order", request_id)
                })
            }
            "cloudchannel.accounts.customers.entitlements.changeParameters" => {
                owner_in_url(&state, &request.url)
                    .is_some_and(|n| pending_for(&state, &n, "change-seats", request_id))
            }
            _ => false,
        };
        self.seen.lock().unwrap().push(format!(
            "{}: {}",
            request.method_id,
            if journaled {
                "journaled"
            } else {
                "NOT JOURNALED"
            }
        ));
    }
}

#[tokio::test]
async fn every_mutation_is_on_disk_as_pending_before_google_sees_it() {
    let sandbox = start_sandbox().await;
    let probe = tempfile::tempdir().unwrap();
    // The harness puts its state in its own temporary directory; the spy
    // needs to know where before the provider exists, so it reads the same
    // path through a symlinked directory created once the harness is up.
    let link = probe.path().join("state");
    let spy = Arc::new(Spy {
        state: LocalBackend::new(link.join(".resold/state.json")),
        seen: Mutex::new(Vec::new()),
    });
    let settings = fast_settings(&sandbox).with_recorder(spy.clone());
    let harness = Harness::connect(sandbox, settings).await;
    std::os::unix::fs::symlink(harness.dir.path(), &link).unwrap();

    let mut desired = portfolio("spy", 3, 2);
    assert!(harness.apply(&desired, 3).await.succeeded());
    desired[1].subscriptions[0].seats = 30;
    assert!(harness.apply(&desired, 3).await.succeeded());

    let seen = spy.seen.lock().unwrap().clone();
    // 3 creates, 3 provisions, 6 orders, 1 seat change.
    assert_eq!(seen.len(), 13, "{seen:#?}");
    let not_journaled: Vec<&String> = seen
        .iter()
        .filter(|s| !s.ends_with(": journaled"))
        .collect();
    assert!(not_journaled.is_empty(), "{not_journaled:#?}");
    // Nothing is left pending afterwards.
    let state = harness.state();
    assert!(state.customers.values().all(|r| r.pending.is_empty()));
}

/// A backend whose `fail_at`-th write fails, as a full disk would.
struct FailingWrites {
    inner: LocalBackend,
    writes: std::sync::atomic::AtomicU64,
    fail_at: u64,
}

impl Backend for FailingWrites {
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn lock(&self, operation: &str) -> Result<resold::state::LockGuard, resold::state::StateError> {
        self.inner.lock(operation)
    }
    fn read(&self) -> Result<Option<State>, resold::state::StateError> {
        self.inner.read()
    }
    fn write(&self, state: &State, expected: Option<u64>) -> Result<(), resold::state::StateError> {
        let n = self
            .writes
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            + 1;
        if n == self.fail_at {
            return Err(resold::state::StateError::Io {
                action: "write",
                path: self.inner.path().to_path_buf(),
                source: std::io::Error::other("no space left on device"),
            });
        }
        self.inner.write(state, expected)
    }
    fn lock_info(&self) -> Result<Option<resold::state::LockInfo>, resold::state::StateError> {
        self.inner.lock_info()
    }
    fn force_unlock(&self, id: &str) -> Result<resold::state::LockInfo, resold::state::StateError> {
        self.inner.force_unlock(id)
    }
}

#[tokio::test]
async fn a_state_that_cannot_be_written_stops_the_run_and_the_next_run_finishes_it() {
    let mut harness = Harness::new().await;
    let path = harness.dir.path().join(".resold/state.json");
    harness.backend = Arc::new(FailingWrites {
        inner: LocalBackend::new(&path),
        writes: Default::default(),
        fail_at: 6,
    });
    let desired = portfolio("full", 4, 2);
    let applied = harness.apply(&desired, 2).await;
    let outcome = applied.outcome();
    let stopped = outcome.stopped_by.clone().expect("stopped");
    assert!(stopped.contains("no space left on device"), "{stopped}");
    let counts = outcome.counts();
    assert!(counts.not_started > 0, "{counts:?}");
    assert_eq!(counts.failed, 0, "{counts:?}");

    // A healthy disk again: the next run resolves what was pending and
    // finishes; nothing is doubled.
    harness.backend = Arc::new(LocalBackend::new(&path));
    let again = harness.apply(&desired, 2).await;
    assert!(again.succeeded(), "{:?}", again.outcome().counts());
    let world = harness.world();
    assert!(world.duplicates().is_empty(), "{:?}", world.duplicates());
    assert_eq!(world.customers.len(), 4);
    assert_eq!(world.entitlements.len(), 8);
    super::harness::assert_state_matches_world(&harness.state(), &world);
}

/// Through the binary: the run's writes after its first went to the journal
/// beside the state file, and the run folded them in before it ended, so
/// what is left is one state file that holds everything on its own.
#[tokio::test]
async fn an_apply_leaves_one_state_file_holding_all_it_journaled() {
    let sandbox = start_sandbox().await;
    let project = super::project::Project::new(&sandbox, "fold", 6, 2);
    let output = project
        .run(&["apply", "--auto-approve", "--parallelism", "3"])
        .await;
    assert!(
        output.status.success(),
        "{}",
        crate::support::describe(&output)
    );
    let backend = project.backend();
    assert!(
        !backend.journal_path().exists(),
        "the journal was folded in"
    );
    let alone: State =
        serde_json::from_slice(&std::fs::read(project.state_path()).unwrap()).unwrap();
    assert_eq!(Some(&alone), backend.read().unwrap().as_ref());
    assert_eq!(alone.customers.len(), 6);
    assert!(alone.customers.values().all(|r| r.pending.is_empty()));
    assert!(
        alone.serial > 2,
        "the run wrote more than once ({})",
        alone.serial
    );
}
