//! The per-field rule shared by customer and subscription diffs: one rule set
//! decides changes, drift and `ignoreDrift` together (docs/plan-and-apply.md §6).
//!
//! A field changes when the manifest changed it (desired ≠ recorded). It
//! drifted when Google reports something other than what was recorded. Drift
//! alone produces an action only with `--revert-drift`; an ignored field is
//! shown as ignored and never written.

use std::collections::BTreeSet;

use serde_json::Value;

use super::drift::{Drift, DriftResolution, DriftSource};
use super::values::is_ignored;
use crate::operation::FieldChange;

/// One field as the three sources see it.
pub(super) struct Field {
    pub name: String,
    pub desired: Option<Value>,
    pub recorded: Option<Value>,
    /// `None`: the source was not observed or has no such field.
    pub observed: Option<Option<Value>>,
    pub personal: bool,
}

impl Field {
    pub fn new(
        name: &str,
        desired: Option<Value>,
        recorded: Option<Value>,
        personal: bool,
    ) -> Self {
        Field {
            name: name.to_string(),
            desired,
            recorded,
            observed: None,
            personal,
        }
    }

    pub fn observed(mut self, observed: Option<Option<Value>>) -> Self {
        self.observed = observed;
        self
    }
}

/// Who last changed an object, when the API says (entitlements only).
#[derive(Clone, Default)]
pub(super) struct ChangedBy {
    pub who: Option<String>,
    pub when: Option<String>,
}

/// What a writable field calls for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum FieldOutcome {
    Unchanged,
    /// Write `after` over the live `before` (a call to Google).
    Write(FieldChange),
    /// Record the live value `after` in place of the recorded `before`
    /// (state only): the manifest now says the same, or `--refresh-only`.
    Accept(FieldChange),
}

/// Scans the fields of one object from one source, collecting drift.
pub(super) struct FieldScan<'a> {
    pub customer: &'a str,
    pub address: &'a str,
    pub source: DriftSource,
    pub ignore: &'a BTreeSet<String>,
    /// Path prefix for `ignoreDrift` matching (`subscriptions.vault.`), empty for customer fields.
    pub ignore_prefix: String,
    pub revert: bool,
    /// `--refresh-only`: drift is accepted, nothing is written.
    pub refresh_only: bool,
    pub changed_by: ChangedBy,
    pub drift: &'a mut Vec<Drift>,
}

impl FieldScan<'_> {
    fn ignored(&self, field: &str) -> bool {
        is_ignored(self.ignore, &format!("{}{field}", self.ignore_prefix))
    }

    /// A field `apply` may write (Channel record, entitlement).
    pub fn writable(&mut self, field: Field) -> FieldOutcome {
        let ignored = self.ignored(&field.name);
        let manifest_changed = field.desired != field.recorded;
        let drifted = matches!(&field.observed, Some(observed) if *observed != field.recorded);
        let current = match &field.observed {
            Some(observed) => observed.clone(),
            None => field.recorded.clone(),
        };
        let accept = drifted && !ignored && (self.refresh_only || field.desired == current);
        if accept {
            self.push_drift(&field, DriftResolution::Accepted);
            return FieldOutcome::Accept(FieldChange {
                field: field.name.clone(),
                before: field.recorded.clone(),
                after: current,
                personal: field.personal,
            });
        }
        let wanted = !self.refresh_only
            && !ignored
            && field.desired != current
            && (manifest_changed || (drifted && self.revert));
        if drifted {
            let resolution = if ignored {
                DriftResolution::Ignored
            } else if wanted && manifest_changed {
                DriftResolution::Overwritten
            } else if wanted {
                DriftResolution::Reverted
            } else {
                DriftResolution::Kept
            };
            self.push_drift(&field, resolution);
        }
        if wanted {
            FieldOutcome::Write(FieldChange {
                field: field.name.clone(),
                before: current,
                after: field.desired.clone(),
                personal: field.personal,
            })
        } else {
            FieldOutcome::Unchanged
        }
    }

    /// A field apply can record but never write (the customer type): drift
    /// is accepted when the manifest says the same (or `--refresh-only`),
    /// kept otherwise.
    pub fn recordable(&mut self, field: Field) -> Option<FieldChange> {
        let ignored = self.ignored(&field.name);
        let observed = field.observed.clone()?;
        if observed == field.recorded {
            return None;
        }
        if !ignored && (self.refresh_only || field.desired == observed) {
            self.push_drift(&field, DriftResolution::Accepted);
            return Some(FieldChange {
                field: field.name.clone(),
                before: field.recorded.clone(),
                after: observed,
                personal: field.personal,
            });
        }
        let resolution = if ignored {
            DriftResolution::Ignored
        } else {
            DriftResolution::Kept
        };
        self.push_drift(&field, resolution);
        None
    }

    /// A field resolved never writes (the Admin console): drift only.
    pub fn read_only(&mut self, field: Field) {
        let drifted = matches!(&field.observed, Some(observed) if *observed != field.recorded);
        if drifted {
            let resolution = if self.ignored(&field.name) {
                DriftResolution::Ignored
            } else {
                DriftResolution::Kept
            };
            self.push_drift(&field, resolution);
        }
    }

    fn push_drift(&mut self, field: &Field, resolution: DriftResolution) {
        self.drift.push(Drift {
            customer: self.customer.to_string(),
            address: self.address.to_string(),
            source: self.source,
            field: field.name.clone(),
            recorded: field.recorded.clone(),
            observed: field.observed.clone().flatten(),
            personal: field.personal,
            resolution,
            changed_by: self.changed_by.who.clone(),
            changed_at: self.changed_by.when.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scan<'a>(
        ignore: &'a BTreeSet<String>,
        revert: bool,
        drift: &'a mut Vec<Drift>,
    ) -> FieldScan<'a> {
        FieldScan {
            customer: "acme-se",
            address: "customer.acme-se",
            source: DriftSource::Channel,
            ignore,
            ignore_prefix: String::new(),
            revert,
            refresh_only: false,
            changed_by: ChangedBy::default(),
            drift,
        }
    }

    fn written(outcome: FieldOutcome) -> Option<FieldChange> {
        match outcome {
            FieldOutcome::Write(change) => Some(change),
            _ => None,
        }
    }

    fn field(desired: &str, recorded: &str, observed: &str) -> Field {
        Field::new("phone", Some(json!(desired)), Some(json!(recorded)), true)
            .observed(Some(Some(json!(observed))))
    }

    #[test]
    fn drift_alone_is_reported_and_kept() {
        let ignore = BTreeSet::new();
        let mut drift = Vec::new();
        let change = scan(&ignore, false, &mut drift).writable(field("+461", "+461", "+462"));
        assert_eq!(change, FieldOutcome::Unchanged);
        assert_eq!(drift.len(), 1);
        assert_eq!(drift[0].resolution, DriftResolution::Kept);
    }

    #[test]
    fn revert_drift_proposes_the_recorded_value_from_the_observed_one() {
        let ignore = BTreeSet::new();
        let mut drift = Vec::new();
        let change = scan(&ignore, true, &mut drift).writable(field("+461", "+461", "+462"));
        let change = written(change).unwrap();
        assert_eq!(change.before, Some(json!("+462")));
        assert_eq!(change.after, Some(json!("+461")));
        assert_eq!(drift[0].resolution, DriftResolution::Reverted);
    }

    #[test]
    fn ignored_fields_are_shown_as_ignored_and_never_written() {
        let ignore = BTreeSet::from(["phone".to_string()]);
        let mut drift = Vec::new();
        let change = scan(&ignore, true, &mut drift).writable(field("+463", "+461", "+462"));
        assert_eq!(change, FieldOutcome::Unchanged);
        assert_eq!(drift[0].resolution, DriftResolution::Ignored);
        assert!(!drift[0].counts());
    }

    #[test]
    fn a_manifest_change_overwrites_drift_and_starts_from_the_live_value() {
        let ignore = BTreeSet::new();
        let mut drift = Vec::new();
        let change = scan(&ignore, false, &mut drift).writable(field("+463", "+461", "+462"));
        assert_eq!(written(change).unwrap().before, Some(json!("+462")));
        assert_eq!(drift[0].resolution, DriftResolution::Overwritten);
    }

    #[test]
    fn a_manifest_that_now_says_the_live_value_accepts_the_drift() {
        let ignore = BTreeSet::new();
        let mut drift = Vec::new();
        let outcome = scan(&ignore, false, &mut drift).writable(field("+462", "+461", "+462"));
        let FieldOutcome::Accept(change) = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(change.before, Some(json!("+461")));
        assert_eq!(change.after, Some(json!("+462")));
        assert_eq!(drift[0].resolution, DriftResolution::Accepted);
    }

    #[test]
    fn refresh_only_accepts_every_drift_and_writes_nothing() {
        let ignore = BTreeSet::new();
        let mut drift = Vec::new();
        let mut scan = scan(&ignore, true, &mut drift);
        scan.refresh_only = true;
        assert!(matches!(
            scan.writable(field("+463", "+461", "+462")),
            FieldOutcome::Accept(_)
        ));
        assert_eq!(
            scan.writable(field("+463", "+461", "+461")),
            FieldOutcome::Unchanged,
            "a manifest change alone is not written"
        );
    }
}
