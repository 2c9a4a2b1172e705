//! `validate`'s reading of the manifests: every finding `load_portfolio`
//! makes, without the portfolio. A plan needs every customer and where it
//! is written; `validate` needs only the findings and a count, so here a
//! file's text, documents and customer are dropped as soon as the file is
//! checked, and a 100,000-file tree never holds more than its texts (read
//! before any file is checked) and 32 bytes per customer.
//!
//! Two things need more than one file:
//! - **Defaults.** A `kind: Defaults` document applies to the customers of
//!   its directory and below, and may be in any file there. Only a file
//!   whose text holds `Defaults` (or an escape, which could spell it) can
//!   hold one, so those few are read first. Should any other file turn out
//!   to hold one after all (a tag, say), the whole check is run again the
//!   way a plan loads, so the findings never depend on the shortcut.
//! - **Names, domains and team organisations across files.** Each customer
//!   leaves those keys behind; the customers that share one are read
//!   again, and the portfolio rules run on them alone. Those rules speak
//!   only of customers that share a key, so their findings are the ones a
//!   whole portfolio would give. A file different on the second read is a
//!   finding of its own rather than a place in text nobody reviewed.
//!
//! The tests beside this module compare every finding with
//! `load_portfolio`'s.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasher, Hash, RandomState};
use std::path::{Path, PathBuf};

use super::defaults::DefaultsByDir;
use super::load::{self, LoadOptions, ManifestFile, Parsed};
use super::pipeline;
use super::portfolio::load_portfolio;
use super::rules;
use super::spec::CustomerDocument;
use crate::catalog::Catalog;
use crate::diagnostics::diagnostic::{self, cap_per_file_at};
use crate::diagnostics::problem::FileProblem;
use crate::diagnostics::{Diagnostic, DocumentSource, Located, SourceFile, SourceLocation, Tally};
use crate::model::{Customer, CustomerType};
use crate::parallel;

/// What checking the manifests found.
#[derive(Debug)]
pub struct CheckReport {
    /// Sorted by place, at most `LoadOptions::findings_per_file` per file
    /// plus a note counting the rest.
    pub diagnostics: Vec<Diagnostic>,
    /// Counts of all findings, those left out included.
    pub tally: Tally,
    /// The manifest files found (read or not), sorted.
    pub files: Vec<PathBuf>,
    /// The customer documents read.
    pub customers: usize,
}

impl CheckReport {
    pub fn has_errors(&self) -> bool {
        self.tally.errors > 0
    }
}

/// Checks the manifests under `paths` (files or directories).
pub fn check_manifests(paths: &[PathBuf], options: &LoadOptions) -> CheckReport {
    let (found, mut diagnostics) = load::discover(paths);
    let mut texts = Vec::with_capacity(found.len());
    for (index, read) in pipeline::read_files(&found).into_iter().enumerate() {
        match read {
            // The text alone: its path is `found`'s, so a file read waits
            // for its turn at a few bytes more than its text.
            Ok((source, _)) => texts.push((index, source.text)),
            Err(d) => diagnostics.push(*d),
        }
    }
    let catalog = Catalog::builtin();
    let Some(checked) = check_files(texts, &found, catalog) else {
        return from_portfolio_load(paths, options);
    };
    diagnostics.extend(checked.diagnostics);
    diagnostics.extend(shared_keys(
        &checked.keys,
        &found,
        &checked.defaults,
        catalog,
    ));
    diagnostic::sort(&mut diagnostics);
    let tally = Tally::of(&diagnostics);
    CheckReport {
        diagnostics: cap_per_file_at(diagnostics, options.findings_per_file),
        tally,
        files: found.into_iter().map(|file| file.path).collect(),
        customers: checked.keys.len(),
    }
}

/// The same report from a whole portfolio load.
fn from_portfolio_load(paths: &[PathBuf], options: &LoadOptions) -> CheckReport {
    let loaded = load_portfolio(paths, options);
    let customers = loaded
        .portfolio
        .as_ref()
        .map_or(0, |portfolio| portfolio.customers.len());
    CheckReport {
        diagnostics: loaded.diagnostics,
        tally: loaded.tally,
        files: loaded.files,
        customers,
    }
}

/// What a customer leaves for the rules across files: hashes of the keys
/// they compare, 32 bytes a customer. Two customers with equal hashes are
/// read again and compared by the rules themselves, so a collision costs
/// a read, never a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Keys {
    name: u64,
    /// The domain of a domain customer, the organisation of a team
    /// customer, each hashed with its kind.
    shared: u64,
    /// The file (its index among those found) and the customer's place
    /// among the file's customers.
    file: u32,
    position: u32,
    /// Of the file's text, to notice a second read that differs.
    text_hash: u64,
}

impl Keys {
    fn of(customer: &Customer, file: usize, position: usize, text_hash: u64) -> Keys {
        let shared = match customer.customer_type {
            CustomerType::Domain => hash_of(&(0u8, customer.domain.as_str())),
            CustomerType::Team => hash_of(&(1u8, customer.organization.to_lowercase())),
        };
        Keys {
            name: hash_of(customer.name.as_str()),
            shared,
            file: u32::try_from(file).unwrap_or(u32::MAX),
            position: u32::try_from(position).unwrap_or(u32::MAX),
            text_hash,
        }
    }
}

struct Checked {
    diagnostics: Vec<Diagnostic>,
    /// In load order: file, then document.
    keys: Vec<Keys>,
    defaults: DefaultsByDir,
}

/// A file to check: its text, or (a file that may hold Defaults) its
/// documents already parsed.
enum Pending {
    Text(String),
    Parsed {
        customers: Vec<(CustomerDocument, DocumentSource)>,
        problems: Vec<Diagnostic>,
        text_hash: u64,
    },
}

/// Checks every file; `None` when a file that could not hold Defaults did.
fn check_files(
    texts: Vec<(usize, String)>,
    found: &[ManifestFile],
    catalog: &Catalog,
) -> Option<Checked> {
    let (may_hold_defaults, rest): (Vec<_>, Vec<_>) = texts
        .into_iter()
        .partition(|(_, text)| may_hold_defaults(text));
    let mut defaults = DefaultsByDir::default();
    let mut diagnostics = Vec::new();
    let mut pending: Vec<(usize, Pending)> = Vec::with_capacity(may_hold_defaults.len());
    let parsed = parallel::map(may_hold_defaults, |(index, text)| {
        let text_hash = hash_text(&text);
        let source = SourceFile::new(found[index].path.clone(), text);
        (index, text_hash, pipeline::parse_file(source))
    });
    for (index, text_hash, (documents, problems)) in parsed {
        let customers = pipeline::take_defaults(documents, &mut defaults, &mut diagnostics);
        pending.push((
            index,
            Pending::Parsed {
                customers,
                problems,
                text_hash,
            },
        ));
    }
    pending.extend(rest.into_iter().map(|(i, s)| (i, Pending::Text(s))));
    pending.sort_by_key(|(index, _)| *index);

    let outcomes = parallel::map(pending, |(index, file)| {
        check_one(&found[index].path, index, file, &defaults, catalog)
    });
    let mut keys = Vec::new();
    for outcome in outcomes {
        let (found, problems) = outcome?;
        keys.extend(found);
        diagnostics.extend(problems);
    }
    Some(Checked {
        diagnostics,
        keys,
        defaults,
    })
}

/// A Defaults document needs `kind: Defaults`, which a text spells out
/// unless it uses an escape.
fn may_hold_defaults(text: &str) -> bool {
    text.contains("Defaults") || text.contains('\\')
}

/// One file's findings and its customers' keys; `None` when it holds a
/// Defaults document it was not expected to.
fn check_one(
    path: &Path,
    index: usize,
    file: Pending,
    defaults: &DefaultsByDir,
    catalog: &Catalog,
) -> Option<(Vec<Keys>, Vec<Diagnostic>)> {
    let (customers, mut problems, text_hash) = match file {
        Pending::Parsed {
            customers,
            problems,
            text_hash,
        } => (customers, problems, text_hash),
        Pending::Text(text) => {
            let text_hash = hash_text(&text);
            let (documents, problems) =
                pipeline::parse_file(SourceFile::new(path.to_path_buf(), text));
            let mut customers = Vec::with_capacity(documents.len());
            for document in documents {
                match document {
                    Parsed::Customer(doc, source) => customers.push((*doc, source)),
                    Parsed::Defaults(..) => return None,
                }
            }
            (customers, problems, text_hash)
        }
    };
    let mut keys = Vec::with_capacity(customers.len());
    for (position, (doc, source)) in customers.into_iter().enumerate() {
        let (customer, found) = pipeline::check_customer(doc, &source, defaults, catalog);
        problems.extend(found);
        keys.push(Keys::of(&customer, index, position, text_hash));
    }
    Some((keys, problems))
}

fn hash_text(text: &str) -> u64 {
    hash_of(text)
}

/// One run's hash: its keys are random, so no file can be written to
/// collide with another.
fn hash_of<T: Hash + ?Sized>(value: &T) -> u64 {
    static KEYS: std::sync::OnceLock<RandomState> = std::sync::OnceLock::new();
    KEYS.get_or_init(RandomState::new).hash_one(value)
}

/// The portfolio rules' findings: the customers that share a name, a
/// domain (domain customers) or an organisation (team customers) read
/// again, and the rules run on them in load order.
fn shared_keys(
    keys: &[Keys],
    found: &[ManifestFile],
    defaults: &DefaultsByDir,
    catalog: &Catalog,
) -> Vec<Diagnostic> {
    let involved = sharing(keys);
    if involved.is_empty() {
        return Vec::new();
    }
    // Each file once, with the hash of its text when it was first read.
    let mut wanted: Vec<(u32, u64)> = involved
        .iter()
        .map(|&k| (keys[k].file, keys[k].text_hash))
        .collect();
    wanted.dedup();
    let files: Vec<ManifestFile> = wanted
        .iter()
        .map(|&(file, _)| found[file as usize].clone())
        .collect();
    let again = pipeline::read_files(&files);
    let mut diagnostics = Vec::new();
    let mut customers: HashMap<(u32, u32), (Customer, DocumentSource)> = HashMap::new();
    for ((&(file, expected), read), manifest) in wanted.iter().zip(again).zip(&files) {
        let path = &manifest.path;
        let source = match read {
            Ok((source, _)) if hash_text(&source.text) == expected => source,
            _ => {
                let problem = FileProblem::Changed {
                    path: path.display().to_string(),
                };
                diagnostics.push(
                    Located::new(SourceLocation::file_start(path), problem).into_diagnostic(None),
                );
                continue;
            }
        };
        let (documents, _) = pipeline::parse_file(source);
        let docs = documents.into_iter().filter_map(|document| match document {
            Parsed::Customer(doc, source) => Some((*doc, source)),
            Parsed::Defaults(..) => None,
        });
        for (position, (doc, source)) in (0u32..).zip(docs) {
            let (customer, _) = pipeline::check_customer(doc, &source, defaults, catalog);
            customers.insert((file, position), (customer, source));
        }
    }
    let pairs: Vec<(&Customer, &DocumentSource)> = involved
        .iter()
        .filter_map(|&k| customers.get(&(keys[k].file, keys[k].position)))
        .map(|(customer, source)| (customer, source))
        .collect();
    diagnostics.extend(rules::check_portfolio(&pairs));
    diagnostics
}

/// Indices (ascending) of the customers that share a key with another.
fn sharing(keys: &[Keys]) -> Vec<usize> {
    let mut shared = vec![false; keys.len()];
    let mut first: HashMap<(bool, u64), usize> = HashMap::with_capacity(2 * keys.len());
    for (index, key) in keys.iter().enumerate() {
        for slot in [(false, key.name), (true, key.shared)] {
            match first.entry(slot) {
                Entry::Occupied(earlier) => {
                    shared[*earlier.get()] = true;
                    shared[index] = true;
                }
                Entry::Vacant(vacant) => {
                    vacant.insert(index);
                }
            }
        }
    }
    (0..keys.len()).filter(|&i| shared[i]).collect()
}

#[cfg(test)]
#[path = "check_tests.rs"]
mod tests;
