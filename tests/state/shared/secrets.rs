//! The password of a PostgreSQL state through the binary: used, never shown
//! — not on a successful apply, not in a connection error, not in a table.

use super::PgProject;
use super::server_and_require;
use crate::apply::project::describe;
use crate::state::postgres::admin;
use crate::state::postgres::secrets::{assert_no_table_holds, role_with_password};
use crate::support::start_sandbox;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_is_used_and_shown_nowhere() {
    let Some(server) = server_and_require() else {
        return;
    };
    let sandbox = start_sandbox().await;
    let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
    let role = role_with_password(&server, &password).await;
    let url = server.url.replacen("postgres@", &format!("{role}@"), 1);
    let pg = PgProject::with_url(
        &url,
        "  passwordEnv: RESOLD_TEST_PG_SECRET\n",
        &sandbox,
        "sec",
        1,
    );
    let project = &pg.project;

    // Wrong password: a clear error that shows neither password.
    let mut command = project.command(&["apply", "--auto-approve"]);
    command.env("RESOLD_TEST_PG_SECRET", "wrong-one-123");
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert!(!output.status.success());
    let shown = describe(&output);
    assert!(
        shown.contains("password from $RESOLD_TEST_PG_SECRET"),
        "{shown}"
    );
    assert!(
        !shown.contains("wrong-one-123") && !shown.contains(&password),
        "{shown}"
    );

    // The right one: the apply works, and nothing it prints holds it.
    for args in [
        &["apply", "--auto-approve"][..],
        &["plan"],
        &["state", "list"],
        &["state", "lock-info"],
    ] {
        let mut command = project.command(args);
        command.env("RESOLD_TEST_PG_SECRET", &password);
        let output = tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap();
        assert!(output.status.success(), "{args:?}: {}", describe(&output));
        assert!(!describe(&output).contains(&password), "{args:?}");
    }

    let admin = admin(&server).await;
    assert_no_table_holds(&admin, &pg.schema, &password).await;
}
