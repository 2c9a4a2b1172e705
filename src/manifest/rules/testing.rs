//! Helpers for the rule tests: a valid customer of each type, and a way to
//! run a YAML text through the whole pipeline and see which codes fire.

use std::path::PathBuf;

use crate::catalog::Catalog;
use crate::diagnostics::Diagnostic;
use crate::diagnostics::SourceFile;
use crate::manifest::portfolio::assemble;
use crate::model::Customer;

pub const DOMAIN_CUSTOMER: &str = "\
apiVersion: resold/v1
kind: Customer
metadata:
  name: acme-se
spec:
  type: domain
  organization: Acme AB
  domain: acme.se
  address:
    lines: [Storgatan 1]
    locality: Stockholm
    postalCode: 111 22
    regionCode: SE
  alternateEmail: it@reseller.se
  admin:
    email: anna@acme.se
    givenName: Anna
    familyName: Svensson
  subscriptions:
    - sku: business-standard
      plan: flexible
      seats: 5
";

pub const TEAM_CUSTOMER: &str = "\
apiVersion: resold/v1
kind: Customer
metadata:
  name: konsult-team
spec:
  type: team
  organization: Konsult Oy
  domain: konsult.fi
  address:
    lines: [Mannerheimintie 1]
    locality: Helsinki
    postalCode: '00100'
    regionCode: FI
  admin:
    email: mikko@konsult.fi
    givenName: Mikko
    familyName: Virtanen
  subscriptions:
    - sku: essentials
      plan: flexible
      seats: 5
";

/// Codes of every finding for a (possibly multi-document) YAML text.
pub fn codes(text: &str) -> Vec<&'static str> {
    codes_of_files(&[("test.yaml", text)])
}

/// Codes of every finding for several files, given as (path, text).
pub fn codes_of_files(files: &[(&str, &str)]) -> Vec<&'static str> {
    let (_, diagnostics) = load_files(files);
    diagnostics.iter().map(|d| d.code).collect()
}

/// The customers and findings of several files, given as (path, text).
pub fn load_files(files: &[(&str, &str)]) -> (Vec<Customer>, Vec<Diagnostic>) {
    let sources = files
        .iter()
        .map(|(path, text)| SourceFile::new(PathBuf::from(path), text.to_string()))
        .collect();
    let (customers, diagnostics) = assemble(sources, Catalog::builtin());
    (customers.into_iter().map(|(c, _)| c).collect(), diagnostics)
}

/// `base` with its subscriptions replaced; each entry is
/// "sku plan seats [renewal]".
pub fn with_subscriptions(base: &str, entries: &[&str]) -> String {
    let start = base.find("  subscriptions:\n").unwrap_or(base.len());
    let mut text = base[..start].to_string();
    text.push_str("  subscriptions:\n");
    for entry in entries {
        let parts: Vec<&str> = entry.split_whitespace().collect();
        text.push_str(&format!(
            "    - sku: {}\n      plan: {}\n      seats: {}\n",
            parts[0], parts[1], parts[2]
        ));
        if let Some(renewal) = parts.get(3) {
            text.push_str(&format!("      renewal: {renewal}\n"));
        }
    }
    text
}
