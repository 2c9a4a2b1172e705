//! `resold init [DIR]`: scaffold a config, a `customers/` directory with one
//! commented example, and the schemas the example's editor hint points at.
//! Never overwrites: if any target exists, nothing is written.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{CommandResult, Global};
use crate::manifest::schema;

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
  alternateEmail: it@reseller.se  # not on example.se (seed §11)
  subscriptions:
    - sku: business-standard      # `resold schema manifest` lists every SKU
      plan: flexible              # annual-monthly | annual-yearly | flexible | trial | free
      seats: 10
  protect: true                   # never cancel or lower seats without protect: false
";

pub fn run(_global: &Global, args: Args) -> CommandResult {
    let files: Vec<(PathBuf, String)> = vec![
        (args.dir.join("resold.yaml"), CONFIG.to_string()),
        (
            args.dir.join("customers/example-se.yaml"),
            EXAMPLE.to_string(),
        ),
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
        outln!("created {}", path.display())?;
    }
    outln!(
        "next: edit {}, then run `resold validate`",
        args.dir.join("customers/example-se.yaml").display()
    )?;
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
