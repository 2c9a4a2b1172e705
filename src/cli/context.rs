//! Wiring shared by `plan` and `apply`: the config, the manifests, the state
//! backend and a connected provider — starting the in-process sandbox when
//! the config asks for `provider: sandbox` without an endpoint.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{self, ConfigError, LoadedConfig, ProviderKind};
use crate::diagnostics::report::{self, ReportFormat};
use crate::diagnostics::{Diagnostic, Tally};
use crate::manifest::{LoadOptions, Portfolio, Severity, load_portfolio};
use crate::provider::{self, Provider, ProviderError, ProviderSettings, StaticToken};
use crate::sandbox::{self, RunningSandbox, SandboxError, SandboxOptions};
use crate::state::{self, Backend, State, StateError};

use super::Global;
use super::refresh::RefreshDisplay;

/// Where the in-process sandbox keeps its world unless `sandboxState` says otherwise.
pub const SANDBOX_WORLD_FILE: &str = ".resold/sandbox-world.json";

#[derive(Debug, thiserror::Error)]
// The larger sources are boxed: this error travels through every command's `?`.
pub enum ContextError {
    #[error(transparent)]
    Config(Box<ConfigError>),
    #[error("the manifests are invalid:\n{rendered}")]
    Manifests {
        rendered: String,
        /// The findings themselves, for a command that reports them in
        /// another format (`plan --format json`).
        diagnostics: Vec<Diagnostic>,
        tally: Tally,
    },
    #[error(transparent)]
    State(Box<StateError>),
    #[error("cannot start the embedded sandbox (world file {}): {source}", world.display())]
    Sandbox {
        world: PathBuf,
        source: Box<SandboxError>,
    },
    #[error("cannot create {}: {source}", path.display())]
    Directory {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot connect to {kind}: {source}")]
    Connect {
        kind: &'static str,
        source: Box<ProviderError>,
    },
}

/// The loaded config and state backend, and — once connected — the provider
/// and the sandbox serving it, which lives as long as the context.
pub struct Context {
    pub config: LoadedConfig,
    pub backend: Arc<dyn Backend>,
    sandbox: Option<RunningSandbox>,
    provider: Option<Arc<dyn Provider>>,
}

impl Context {
    pub fn load(global: &Global) -> Result<Context, ContextError> {
        let config = config::load(global.config.as_deref())
            .map_err(|e| ContextError::Config(Box::new(e)))?;
        let backend = state::open(&config.config.state, &config.base_dir).into();
        if let Some(warning) = state::directory_warning(&config.config.state, &config.base_dir)
            .map_err(|e| ContextError::State(Box::new(e)))?
        {
            super::output::warn(&format!("{warning}\n"));
        }
        Ok(Context {
            config,
            backend,
            sandbox: None,
            provider: None,
        })
    }

    /// The manifests under `path`, or under the config's manifest directory.
    /// Warnings go to stderr; errors fail with every diagnostic rendered.
    pub fn portfolio(&self, path: Option<&Path>, color: bool) -> Result<Portfolio, ContextError> {
        let paths = vec![path.map_or_else(
            || self.config.manifests_dir().to_path_buf(),
            Path::to_path_buf,
        )];
        let report = load_portfolio(&paths, &LoadOptions::default());
        let tally = report.tally;
        match report.into_result() {
            Ok((portfolio, diagnostics)) => {
                // Notes are for `validate`; a plan shows what they point at
                // (e.g. Cloud Identity IDs for teams sharing a name, Add a Google Workspace customer, step 9).
                let warnings: Vec<_> = diagnostics
                    .into_iter()
                    .filter(|d| d.severity != Severity::Note)
                    .collect();
                if !warnings.is_empty() {
                    super::output::warn(&report::render(&warnings, ReportFormat::Human, color));
                }
                Ok(portfolio)
            }
            // Uncoloured: the error is neutralised for the terminal as a
            // whole when printed, which would show colour codes as text.
            Err(crate::manifest::ManifestError::Invalid { diagnostics }) => {
                Err(ContextError::Manifests {
                    rendered: report::render(&diagnostics, ReportFormat::Human, false),
                    diagnostics,
                    tally,
                })
            }
        }
    }

    /// The reseller account the config names, if it does.
    pub fn account(&self) -> Option<String> {
        self.config.config.provider.account.clone()
    }

    /// The recorded state, or an empty one when nothing is recorded yet.
    pub fn read_state(&self) -> Result<State, ContextError> {
        Ok(self
            .backend
            .read()
            .map_err(|e| ContextError::State(Box::new(e)))?
            .unwrap_or_else(|| State::new(self.config.config.provider.account.clone())))
    }

    /// Connects to Google or the sandbox. `provider: sandbox` without an
    /// endpoint starts the sandbox in this process, on loopback, with its
    /// world persisted next to the config.
    /// Connecting twice returns the same provider.
    pub async fn connect(&mut self) -> Result<Arc<dyn Provider>, ContextError> {
        if let Some(provider) = &self.provider {
            return Ok(Arc::clone(provider));
        }
        let provider_config = &self.config.config.provider;
        let embedded =
            provider_config.kind == ProviderKind::Sandbox && provider_config.endpoint.is_none();
        let base_url = if embedded {
            let world = provider_config
                .sandbox_state
                .clone()
                .unwrap_or_else(|| self.config.base_dir.join(SANDBOX_WORLD_FILE));
            // Beside the state, in the same private directory (0700),
            // whichever command creates it first.
            if let Some(dir) = world.parent() {
                crate::fsio::create_private_dir(dir).map_err(|source| ContextError::Directory {
                    path: dir.to_path_buf(),
                    source,
                })?;
            }
            let mut options = SandboxOptions {
                state_path: Some(world.clone()),
                ..SandboxOptions::default()
            };
            if let Some(account) = &provider_config.account {
                options.account = account.clone();
            }
            let running =
                sandbox::start(options)
                    .await
                    .map_err(|source| ContextError::Sandbox {
                        world,
                        source: Box::new(source),
                    })?;
            let url = running.base_url();
            self.sandbox = Some(running);
            Some(url)
        } else {
            None
        };
        let kind = match provider_config.kind {
            ProviderKind::Sandbox => "the sandbox",
            ProviderKind::Channel => "the Cloud Channel API",
        };
        let connect_error = |source: ProviderError| ContextError::Connect {
            kind,
            source: Box::new(source),
        };
        let token = Arc::new(StaticToken::new(sandbox::DEV_TOKEN));
        let settings = ProviderSettings::from_config(
            provider_config,
            &self.config.base_dir,
            base_url,
            Some(token),
        )
        .map_err(connect_error)?
        .with_events(Arc::new(RefreshDisplay::for_stderr()));
        let provider = provider::connect(settings).await.map_err(connect_error)?;
        self.provider = Some(Arc::clone(&provider));
        Ok(provider)
    }

    /// Stops the embedded sandbox, if any, so its world is persisted.
    pub async fn shutdown(mut self) {
        if let Some(running) = self.sandbox.take()
            && let Err(error) = running.shutdown().await
        {
            eprintln!("{}", crate::render::sandbox::did_not_stop_cleanly(&error));
        }
    }
}

#[async_trait::async_trait]
impl crate::workflow::Connect for Context {
    async fn connect(&mut self) -> Result<Arc<dyn Provider>, crate::workflow::ConnectError> {
        Ok(Context::connect(self).await?)
    }
}
