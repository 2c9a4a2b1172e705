//! The whole pipeline from paths to a validated, normalised portfolio:
//! discover → read → parse → check structure → merge defaults → convert →
//! rules. Files are processed in parallel; findings are sorted, so output
//! does not depend on thread timing.

use std::collections::BTreeMap;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use super::defaults::DefaultsByDir;
use super::load::{self, LoadOptions};
use super::pipeline;
use super::rules;
use super::spec::CustomerDocument;
use crate::catalog::Catalog;
use crate::diagnostics::diagnostic::{self, cap_per_file_at};
use crate::diagnostics::read::BYTE_ORDER_MARK;
use crate::diagnostics::{Diagnostic, DocumentSource, SourceFile, SourceLocation, Tally};
use crate::model::Customer;
use crate::parallel;

/// The desired customers, validated and normalised.
#[derive(Debug, Clone)]
pub struct Portfolio {
    /// Sorted by `name`.
    pub customers: Vec<Customer>,
    /// sha256 (hex) over the manifest files' paths and bytes, in path order:
    /// a saved plan records it to notice edited manifests.
    pub digest: String,
    /// The manifest files read, sorted.
    pub files: Vec<PathBuf>,
    sources: BTreeMap<String, DocumentSource>,
}

impl Portfolio {
    pub fn customer(&self, name: &str) -> Option<&Customer> {
        self.customers
            .binary_search_by(|c| c.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.customers[i])
    }

    /// Where a customer's `metadata.name` is written (`file:line:col`), for
    /// messages. The first call for a file parses it again for positions.
    pub fn source_of(&self, name: &str) -> Option<SourceLocation> {
        self.sources
            .get(name)
            .map(|source| source.value_location("/metadata/name"))
    }

    /// Where a plan address of customer `name` is written: a subscription
    /// (`customer.<name>.subscription.<sku>`) at its entry under
    /// `spec.subscriptions`, anything else at the customer's
    /// `metadata.name`. `None` for a customer no manifest names.
    pub fn source_of_address(&self, name: &str, address: &str) -> Option<SourceLocation> {
        let source = self.sources.get(name)?;
        let sku = address
            .strip_prefix("customer.")
            .and_then(|rest| rest.strip_prefix(name))
            .and_then(|rest| rest.strip_prefix(".subscription."));
        let index = sku.and_then(|sku| {
            self.customer(name)?
                .subscriptions
                .iter()
                .position(|s| s.sku == sku)
        });
        Some(match index {
            // Conversion keeps the manifest's order, so the model's index
            // is the list's.
            Some(i) => source.value_location(&format!("/spec/subscriptions/{i}")),
            None => source.value_location("/metadata/name"),
        })
    }
}

/// What loading found: the portfolio when there were no errors, and the
/// findings (errors, warnings, notes) sorted by place, at most
/// `LoadOptions::findings_per_file` per file plus a note counting the rest.
#[derive(Debug)]
pub struct LoadReport {
    pub portfolio: Option<Portfolio>,
    pub diagnostics: Vec<Diagnostic>,
    /// Counts of all findings, those left out included.
    pub tally: Tally,
    /// The manifest files found (read or not), sorted.
    pub files: Vec<PathBuf>,
}

/// Manifests with errors cannot be planned.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("{} in the manifests{}", count(.diagnostics), first(.diagnostics))]
    Invalid { diagnostics: Vec<Diagnostic> },
}

fn count(diagnostics: &[Diagnostic]) -> String {
    let n = diagnostics.iter().filter(|d| d.is_error()).count();
    format!("{n} error{}", if n == 1 { "" } else { "s" })
}

fn first(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .find(|d| d.is_error())
        .map(|d| match &d.location {
            Some(at) => format!(
                " (first: {at}: {}); run `resold validate` for all",
                d.message
            ),
            None => format!(" (first: {}); run `resold validate` for all", d.message),
        })
        .unwrap_or_default()
}

impl LoadReport {
    pub fn has_errors(&self) -> bool {
        self.tally.errors > 0
    }

    /// The portfolio and its warnings, or all findings as an error.
    pub fn into_result(self) -> Result<(Portfolio, Vec<Diagnostic>), ManifestError> {
        match self.portfolio {
            Some(portfolio) if self.tally.errors == 0 => Ok((portfolio, self.diagnostics)),
            _ => Err(ManifestError::Invalid {
                diagnostics: self.diagnostics,
            }),
        }
    }
}

/// Loads and validates the manifests under `paths` (files or directories).
pub fn load_portfolio(paths: &[PathBuf], options: &LoadOptions) -> LoadReport {
    let (found, mut diagnostics) = load::discover(paths);
    let files: Vec<PathBuf> = found.iter().map(|f| f.path.clone()).collect();
    // Read in file order, so the digest below is the same sequence of bytes
    // however the reads were scheduled.
    let mut hasher = Sha256::new();
    let mut sources = Vec::with_capacity(files.len());
    for (path, read) in files.iter().zip(pipeline::read_files(&found)) {
        match read {
            Ok((source, bom)) => {
                // The file's bytes: the byte order mark it started with, if
                // any, then its text.
                let mark = if bom { BYTE_ORDER_MARK } else { "" };
                let name = path.to_string_lossy();
                hasher.update((name.len() as u64).to_le_bytes());
                hasher.update(name.as_bytes());
                hasher.update(((mark.len() + source.text.len()) as u64).to_le_bytes());
                hasher.update(mark.as_bytes());
                hasher.update(source.text.as_bytes());
                sources.push(source);
            }
            Err(d) => diagnostics.push(*d),
        }
    }
    let digest = hex::encode(hasher.finalize());
    let (customers, found) = assemble(sources, Catalog::builtin());
    diagnostics.extend(found);
    diagnostic::sort(&mut diagnostics);
    let tally = Tally::of(&diagnostics);
    let diagnostics = cap_per_file_at(diagnostics, options.findings_per_file);
    let portfolio = (tally.errors == 0).then(|| {
        let mut sources = BTreeMap::new();
        let mut list = Vec::with_capacity(customers.len());
        for (customer, source) in customers {
            sources.insert(customer.name.clone(), source);
            list.push(customer);
        }
        list.sort_by(|a, b| a.name.cmp(&b.name));
        Portfolio {
            customers: list,
            digest,
            files: files.clone(),
            sources,
        }
    });
    LoadReport {
        portfolio,
        diagnostics,
        tally,
        files,
    }
}

/// Parses, checks and converts already-read files; the customers come back
/// in file and document order, with their sources.
pub fn assemble(
    files: Vec<SourceFile>,
    catalog: &Catalog,
) -> (Vec<(Customer, DocumentSource)>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let parsed_per_file = parallel::map(files, pipeline::parse_file);
    let mut defaults = DefaultsByDir::default();
    let mut customer_docs: Vec<(CustomerDocument, DocumentSource)> = Vec::new();
    for (parsed, problems) in parsed_per_file {
        diagnostics.extend(problems);
        customer_docs.extend(pipeline::take_defaults(
            parsed,
            &mut defaults,
            &mut diagnostics,
        ));
    }

    let converted = parallel::map(customer_docs, |(doc, source)| {
        let (customer, found) = pipeline::check_customer(doc, &source, &defaults, catalog);
        ((customer, source), found)
    });

    let mut customers = Vec::with_capacity(converted.len());
    for (customer, found) in converted {
        diagnostics.extend(found);
        customers.push(customer);
    }
    let pairs: Vec<(&Customer, &DocumentSource)> = customers.iter().map(|(c, s)| (c, s)).collect();
    diagnostics.extend(rules::check_portfolio(&pairs));
    (customers, diagnostics)
}
