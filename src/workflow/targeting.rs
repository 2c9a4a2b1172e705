//! `--target`: which customers a plan (and the apply of it) covers, written
//! once for `plan` and `apply`. A name nothing knows is refused (a typo would
//! otherwise plan nothing and look clean), and a saved plan runs with the
//! targets it was reviewed with: `apply PLANFILE --target` may repeat them,
//! never widen or narrow them.

use std::collections::BTreeSet;

use crate::model::Customer;
use crate::plan::Plan;
use crate::state::State;

use super::WorkflowError;

/// A plan limited by `--target`: the "only N of M" of the warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targeting {
    /// The targeted customers, sorted, each once.
    pub targets: Vec<String>,
    /// Every customer the manifests or the state name.
    pub total: usize,
}

/// Refuses a target that no manifest and no state record names.
pub fn check_targets(
    desired: &[Customer],
    state: &State,
    targets: &[String],
) -> Result<(), WorkflowError> {
    for target in targets {
        if !desired.iter().any(|c| &c.name == target) && !state.customers.contains_key(target) {
            return Err(WorkflowError::UnknownTarget(target.clone()));
        }
    }
    Ok(())
}

/// The targets of a saved plan, checked against those given on the command
/// line (none given: the plan's own).
pub fn for_saved(saved: &[String], given: &[String]) -> Result<(), WorkflowError> {
    let reviewed: BTreeSet<&str> = saved.iter().map(String::as_str).collect();
    let requested: BTreeSet<&str> = given.iter().map(String::as_str).collect();
    if given.is_empty() || reviewed == requested {
        return Ok(());
    }
    let list = |names: BTreeSet<&str>| {
        if names.is_empty() {
            "every customer".to_string()
        } else {
            names.into_iter().collect::<Vec<_>>().join(", ")
        }
    };
    Err(WorkflowError::TargetsDiffer {
        reviewed: list(reviewed),
        given: list(requested),
    })
}

impl Targeting {
    /// What a targeted plan covers, from the plan itself (`None` when it
    /// covers everyone): the planner counted the portfolio once, and the
    /// apply's warning says the same "N of M" the reviewed plan said.
    pub fn of(plan: &Plan) -> Option<Targeting> {
        let covered = plan.targeting?;
        let targets: BTreeSet<&String> = plan.targets.iter().collect();
        Some(Targeting {
            targets: targets.into_iter().cloned().collect(),
            total: covered.total,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn a_saved_plan_takes_its_own_targets_or_the_same_ones_again() {
        let saved = names(&["b", "a"]);
        assert!(for_saved(&saved, &[]).is_ok());
        assert!(for_saved(&saved, &names(&["a", "b", "a"])).is_ok());
        assert!(for_saved(&[], &[]).is_ok());
    }

    #[test]
    fn a_saved_plan_is_never_widened_or_narrowed() {
        let narrowed = for_saved(&names(&["a", "b"]), &names(&["a"])).unwrap_err();
        assert_eq!(
            narrowed.to_string(),
            "--target a: the saved plan was reviewed for a, b; apply it as it is (without --target) or make a new plan with these targets"
        );
        let of_everyone = for_saved(&[], &names(&["a"])).unwrap_err();
        assert!(
            of_everyone
                .to_string()
                .contains("reviewed for every customer"),
            "{of_everyone}"
        );
    }

    #[test]
    fn targeting_counts_every_customer_once() {
        let mut state = State::new(None);
        state
            .customers
            .insert("gone".into(), crate::state::CustomerRecord::empty(true));
        let plan_for = |targets: &[&str]| {
            let options = crate::plan::PlanOptions {
                targets: names(targets),
                ..crate::plan::PlanOptions::default()
            };
            crate::plan::diff(&[], &state, None, &options)
        };
        assert_eq!(Targeting::of(&plan_for(&[])), None);
        assert_eq!(
            Targeting::of(&plan_for(&["gone", "gone"])),
            Some(Targeting {
                targets: names(&["gone"]),
                total: 1
            })
        );
    }
}
