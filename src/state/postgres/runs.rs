//! The runs table: every run that opened the state for writing, who started
//! it, where, for what plan, from which CI job, and how it ended. A lock
//! holder is named from here; a history entry points here.

use serde::{Deserialize, Serialize};
use tokio_postgres::Row;

use super::{PostgresError, Store};

/// What a run says about itself when it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunStart {
    /// "apply", "import", "state rm", ...
    pub operation: String,
    /// The saved plan's fingerprint, when the run carries one out.
    pub plan_fingerprint: Option<String>,
}

impl RunStart {
    pub fn new(operation: impl Into<String>) -> RunStart {
        RunStart {
            operation: operation.into(),
            plan_fingerprint: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunOutcome {
    Succeeded,
    Failed,
    /// Its lock session was ended by `force-unlock`.
    ForceUnlocked,
}

impl RunOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Succeeded => "succeeded",
            RunOutcome::Failed => "failed",
            RunOutcome::ForceUnlocked => "force-unlocked",
        }
    }

    fn parse(text: &str) -> Option<RunOutcome> {
        [
            RunOutcome::Succeeded,
            RunOutcome::Failed,
            RunOutcome::ForceUnlocked,
        ]
        .into_iter()
        .find(|outcome| outcome.as_str() == text)
    }
}

/// One row of the runs table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRecord {
    pub id: String,
    pub workspace: String,
    pub operation: String,
    pub user: String,
    pub host: String,
    pub pid: i64,
    pub resold_version: String,
    pub plan_fingerprint: Option<String>,
    pub ci_url: Option<String>,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub finished_at: Option<String>,
    pub outcome: Option<RunOutcome>,
    /// The customers its lock session locked (empty: none, or account-wide).
    pub locked_customers: Vec<String>,
    /// The domains it locked (empty too in rows written before domains
    /// were locked).
    pub locked_domains: Vec<String>,
}

impl std::fmt::Display for RunRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "run {} ({} by {}@{}, pid {}",
            self.id, self.operation, self.user, self.host, self.pid
        )?;
        if let Some(url) = &self.ci_url {
            write!(f, ", {url}")?;
        }
        write!(f, ") since {}", self.started_at)
    }
}

/// The columns `from_row` reads, in order; `r` is the runs table's alias.
/// A macro, so that statements can `concat!` it and stay `&'static str`.
macro_rules! run_columns {
    () => {
        "r.id, r.workspace, r.operation, r.user_name, r.host, r.pid, r.resold_version, \
         r.plan_fingerprint, r.ci_url, {s}.utc(r.started_at), {s}.utc(r.finished_at), \
         r.outcome, r.locked"
    };
}
pub(super) use run_columns;

impl RunRecord {
    /// A row whose first columns are `run_columns!()`.
    pub(super) fn from_row(row: &Row, first: usize) -> RunRecord {
        let locked: Option<serde_json::Value> = row.get(first + 12);
        let names_in = |field: &str| -> Vec<String> {
            locked
                .as_ref()
                .and_then(|locked| locked.get(field))
                .and_then(serde_json::Value::as_array)
                .map(|names| {
                    names
                        .iter()
                        .filter_map(|name| name.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        RunRecord {
            id: row.get(first),
            workspace: row.get(first + 1),
            operation: row.get(first + 2),
            user: row.get(first + 3),
            host: row.get(first + 4),
            pid: row.get(first + 5),
            resold_version: row.get(first + 6),
            plan_fingerprint: row.get(first + 7),
            ci_url: row.get(first + 8),
            started_at: row.get(first + 9),
            finished_at: row.get(first + 10),
            outcome: row
                .get::<_, Option<String>>(first + 11)
                .as_deref()
                .and_then(RunOutcome::parse),
            locked_customers: names_in("customers"),
            locked_domains: names_in("domains"),
        }
    }
}

impl Store {
    /// Records the start of a run by this process.
    pub async fn begin_run(&self, start: &RunStart) -> Result<RunRecord, PostgresError> {
        let identity = Identity::of_this_process(&|name| std::env::var(name).ok());
        let id = uuid::Uuid::new_v4().to_string();
        self.execute(
            "record the run",
            "INSERT INTO {s}.runs (id, workspace, operation, user_name, host, pid, \
             resold_version, plan_fingerprint, ci_url) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &id,
                &self.workspace_name(),
                &start.operation,
                &identity.user,
                &identity.host,
                &i64::from(std::process::id()),
                &env!("CARGO_PKG_VERSION"),
                &start.plan_fingerprint,
                &identity.ci_url,
            ],
        )
        .await?;
        self.run(&id)
            .await?
            .ok_or_else(|| PostgresError::RunNotOpen {
                run: id,
                outcome: "missing right after it was recorded".into(),
            })
    }

    /// Records how a run ended. A run already ended (say, force-unlocked)
    /// keeps its first outcome, and the caller hears of it.
    pub async fn finish_run(&self, id: &str, outcome: RunOutcome) -> Result<(), PostgresError> {
        let updated = self
            .execute(
                "record the end of the run",
                "UPDATE {s}.runs SET finished_at = now(), outcome = $2 \
                 WHERE id = $1 AND finished_at IS NULL",
                &[&id, &outcome.as_str()],
            )
            .await?;
        if updated == 1 {
            return Ok(());
        }
        let ended = self.run(id).await?;
        Err(PostgresError::RunNotOpen {
            run: id.to_string(),
            outcome: ended
                .and_then(|run| run.outcome)
                .map_or("unknown: no such run".to_string(), |o| {
                    o.as_str().to_string()
                }),
        })
    }

    pub async fn run(&self, id: &str) -> Result<Option<RunRecord>, PostgresError> {
        let row = self
            .query_opt(
                "read a run",
                concat!(
                    "SELECT ",
                    run_columns!(),
                    " FROM {s}.runs r WHERE r.id = $1"
                ),
                &[&id],
            )
            .await?;
        Ok(row.map(|row| RunRecord::from_row(&row, 0)))
    }

    /// The workspace's runs, newest first.
    pub async fn runs(&self, limit: i64) -> Result<Vec<RunRecord>, PostgresError> {
        let rows = self
            .query(
                "read the runs",
                concat!(
                    "SELECT ",
                    run_columns!(),
                    " FROM {s}.runs r WHERE r.workspace = $1 \
                     ORDER BY r.started_at DESC, r.id LIMIT $2"
                ),
                &[&self.workspace_name(), &limit],
            )
            .await?;
        Ok(rows.iter().map(|row| RunRecord::from_row(row, 0)).collect())
    }

    /// Notes on the run which lock session it holds and what it locked, so
    /// that a waiting run can name it.
    pub(super) async fn record_lock_session(
        &self,
        run: &str,
        lock_pid: i32,
        backend_start: &str,
        locked: &serde_json::Value,
    ) -> Result<(), PostgresError> {
        self.execute(
            "record the run's locks",
            "UPDATE {s}.runs SET lock_pid = $2, lock_backend_start = $3, locked = $4 WHERE id = $1",
            &[&run, &lock_pid, &backend_start, locked],
        )
        .await
        .map(drop)
    }
}

/// Who and where this process is, and the CI job running it if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Identity {
    pub user: String,
    pub host: String,
    pub ci_url: Option<String>,
}

impl Identity {
    pub fn of_this_process(env: &dyn Fn(&str) -> Option<String>) -> Identity {
        let var = |name: &str| env(name).filter(|v| !v.is_empty());
        let user = ["USER", "LOGNAME", "USERNAME"]
            .iter()
            .find_map(|name| var(name))
            .unwrap_or_else(|| "unknown".into());
        let host = ["/proc/sys/kernel/hostname", "/etc/hostname"]
            .iter()
            .find_map(|path| {
                std::fs::read_to_string(path)
                    .ok()
                    .map(|text| text.trim().to_string())
                    .filter(|text| !text.is_empty())
            })
            .or_else(|| var("HOSTNAME"))
            .unwrap_or_else(|| "localhost".into());
        Identity {
            user,
            host,
            ci_url: ci_url(env),
        }
    }
}

/// The job's page on GitHub Actions, GitLab CI or Jenkins, from the
/// variables each sets.
pub(super) fn ci_url(env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let var = |name: &str| env(name).filter(|v| !v.is_empty());
    if let (Some(server), Some(repository), Some(run)) = (
        var("GITHUB_SERVER_URL"),
        var("GITHUB_REPOSITORY"),
        var("GITHUB_RUN_ID"),
    ) {
        let server = server.trim_end_matches('/');
        let attempt = var("GITHUB_RUN_ATTEMPT")
            .filter(|attempt| attempt != "1")
            .map(|attempt| format!("/attempts/{attempt}"))
            .unwrap_or_default();
        return Some(format!("{server}/{repository}/actions/runs/{run}{attempt}"));
    }
    var("CI_JOB_URL").or_else(|| var("BUILD_URL"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::postgres::test_env as env;

    #[test]
    fn github_actions_job_url() {
        let github = env(&[
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_REPOSITORY", "nordlys/portfolio"),
            ("GITHUB_RUN_ID", "9012"),
        ]);
        assert_eq!(
            ci_url(&github).as_deref(),
            Some("https://github.com/nordlys/portfolio/actions/runs/9012")
        );
        let retried = env(&[
            ("GITHUB_SERVER_URL", "https://github.com/"),
            ("GITHUB_REPOSITORY", "nordlys/portfolio"),
            ("GITHUB_RUN_ID", "9012"),
            ("GITHUB_RUN_ATTEMPT", "2"),
        ]);
        assert_eq!(
            ci_url(&retried).as_deref(),
            Some("https://github.com/nordlys/portfolio/actions/runs/9012/attempts/2")
        );
    }

    #[test]
    fn gitlab_then_jenkins_then_nothing() {
        let both = env(&[
            ("CI_JOB_URL", "https://gitlab.example/p/-/jobs/5"),
            ("BUILD_URL", "https://jenkins.example/job/x/7/"),
        ]);
        assert_eq!(
            ci_url(&both).as_deref(),
            Some("https://gitlab.example/p/-/jobs/5")
        );
        let jenkins = env(&[("BUILD_URL", "https://jenkins.example/job/x/7/")]);
        assert_eq!(
            ci_url(&jenkins).as_deref(),
            Some("https://jenkins.example/job/x/7/")
        );
        assert_eq!(ci_url(&env(&[("GITHUB_RUN_ID", "1")])), None);
    }

    #[test]
    fn identity_falls_back_when_the_environment_says_nothing() {
        let identity = Identity::of_this_process(&env(&[]));
        assert_eq!(identity.user, "unknown");
        assert!(!identity.host.is_empty());
        assert_eq!(identity.ci_url, None);
    }
}
