//! Finding and reading `resold.yaml`. The file goes through the same
//! reader as manifests (`diagnostics`): links may not leave its directory,
//! only a regular file is read, at most `FileKind::Config` bytes, and a bad
//! config gets `file:line:col` diagnostics too. Relative paths in it are
//! relative to the file, and are resolved here once.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use super::{CONFIG_FILE_NAME, Config};
use crate::diagnostics::read::{parse_source, read_source};
use crate::diagnostics::{Diagnostic, ReportFormat, Structure, cap_per_file, render};
use crate::fsio::{self, FileKind};

/// A config file as loaded: every relative path in `config` is already
/// resolved against `base_dir`.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: Config,
    /// The file read.
    pub path: PathBuf,
    /// The directory the file's relative paths are relative to.
    pub base_dir: PathBuf,
}

impl LoadedConfig {
    /// The manifest directory (absolute).
    pub fn manifests_dir(&self) -> &Path {
        &self.config.manifests
    }

    /// The local state file (absolute).
    pub fn state_path(&self) -> &Path {
        &self.config.state.path
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "no {CONFIG_FILE_NAME} in `{}` or any parent directory (run `resold init`, or pass --config FILE)",
        .start.display()
    )]
    NotFound { start: PathBuf },
    #[error("cannot read the current directory")]
    CurrentDir(#[source] std::io::Error),
    #[error("invalid config `{}`:\n{}", .path.display(), render(.diagnostics, ReportFormat::Human, false))]
    Invalid {
        path: PathBuf,
        diagnostics: Vec<Diagnostic>,
    },
}

/// Loads `explicit`, or the nearest `resold.yaml` from the current directory up.
pub fn load(explicit: Option<&Path>) -> Result<LoadedConfig, ConfigError> {
    let path = match explicit {
        Some(path) => path.to_path_buf(),
        None => {
            let start = std::env::current_dir().map_err(ConfigError::CurrentDir)?;
            find(&start).ok_or(ConfigError::NotFound { start })?
        }
    };
    load_file(&path)
}

/// The nearest `resold.yaml` in `start` or one of its parents (a link
/// named `resold.yaml` counts; where it points is checked when it is read).
pub fn find(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(CONFIG_FILE_NAME))
        .find(|candidate| std::fs::symlink_metadata(candidate).is_ok())
}

/// The structural schema of `resold.yaml`.
fn structure() -> &'static Structure {
    static S: OnceLock<Structure> = OnceLock::new();
    S.get_or_init(|| Structure::compile(super::json_schema()))
}

fn load_file(path: &Path) -> Result<LoadedConfig, ConfigError> {
    let invalid = |diagnostics: Vec<Diagnostic>| ConfigError::Invalid {
        path: path.to_path_buf(),
        diagnostics: cap_per_file(diagnostics),
    };
    let tree = fsio::parent_of(path);
    let (source, _) = read_source(path, &tree, FileKind::Config).map_err(|d| invalid(vec![*d]))?;
    let mut documents = parse_source(Arc::new(source)).map_err(invalid)?;
    if documents.len() > 1 {
        let d = Diagnostic::error(
            "C-DOCUMENTS",
            format!(
                "{CONFIG_FILE_NAME} holds {} documents; it must hold one",
                documents.len()
            ),
        );
        return Err(invalid(vec![documents[1].0.at_value(d, "")]));
    }
    let (source, value) = documents.remove(0);
    let mut config: Config = structure().read(&source, &value).map_err(invalid)?;
    let problems = check_state(&config.state);
    if !problems.is_empty() {
        return Err(invalid(
            problems
                .into_iter()
                .map(|(pointer, d)| source.at_value(d, &pointer))
                .collect(),
        ));
    }
    let base_dir = absolute(path)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    resolve_paths(&mut config, &base_dir);
    Ok(LoadedConfig {
        config,
        path: path.to_path_buf(),
        base_dir,
    })
}

/// What the schema cannot say about `state`: a PostgreSQL state needs its
/// `url` and `workspace`, and the PostgreSQL keys mean nothing to a local one.
fn check_state(state: &super::StateConfig) -> Vec<(String, Diagnostic)> {
    let mut problems = Vec::new();
    match state.kind {
        super::StateKind::Postgres => {
            for (key, set) in [
                ("url", state.url.is_some()),
                ("workspace", state.workspace.is_some()),
            ] {
                if !set {
                    problems.push((
                        "/state".to_string(),
                        Diagnostic::error(
                            "C-STATE",
                            format!("`state: {{kind: postgres}}` needs `{key}`"),
                        ),
                    ));
                }
            }
        }
        super::StateKind::Local => {
            for key in state.postgres_keys() {
                problems.push((
                    format!("/state/{key}"),
                    Diagnostic::error(
                        "C-STATE",
                        format!("`{key}` is for `kind: postgres`; this state is local"),
                    ),
                ));
            }
        }
    }
    problems
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn resolve_paths(config: &mut Config, base: &Path) {
    let join = |p: &Path| -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            base.join(p)
        }
    };
    config.manifests = join(&config.manifests);
    config.state.path = join(&config.state.path);
    if let Some(root) = &config.state.sslrootcert {
        config.state.sslrootcert = Some(join(root));
    }
    if let Some(credentials) = &config.provider.credentials {
        config.provider.credentials = Some(join(credentials));
    }
    if let Some(world) = &config.provider.sandbox_state {
        config.provider.sandbox_state = Some(join(world));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join(CONFIG_FILE_NAME);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn structure_compiles() {
        structure();
    }

    #[test]
    fn a_config_linked_out_of_its_directory_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("environ");
        std::fs::write(&secret, "AWS_SECRET=hunter2\n").unwrap();
        std::os::unix::fs::symlink(&secret, dir.path().join(CONFIG_FILE_NAME)).unwrap();
        let found = find(dir.path()).expect("a link named resold.yaml is found");
        let error = load(Some(&found)).unwrap_err().to_string();
        assert!(error.contains("is a symbolic link to"), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
    }

    #[test]
    fn relative_paths_are_resolved_against_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "provider: {kind: sandbox}\nstate: {path: state/s.json}\nmanifests: customers/\n",
        );
        let loaded = load(Some(&path)).unwrap();
        let base = std::path::absolute(dir.path()).unwrap();
        assert_eq!(loaded.base_dir, base);
        assert_eq!(loaded.manifests_dir(), base.join("customers/"));
        assert_eq!(loaded.state_path(), base.join("state/s.json"));
    }

    #[test]
    fn the_nearest_config_above_is_found() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "provider: {kind: sandbox}\n");
        let nested = dir.path().join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        assert_eq!(find(&nested), Some(dir.path().join(CONFIG_FILE_NAME)));
    }

    #[test]
    fn a_bad_config_gets_located_diagnostics() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "provider:\n  kind: sandbox\n  acount: x\n");
        let Err(ConfigError::Invalid { diagnostics, .. }) = load(Some(&path)) else {
            panic!("expected an invalid config");
        };
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].code, "S-UNKNOWN-FIELD");
        let at = diagnostics[0].location.as_ref().unwrap();
        assert_eq!((at.line, at.column), (3, 3));
        assert_eq!(
            diagnostics[0].help.as_deref(),
            Some("did you mean `account`?")
        );
    }

    #[test]
    fn a_postgres_state_is_read_from_the_config() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "provider: {kind: sandbox}\nstate:\n  kind: postgres\n  url: postgresql://ops@db/state\n  \
             workspace: production\n  passwordEnv: RESOLD_PG\n  sslmode: verify-full\n  \
             sslrootcert: ca.pem\n",
        );
        let loaded = load(Some(&path)).unwrap();
        let postgres = loaded.config.state.postgres().expect("a postgres state");
        assert_eq!(postgres.url, "postgresql://ops@db/state");
        assert_eq!(postgres.workspace, "production");
        assert_eq!(postgres.schema, "resold");
        assert_eq!(postgres.password_env.as_deref(), Some("RESOLD_PG"));
        assert_eq!(
            postgres.sslrootcert,
            Some(std::path::absolute(dir.path()).unwrap().join("ca.pem"))
        );
    }

    #[test]
    fn a_postgres_state_needs_its_url_and_workspace_and_a_local_one_refuses_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "provider: {kind: sandbox}\nstate:\n  kind: postgres\n  url: postgresql://db/s\n",
        );
        let error = load(Some(&path)).unwrap_err().to_string();
        assert!(error.contains("needs `workspace`"), "{error}");
        assert!(!error.contains("needs `url`"), "{error}");

        let path = write(
            dir.path(),
            "provider: {kind: sandbox}\nstate:\n  path: s.json\n  workspace: production\n",
        );
        let Err(ConfigError::Invalid { diagnostics, .. }) = load(Some(&path)) else {
            panic!("expected an invalid config");
        };
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert!(
            diagnostics[0]
                .message
                .contains("`workspace` is for `kind: postgres`")
        );
        let at = diagnostics[0].location.as_ref().unwrap();
        assert_eq!(at.line, 4);
    }
}
