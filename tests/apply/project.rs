//! A project directory for driving the `resold` binary: `resold.yaml`
//! pointing at a running sandbox, a local state, and generated manifests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use resold::sandbox::RunningSandbox;
use resold::state::{Backend, LocalBackend, State};

pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    /// `count` domain customers with `orders` flexible subscriptions each.
    pub fn new(sandbox: &RunningSandbox, prefix: &str, count: usize, orders: usize) -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("resold.yaml"),
            format!(
                "provider:\n  kind: sandbox\n  endpoint: {}\n  retry:\n    maxAttempts: 6\n    maxTotalSeconds: 20\n    initialBackoffMs: 10\nstate:\n  kind: local\n  path: .resold/state.json\nmanifests: customers/\n",
                sandbox.base_url()
            ),
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("customers")).unwrap();
        let project = Project { dir };
        project.write_customers(prefix, count, orders);
        project
    }

    pub fn write_customers(&self, prefix: &str, count: usize, orders: usize) {
        self.write_customers_with(prefix, count, orders, "Kund", true);
    }

    /// Customers named `{organization} {i} AB`, with `protect` as given.
    pub fn write_customers_with(
        &self,
        prefix: &str,
        count: usize,
        orders: usize,
        organization: &str,
        protect: bool,
    ) {
        let skus = [
            ("business-standard", 10),
            ("vault", 5),
            ("additional-storage", 2),
        ];
        let mut text = String::new();
        for i in 0..count {
            let name = format!("{prefix}-{i:03}");
            text.push_str(&format!(
                "---\napiVersion: resold/v1\nkind: Customer\nmetadata:\n  name: {name}\nspec:\n  type: domain\n  organization: {organization} {i} AB\n  protect: {protect}\n  domain: {name}.se\n  address:\n    lines: [\"Storgatan {i}\"]\n    locality: Stockholm\n    postalCode: \"111 22\"\n    regionCode: SE\n  language: sv\n  admin:\n    email: admin@{name}.se\n    givenName: Anna\n    familyName: Svensson\n  alternateEmail: it@reseller.example\n  subscriptions:\n"
            ));
            for (sku, seats) in skus.iter().take(orders) {
                text.push_str(&format!(
                    "    - sku: {sku}\n      plan: flexible\n      seats: {seats}\n"
                ));
            }
        }
        std::fs::write(
            self.dir
                .path()
                .join("customers")
                .join(format!("{prefix}.yaml")),
            text,
        )
        .unwrap();
    }

    /// A copy of the example portfolio (eight customers) whose config points
    /// at `sandbox` instead of starting an embedded one.
    pub fn examples(sandbox: &RunningSandbox) -> Project {
        let dir = tempfile::tempdir().unwrap();
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/customers");
        let customers = dir.path().join("customers");
        std::fs::create_dir_all(&customers).unwrap();
        for entry in std::fs::read_dir(examples).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), customers.join(entry.file_name())).unwrap();
        }
        let config = format!(
            "provider:\n  kind: sandbox\n  endpoint: {}\nmanifests: customers/\npolicy:\n  maxSeatsPerOrder: 3000\n",
            sandbox.base_url()
        );
        std::fs::write(dir.path().join("resold.yaml"), config).unwrap();
        Project { dir }
    }

    /// Replaces `from` with `to` in the manifest file `file` (under customers/).
    pub fn edit_manifest(&self, file: &str, from: &str, to: &str) {
        let path = self.dir.path().join("customers").join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{from:?} is not in {file}");
        std::fs::write(path, text.replacen(from, to, 1)).unwrap();
    }

    /// A file of the project directory, parsed as JSON.
    pub fn read_json(&self, file: &str) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(self.dir.path().join(file)).unwrap()).unwrap()
    }

    pub fn write_json(&self, file: &str, value: &serde_json::Value) {
        std::fs::write(
            self.dir.path().join(file),
            serde_json::to_vec_pretty(value).unwrap(),
        )
        .unwrap();
    }

    pub fn state_path(&self) -> PathBuf {
        self.dir.path().join(".resold/state.json")
    }

    pub fn backend(&self) -> LocalBackend {
        LocalBackend::new(self.state_path())
    }

    pub fn state(&self) -> State {
        self.backend().read().unwrap().unwrap()
    }

    /// Adds `text` (YAML) at the end of `resold.yaml`.
    pub fn append_config(&self, text: &str) {
        let path = self.dir.path().join("resold.yaml");
        let mut config = std::fs::read_to_string(&path).unwrap();
        config.push_str(text);
        std::fs::write(path, config).unwrap();
    }

    /// `resold ARGS` in the project directory, standard input not a terminal.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(assert_cmd::cargo::cargo_bin("resold"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    /// Waits until some run holds the state lock; its holder record.
    pub async fn wait_until_locked(&self) -> resold::state::LockInfo {
        let started = std::time::Instant::now();
        loop {
            if let Some(holder) = self.backend().lock_info().unwrap() {
                return holder;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(30),
                "nobody took the lock"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    /// Runs `resold ARGS` to completion without blocking the async runtime
    /// (the sandbox it talks to lives on it).
    pub async fn run(&self, args: &[&str]) -> Output {
        let mut command = self.command(args);
        tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap()
    }

    /// `resold apply --auto-approve`, which must succeed: the starting point
    /// of the tests that then change something.
    pub async fn apply_approved(&self) {
        let output = self.run(&["apply", "--auto-approve"]).await;
        assert!(output.status.success(), "{}", describe(&output));
    }
}

pub use crate::support::{describe, text};

/// The customer changes its own licence cap for `sku` (Add a Google Workspace customer, step 14).
pub async fn set_licenses(sandbox: &RunningSandbox, domain: &str, sku: &str, max_units: u32) {
    let body = serde_json::json!({"sku": sku, "maxUnits": max_units});
    console(sandbox, domain, "setLicenses", body).await;
}

/// The customer acts in its own Admin console (Add a Google Workspace customer, steps 14–16) through the
/// sandbox's simulation surface.
pub async fn console(
    sandbox: &RunningSandbox,
    domain: &str,
    action: &str,
    body: serde_json::Value,
) {
    let reply = crate::support::http()
        .post(format!(
            "{}/sandbox/v1/customers/{domain}:{action}",
            sandbox.base_url()
        ))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = reply.status();
    assert!(
        status.is_success(),
        "{action}: {status} {:?}",
        reply.text().await
    );
}
