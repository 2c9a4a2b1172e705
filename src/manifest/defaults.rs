//! `kind: Defaults`: values shared by the customers of a directory. The
//! nearest Defaults document (same directory, else the closest parent
//! directory) applies; a customer's own value always wins.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::spec::{CustomerDocument, DefaultsDocument};
use crate::diagnostics::Diagnostic;
use crate::diagnostics::DocumentSource;
use crate::model::CustomerType;

pub const DUPLICATE_DEFAULTS: &str = "R-DEFAULTS-DUPLICATE";

/// The Defaults documents of a portfolio, by directory.
#[derive(Debug, Default)]
pub struct DefaultsByDir {
    by_dir: BTreeMap<PathBuf, (DefaultsDocument, DocumentSource)>,
}

impl DefaultsByDir {
    /// Registers a Defaults document; a second one in the same directory is an error.
    pub fn insert(
        &mut self,
        doc: DefaultsDocument,
        source: DocumentSource,
    ) -> Result<(), Box<Diagnostic>> {
        let dir = directory_of(source.path());
        if let Some((_, first)) = self.by_dir.get(&dir) {
            let d = Diagnostic::error(
                DUPLICATE_DEFAULTS,
                format!(
                    "a second `kind: Defaults` document for directory `{}`",
                    dir.display()
                ),
            )
            .with_help("merge the two Defaults documents into one; one applies per directory")
            .with_related("the first one is here", first.value_location(""));
            return Err(Box::new(source.at_value(d, "/kind")));
        }
        self.by_dir.insert(dir, (doc, source));
        Ok(())
    }

    /// The Defaults that apply to a manifest file.
    pub fn for_file(&self, file: &Path) -> Option<&DefaultsDocument> {
        let mut dir = Some(directory_of(file));
        while let Some(current) = dir {
            if let Some((doc, _)) = self.by_dir.get(&current) {
                return Some(doc);
            }
            dir = current.parent().map(Path::to_path_buf);
        }
        None
    }
}

fn directory_of(file: &Path) -> PathBuf {
    file.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// `customer` with the unset fields taken from `defaults`.
pub fn apply(mut customer: CustomerDocument, defaults: &DefaultsDocument) -> CustomerDocument {
    let spec = &mut customer.spec;
    let shared = &defaults.spec;
    // Team customers need no alternate address (Add a Google Workspace customer, step 11); a shared one is
    // meant for the domain customers.
    if spec.customer_type == CustomerType::Domain {
        fill(&mut spec.alternate_email, &shared.alternate_email);
    }
    fill(&mut spec.purchase_order_id, &shared.purchase_order_id);
    fill(&mut spec.language, &shared.language);
    fill(&mut spec.phone, &shared.phone);
    fill(&mut spec.protect, &shared.protect);
    if spec.address.region_code.trim().is_empty()
        && let Some(region) = &shared.region_code
    {
        spec.address.region_code = region.clone();
    }
    if spec.ignore_drift.is_empty()
        && let Some(fields) = &shared.ignore_drift
    {
        spec.ignore_drift = fields.clone();
    }
    if let Some(metadata) = &defaults.metadata {
        for (key, value) in &metadata.labels {
            customer
                .metadata
                .labels
                .entry(key.clone())
                .or_insert_with(|| value.clone());
        }
    }
    customer
}

fn fill<T: Clone>(own: &mut Option<T>, shared: &Option<T>) {
    if own.is_none() {
        own.clone_from(shared);
    }
}

#[cfg(test)]
mod tests {
    use super::super::rules::testing::{
        DOMAIN_CUSTOMER, TEAM_CUSTOMER, codes_of_files, load_files,
    };
    use super::*;

    const DEFAULTS: &str = "\
apiVersion: resold/v1
kind: Defaults
metadata:
  labels: { reseller: nordlys, tier: bronze }
spec:
  alternateEmail: it@reseller.se
  purchaseOrderId: PO-SHARED
  regionCode: SE
";

    #[test]
    fn defaults_fill_unset_fields_and_own_values_win() {
        let customer = DOMAIN_CUSTOMER
            .replace("  alternateEmail: it@reseller.se\n", "")
            .replace("    regionCode: SE\n", "")
            .replace(
                "  name: acme-se\n",
                "  name: acme-se\n  labels: { tier: gold }\n",
            );
        let team = TEAM_CUSTOMER;
        let (customers, found) = load_files(&[
            ("c/_defaults.yaml", DEFAULTS),
            ("c/sub/acme.yaml", &customer),
            ("c/team.yaml", team),
        ]);
        assert!(found.is_empty(), "{found:?}");
        let acme = customers.iter().find(|c| c.name == "acme-se").unwrap();
        assert_eq!(acme.alternate_email.as_deref(), Some("it@reseller.se"));
        assert_eq!(acme.purchase_order_id.as_deref(), Some("PO-SHARED"));
        assert_eq!(acme.address.region_code, "SE");
        assert_eq!(acme.labels["tier"], "gold");
        assert_eq!(acme.labels["reseller"], "nordlys");
        let team = customers.iter().find(|c| c.name == "konsult-team").unwrap();
        assert_eq!(
            team.alternate_email, None,
            "team customers need no alternate email"
        );
        assert_eq!(team.address.region_code, "FI");
    }

    #[test]
    fn defaults_do_not_reach_sibling_directories() {
        let customer = DOMAIN_CUSTOMER.replace("  alternateEmail: it@reseller.se\n", "");
        let found = codes_of_files(&[("a/_defaults.yaml", DEFAULTS), ("b/acme.yaml", &customer)]);
        assert_eq!(found, vec!["R-ALT-EMAIL-REQUIRED"]);
    }

    #[test]
    fn two_defaults_in_one_directory_are_an_error() {
        let found = codes_of_files(&[("c/one.yaml", DEFAULTS), ("c/two.yaml", DEFAULTS)]);
        assert_eq!(found, vec![DUPLICATE_DEFAULTS]);
        let nested = codes_of_files(&[("c/one.yaml", DEFAULTS), ("c/d/two.yaml", DEFAULTS)]);
        assert!(nested.is_empty());
    }
}
