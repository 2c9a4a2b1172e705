//! The steps every reader of manifests shares, file by file: read (each
//! manifest root resolved once), parse and check a file's documents, and
//! check and convert one customer under its Defaults. `assemble` (the
//! portfolio a plan needs) and `check` (what `validate` needs, streamed)
//! are both made of these, so the two can never disagree on a finding.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::convert;
use super::defaults::{self, DefaultsByDir};
use super::load::{self, ManifestFile, Parsed};
use super::rules::{self, Context};
use super::spec::CustomerDocument;
use crate::catalog::Catalog;
use crate::diagnostics::read::{parse_source, read_source, read_source_in};
use crate::diagnostics::{Diagnostic, DocumentSource, SourceFile};
use crate::fsio::{self, FileKind};
use crate::model::Customer;
use crate::parallel;

/// A file read, or why it was not; the byte order mark it started with is
/// the `bool`.
pub type Read = Result<(SourceFile, bool), Box<Diagnostic>>;

/// Reads `found` in parallel, in its order. Reading is mostly system calls
/// (links resolved inside the tree, the file checked, opened, read), and
/// each manifest root is resolved once, not once per file under it.
pub fn read_files(found: &[ManifestFile]) -> Vec<Read> {
    let mut trees: HashMap<&Path, fsio::Tree> = HashMap::new();
    for file in found {
        if !trees.contains_key(file.tree.as_path()) {
            trees.insert(&file.tree, fsio::Tree::resolved(&file.tree));
        }
    }
    parallel::map(found.iter().collect(), |file| {
        match trees.get(file.tree.as_path()) {
            Some(tree) => read_source_in(&file.path, tree, FileKind::Manifest),
            None => read_source(&file.path, &file.tree, FileKind::Manifest),
        }
    })
}

/// A file's documents with their structure checked, and what was wrong.
pub fn parse_file(file: SourceFile) -> (Vec<Parsed>, Vec<Diagnostic>) {
    let mut parsed = Vec::new();
    let mut problems = Vec::new();
    match parse_source(Arc::new(file)) {
        Ok(documents) => {
            for (source, value) in documents {
                match load::classify(source, &value) {
                    Ok(document) => parsed.push(document),
                    Err(found) => problems.extend(found),
                }
            }
        }
        Err(found) => problems.extend(found),
    }
    (parsed, problems)
}

/// A file's customer documents; its Defaults documents registered in
/// `defaults` (a second one for a directory is a finding in `diagnostics`).
pub fn take_defaults(
    documents: Vec<Parsed>,
    defaults: &mut DefaultsByDir,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(CustomerDocument, DocumentSource)> {
    let mut customers = Vec::with_capacity(documents.len());
    for document in documents {
        match document {
            Parsed::Customer(doc, source) => customers.push((*doc, source)),
            Parsed::Defaults(doc, source) => {
                if let Err(d) = defaults.insert(*doc, source) {
                    diagnostics.push(*d);
                }
            }
        }
    }
    customers
}

/// One customer document under the Defaults that apply to its file,
/// converted to the model and checked by the per-customer rules.
pub fn check_customer(
    doc: CustomerDocument,
    source: &DocumentSource,
    defaults: &DefaultsByDir,
    catalog: &Catalog,
) -> (Customer, Vec<Diagnostic>) {
    let doc = match defaults.for_file(source.path()) {
        Some(shared) => defaults::apply(doc, shared),
        None => doc,
    };
    let converted = convert::to_model(&doc, source, catalog);
    let mut found = converted.problems;
    found.extend(rules::check_customer(&Context {
        customer: &converted.customer,
        source,
        catalog,
        unusable: &converted.unusable,
    }));
    (converted.customer, found)
}
