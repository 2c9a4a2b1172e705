//! "targeting is in effect": a `--target` plan leaves the rest of the
//! portfolio unplanned, so the operator is told before confirming and again
//! in the outcome.

use crate::render::escape::terminal;
use crate::workflow::Targeting;

/// Names shown at most; the rest are counted.
const NAMES_SHOWN: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Before the confirmation: what was planned.
    Planned,
    /// In the outcome: what was applied.
    Applied,
}

/// `Warning: targeting is in effect: only 2 of 10 customers were planned
/// (acme, bolt); run a full plan afterwards.`
pub fn warning(targeting: &Targeting, phase: Phase) -> String {
    let verb = match phase {
        Phase::Planned => "planned",
        Phase::Applied => "planned and applied",
    };
    let mut names: Vec<String> = targeting
        .targets
        .iter()
        .take(NAMES_SHOWN)
        .map(|n| terminal(n))
        .collect();
    if targeting.targets.len() > NAMES_SHOWN {
        names.push(format!(
            "and {} more",
            targeting.targets.len() - NAMES_SHOWN
        ));
    }
    format!(
        "Warning: targeting is in effect: only {} of {} customers were {verb} ({}); the others may have changes or drift nobody saw, so run a full plan afterwards.",
        targeting.targets.len(),
        targeting.total,
        names.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_targets_and_counts_the_portfolio() {
        let targeting = Targeting {
            targets: vec!["acme".into(), "bolt".into()],
            total: 10,
        };
        insta::assert_snapshot!(warning(&targeting, Phase::Planned), @"Warning: targeting is in effect: only 2 of 10 customers were planned (acme, bolt); the others may have changes or drift nobody saw, so run a full plan afterwards.");
        insta::assert_snapshot!(warning(&targeting, Phase::Applied), @"Warning: targeting is in effect: only 2 of 10 customers were planned and applied (acme, bolt); the others may have changes or drift nobody saw, so run a full plan afterwards.");
    }

    #[test]
    fn a_long_list_is_cut() {
        let targeting = Targeting {
            targets: (0..25).map(|i| format!("c{i:02}")).collect(),
            total: 100,
        };
        let text = warning(&targeting, Phase::Planned);
        assert!(text.contains("c09, and 15 more)"), "{text}");
        assert!(!text.contains("c10"), "{text}");
    }
}
