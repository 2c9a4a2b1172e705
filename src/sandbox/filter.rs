//! The list `filter` language, as far as the sandbox needs it: clauses
//! `field OP value` with `=`, `!=`, `:` (prefix with a trailing `*`) and the
//! orderings `< <= > >=` (timestamps compare as times), combined with AND/OR;
//! mixing AND and OR needs parentheses (filter-customers page). Values compare
//! case-insensitively.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::errors::{ApiError, ApiResult};

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Clause {
        field: String,
        op: Op,
        value: String,
    },
    And(Vec<Filter>),
    Or(Vec<Filter>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Has,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Has => ":",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Word(String),
    Op(Op),
}

impl Filter {
    /// Parses `text`; every field must be one of `fields`.
    pub fn parse(text: &str, fields: &[&str]) -> ApiResult<Option<Filter>> {
        let tokens = tokenize(text)?;
        if tokens.is_empty() {
            return Ok(None);
        }
        let mut parser = Parser {
            tokens,
            position: 0,
            fields,
        };
        let filter = parser.or_expression()?;
        if parser.position != parser.tokens.len() {
            return Err(invalid(text, "unexpected trailing input"));
        }
        Ok(Some(filter))
    }

    /// Every `field OP value` clause, for checks a caller adds.
    pub fn clauses(&self) -> Box<dyn Iterator<Item = (&str, Op, &str)> + '_> {
        match self {
            Filter::Clause { field, op, value } => {
                Box::new(std::iter::once((field.as_str(), *op, value.as_str())))
            }
            Filter::And(parts) | Filter::Or(parts) => {
                Box::new(parts.iter().flat_map(|p| p.clauses()))
            }
        }
    }

    /// Evaluates against a record; `lookup` gives a field's value.
    pub fn matches(&self, lookup: &impl Fn(&str) -> String) -> bool {
        match self {
            Filter::And(parts) => parts.iter().all(|p| p.matches(lookup)),
            Filter::Or(parts) => parts.iter().any(|p| p.matches(lookup)),
            Filter::Clause { field, op, value } => compare(&lookup(field), *op, value),
        }
    }
}

fn compare(actual: &str, op: Op, wanted: &str) -> bool {
    let actual_folded = actual.to_lowercase();
    let wanted_folded = wanted.to_lowercase();
    match op {
        Op::Eq => actual_folded == wanted_folded,
        Op::Ne => actual_folded != wanted_folded,
        Op::Has => match wanted_folded.strip_suffix('*') {
            Some(prefix) => actual_folded.starts_with(prefix),
            None => actual_folded == wanted_folded,
        },
        Op::Lt | Op::Le | Op::Gt | Op::Ge => {
            let ordering = match (parse_time(actual), parse_time(wanted)) {
                (Some(a), Some(b)) => a.cmp(&b),
                _ => actual_folded.cmp(&wanted_folded),
            };
            match op {
                Op::Lt => ordering.is_lt(),
                Op::Le => ordering.is_le(),
                Op::Gt => ordering.is_gt(),
                _ => ordering.is_ge(),
            }
        }
    }
}

fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

fn invalid(text: &str, why: &str) -> ApiError {
    ApiError::invalid_argument(format!("Invalid filter \"{text}\": {why}."))
}

fn tokenize(text: &str) -> ApiResult<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ' ' | '\t' | '\n' => {
                chars.next();
            }
            '(' | ')' => {
                chars.next();
                tokens.push(if c == '(' { Token::Open } else { Token::Close });
            }
            '"' => {
                chars.next();
                let mut word = String::new();
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => word.extend(chars.next()),
                        Some(other) => word.push(other),
                        None => return Err(invalid(text, "unterminated string")),
                    }
                }
                tokens.push(Token::Word(word));
            }
            '=' | ':' | '!' | '<' | '>' => {
                chars.next();
                let followed_by_eq = chars.peek() == Some(&'=');
                let op = match (c, followed_by_eq) {
                    ('=', _) => Op::Eq,
                    (':', _) => Op::Has,
                    ('!', true) => Op::Ne,
                    ('<', true) => Op::Le,
                    ('>', true) => Op::Ge,
                    ('<', false) => Op::Lt,
                    ('>', false) => Op::Gt,
                    _ => return Err(invalid(text, "`!` must be followed by `=`")),
                };
                if followed_by_eq && c != '=' && c != ':' {
                    chars.next();
                }
                tokens.push(Token::Op(op));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if " \t\n()=:!<>\"".contains(c) {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(match word.as_str() {
                    "AND" => Token::And,
                    "OR" => Token::Or,
                    _ => Token::Word(word),
                });
            }
        }
    }
    Ok(tokens)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    position: usize,
    fields: &'a [&'a str],
}

impl Parser<'_> {
    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.position).cloned();
        self.position += 1;
        token
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position)
    }

    fn or_expression(&mut self) -> ApiResult<Filter> {
        let mut parts = vec![self.and_expression()?];
        while self.peek() == Some(&Token::Or) {
            self.position += 1;
            parts.push(self.and_expression()?);
        }
        if parts.len() == 1 {
            return Ok(parts.remove(0));
        }
        if parts.iter().any(|p| matches!(p, Filter::And(_))) {
            return Err(ApiError::invalid_argument(
                "Invalid filter: mixing AND and OR needs parentheses.",
            ));
        }
        Ok(Filter::Or(parts))
    }

    fn and_expression(&mut self) -> ApiResult<Filter> {
        let mut parts = vec![self.atom()?];
        while self.peek() == Some(&Token::And) {
            self.position += 1;
            parts.push(self.atom()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Filter::And(parts)
        })
    }

    fn atom(&mut self) -> ApiResult<Filter> {
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or_expression()?;
                match self.next() {
                    // A parenthesised group is one operand, whatever it holds.
                    Some(Token::Close) => Ok(Filter::Or(vec![inner])),
                    _ => Err(ApiError::invalid_argument("Invalid filter: missing `)`.")),
                }
            }
            Some(Token::Word(field)) => {
                let field = field.to_lowercase();
                if !self.fields.contains(&field.as_str()) {
                    return Err(ApiError::invalid_argument(format!(
                        "Invalid filter: unknown field `{field}` (known: {}).",
                        self.fields.join(", ")
                    )));
                }
                let Some(Token::Op(op)) = self.next() else {
                    return Err(ApiError::invalid_argument(format!(
                        "Invalid filter: expected an operator after `{field}`."
                    )));
                };
                let Some(Token::Word(value)) = self.next() else {
                    return Err(ApiError::invalid_argument(format!(
                        "Invalid filter: expected a value after `{field}`."
                    )));
                };
                Ok(Filter::Clause { field, op, value })
            }
            _ => Err(ApiError::invalid_argument(
                "Invalid filter: expected a clause `field = value`.",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[&str] = &["domain", "org_display_name"];

    fn record(field: &str) -> String {
        match field {
            "domain" => "acme.se".to_string(),
            _ => "Acme AB".to_string(),
        }
    }

    fn check(text: &str) -> bool {
        Filter::parse(text, FIELDS)
            .unwrap()
            .unwrap()
            .matches(&record)
    }

    #[test]
    fn exact_prefix_and_boolean_combinations() {
        assert!(check("domain=\"ACME.se\""));
        assert!(check("domain : \"acm*\""));
        assert!(!check("domain : \"acm\""));
        assert!(check("domain=other.se OR org_display_name=\"acme ab\""));
        assert!(check(
            "(domain=acme.se AND org_display_name:\"Ac*\") OR domain=x"
        ));
        assert!(!check("domain!=acme.se"));
    }

    #[test]
    fn bad_filters_are_invalid_argument() {
        for bad in [
            "domain=a AND domain=b OR domain=c",
            "colour=red",
            "domain",
            "(domain=a",
            "domain=\"x",
        ] {
            assert!(Filter::parse(bad, FIELDS).is_err(), "{bad}");
        }
        assert_eq!(Filter::parse("  ", FIELDS).unwrap(), None);
    }
}
