//! `resold import` and `resold account list` through the binary, on a
//! sandbox world seeded straight through the API with customers of every
//! shape (`resold::fixtures::world`): what is written validates, a second
//! import writes nothing, an interrupted import ends as an uninterrupted
//! one, and reading the account writes nothing to Google.

mod read;
mod roundtrip;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use resold::fixtures::world;
use resold::sandbox::{self, RunningSandbox, SandboxOptions};

use crate::support::resold_snapshot;

/// A seeded world file, shared read-only by the tests (each copies it).
fn seeded_world() -> &'static Path {
    static WORLD: std::sync::OnceLock<(tempfile::TempDir, PathBuf)> = std::sync::OnceLock::new();
    let (_, path) = WORLD.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("world.json");
        // Its own thread and runtime: callers are async tests on theirs.
        let seeding = path.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime
                .block_on(world::every_shape(&seeding))
                .expect("the world seeds");
        })
        .join()
        .unwrap();
        (dir, path)
    });
    path
}

/// A project whose config points at a sandbox serving a copy of the world.
struct Project {
    dir: tempfile::TempDir,
    _sandbox: RunningSandbox,
}

impl Project {
    async fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        let world = dir.path().join("world.json");
        std::fs::copy(seeded_world(), &world).unwrap();
        let sandbox = sandbox::start(SandboxOptions {
            state_path: Some(world),
            polls_until_done: 0,
            // The seeded customers stand for a book created long ago; the
            // sandbox's filtered-list lag is about customers created seconds
            // before, and would hide them from `--only` here.
            filter_lag: std::time::Duration::ZERO,
            ..SandboxOptions::default()
        })
        .await
        .unwrap();
        std::fs::write(
            dir.path().join("resold.yaml"),
            format!(
                "provider:\n  kind: sandbox\n  endpoint: {}\nstate:\n  kind: local\n  path: .resold/state.json\nmanifests: customers/\n",
                sandbox.base_url()
            ),
        )
        .unwrap();
        Project {
            dir,
            _sandbox: sandbox,
        }
    }

    /// Requests that changed the sandbox's world so far.
    fn mutations(&self) -> u64 {
        self._sandbox.mutations()
    }

    fn path(&self, rest: &str) -> PathBuf {
        self.dir.path().join(rest)
    }

    async fn run(&self, args: &[&str]) -> Output {
        let mut command = Command::new(assert_cmd::cargo::cargo_bin("resold"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap()
    }

    /// Every file under `dir` with its text, by path relative to it.
    fn files(&self, dir: &str) -> BTreeMap<String, String> {
        let root = self.path(dir);
        let mut files = BTreeMap::new();
        for entry in std::fs::read_dir(&root).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                files.insert(name, text);
            }
        }
        files
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn describe(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        stdout(output),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Times and temporary paths change between runs.
#[tokio::test(flavor = "multi_thread")]
async fn import_writes_manifests_that_validate_and_a_second_import_writes_nothing() {
    let project = Project::new().await;
    let output = project.run(&["import"]).await;
    assert!(output.status.success(), "{}", describe(&output));
    let files = project.files("customers");
    resold_snapshot!(now: "import_report", stdout(&output));
    for (name, text) in &files {
        resold_snapshot!(now: format!("import_file_{name}"), text);
    }

    let validate = project.run(&["validate"]).await;
    assert!(validate.status.success(), "{}", describe(&validate));
    assert!(
        stdout(&validate).contains("valid: 12 customers in 13 files (0 errors, 0 warnings"),
        "{}",
        describe(&validate)
    );

    // Teams sharing a name and a domain keep their own Cloud Identity IDs.
    let teams: Vec<&String> = files
        .keys()
        .filter(|n| n.starts_with("konsult-fi-"))
        .collect();
    assert_eq!(teams.len(), 2, "{:?}", files.keys());
    assert_ne!(files[teams[0]], files[teams[1]]);
    for skipped in ["egen-se.yaml", "halvvags-se.yaml"] {
        assert!(
            !files.contains_key(skipped),
            "{skipped} must stay unmanaged"
        );
    }
    assert!(
        files.contains_key("gammal-kund.yaml"),
        "a name resold gave comes back"
    );

    let again = project.run(&["import"]).await;
    assert!(again.status.success(), "{}", describe(&again));
    assert_eq!(
        project.files("customers"),
        files,
        "a second import writes nothing"
    );
    assert!(
        stdout(&again).contains(": 0 imported, "),
        "{}",
        describe(&again)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_import_run_again_ends_as_an_uninterrupted_one() {
    let whole = Project::new().await;
    let output = whole.run(&["import"]).await;
    assert!(output.status.success(), "{}", describe(&output));
    let expected = whole.files("customers");

    // What a run killed while writing leaves: the Defaults file and the
    // first customers' files (written one by one, each whole), and maybe a
    // temporary file it did not get to link into place.
    let interrupted = Project::new().await;
    let dir = interrupted.path("customers");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in expected.iter().take(expected.len() / 2) {
        std::fs::write(dir.join(name), text).unwrap();
    }
    std::fs::write(dir.join(".resold-import-x1.tmp"), "half a fi").unwrap();
    let output = interrupted.run(&["import"]).await;
    assert!(output.status.success(), "{}", describe(&output));
    let mut resumed = interrupted.files("customers");
    resumed.remove(".resold-import-x1.tmp");
    assert_eq!(resumed, expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn only_and_out_import_a_part_of_the_account_elsewhere() {
    let project = Project::new().await;
    let output = project
        .run(&[
            "import",
            "--only",
            "nordlys.no",
            "--only",
            "KONSULT.fi",
            "--out",
            "picked",
        ])
        .await;
    assert!(output.status.success(), "{}", describe(&output));
    let files = project.files("picked");
    let mut names: Vec<&String> = files.keys().collect();
    names.sort();
    assert_eq!(
        names.len(),
        4,
        "the Defaults file and three customers: {names:?}"
    );
    assert!(files.contains_key("_defaults.yaml"));
    assert!(files.contains_key("nordlys-no.yaml"));
    let nordlys = &files["nordlys-no.yaml"];
    assert!(nordlys.contains("regionCode: 'NO'"), "{nordlys}");
    assert!(nordlys.contains("postalCode: '0150'"), "{nordlys}");
    let validate = project.run(&["validate", "picked"]).await;
    assert!(validate.status.success(), "{}", describe(&validate));
}

#[tokio::test(flavor = "multi_thread")]
async fn account_list_shows_every_customer_as_text_json_and_csv() {
    let project = Project::new().await;
    for format in ["text", "json", "csv"] {
        let output = project.run(&["account", "list", "--format", format]).await;
        assert!(output.status.success(), "{}", describe(&output));
        resold_snapshot!(now: format!("account_list_{format}"), stdout(&output));
    }
    // After an import, the customers it wrote are marked managed.
    assert!(project.run(&["import"]).await.status.success());
    let output = project.run(&["account", "list"]).await;
    let text = stdout(&output);
    assert!(text.contains("managed: nordlys-no (manifest)"), "{text}");
    assert!(
        text.contains("halvvags.se  Halvvägs AB  not provisioned  -  unmanaged"),
        "{text}"
    );
}
