//! What is left for people after an apply, from what Google says after it:
//! the customers the apply changed are read again (only those, never the
//! whole book) and planned against the state the apply wrote, so the
//! checklist comes from the planner's own rules — a new subscription
//! suspended until the customer accepts the Terms of Service, a domain not
//! verified yet — rather than from the plan made before anything existed.

use crate::apply::{Interrupt, Outcome};
use crate::config::PolicyConfig;
use crate::model::Customer;
use crate::plan::{self, ChecklistItem, PlanOptions, RefreshMode};

use super::planning::observe;
use super::session::Prepared;
use super::{WorkflowError, scope};

/// Where the checklist printed after an apply comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum FollowUp {
    /// Planned from a read of the changed customers after the apply.
    ReadBack(Vec<ChecklistItem>),
    /// The read failed or was interrupted: the plan's checklist, and why.
    AsPlanned {
        items: Vec<ChecklistItem>,
        reason: String,
    },
}

impl FollowUp {
    pub fn items(&self) -> &[ChecklistItem] {
        match self {
            FollowUp::ReadBack(items) | FollowUp::AsPlanned { items, .. } => items,
        }
    }
}

impl Prepared {
    /// The checklist of the customers `outcome` changed, from a read of
    /// them now; the plan's when that read fails (or Ctrl-C cuts it off).
    pub async fn follow_up(
        &self,
        desired: &[Customer],
        policy: &PolicyConfig,
        outcome: &Outcome,
        interrupt: &Interrupt,
    ) -> FollowUp {
        let touched: Vec<String> = outcome
            .touched_customers()
            .into_iter()
            .map(str::to_string)
            .collect();
        if touched.is_empty() {
            return FollowUp::ReadBack(Vec::new());
        }
        let read = tokio::select! {
            biased;
            () = interrupt.wait() => Err("interrupted".to_string()),
            read = self.read_back(desired, policy, &touched) => read.map_err(|e| e.to_string()),
        };
        match read {
            Ok(items) => FollowUp::ReadBack(items),
            Err(reason) => FollowUp::AsPlanned {
                items: self.planned_checklist(&touched),
                reason,
            },
        }
    }

    /// The plan's checklist items of `touched`.
    fn planned_checklist(&self, touched: &[String]) -> Vec<ChecklistItem> {
        self.plan
            .checklist
            .iter()
            .filter(|c| touched.contains(&c.customer))
            .cloned()
            .collect()
    }

    async fn read_back(
        &self,
        desired: &[Customer],
        policy: &PolicyConfig,
        touched: &[String],
    ) -> Result<Vec<ChecklistItem>, WorkflowError> {
        let state = self.journal.snapshot();
        let options = PlanOptions {
            refresh: RefreshMode::All,
            targets: touched.to_vec(),
            policy: policy.clone(),
            ..PlanOptions::default()
        };
        let names = scope::for_plan(desired, &state, &options);
        let observed = observe(self.provider.as_ref(), desired, &state, names.as_deref()).await?;
        let after = plan::diff(desired, &state, Some(&observed), &options);
        Ok(plan::checklist_after_apply(
            &self.planned_checklist(touched),
            after.checklist,
            &observed,
        ))
    }
}
