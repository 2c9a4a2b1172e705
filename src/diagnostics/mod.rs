//! Findings about files people write — manifests and `resold.yaml` — and
//! everything needed to produce them: reading a file safely into a
//! [`SourceFile`] (`read`), YAML with positions (`yaml`), checking a document
//! against a JSON Schema with every violation located (`structure`), "did you
//! mean" (`suggest`), the [`Diagnostic`] itself and its three report formats
//! (`report`). `manifest` and `config` both build on this module and neither
//! reaches into the other.
//!
//! Errors of the reading stages are a located wrapper around a kind that is
//! plain data ([`Located`] around [`FileProblem`] or [`YamlProblem`]), as in
//! just's `CompileError { token, kind }`: one `Display` per kind owns the
//! wording, so no serde or parser internals reach a user.
//!
//! Nothing here knows about the command line: the CLI maps its flags onto
//! [`ReportFormat`].

pub mod diagnostic;
mod lines;
pub mod problem;
mod quote;
pub mod read;
pub mod report;
pub mod source;
pub mod structure;
pub mod suggest;
pub mod yaml;

pub use diagnostic::{Diagnostic, Related, Severity, SourceLocation, Tally, cap_per_file};
pub use problem::{FileProblem, Located, Problem, YamlProblem};
pub use quote::bounded_message;
pub use report::{ReportFormat, render};
pub use source::{DocumentSource, SourceFile, field_name};
pub use structure::Structure;
pub use suggest::did_you_mean;
