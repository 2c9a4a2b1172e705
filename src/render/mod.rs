//! Renderers: the same `Plan` as Terraform-like text, as versioned JSON, and
//! as Markdown for pull-request comments. They read a `Plan` and nothing else.

pub mod account;
/// What `apply` prints.
pub mod apply;
mod budget;
pub mod escape;
mod fold;
pub mod github;
pub mod import;
/// What `resold init` prints.
pub mod init;
pub mod json;
mod json_writer;
pub mod markdown;
pub mod refresh;
/// What the sandbox commands print.
pub mod sandbox;
pub mod sections;
/// What the `resold state` commands print.
pub mod state;
mod summary;
pub mod text;
mod values;
/// What `resold version` prints.
pub mod version;
/// GitHub Actions workflow commands (annotations), for `validate` and `plan`.
pub mod workflow_command;

pub use summary::Summary;

/// How a plan is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderOptions {
    /// ANSI colour (text only); the CLI decides from `--color`, `NO_COLOR` and the TTY.
    pub color: bool,
    /// Replace personal data (admin names, emails, phone numbers) with a mark
    /// and list where (docs/plan-and-apply.md §12). Default for JSON and Markdown.
    pub mask_personal: bool,
    /// Markdown size limit in bytes (GitHub rejects comments over 65,535 characters).
    pub markdown_budget: usize,
    /// Where the Markdown goes, which decides where it says the full plan is
    /// when it had to leave something out.
    pub markdown_place: MarkdownPlace,
}

/// Where a Markdown plan is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MarkdownPlace {
    /// A pull-request comment (`plan --format markdown`).
    #[default]
    Comment,
    /// The job's step summary (`plan --format github`).
    StepSummary,
}

/// Below GitHub's limit of 65,536 characters a comment, with margin for a wrapping header (a comment action adds its own).
pub const DEFAULT_MARKDOWN_BUDGET: usize = 60_000;

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            color: false,
            mask_personal: true,
            markdown_budget: DEFAULT_MARKDOWN_BUDGET,
            markdown_place: MarkdownPlace::Comment,
        }
    }
}
