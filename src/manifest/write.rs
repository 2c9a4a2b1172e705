//! Writing manifests: the one layout every file resold writes uses
//! (`resold init`'s example, `resold import`'s customers and Defaults).
//! The schema modeline first, then comment lines, then the document in the
//! field order of `spec.rs`: block mappings indented by two, lists of plain
//! values in flow style (`lines: [Storgatan 1]`), lists of mappings as
//! `- key: value` blocks, empty values left out, and comments aligned in
//! one column so a reviewer reads values and notes side by side.
//!
//! Every string goes through `scalar`, so what is written reads back as the
//! same value (`tests` below and `scalar.rs` prove it on arbitrary input).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use super::scalar::{Context, scalar};
use super::spec::{CustomerDocument, DefaultsDocument};
use crate::model::is_unsafe_char;

/// The first line editors read for the schema (Red Hat's YAML language server).
pub const SCHEMA_MODELINE_PREFIX: &str = "# yaml-language-server: $schema=";

/// Comments start in this column (or two spaces after a longer line).
const COMMENT_COLUMN: usize = 34;

/// Comments of one written manifest, by JSON Pointer of the value they
/// describe (`/spec/admin`, `/spec/subscriptions/0/sku`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comments {
    /// Lines after the schema modeline, before `apiVersion`.
    pub header: Vec<String>,
    /// At the end of the value's line (the key's line for mappings and lists).
    pub inline: BTreeMap<String, String>,
    /// Lines after the value, at its key's indentation.
    pub after: BTreeMap<String, Vec<String>>,
}

impl Comments {
    pub fn inline(&mut self, pointer: &str, text: impl Into<String>) {
        self.inline.insert(pointer.to_string(), text.into());
    }

    pub fn after(&mut self, pointer: &str, line: impl Into<String>) {
        self.after
            .entry(pointer.to_string())
            .or_default()
            .push(line.into());
    }
}

/// A `kind: Customer` manifest. `schema` is the path the modeline names,
/// relative to the file.
pub fn customer_manifest(schema: &str, doc: &CustomerDocument, comments: &Comments) -> String {
    document(schema, doc, comments)
}

/// A `kind: Defaults` manifest.
pub fn defaults_manifest(schema: &str, doc: &DefaultsDocument, comments: &Comments) -> String {
    document(schema, doc, comments)
}

fn document(schema: &str, doc: &impl Serialize, comments: &Comments) -> String {
    let mut out = format!("{SCHEMA_MODELINE_PREFIX}{}\n", comment_text(schema));
    for line in &comments.header {
        out.push_str(&comment_line("", line));
    }
    // The spec types serialise to plain JSON objects in declaration order
    // (serde_json's preserve_order); anything else cannot happen.
    if let Ok(Value::Object(map)) = serde_json::to_value(doc) {
        let mut writer = Writer { out, comments };
        writer.mapping(&map, 0, "", None);
        out = writer.out;
    }
    out
}

struct Writer<'a> {
    out: String,
    comments: &'a Comments,
}

/// Absent, empty text, empty lists and mappings are not written: every
/// manifest field reads them as its default.
fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.values().all(is_empty),
        Value::Bool(_) | Value::Number(_) => false,
    }
}

fn is_scalar(value: &Value) -> bool {
    matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

fn scalar_text(value: &Value, context: Context) -> String {
    match value {
        Value::String(s) => scalar(s, context),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// A JSON Pointer segment (`~` and `/` escaped).
fn segment(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

impl Writer<'_> {
    /// Writes `map` at `indent`; `first_prefix` replaces the indentation of
    /// the first entry (`    - ` for a list item).
    fn mapping(
        &mut self,
        map: &Map<String, Value>,
        indent: usize,
        pointer: &str,
        first_prefix: Option<String>,
    ) {
        let mut first_prefix = first_prefix;
        for (key, value) in map {
            if is_empty(value) {
                continue;
            }
            let prefix = first_prefix.take().unwrap_or_else(|| " ".repeat(indent));
            let path = format!("{pointer}/{}", segment(key));
            let key_text = scalar(key, Context::Block);
            let comment = self.comments.inline.get(&path).map(String::as_str);
            match value {
                Value::Object(inner) => {
                    self.line(format!("{prefix}{key_text}:"), comment);
                    self.mapping(inner, indent + 2, &path, None);
                }
                Value::Array(items) if items.iter().all(is_scalar) => {
                    let flow: Vec<String> = items
                        .iter()
                        .map(|v| scalar_text(v, Context::Flow))
                        .collect();
                    self.line(
                        format!("{prefix}{key_text}: [{}]", flow.join(", ")),
                        comment,
                    );
                }
                Value::Array(items) => {
                    self.line(format!("{prefix}{key_text}:"), comment);
                    self.sequence(items, indent + 2, &path);
                }
                scalar_value => {
                    let text = scalar_text(scalar_value, Context::Block);
                    self.line(format!("{prefix}{key_text}: {text}"), comment);
                }
            }
            if let Some(lines) = self.comments.after.get(&path) {
                for line in lines {
                    self.out.push_str(&comment_line(&" ".repeat(indent), line));
                }
            }
        }
    }

    fn sequence(&mut self, items: &[Value], indent: usize, pointer: &str) {
        for (index, item) in items.iter().enumerate() {
            let path = format!("{pointer}/{index}");
            let dash = format!("{}- ", " ".repeat(indent));
            match item {
                Value::Object(map) => self.mapping(map, indent + 2, &path, Some(dash)),
                other => {
                    let comment = self.comments.inline.get(&path).map(String::as_str);
                    let text = scalar_text(other, Context::Block);
                    self.line(format!("{dash}{text}"), comment);
                }
            }
        }
    }

    fn line(&mut self, text: String, comment: Option<&str>) {
        self.out.push_str(&text);
        if let Some(comment) = comment {
            let width = text.chars().count();
            let pad = if width + 2 <= COMMENT_COLUMN {
                COMMENT_COLUMN - width
            } else {
                2
            };
            self.out.push_str(&" ".repeat(pad));
            self.out.push_str("# ");
            self.out.push_str(&comment_text(comment));
        }
        self.out.push('\n');
    }
}

fn comment_line(indent: &str, text: &str) -> String {
    let text = comment_text(text);
    if text.is_empty() {
        format!("{indent}#\n")
    } else {
        format!("{indent}# {text}\n")
    }
}

/// One comment line: text from Google can hold line breaks or control
/// characters, which must neither end the comment nor act on a terminal.
fn comment_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_unsafe_char(c) || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::spec::{
        AddressSpec, AdminSpec, ApiVersion, CustomerKind, CustomerSpec, Metadata, SubscriptionSpec,
    };
    use crate::model::{CustomerType, PlanKind};

    fn document() -> CustomerDocument {
        CustomerDocument {
            api_version: ApiVersion::V1,
            kind: CustomerKind::Customer,
            metadata: Metadata {
                name: "acme-se".into(),
                labels: BTreeMap::from([("team/owner".to_string(), "no".to_string())]),
            },
            spec: CustomerSpec {
                customer_type: CustomerType::Domain,
                organization: "Acme: #1 AB".into(),
                domain: "acme.se".into(),
                education: None,
                address: AddressSpec {
                    lines: vec!["Storgatan 1, uppg. B".into(), "c/o NO".into()],
                    locality: "Stockholm".into(),
                    administrative_area: String::new(),
                    postal_code: "0150".into(),
                    region_code: "NO".into(),
                },
                phone: Some("+4681234567".into()),
                language: Some("sv".into()),
                admin: AdminSpec {
                    email: "anna@acme.se".into(),
                    given_name: "Anna".into(),
                    family_name: "Null".into(),
                },
                alternate_email: Some("it@reseller.se".into()),
                purchase_order_id: None,
                subscriptions: vec![SubscriptionSpec {
                    sku: "business-standard".into(),
                    plan: PlanKind::Flexible,
                    seats: Some(5),
                    renewal: None,
                    state: None,
                    purchase_order_id: Some("007".into()),
                }],
                ignore_drift: vec!["phone".into()],
                protect: Some(true),
                cloud_identity_id: Some("C01234567".into()),
                correlation_id: Some("CRM 42: yes".into()),
            },
        }
    }

    #[test]
    fn a_customer_is_written_in_init_layout_with_aligned_comments() {
        let mut comments = Comments::default();
        comments.header.push("Imported from Channel.".into());
        comments.inline("/metadata/name", "stable key");
        comments.inline("/spec/admin", "from Channel primaryContactInfo");
        comments.after("/spec/subscriptions", "not managed: Legacy\nSKU");
        let text = customer_manifest("../schemas/manifest.schema.json", &document(), &comments);
        insta::assert_snapshot!(text);
        let parsed: Vec<CustomerDocument> = crate::diagnostics::yaml::parse_values(&text)
            .unwrap()
            .into_iter()
            .map(|v| serde_json::from_value(v).unwrap())
            .collect();
        assert_eq!(parsed, vec![document()]);
    }
}
