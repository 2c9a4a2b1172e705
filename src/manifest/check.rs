//! Structural checks: a document against the schema of its `kind`, every
//! violation turned into a located diagnostic. The schema is generated from
//! the serde types, so passing this check means the typed parse succeeds.

use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use super::diagnostic::Diagnostic;
use super::schema;
use super::source::{DocumentSource, field_name};
use super::suggest::did_you_mean;

pub const UNKNOWN_FIELD: &str = "S-UNKNOWN-FIELD";
pub const MISSING_FIELD: &str = "S-MISSING-FIELD";
pub const WRONG_TYPE: &str = "S-TYPE";
pub const BAD_VALUE: &str = "S-VALUE";
pub const OUT_OF_RANGE: &str = "S-RANGE";
pub const BAD_FORMAT: &str = "S-PATTERN";
pub const SCHEMA: &str = "S-SCHEMA";

/// A compiled structural schema with its source (for "did you mean").
pub struct Structure {
    schema: Value,
    validator: Validator,
}

impl Structure {
    fn compile(schema: Value) -> Structure {
        // The schema is generated from our own types; a failure here is a bug
        // that `tests::structures_compile` catches before release.
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .build(&schema)
            .unwrap_or_else(|e| panic!("generated schema does not compile: {e}"));
        Structure { schema, validator }
    }

    /// `kind: Customer`.
    pub fn customer() -> &'static Structure {
        static S: OnceLock<Structure> = OnceLock::new();
        S.get_or_init(|| Structure::compile(schema::customer_structure()))
    }

    /// `kind: Defaults`.
    pub fn defaults() -> &'static Structure {
        static S: OnceLock<Structure> = OnceLock::new();
        S.get_or_init(|| Structure::compile(schema::defaults_structure()))
    }

    /// `resold.yaml`.
    pub fn config() -> &'static Structure {
        static S: OnceLock<Structure> = OnceLock::new();
        S.get_or_init(|| Structure::compile(schema::config()))
    }

    /// Every violation of `source`'s document, located.
    pub fn check(&self, source: &DocumentSource, value: &Value) -> Vec<Diagnostic> {
        if self.validator.is_valid(value) {
            return Vec::new();
        }
        let mut diagnostics: Vec<Diagnostic> = self
            .validator
            .iter_errors(value)
            .flat_map(|error| self.describe(&error, source))
            .collect();
        diagnostics.dedup();
        diagnostics
    }

    fn describe(&self, error: &ValidationError<'_>, source: &DocumentSource) -> Vec<Diagnostic> {
        let pointer = error.instance_path().as_str().to_string();
        let field = field_name(&pointer);
        let instance = error.instance();
        match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let known = self.known_fields(&pointer);
                unexpected
                    .iter()
                    .map(|name| {
                        let place = if pointer.is_empty() {
                            "at the top level".to_string()
                        } else {
                            format!("in `{field}`")
                        };
                        let mut d = Diagnostic::error(
                            UNKNOWN_FIELD,
                            format!("unknown field `{name}` {place}"),
                        );
                        d = match did_you_mean(name, known.iter().map(String::as_str)) {
                            Some(close) => d.with_help(format!("did you mean `{close}`?")),
                            None => d.with_help(format!("allowed fields: {}", known.join(", "))),
                        };
                        source.at_key(d, &format!("{pointer}/{}", escape(name)))
                    })
                    .collect()
            }
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                let place = if pointer.is_empty() {
                    String::new()
                } else {
                    format!(" in `{field}`")
                };
                let d = Diagnostic::error(
                    MISSING_FIELD,
                    format!("missing required field `{name}`{place}"),
                )
                .with_help(format!("add `{name}:`{place}"));
                vec![source.at_key(d, &pointer)]
            }
            ValidationErrorKind::Type { kind } => {
                // `null` is how schemars spells "optional"; nobody means to write it.
                let expected = match kind {
                    TypeKind::Single(t) => vec![t.to_string()],
                    TypeKind::Multiple(set) => set.iter().map(|t| t.to_string()).collect(),
                };
                let expected = expected
                    .iter()
                    .filter(|t| *t != "null")
                    .map(|t| match t.as_str() {
                        "array" => "list",
                        "object" => "mapping",
                        other => other,
                    })
                    .collect::<Vec<_>>()
                    .join(" or ");
                let mut d = Diagnostic::error(
                    WRONG_TYPE,
                    format!(
                        "`{field}` must be {} {expected}, found {}",
                        article(&expected),
                        describe_value(instance)
                    ),
                );
                if expected == "boolean" {
                    d = d.with_help(
                        "write `true` or `false` (in YAML 1.2, yes/no/on/off are plain strings)",
                    );
                } else if expected == "string" && !instance.is_object() && !instance.is_array() {
                    d = d.with_help(format!("quote the value: `\"{}\"`", plain(instance)));
                }
                vec![source.at_value(d, &pointer)]
            }
            ValidationErrorKind::Enum { options } => {
                let allowed: Vec<String> = options
                    .as_array()
                    .map(|o| o.iter().map(plain).collect())
                    .unwrap_or_default();
                let given = plain(instance);
                let d = Diagnostic::error(
                    BAD_VALUE,
                    format!("`{given}` is not a valid value for `{field}`"),
                );
                let d = match did_you_mean(&given, allowed.iter().map(String::as_str)) {
                    Some(close) => d.with_help(format!("did you mean `{close}`?")),
                    None => d.with_help(format!("expected one of: {}", allowed.join(", "))),
                };
                vec![source.at_value(d, &pointer)]
            }
            ValidationErrorKind::Constant { expected_value } => {
                let d = Diagnostic::error(
                    BAD_VALUE,
                    format!(
                        "`{field}` must be `{}`, found {}",
                        plain(expected_value),
                        describe_value(instance)
                    ),
                );
                vec![source.at_value(d, &pointer)]
            }
            ValidationErrorKind::Minimum { .. }
            | ValidationErrorKind::Maximum { .. }
            | ValidationErrorKind::MinLength { .. }
            | ValidationErrorKind::MaxLength { .. }
            | ValidationErrorKind::MinItems { .. }
            | ValidationErrorKind::MaxItems { .. } => {
                let d = Diagnostic::error(OUT_OF_RANGE, format!("`{field}`: {}", short(error)));
                vec![source.at_value(d, &pointer)]
            }
            ValidationErrorKind::Pattern { pattern } => {
                let d =
                    Diagnostic::error(BAD_FORMAT, format!("`{field}` does not match `{pattern}`"));
                vec![source.at_value(d, &pointer)]
            }
            _ => {
                let d = Diagnostic::error(SCHEMA, format!("`{field}`: {}", short(error)));
                vec![source.at_value(d, &pointer)]
            }
        }
    }

    /// The field names the schema allows in the object at `pointer`.
    fn known_fields(&self, pointer: &str) -> Vec<String> {
        schema::node_at(&self.schema, &self.schema, pointer)
            .and_then(|node| node.get("properties"))
            .and_then(Value::as_object)
            .map(|properties| properties.keys().cloned().collect())
            .unwrap_or_default()
    }
}

fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

fn article(noun: &str) -> &'static str {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// A value as the user wrote it: strings without quotes.
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn describe_value(value: &Value) -> String {
    match value {
        Value::Null => "nothing (null)".to_string(),
        Value::Bool(b) => format!("the boolean `{b}`"),
        Value::Number(n) => format!("the number `{n}`"),
        Value::String(s) => format!("the string `{s}`"),
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "a mapping".to_string(),
    }
}

/// jsonschema's message, cut so a large instance cannot flood the output.
fn short(error: &ValidationError<'_>) -> String {
    let text = error.to_string();
    if text.chars().count() > 160 {
        let cut: String = text.chars().take(157).collect();
        format!("{cut}...")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structures_compile() {
        Structure::customer();
        Structure::defaults();
        Structure::config();
    }
}
