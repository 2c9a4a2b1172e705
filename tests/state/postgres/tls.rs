//! TLS by libpq's `sslmode` rules against the test server, which offers TLS
//! with a certificate for `localhost` signed by a throwaway CA.

use std::path::{Path, PathBuf};

use resold::state::postgres::{ConnectSettings, PostgresConfig, SslMode, Store};

use super::{Server, admin, fresh_schema, server};

fn settings(url: &str, mode: SslMode, root: Option<&str>) -> ConnectSettings {
    let mut config = PostgresConfig::new(url, "w");
    config.schema = fresh_schema();
    config.sslmode = Some(mode);
    config.sslrootcert = root.map(PathBuf::from);
    ConnectSettings::resolve(&config, Path::new("/"), &|_| None).unwrap()
}

async fn encrypted(server: &Server, store: &Store) -> bool {
    admin(server)
        .await
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = $1",
            &[&store.backend_pid().await],
        )
        .await
        .unwrap()
        .get(0)
}

async fn refused(settings: &ConnectSettings) -> String {
    match Store::open(settings).await {
        Err(error) => resold::cli::describe_error(&error),
        Ok(_) => panic!("{settings} must not connect"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disable_prefer_and_require_encrypt_as_libpq_does() {
    let Some(server) = server() else { return };
    let plain = Store::open(&settings(&server.tcp_url, SslMode::Disable, None))
        .await
        .unwrap();
    assert!(!encrypted(&server, &plain).await);
    for mode in [SslMode::Prefer, SslMode::Require] {
        let store = Store::open(&settings(&server.tcp_url, mode, None))
            .await
            .unwrap();
        assert!(encrypted(&server, &store).await, "{mode}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_full_checks_the_authority_and_the_name() {
    let Some(server) = server() else { return };
    let by_name = Store::open(&settings(
        &server.tcp_url,
        SslMode::VerifyFull,
        Some(&server.ca),
    ))
    .await
    .unwrap();
    assert!(encrypted(&server, &by_name).await);
    // The certificate is for localhost, not 127.0.0.1.
    let by_address = server.tcp_url.replacen("@localhost:", "@127.0.0.1:", 1);
    let error = refused(&settings(
        &by_address,
        SslMode::VerifyFull,
        Some(&server.ca),
    ))
    .await;
    assert!(error.contains("not valid for name"), "{error}");
    // Without the test CA the system's authorities do not know it.
    let error = refused(&settings(&server.tcp_url, SslMode::VerifyFull, None)).await;
    assert!(error.contains("certificate"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_ca_checks_the_authority_but_not_the_name() {
    let Some(server) = server() else { return };
    let by_address = server.tcp_url.replacen("@localhost:", "@127.0.0.1:", 1);
    let store = Store::open(&settings(&by_address, SslMode::VerifyCa, Some(&server.ca)))
        .await
        .unwrap();
    assert!(encrypted(&server, &store).await);
    let error = refused(&settings(&by_address, SslMode::VerifyCa, None)).await;
    assert!(error.contains("certificate"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_with_a_root_file_checks_the_chain_as_libpq_does() {
    let Some(server) = server() else { return };
    let by_address = server.tcp_url.replacen("@localhost:", "@127.0.0.1:", 1);
    let store = Store::open(&settings(&by_address, SslMode::Require, Some(&server.ca)))
        .await
        .unwrap();
    assert!(encrypted(&server, &store).await);
    let other_ca = Path::new(&server.ca).with_file_name("other-ca.crt");
    let error = refused(&settings(&by_address, SslMode::Require, other_ca.to_str())).await;
    assert!(error.contains("certificate"), "{error}");
    let not_a_certificate = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(not_a_certificate.path(), "no PEM here\n").unwrap();
    let error = refused(&settings(
        &by_address,
        SslMode::Require,
        not_a_certificate.path().to_str(),
    ))
    .await;
    assert!(error.contains("no PEM certificate"), "{error}");
}
