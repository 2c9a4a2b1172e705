//! Google's answers to `checkCloudIdentityAccountsExist` that this provider
//! got while observing, so the create that follows a plan's observation
//! need not ask the same question again a few seconds later.
//!
//! Why reusing a recent answer is safe (Add a Google Workspace customer,
//! step 3: the domain must not already be someone else's Google customer):
//! - The answer is Google's own, for the same domain (and, for teams, the
//!   same admin email), and it is what the reviewed plan shows ("no Google
//!   account exists for the domain"). An answer that found an account never
//!   leads to a create: the plan adopts it or blocks on it.
//! - `customers.create` itself does not refuse a domain that already has a
//!   Google account (a second create of a domain is not documented as an
//!   error, docs/google-apis.md §5), but `provisionCloudIdentity` does: a
//!   domain belongs to one Google account at a time, so it answers
//!   ALREADY_EXISTS and no second account, and no order, can follow. If an
//!   account appeared in the few minutes since the answer, the worst left
//!   behind is the Channel customer the plan showed, unprovisioned (removable
//!   with `customers.delete`), and the provision's refusal in the outcome.
//! - The create still lists the reseller's customers by domain first, so a
//!   Channel customer that appeared meanwhile is adopted, not duplicated.
//! - An answer serves one create, and only while it is younger than the
//!   provider's reuse window ([`DEFAULT_REUSE`]); an older one, or a create
//!   no observation preceded (another process, a resumed run), asks Google.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::api::channel as wire;

use super::channel::Channel;
use super::error::ProviderError;

/// How long an observation's answer stands in for a new question: enough
/// for a fresh apply to confirm and start its creates, short enough that a
/// Google account registered for the domain meanwhile is unlikely.
pub const DEFAULT_REUSE: Duration = Duration::from_secs(120);

/// The question: a domain and, for team customers, the admin's email.
type Question = (String, Option<String>);
/// Each answer with the moment it was asked.
type Answers = HashMap<Question, (Instant, Vec<wire::CloudIdentityCustomerAccount>)>;

pub struct DomainChecks {
    reuse_for: Duration,
    answers: Mutex<Answers>,
}

impl DomainChecks {
    pub fn new(reuse_for: Duration) -> DomainChecks {
        DomainChecks {
            reuse_for,
            answers: Mutex::new(HashMap::new()),
        }
    }

    /// Asks Google and keeps the answer for one later create.
    pub async fn ask(
        &self,
        channel: &Channel,
        domain: &str,
        primary_admin_email: Option<&str>,
    ) -> Result<Vec<wire::CloudIdentityCustomerAccount>, ProviderError> {
        let asked_at = Instant::now();
        let accounts = channel
            .check_cloud_identity_accounts_exist(domain, primary_admin_email)
            .await?;
        if !self.reuse_for.is_zero() {
            self.answers().insert(
                question(domain, primary_admin_email),
                (asked_at, accounts.clone()),
            );
        }
        Ok(accounts)
    }

    /// A kept answer younger than the reuse window, taken (it serves once);
    /// otherwise Google's answer now.
    pub async fn recent_or_ask(
        &self,
        channel: &Channel,
        domain: &str,
        primary_admin_email: Option<&str>,
    ) -> Result<Vec<wire::CloudIdentityCustomerAccount>, ProviderError> {
        if let Some(accounts) = self.take_recent(domain, primary_admin_email) {
            return Ok(accounts);
        }
        channel
            .check_cloud_identity_accounts_exist(domain, primary_admin_email)
            .await
    }

    fn take_recent(
        &self,
        domain: &str,
        primary_admin_email: Option<&str>,
    ) -> Option<Vec<wire::CloudIdentityCustomerAccount>> {
        let (asked_at, accounts) = self
            .answers()
            .remove(&question(domain, primary_admin_email))?;
        (asked_at.elapsed() < self.reuse_for).then_some(accounts)
    }

    fn answers(&self) -> std::sync::MutexGuard<'_, Answers> {
        self.answers.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn question(domain: &str, primary_admin_email: Option<&str>) -> Question {
    (domain.to_string(), primary_admin_email.map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keep(checks: &DomainChecks, domain: &str, admin: Option<&str>, age: Duration) {
        let asked_at = Instant::now().checked_sub(age).unwrap();
        checks
            .answers()
            .insert(question(domain, admin), (asked_at, Vec::new()));
    }

    #[test]
    fn a_recent_answer_serves_one_create_of_the_same_question() {
        let checks = DomainChecks::new(Duration::from_secs(60));
        keep(&checks, "acme.se", None, Duration::ZERO);
        keep(&checks, "team.se", Some("a@team.se"), Duration::ZERO);
        assert_eq!(checks.take_recent("acme.se", None), Some(Vec::new()));
        assert_eq!(checks.take_recent("acme.se", None), None, "serves once");
        assert_eq!(checks.take_recent("team.se", Some("b@team.se")), None);
        assert_eq!(checks.take_recent("team.se", None), None);
        assert_eq!(
            checks.take_recent("team.se", Some("a@team.se")),
            Some(Vec::new())
        );
    }

    #[test]
    fn an_answer_older_than_the_window_is_asked_again() {
        let checks = DomainChecks::new(Duration::from_secs(60));
        keep(&checks, "acme.se", None, Duration::from_secs(61));
        assert_eq!(checks.take_recent("acme.se", None), None);
    }
}
