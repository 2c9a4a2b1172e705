//! `resold init [DIR]`: scaffold a config, a `customers/` directory with one
//! commented example, and the schemas the example's editor hint points at.
//! Never overwrites: if any target exists, nothing is written.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{CommandResult, Global};
use crate::manifest::schema;
use crate::manifest::spec::{
    AddressSpec, AdminSpec, ApiVersion, CustomerDocument, CustomerKind, CustomerSpec, Metadata,
    SubscriptionSpec,
};
use crate::manifest::write::{self, Comments};
use crate::model::{CustomerType, PlanKind};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to create the files.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

const CONFIG: &str = "\
# yaml-language-server: $schema=schemas/config.schema.json
# resold configuration. Relative paths are relative to this file.
provider:
  # `sandbox`: the embedded emulator of Google's APIs, for trying things out.
  # `channel`: the real Cloud Channel API (set account, credentials, subject).
  kind: sandbox
  # account: accounts/C0xxxxxxx
  # credentials: secrets/service-account.json
  # subject: admin@reseller.example
state:
  kind: local
  path: .resold/state.json
manifests: customers/
# resellerDomain: reseller.example
";

/// The example customer, written by the same writer as `resold import`,
/// so both produce one layout.
fn example() -> String {
    let doc = CustomerDocument {
        api_version: ApiVersion::V1,
        kind: CustomerKind::Customer,
        metadata: Metadata {
            name: "example-se".into(),
            labels: Default::default(),
        },
        spec: CustomerSpec {
            customer_type: CustomerType::Domain,
            organization: "Example AB".into(),
            domain: "example.se".into(),
            cloud_identity_id: None,
            correlation_id: None,
            education: None,
            address: AddressSpec {
                lines: vec!["Exempelgatan 1".into()],
                locality: "Stockholm".into(),
                administrative_area: String::new(),
                postal_code: "111 22".into(),
                region_code: "SE".into(),
            },
            phone: Some("+46 8 123 45 67".into()),
            language: Some("sv".into()),
            admin: AdminSpec {
                email: "admin@example.se".into(),
                given_name: "Eva".into(),
                family_name: "Exempel".into(),
            },
            alternate_email: Some("it@reseller.se".into()),
            purchase_order_id: None,
            subscriptions: vec![SubscriptionSpec {
                sku: "business-standard".into(),
                plan: PlanKind::Flexible,
                seats: Some(10),
                renewal: None,
                state: None,
                purchase_order_id: None,
            }],
            ignore_drift: Vec::new(),
            protect: Some(true),
        },
    };
    let mut comments = Comments {
        header: vec![
            "One customer per YAML document; `resold validate` checks this file and".into(),
            "`resold plan` shows what creating it would do.".into(),
        ],
        ..Comments::default()
    };
    for (pointer, text) in [
        (
            "/metadata/name",
            "stable key: lower-case letters, digits, -",
        ),
        ("/spec/type", "domain | team (team: Essentials only)"),
        ("/spec/domain", "the customer's registered domain"),
        ("/spec/admin", "the super administrator, on the domain"),
        (
            "/spec/alternateEmail",
            "not on example.se (Add a Google Workspace customer, step 11)",
        ),
        (
            "/spec/subscriptions/0/sku",
            "`resold schema manifest` lists every SKU",
        ),
        (
            "/spec/subscriptions/0/plan",
            "annual-monthly | annual-yearly | flexible | trial | free",
        ),
        (
            "/spec/protect",
            "never cancel or lower seats without protect: false",
        ),
    ] {
        comments.inline(pointer, text);
    }
    write::customer_manifest("../schemas/manifest.schema.json", &doc, &comments)
}

pub fn run(_global: &Global, args: Args) -> CommandResult {
    let files: Vec<(PathBuf, String)> = vec![
        (args.dir.join("resold.yaml"), CONFIG.to_string()),
        (args.dir.join("customers/example-se.yaml"), example()),
        (
            args.dir.join("schemas/manifest.schema.json"),
            schema::to_pretty_json(&schema::manifest()),
        ),
        (
            args.dir.join("schemas/config.schema.json"),
            schema::to_pretty_json(&crate::config::json_schema()),
        ),
    ];
    let existing: Vec<String> = files
        .iter()
        .filter(|(path, _)| path.exists())
        .map(|(path, _)| format!("`{}`", path.display()))
        .collect();
    if !existing.is_empty() {
        return Err(format!(
            "not overwriting {}; remove them or choose another directory",
            existing.join(", ")
        )
        .into());
    }
    for (path, text) in &files {
        write_new(path, text)?;
        outln!("{}", crate::render::init::created(path))?;
    }
    let example = args.dir.join("customers/example-se.yaml");
    outln!("{}", crate::render::init::next_step(&example))?;
    Ok(ExitCode::SUCCESS)
}

/// Creates `path` (and its directory); fails rather than replace a file that
/// appeared since the check above.
fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    /// The layout `resold init` has always written; `import` shares it.
    const EXAMPLE: &str = "\
# yaml-language-server: $schema=../schemas/manifest.schema.json
# One customer per YAML document; `resold validate` checks this file and
# `resold plan` shows what creating it would do.
apiVersion: resold/v1
kind: Customer
metadata:
  name: example-se                # stable key: lower-case letters, digits, -
spec:
  type: domain                    # domain | team (team: Essentials only)
  organization: Example AB
  domain: example.se              # the customer's registered domain
  address:
    lines: [Exempelgatan 1]
    locality: Stockholm
    postalCode: 111 22
    regionCode: SE
  phone: +46 8 123 45 67
  language: sv
  admin:                          # the super administrator, on the domain
    email: admin@example.se
    givenName: Eva
    familyName: Exempel
  alternateEmail: it@reseller.se  # not on example.se (Add a Google Workspace customer, step 11)
  subscriptions:
    - sku: business-standard      # `resold schema manifest` lists every SKU
      plan: flexible              # annual-monthly | annual-yearly | flexible | trial | free
      seats: 10
  protect: true                   # never cancel or lower seats without protect: false
";

    #[test]
    fn the_example_keeps_its_layout() {
        assert_eq!(super::example(), EXAMPLE);
    }
}
