//! `resold state mv OLD NEW`: a renamed `metadata.name` keeps its record —
//! Channel customer, Cloud Identity, subscriptions and the request ids used
//! on them — instead of leaving an orphan behind and adopting the customer
//! afresh under the new name.

use super::State;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenameError {
    #[error("the state records no customer by the old name")]
    Unknown,
    #[error("the state already records a customer `{0}`; remove or rename that one first")]
    Taken(String),
    #[error("`{0}` is not a valid metadata.name ([a-z0-9]([a-z0-9-]*[a-z0-9])?)")]
    InvalidName(String),
    #[error(
        "`{0}` has steps pending from an interrupted apply; run `resold apply` to resolve them first"
    )]
    Pending(String),
}

/// Moves the record of `old` to `new`, with the name inside its applied values.
pub fn rename_customer(state: &mut State, old: &str, new: &str) -> Result<(), RenameError> {
    if !valid_name(new) {
        return Err(RenameError::InvalidName(new.to_string()));
    }
    if state.customers.contains_key(new) {
        return Err(RenameError::Taken(new.to_string()));
    }
    let record = state.customers.get(old).ok_or(RenameError::Unknown)?;
    if !record.pending.is_empty() {
        return Err(RenameError::Pending(old.to_string()));
    }
    let mut record = state.customers.remove(old).ok_or(RenameError::Unknown)?;
    if let Some(applied) = record.applied.as_mut() {
        applied.name = new.to_string();
    }
    state.customers.insert(new.to_string(), record);
    Ok(())
}

fn valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let edge = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes.first().is_some_and(edge)
        && bytes.last().is_some_and(edge)
        && bytes.iter().all(|b| edge(b) || *b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{CustomerRecord, PendingStep};

    fn state_with(names: &[&str]) -> State {
        let mut state = State::new(None);
        for name in names {
            let mut record = CustomerRecord::empty(true);
            record.channel_name = Some(format!("accounts/A/customers/{name}"));
            record.applied = Some(crate::fixtures::sample_domain_customer(
                name, "Acme AB", "acme.se",
            ));
            state.customers.insert(name.to_string(), record);
        }
        state
    }

    #[test]
    fn the_record_moves_with_its_ids_and_applied_name() {
        let mut state = state_with(&["old-name"]);
        rename_customer(&mut state, "old-name", "new-name").unwrap();
        let record = &state.customers["new-name"];
        assert_eq!(
            record.channel_name.as_deref(),
            Some("accounts/A/customers/old-name")
        );
        assert_eq!(record.applied.as_ref().unwrap().name, "new-name");
        assert!(!state.customers.contains_key("old-name"));
    }

    #[test]
    fn unknown_taken_invalid_and_pending_are_refused_and_change_nothing() {
        let mut state = state_with(&["a", "b"]);
        let before = state.clone();
        assert_eq!(
            rename_customer(&mut state, "x", "y"),
            Err(RenameError::Unknown)
        );
        assert_eq!(
            rename_customer(&mut state, "a", "b"),
            Err(RenameError::Taken("b".into()))
        );
        assert_eq!(
            rename_customer(&mut state, "a", "Not Valid"),
            Err(RenameError::InvalidName("Not Valid".into()))
        );
        state
            .customers
            .get_mut("a")
            .unwrap()
            .pending
            .push(PendingStep {
                address: "customer.a".into(),
                operation: crate::operation::Operation::Customer(
                    crate::operation::CustomerOperation::CreateCustomer {
                        customer: crate::fixtures::sample_domain_customer("a", "A", "a.se"),
                    },
                ),
                started_at: "2026-11-28T09:00:00Z".into(),
                google_operation: None,
            });
        let pending = state.clone();
        assert_eq!(
            rename_customer(&mut state, "a", "c"),
            Err(RenameError::Pending("a".into()))
        );
        assert_eq!(state, pending);
        assert_ne!(state, before);
    }
}
