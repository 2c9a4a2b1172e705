//! The commands on a PostgreSQL state, through the binary, against the
//! server `scripts/with-postgres` starts and the sandbox: the same plan →
//! apply → plan as on a local file, lock holders named, a killed apply
//! resumed, the password nowhere.

mod commands;
mod domains;
mod kill;
mod locking;
mod parallel;
mod restart;
mod secrets;
mod soak;

use resold::sandbox::RunningSandbox;
use resold::state::postgres::PostgresConfig;
use resold::state::{Backend, PostgresBackend, State};

use super::postgres::{Server, fresh_schema};
use crate::apply::project::Project;

/// A project on the sandbox whose state is a fresh schema on `server`.
pub struct PgProject {
    pub project: Project,
    pub schema: String,
    pub url: String,
}

impl PgProject {
    pub fn new(server: &Server, sandbox: &RunningSandbox, prefix: &str, count: usize) -> PgProject {
        PgProject::with_url(&server.url, "", sandbox, prefix, count)
    }

    /// With `extra` (YAML lines, indented under `state:`) in the config.
    pub fn with_url(
        url: &str,
        extra: &str,
        sandbox: &RunningSandbox,
        prefix: &str,
        count: usize,
    ) -> PgProject {
        let project = Project::new(sandbox, prefix, count, 2);
        let schema = fresh_schema();
        let path = project.dir.path().join("resold.yaml");
        let config = std::fs::read_to_string(&path).unwrap();
        let local = "state:\n  kind: local\n  path: .resold/state.json\n";
        assert!(config.contains(local), "{config}");
        let shared = format!(
            "state:\n  kind: postgres\n  url: {url}\n  schema: {schema}\n  workspace: production\n{extra}"
        );
        std::fs::write(&path, config.replacen(local, &shared, 1)).unwrap();
        PgProject {
            project,
            schema,
            url: url.to_string(),
        }
    }

    /// A backend on the project's workspace, as another process would open it.
    pub fn backend(&self) -> PostgresBackend {
        let mut config = PostgresConfig::new(&self.url, "production");
        config.schema = self.schema.clone();
        PostgresBackend::new(config, self.project.dir.path())
    }

    pub fn state(&self) -> State {
        self.backend().read().unwrap().expect("a state")
    }
}

pub fn server_and_require() -> Option<Server> {
    super::postgres::server()
}
