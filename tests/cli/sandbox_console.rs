//! `resold sandbox console` drives the sandbox the config names, so an
//! operator types the endpoint once, in `resold.yaml`.

use super::{describe, resold, text};
use crate::support::start_sandbox;

fn write_config(dir: &std::path::Path, provider: &str) {
    std::fs::write(
        dir.join("resold.yaml"),
        format!("provider:\n{provider}manifests: customers/\n"),
    )
    .expect("config");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_console_uses_the_configs_endpoint_unless_told_otherwise() {
    let sandbox = start_sandbox().await;
    let dir = tempfile::tempdir().expect("dir");
    write_config(
        dir.path(),
        &format!("  kind: sandbox\n  endpoint: {}\n", sandbox.base_url()),
    );
    let path = dir.path().to_path_buf();
    let world =
        tokio::task::spawn_blocking(move || resold(&path, &["sandbox", "console", "world"], &[]))
            .await
            .expect("joined");
    assert!(world.status.success(), "{}", describe(&world));
    let body: serde_json::Value = serde_json::from_slice(&world.stdout).expect("JSON world");
    assert!(body.is_object(), "{body}");

    // --endpoint still wins: here it names a port nobody listens on.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let path = dir.path().to_path_buf();
    let endpoint = format!("http://127.0.0.1:{port}");
    let refused = tokio::task::spawn_blocking(move || {
        resold(
            &path,
            &["sandbox", "console", "world", "--endpoint", &endpoint],
            &[],
        )
    })
    .await
    .expect("joined");
    assert_eq!(refused.status.code(), Some(1), "{}", describe(&refused));
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains(&format!(
            "no answer from the sandbox at http://127.0.0.1:{port}/sandbox/v1/world: connection refused"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("resold sandbox serve --addr 127.0.0.1:{port}")),
        "{stderr}"
    );
}

#[test]
fn without_an_endpoint_anywhere_the_console_says_where_to_put_one() {
    let dir = tempfile::tempdir().expect("dir");
    write_config(dir.path(), "  kind: sandbox\n");
    let embedded = resold(dir.path(), &["sandbox", "console", "world"], &[]);
    assert_eq!(embedded.status.code(), Some(1), "{}", describe(&embedded));
    let stderr = text(&embedded.stderr);
    assert!(stderr.contains("pass --endpoint"), "{stderr}");
    assert!(
        stderr.contains("runs the sandbox inside each command"),
        "{stderr}"
    );

    write_config(dir.path(), "  kind: channel\n  account: accounts/C012345\n");
    let google = resold(dir.path(), &["sandbox", "console", "world"], &[]);
    assert_eq!(google.status.code(), Some(1), "{}", describe(&google));
    assert!(
        text(&google.stderr).contains("talks to Google (`kind: channel`)"),
        "{}",
        describe(&google)
    );
}
