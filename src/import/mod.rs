//! `resold import`: an existing book of customers as manifests, with zero
//! writes to Google. The account is read once (`Provider::read_account`);
//! [`prepare`] turns the snapshot into manifest texts and a report, a pure
//! function of the snapshot, the existing manifests and the state; `files`
//! writes them one by one, never over an existing file.
//!
//! What `prepare` decides, in order: which customers a manifest or state
//! record names already (`binding`: skipped), their names (`naming`), each
//! customer's values and what a manifest cannot carry (`customer`), the
//! values most share (`shared`: one `kind: Defaults` file), the texts
//! (`document`), and the proof (`proof`): every text read back by the
//! manifest loader with the console rules, and planned against the fresh
//! observation; a customer whose plan would not be empty is not written.
//!
//! Resumable because it is deterministic: the same account gives the same
//! names and texts, the Defaults file is written first, and a customer whose
//! manifest exists is skipped, so a killed import run again writes exactly
//! the files the first run did not get to, and a second run writes nothing.

mod binding;
mod customer;
mod document;
pub mod files;
mod naming;
mod proof;
pub mod report;
mod shared;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

pub use binding::{Managed, ManagedBy};
pub use naming::{base_name, is_valid_name};
pub use report::{CustomerReport, ImportReport, Note, NoteKind, Status};
pub use shared::Shared;

use crate::account::{AccountSnapshot, ListedCustomer};
use crate::model::Customer;
use crate::state::State;

/// What is there already.
#[derive(Debug)]
pub struct Existing {
    /// The customers of the manifests (the manifest directory and the
    /// output directory), loaded and valid.
    pub manifests: Vec<Customer>,
    /// The same manifests as (path, text), for the portfolio rules across
    /// old and new.
    pub files: Vec<(PathBuf, String)>,
    pub state: State,
    /// The `kind: Defaults` values that apply in the output directory.
    pub defaults: Option<Shared>,
    /// The output directory holds manifests already: a new Defaults file
    /// there would change them, so none is written.
    pub output_has_manifests: bool,
    /// Files present in the output directory (never written over).
    pub taken_paths: BTreeSet<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub out_dir: PathBuf,
    /// The schema path the modeline names, relative to `out_dir`.
    pub schema: String,
}

/// What to write, in order, and what to tell.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    pub report: ImportReport,
    /// (path, text), the Defaults file first.
    pub files: Vec<(PathBuf, String)>,
}

/// The name of the Defaults file an import writes.
pub const DEFAULTS_FILE: &str = "_defaults.yaml";

/// A customer on its way to a file.
struct Candidate<'a> {
    index: usize,
    built: customer::Built,
    listed: &'a ListedCustomer,
    path: PathBuf,
}

pub fn prepare(
    snapshot: &AccountSnapshot,
    existing: &Existing,
    options: &ImportOptions,
) -> Prepared {
    let listed: Vec<&ListedCustomer> = snapshot.customers.iter().map(|c| &c.listed).collect();
    let managed = Managed::new(&existing.manifests, &existing.state);
    let bound = managed.bind(&listed);
    let names = naming::assign(&listed, &managed.reserved_for_others(&bound));
    let mut reports: Vec<CustomerReport> = snapshot
        .customers
        .iter()
        .map(|c| CustomerReport {
            channel_name: c.listed.channel_name.clone(),
            domain: c.listed.domain.clone(),
            organization: c.listed.organization.clone(),
            cloud_identity_id: c.listed.cloud_identity_id.clone(),
            name: None,
            status: Status::Unmanaged,
            file: None,
            notes: Vec::new(),
        })
        .collect();

    let mut candidates = Vec::new();
    let mut taken = existing.taken_paths.clone();
    for (index, account_customer) in snapshot.customers.iter().enumerate() {
        let report = &mut reports[index];
        let channel_name = &account_customer.listed.channel_name;
        if let Some(by) = bound.get(channel_name) {
            report.name = Some(by.name().to_string());
            report.status = Status::Skipped;
            continue;
        }
        let name = names.get(channel_name).cloned().unwrap_or_default();
        report.name = Some(name.clone());
        let Some(details) = &account_customer.details else {
            report.notes.push(Note::new(
                NoteKind::Incomplete,
                "",
                "its details were not read",
            ));
            continue;
        };
        match customer::build(&account_customer.listed, details, &name) {
            Ok(built) => {
                let path = free_path(&options.out_dir, &name, &mut taken);
                candidates.push(Candidate {
                    index,
                    built,
                    listed: &account_customer.listed,
                    path,
                });
            }
            Err(refused) => report.notes = refused.notes,
        }
    }

    let new_defaults = match &existing.defaults {
        Some(_) => None,
        None if existing.output_has_manifests => None,
        None => {
            let customers: Vec<&Customer> = candidates.iter().map(|c| &c.built.customer).collect();
            Some(shared::choose(&customers)).filter(|s| !s.is_empty())
        }
    };
    let shared = existing
        .defaults
        .clone()
        .or_else(|| new_defaults.clone())
        .unwrap_or_default();
    let defaults_file = new_defaults.as_ref().map(|values| {
        (
            options.out_dir.join(DEFAULTS_FILE),
            document::defaults_text(values, &options.schema),
        )
    });

    let mut texts = Vec::new();
    let mut kept = Vec::new();
    for candidate in candidates {
        let inherited = shared.would_add_to(&candidate.built.customer);
        if !inherited.is_empty() {
            let report = &mut reports[candidate.index];
            report.notes.push(Note::new(
                NoteKind::PlanNotEmpty,
                inherited.join(", "),
                format!(
                    "the Defaults of {} would give it a {} it does not have; import it into another directory (--out)",
                    options.out_dir.display(),
                    inherited.join(" and ")
                ),
            ));
            continue;
        }
        let text = document::customer_text(
            &candidate.built,
            &candidate.listed.channel_name,
            &shared,
            &options.schema,
        );
        texts.push((candidate.path.clone(), text));
        kept.push(candidate);
    }

    let mut context = existing.files.clone();
    if let Some((path, text)) = &defaults_file {
        context.push((path.clone(), text.clone()));
    }
    let mut loaded = proof::load(&context, &texts);
    let desired: Vec<Customer> = loaded
        .values()
        .filter_map(|l| l.as_ref().ok().map(|(c, _)| c.clone()))
        .collect();
    let observed: BTreeMap<String, _> = kept
        .iter()
        .filter_map(|c| {
            let details = snapshot.customers[c.index].details.as_ref()?;
            Some((c.built.customer.name.clone(), details.observed.clone()))
        })
        .collect();
    let proofs = proof::prove(&desired, &observed);

    let mut files = Vec::new();
    let text_of: BTreeMap<PathBuf, String> = texts.into_iter().collect();
    for candidate in kept {
        let report = &mut reports[candidate.index];
        report.notes.extend(candidate.built.notes);
        match loaded.remove(&candidate.path) {
            Some(Ok((customer, warnings))) => {
                for warning in warnings {
                    report
                        .notes
                        .push(Note::new(NoteKind::Warning, warning.code, warning.message));
                }
                let proof = proofs.get(&customer.name).cloned().unwrap_or_default();
                for item in proof.checklist {
                    report.notes.push(Note::new(NoteKind::Checklist, "", item));
                }
                if proof.residue.is_empty() {
                    report.status = Status::Imported;
                    report.file = Some(candidate.path.clone());
                    if let Some(text) = text_of.get(&candidate.path) {
                        files.push((candidate.path, text.clone()));
                    }
                } else {
                    for residue in proof.residue {
                        report
                            .notes
                            .push(Note::new(NoteKind::PlanNotEmpty, "", residue));
                    }
                }
            }
            Some(Err(errors)) => {
                for error in errors {
                    let help = error
                        .help
                        .as_deref()
                        .map(|h| format!(" ({h})"))
                        .unwrap_or_default();
                    report.notes.push(Note::new(
                        NoteKind::RuleBroken,
                        error.code,
                        format!("{}{help}", error.message),
                    ));
                }
            }
            None => report.notes.push(Note::new(
                NoteKind::Incomplete,
                "",
                "the manifest did not load",
            )),
        }
    }
    let defaults_path = match defaults_file {
        Some((path, text)) if !files.is_empty() => {
            files.insert(0, (path.clone(), text));
            Some(path)
        }
        _ => None,
    };
    Prepared {
        report: ImportReport {
            account: snapshot.account.clone(),
            defaults_file: defaults_path,
            customers: reports,
        },
        files,
    }
}

/// `DIR/NAME.yaml`, or `NAME-2.yaml`... when a file of that name exists.
fn free_path(dir: &std::path::Path, name: &str, taken: &mut BTreeSet<PathBuf>) -> PathBuf {
    let mut path = dir.join(format!("{name}.yaml"));
    let mut counter = 2;
    while taken.contains(&path) {
        path = dir.join(format!("{name}-{counter}.yaml"));
        counter += 1;
    }
    taken.insert(path.clone());
    path
}

/// The `customers.list` filter for `--only` domains and a `--filter`
/// expression: `(domain="a" OR domain="b") AND (EXPR)`.
pub fn list_filter(
    only: &[String],
    expression: Option<&str>,
) -> Result<Option<String>, crate::model::NormalizeError> {
    let mut domains = Vec::new();
    for domain in only {
        domains.push(format!(
            "domain=\"{}\"",
            crate::model::normalize_domain(domain)?
        ));
    }
    let only = (!domains.is_empty()).then(|| domains.join(" OR "));
    let expression = expression.map(str::trim).filter(|e| !e.is_empty());
    Ok(match (only, expression) {
        (Some(only), Some(expression)) => Some(format!("({only}) AND ({expression})")),
        (Some(only), None) => Some(only),
        (None, Some(expression)) => Some(expression.to_string()),
        (None, None) => None,
    })
}
