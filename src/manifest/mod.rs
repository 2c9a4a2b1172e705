//! Manifests: the customers the reseller wants, as YAML files in git.
//! `load_portfolio` reads them, checks them against the schema and the console's
//! rules, and returns the normalised portfolio plus every finding;
//! `check_manifests` makes the same findings without keeping a portfolio. Reading
//! files, YAML with positions and the findings themselves are the
//! `diagnostics` module's, which `config` uses too.

mod check;
mod convert;
mod defaults;
pub mod load;
mod pipeline;
mod portfolio;
pub mod rules;
mod scalar;
pub mod schema;
pub mod spec;
pub mod write;

pub use crate::diagnostics::{Diagnostic, Related, Severity, SourceLocation};
pub use check::{CheckReport, check_manifests};
pub use load::LoadOptions;
pub use portfolio::{LoadReport, ManifestError, Portfolio, assemble, load_portfolio};
