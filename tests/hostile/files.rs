//! Files are read only as what they claim to be: no link out of the tree,
//! no FIFO, device or socket, nothing beyond its kind's size.

use std::os::unix::fs::symlink;

use super::{SECRET, Workspace, mkfifo};

#[test]
fn a_manifest_linked_to_a_secret_is_refused_in_every_format_and_in_plan() {
    let ws = Workspace::new();
    symlink(ws.secret(), ws.path("customers/env.yaml")).unwrap();
    for args in [
        vec!["validate"],
        vec!["validate", "--format", "json"],
        vec!["validate", "--format", "github"],
        vec!["validate", "customers/env.yaml"],
        vec!["plan"],
    ] {
        let run = ws.resold(&args);
        assert_eq!(run.code, Some(1), "{args:?}: {run:?}");
        assert!(!run.all().contains("hunter2"), "{args:?} leaked: {run:?}");
        assert!(
            run.all().contains("env.yaml` is a symbolic link to"),
            "{args:?}: {run:?}"
        );
        assert!(run.all().contains("F-REFUSED"), "{args:?}: {run:?}");
    }
}

#[test]
fn a_config_linked_to_a_secret_is_refused() {
    let ws = Workspace::new();
    std::fs::remove_file(ws.path("resold.yaml")).unwrap();
    symlink(ws.secret(), ws.path("resold.yaml")).unwrap();
    for args in [
        vec!["validate"],
        vec!["plan"],
        vec!["--config", "resold.yaml", "state", "list"],
    ] {
        let run = ws.resold(&args);
        assert_eq!(run.code, Some(1), "{args:?}: {run:?}");
        assert!(!run.all().contains("hunter2"), "{args:?} leaked: {run:?}");
        assert!(
            run.stderr.contains("resold.yaml` is a symbolic link to"),
            "{args:?}: {run:?}"
        );
    }
}

#[test]
fn links_escaping_by_dot_dot_chains_and_directories_are_refused() {
    let ws = Workspace::new();
    let depth = ws.dir.path().components().count();
    let up = "../".repeat(depth + 2);
    let relative = format!(
        "{up}{}",
        ws.secret().display().to_string().trim_start_matches('/')
    );
    symlink(&relative, ws.path("customers/up.yaml")).unwrap();
    symlink("up.yaml", ws.path("customers/chain.yaml")).unwrap();
    symlink(ws.outside.path(), ws.path("customers/shared")).unwrap();
    std::fs::write(ws.outside.path().join("x.yaml"), format!("{SECRET}: 1\n")).unwrap();
    symlink("loop.yaml", ws.path("customers/loop.yaml")).unwrap();
    let run = ws.resold(&["validate"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(!run.all().contains("hunter2"), "{run:?}");
    for name in ["up.yaml", "chain.yaml", "shared", "loop.yaml"] {
        assert!(
            run.stdout.contains(&format!("{name}`")),
            "{name}: {}",
            run.stdout
        );
    }
    assert!(
        run.stdout.contains("never ends in a file"),
        "{}",
        run.stdout
    );
}

#[test]
fn links_inside_the_tree_are_followed_and_read_once() {
    let ws = Workspace::new();
    symlink("finland.yaml", ws.path("customers/alias.yaml")).unwrap();
    let run = ws.resold(&["validate"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.contains("in 1 file"), "{}", run.stdout);
}

#[test]
fn fifos_devices_and_sockets_never_hang_or_stream() {
    let ws = Workspace::new();
    mkfifo(&ws.path("customers/pipe.yaml"));
    symlink("/dev/zero", ws.path("customers/zero.yaml")).unwrap();
    let _socket = std::os::unix::net::UnixListener::bind(ws.path("customers/socket.yaml")).unwrap();
    let run = ws.resold(&["validate"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stdout.contains("pipe.yaml` is a named pipe (FIFO)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("socket.yaml` is a socket"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("zero.yaml` is a symbolic link to `/dev/zero`"),
        "{}",
        run.stdout
    );
    let plan = ws.resold(&["plan"]);
    assert_eq!(plan.code, Some(1), "{plan:?}");

    for device in ["/dev/zero", "/dev/urandom", "/dev/stdin"] {
        let run = ws.resold(&["validate", device]);
        assert_eq!(run.code, Some(1), "{device}: {run:?}");
        assert!(
            run.stdout.contains("not a regular file") || run.stdout.contains("F-"),
            "{device}: {run:?}"
        );
    }
}

#[test]
fn a_fifo_as_state_file_or_saved_plan_is_refused_not_waited_on() {
    let ws = Workspace::new();
    std::fs::create_dir(ws.path(".resold")).unwrap();
    mkfifo(&ws.path(".resold/state.json"));
    let run = ws.resold(&["plan", "--refresh", "none"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.contains("named pipe"), "{run:?}");
    std::fs::remove_file(ws.path(".resold/state.json")).unwrap();

    mkfifo(&ws.path("plan.json"));
    let run = ws.resold(&["apply", "plan.json"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.contains("named pipe"), "{run:?}");
}

#[test]
fn a_key_file_linked_out_of_its_directory_is_refused_unread() {
    let ws = Workspace::new();
    symlink(ws.secret(), ws.path("key.json")).unwrap();
    std::fs::write(
        ws.path("resold.yaml"),
        "provider:\n  kind: channel\n  account: accounts/C01234\n  credentials: key.json\n  subject: admin@reseller.example\nmanifests: customers\n",
    )
    .unwrap();
    let run = ws.resold(&["plan"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(!run.all().contains("hunter2"), "{run:?}");
    assert!(
        run.stderr.contains("key.json` is a symbolic link to"),
        "{run:?}"
    );
}

#[test]
fn a_file_beyond_its_limit_is_refused_by_bytes_read() {
    let ws = Workspace::new();
    let mut big = String::from("apiVersion: resold/v1\nkind: Customer\n# ");
    big.push_str(&"x".repeat(9 * 1024 * 1024));
    std::fs::write(ws.path("customers/big.yaml"), big).unwrap();
    let run = ws.resold(&["validate"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stdout.contains("F-TOO-LARGE"), "{}", run.stdout);
    assert!(run.stdout.len() < 4096, "the refused file is not quoted");
}
