//! What the binary prints and how it ends: a reader that goes away, names
//! with control characters, and a config that would leak the token.

use std::process::Stdio;
use std::time::{Duration, Instant};

use resold::state::{Backend, CustomerRecord, LocalBackend, State};

use super::{Workspace, run_in};

/// Runs `resold ARGS` with stdout a pipe whose reader is already gone.
fn with_closed_stdout(ws: &Workspace, args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("resold"))
        .args(args)
        .current_dir(ws.dir.path())
        .env_remove("RESOLD_CONFIG")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn write_state(ws: &Workspace, names: &[&str]) {
    let backend = LocalBackend::new(ws.path(".resold/state.json"));
    let _lock = backend.lock("test").unwrap();
    let mut state = State::new(None);
    for name in names {
        let record: CustomerRecord = serde_json::from_value(serde_json::json!({
            "channelName": format!("accounts/C0/customers/\u{202e}{name}"),
            "protect": true,
        }))
        .unwrap();
        state.customers.insert((*name).to_string(), record);
    }
    state.serial = 1;
    backend.write(&state, None).unwrap();
}

#[test]
fn a_closed_stdout_ends_every_command_quietly_with_0() {
    let ws = Workspace::new();
    write_state(&ws, &["acme-se"]);
    for args in [
        vec!["validate"],
        vec!["validate", "--format", "json"],
        vec!["plan"],
        vec!["plan", "--format", "markdown"],
        vec!["plan", "--detailed-exitcode"],
        vec!["state", "list"],
        vec!["state", "show", "acme-se"],
        vec!["state", "lock-info"],
        vec!["schema", "manifest"],
    ] {
        let (code, stderr) = with_closed_stdout(&ws, &args);
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}

#[test]
fn state_commands_never_echo_raw_control_or_bidi_characters() {
    let ws = Workspace::new();
    write_state(&ws, &["acme-se", "evil\u{1b}[2J\u{202e}x"]);
    for args in [
        vec!["state", "show", "acme-se"],
        vec!["state", "list"],
        vec!["state", "rm", "evil\u{1b}[2J\u{202e}x"],
        vec!["state", "rm", "nobody\u{1b}[31m"],
        vec!["state", "show", "nobody\u{202e}"],
    ] {
        let run = ws.resold(&args);
        let all = run.all();
        for raw in ['\u{1b}', '\u{202e}'] {
            assert!(!all.contains(raw), "{args:?} printed {raw:?}: {all:?}");
        }
    }
    let shown = ws.resold(&["state", "show", "acme-se"]);
    assert!(shown.stdout.contains("\\u202eacme-se"), "{}", shown.stdout);
    let value: serde_json::Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(
        value["channelName"],
        "accounts/C0/customers/\u{202e}acme-se"
    );
}

#[test]
fn force_unlock_says_whose_writes_are_refused() {
    let ws = Workspace::new();
    write_state(&ws, &[]);
    let backend = LocalBackend::new(ws.path(".resold/state.json"));
    let guard = backend.lock("apply").unwrap();
    let id = guard.info().id.clone();
    let run = ws.resold(&["state", "force-unlock", &id]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(
        run.stdout
            .contains("it keeps its lock and can still write the state"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("a run started now would then find the state changed under it"),
        "{}",
        run.stdout
    );
    drop(guard);
}

#[test]
fn a_channel_endpoint_in_clear_or_malformed_is_a_config_error_at_once() {
    let ws = Workspace::new();
    for (endpoint, why) in [
        (
            "http://proxy.example.com",
            "the access token would travel unencrypted",
        ),
        ("proxy.example.com:8080/x", "must start with https://"),
        ("https//proxy.example.com", "is not a URL"),
        ("https://proxy.example.com/?x=1", "base URL"),
    ] {
        std::fs::write(
            ws.path("resold.yaml"),
            format!(
                "provider:\n  kind: channel\n  account: accounts/C01234\n  endpoint: \"{endpoint}\"\nmanifests: customers\n"
            ),
        )
        .unwrap();
        let start = Instant::now();
        let run = run_in(ws.dir.path(), &["plan"]);
        assert_eq!(run.code, Some(1), "{endpoint}: {run:?}");
        assert!(run.stderr.contains(why), "{endpoint}: {}", run.stderr);
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{endpoint}: retried"
        );
    }
}

#[test]
fn a_shared_state_directory_is_refused_unless_accepted_in_the_config() {
    use std::os::unix::fs::PermissionsExt;
    let ws = Workspace::new();
    std::fs::create_dir(ws.path(".resold")).unwrap();
    std::fs::set_permissions(ws.path(".resold"), std::fs::Permissions::from_mode(0o777)).unwrap();
    let run = ws.resold(&["state", "list"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stderr.contains("writable by other users (mode 0777)"),
        "{}",
        run.stderr
    );
    std::fs::write(
        ws.path("resold.yaml"),
        "provider:\n  kind: sandbox\nstate:\n  writableByOthers: warn\nmanifests: customers\n",
    )
    .unwrap();
    let run = ws.resold(&["state", "list"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(
        run.stderr.starts_with("warning: the state directory"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_first_plan_creates_a_private_state_directory() {
    use std::os::unix::fs::PermissionsExt;
    let ws = Workspace::new();
    let run = ws.resold(&["plan"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let mode = std::fs::metadata(ws.path(".resold"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700);
}
