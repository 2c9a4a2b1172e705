//! A version-1 state (the committed `tests/fixtures/state-v1.json`, journal
//! entries as bags of optional fields) is read as version 2 with typed
//! operations; the file is left as it is until the first write, which keeps
//! it as `state.json.v1.backup` and writes version 2.

use std::path::Path;

use resold::operation::{CustomerOperation, CustomerRef, EntitlementOperation, Operation};
use resold::state::{Backend, StateError, backups, version_of};

use super::{backend_in, commit};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/state-v1.json");

fn install(dir: &Path) -> (resold::state::LocalBackend, std::path::PathBuf, Vec<u8>) {
    let (backend, path) = backend_in(dir);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let bytes = std::fs::read(FIXTURE).unwrap();
    std::fs::write(&path, &bytes).unwrap();
    (backend, path, bytes)
}

#[test]
fn a_version_1_state_is_read_with_typed_journal_entries() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, path, bytes) = install(dir.path());
    let state = backend.read().unwrap().unwrap();
    assert_eq!(state.version, 2);
    assert_eq!(state.lineage, "5b0c7e1e-6d1f-4a55-9c77-3f2f6a0d9e11");
    assert_eq!(state.serial, 41);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "reading writes nothing"
    );

    let acme = &state.customers["acme-se"];
    assert_eq!(acme.subscriptions["business-standard"].seats, 25);
    // The update was never re-sent by version 1 either: dropped.
    let kinds: Vec<_> = acme.pending.iter().map(|p| p.operation.kind()).collect();
    assert_eq!(
        kinds,
        [
            resold::operation::ActionKind::ChangeSeats,
            resold::operation::ActionKind::Order
        ]
    );
    match &acme.pending[0].operation {
        Operation::Entitlement(EntitlementOperation::ChangeSeats {
            entitlement,
            from,
            to,
            request_id,
            ..
        }) => {
            assert_eq!(
                entitlement,
                "accounts/C00sandbox/customers/C0001/entitlements/E0001"
            );
            assert_eq!((*from, *to), (25, 30), "from the record, to the step");
            assert_eq!(
                request_id.to_string(),
                "0c6f1f8e-3b1a-4d6e-9a51-0d2b6f3c1a02"
            );
        }
        other => panic!("{other:?}"),
    }
    match &acme.pending[1].operation {
        Operation::Entitlement(EntitlementOperation::Order {
            customer,
            sku,
            purchase_order_id,
            ..
        }) => {
            assert_eq!(
                customer,
                &CustomerRef::Existing("accounts/C00sandbox/customers/C0001".into())
            );
            assert_eq!(sku, "vault");
            assert_eq!(purchase_order_id.as_deref(), Some("PO-2291"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        acme.pending[1].google_operation.as_deref(),
        Some("operations/op-vault-1")
    );
    match &state.customers["nordic-no"].pending[0].operation {
        Operation::Customer(CustomerOperation::CreateCustomer { customer }) => {
            assert_eq!(customer.domain, "nordicfisk.no");
            assert!(customer.subscriptions.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_first_write_keeps_the_version_1_file_and_writes_version_2() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, path, bytes) = install(dir.path());
    let mut state = backend.read().unwrap().unwrap();
    state.customers.get_mut("acme-se").unwrap().pending.clear();
    commit(&backend, &mut state);

    let kept = backups::old_format_path(&path);
    assert_eq!(
        std::fs::read(&kept).unwrap(),
        bytes,
        "the version-1 file, as it was"
    );
    let written = std::fs::read(&path).unwrap();
    assert_eq!(version_of(&written), Some(2));
    assert_eq!(backend.read().unwrap().unwrap(), state);

    // Later writes leave the kept file alone.
    state.customers.remove("nordic-no");
    commit(&backend, &mut state);
    assert_eq!(std::fs::read(&kept).unwrap(), bytes);
}

#[test]
fn an_in_flight_step_that_cannot_be_typed_stops_the_read_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, path, _) = install(dir.path());
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "\"requestId\": \"0c6f1f8e-3b1a-4d6e-9a51-0d2b6f3c1a03\",",
        "",
    );
    std::fs::write(&path, &text).unwrap();
    let error = backend.read().unwrap_err();
    assert!(matches!(error, StateError::Migration { .. }), "{error}");
    let message = resold::cli::describe_error(&error);
    assert!(
        message.contains("customer.acme-se.subscription.vault"),
        "{message}"
    );
    assert!(message.contains("it has no request id"), "{message}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        text,
        "left untouched"
    );
}
