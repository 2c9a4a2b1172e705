//! Manifests: the customers the reseller wants, as YAML files in git.
//! `load_portfolio` reads them, checks them against the schema and the seed
//! rules, and returns the normalised portfolio plus every finding.

mod check;
mod convert;
mod defaults;
pub mod diagnostic;
pub mod load;
mod portfolio;
pub mod report;
pub mod rules;
mod scalar;
pub mod schema;
pub mod source;
pub mod spec;
mod suggest;
pub mod write;
pub mod yaml;

pub use check::Structure;
pub use diagnostic::{Diagnostic, Related, Severity, SourceLocation};
pub use load::LoadOptions;
pub use portfolio::{LoadReport, ManifestError, Portfolio, assemble, load_portfolio};
pub use report::{ReportFormat, render};
