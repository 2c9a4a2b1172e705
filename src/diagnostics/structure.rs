//! Structural checks: a document against a JSON Schema generated from the
//! serde types it will be read into, every violation turned into a located
//! diagnostic, then the typed read. Passing the check means the typed read
//! succeeds, with two gaps closed here: JSON Schema counts `2.0` as an
//! integer (serde does not), and should the schema ever miss something the
//! types refuse, the typed read's error is still located at the value, by
//! the path serde was at, and worded for people.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::{Value, json};

use super::diagnostic::Diagnostic;
use super::quote::bounded;
use super::source::{DocumentSource, field_name};
use super::suggest::did_you_mean;

pub const UNKNOWN_FIELD: &str = "S-UNKNOWN-FIELD";
pub const MISSING_FIELD: &str = "S-MISSING-FIELD";
pub const WRONG_TYPE: &str = "S-TYPE";
pub const BAD_VALUE: &str = "S-VALUE";
pub const OUT_OF_RANGE: &str = "S-RANGE";
pub const BAD_FORMAT: &str = "S-PATTERN";
pub const SCHEMA: &str = "S-SCHEMA";

/// Whether `value` holds a number serde_json keeps as a float.
fn holds_float(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.is_f64(),
        Value::Array(items) => items.iter().any(holds_float),
        Value::Object(entries) => entries.values().any(holds_float),
        _ => false,
    }
}

/// A compiled structural schema with its source (for "did you mean").
pub struct Structure {
    schema: Value,
    validator: Validator,
}

impl Structure {
    /// Compiles a draft-07 schema generated from our own types; a failure
    /// is a bug the callers' `structures_compile` tests catch before release.
    pub fn compile(schema: Value) -> Structure {
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .build(&schema)
            .unwrap_or_else(|e| panic!("generated schema does not compile: {e}"));
        Structure { schema, validator }
    }

    /// Checks `source`'s document, then reads it as `T`; every problem is
    /// located at the value or key it is about.
    pub fn read<T: serde::de::DeserializeOwned>(
        &self,
        source: &DocumentSource,
        value: &Value,
    ) -> Result<T, Vec<Diagnostic>> {
        let problems = self.check(source, value);
        if !problems.is_empty() {
            return Err(problems);
        }
        // The typed read without path tracking first; only a failure is
        // read again to learn where serde was.
        if let Ok(typed) = T::deserialize(value) {
            return Ok(typed);
        }
        serde_path_to_error::deserialize(value).map_err(|error| {
            let pointer = pointer_of(error.path());
            let d = Diagnostic::error(
                WRONG_TYPE,
                format!(
                    "`{}`: {}",
                    field_name(&pointer),
                    serde_wording(&error.inner().to_string())
                ),
            );
            vec![source.at_value(d, &pointer)]
        })
    }

    /// Every violation of `source`'s document, located.
    pub fn check(&self, source: &DocumentSource, value: &Value) -> Vec<Diagnostic> {
        let mut diagnostics = Vec::new();
        if !self.validator.is_valid(value) {
            diagnostics.extend(
                self.validator
                    .iter_errors(value)
                    .flat_map(|error| self.describe(&error, source)),
            );
        }
        // Most documents hold no fraction at all; only those are walked
        // with the pointers a finding needs.
        if holds_float(value) {
            self.fractional_integers(value, "", source, &mut diagnostics);
        }
        diagnostics.dedup();
        diagnostics
    }

    /// `seats: 2.0`, `1e2` or `!!float 10` where the type is an integer:
    /// JSON Schema takes them as integers, serde (and Google) does not.
    fn fractional_integers(
        &self,
        value: &Value,
        pointer: &str,
        source: &DocumentSource,
        out: &mut Vec<Diagnostic>,
    ) {
        match value {
            // Floats beyond 2^63 stand for integer literals too large for
            // 64 bits; the schema's range check already reports those.
            Value::Number(n) if n.as_f64().is_some_and(|f| n.is_f64() && f.abs() < 9.2e18) => {
                let wants_integer = node_at(&self.schema, &self.schema, pointer)
                    .and_then(|node| node.get("type"))
                    .is_some_and(|t| {
                        let types: Vec<&Value> = match t {
                            Value::Array(list) => list.iter().collect(),
                            one => vec![one],
                        };
                        types.contains(&&json!("integer")) && !types.contains(&&json!("number"))
                    });
                if wants_integer {
                    let d = Diagnostic::error(
                        WRONG_TYPE,
                        format!(
                            "`{}` must be a whole number, found the number `{n}`",
                            field_name(pointer)
                        ),
                    )
                    .with_help("write it without a decimal point or exponent, e.g. `10`");
                    out.push(source.at_value(d, pointer));
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.fractional_integers(item, &format!("{pointer}/{i}"), source, out);
                }
            }
            Value::Object(entries) => {
                for (key, item) in entries {
                    let pointer = format!("{pointer}/{}", escape(key));
                    self.fractional_integers(item, &pointer, source, out);
                }
            }
            _ => {}
        }
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
                            format!("unknown field `{}` {place}", bounded(name)),
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
                let underscored = instance.as_str().is_some_and(|s| {
                    s.contains('_')
                        && s.trim_start_matches(['+', '-'])
                            .chars()
                            .all(|c| c.is_ascii_digit() || c == '_' || c == '.')
                });
                if expected.contains("integer") && underscored {
                    d = d.with_help(format!(
                        "write `{}`: YAML 1.2, which editors use, has no digit separators, so this is text",
                        plain(instance).replace('_', "")
                    ));
                } else if expected == "boolean" {
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
        node_at(&self.schema, &self.schema, pointer)
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

/// A value as the user wrote it: strings without quotes, long ones cut.
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => bounded(s).into_owned(),
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "a mapping".to_string(),
        other => bounded(&other.to_string()).into_owned(),
    }
}

fn describe_value(value: &Value) -> String {
    match value {
        Value::Null => "nothing (null)".to_string(),
        Value::Bool(b) => format!("the boolean `{b}`"),
        Value::Number(n) => format!("the number `{n}`"),
        Value::String(s) => format!("the string `{}`", bounded(s)),
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "a mapping".to_string(),
    }
}

/// A JSON Pointer from serde's path (`spec.subscriptions[0].seats`).
fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push('/');
                pointer.push_str(&escape(key));
            }
            Segment::Unknown => break,
        }
    }
    pointer
}

/// serde's "invalid type: floating point `2.5`, expected u32" in people's
/// words: Rust type names become what they mean.
fn serde_wording(message: &str) -> String {
    let message = bounded(message)
        .replace("expected u8", "expected a whole number from 0 to 255")
        .replace("expected u16", "expected a whole number from 0 to 65535")
        .replace(
            "expected u32",
            "expected a whole number from 0 to 4294967295",
        )
        .replace("expected u64", "expected a whole number from 0")
        .replace("expected i64", "expected a whole number")
        .replace("expected f64", "expected a number")
        .replace("floating point", "the number")
        .replace("a string", "text")
        .replace("invalid type: ", "found ")
        .replace("invalid value: ", "found ");
    match message.find(", use ") {
        Some(cut) => message[..cut].to_string(),
        None => message,
    }
}

/// jsonschema's message, cut so a large instance cannot flood the output.
fn short(error: &ValidationError<'_>) -> String {
    bounded(&error.to_string()).into_owned()
}

/// The subschema describing the value at `pointer` of an instance, following
/// `$ref`, `anyOf` (how schemars spells `Option<T>`), `properties` and `items`.
pub fn node_at<'a>(schema: &'a Value, root: &'a Value, pointer: &str) -> Option<&'a Value> {
    let mut node = resolve(schema, root)?;
    for segment in pointer.split('/').skip(1) {
        let next = if let Some(property) = node.get("properties").and_then(|p| p.get(segment)) {
            property
        } else if segment.parse::<usize>().is_ok() && node.get("items").is_some() {
            node.get("items")?
        } else if let Some(Value::Object(_)) = node.get("additionalProperties") {
            node.get("additionalProperties")?
        } else {
            return None;
        };
        node = resolve(next, root)?;
    }
    Some(node)
}

fn resolve<'a>(mut node: &'a Value, root: &'a Value) -> Option<&'a Value> {
    for _ in 0..8 {
        if let Some(reference) = node.get("$ref").and_then(Value::as_str) {
            node = root.pointer(reference.strip_prefix('#')?)?;
        } else if let Some([only]) = node
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            // Draft-07 ignores keywords beside `$ref`, so schemars wraps a
            // described reference in a one-element `allOf`.
            node = only;
        } else if let Some(choice) =
            node.get("anyOf")
                .and_then(Value::as_array)
                .and_then(|options| {
                    options
                        .iter()
                        .find(|o| o.get("type") != Some(&json!("null")))
                })
        {
            node = choice;
        } else {
            return Some(node);
        }
    }
    None
}
