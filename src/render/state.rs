//! What the `resold state` commands print. Names and records came from
//! manifests and Google, and a lock holder's name from another user's run,
//! so every line is neutralised for the terminal (and JSON escaped for it).

use crate::state::{HistoryEntry, LockInfo, State};

use super::escape::{json, terminal};

/// `state list --format json`.
pub fn list_json(backend: &str, state: Option<&State>) -> String {
    let listed = serde_json::json!({
        "backend": backend,
        "state": state.map(|state| serde_json::json!({
            "lineage": state.lineage,
            "serial": state.serial,
            "account": state.account,
            "customers": state.customers.iter().map(|(name, record)| serde_json::json!({
                "name": name,
                "channelName": record.channel_name,
                "cloudIdentityId": record.cloud_identity_id,
                "subscriptions": record.subscriptions.len(),
                "pendingSteps": record.pending.len(),
            })).collect::<Vec<_>>(),
        })),
    });
    pretty(&listed)
}

/// `state list`: one line per customer, columns padded to the longest
/// value so that a long list scans as a table.
pub fn list_text(backend: &str, state: Option<&State>) -> String {
    let Some(state) = state else {
        return format!("No state yet at {}.", terminal(backend));
    };
    let mut lines = vec![format!(
        "{} (serial {}, lineage {})",
        terminal(backend),
        state.serial,
        terminal(&state.lineage)
    )];
    let name_width = state.customers.keys().map(|n| n.len()).max().unwrap_or(0);
    let channel_width = state
        .customers
        .values()
        .map(|r| r.channel_name.as_deref().map_or(13, str::len))
        .max()
        .unwrap_or(0);
    for (name, record) in &state.customers {
        let mut line = format!(
            "{name:<name_width$}  {:<channel_width$}  cloud identity {:<10}  {} subscription(s)",
            record.channel_name.as_deref().unwrap_or("(not created)"),
            record.cloud_identity_id.as_deref().unwrap_or("-"),
            record.subscriptions.len()
        );
        if !record.pending.is_empty() {
            line.push_str(&format!(
                "  {} step(s) pending from an interrupted apply",
                record.pending.len()
            ));
        }
        lines.push(terminal(&line));
    }
    lines.join("\n")
}

/// `state lock-info --format json`.
pub fn lock_info_json(backend: &str, holders: &[LockInfo]) -> String {
    pretty(&serde_json::json!({"backend": backend, "holders": holders}))
}

/// `state lock-info`: each holder, or that nobody holds a lock.
pub fn lock_info_text(backend: &str, holders: &[LockInfo]) -> String {
    if holders.is_empty() {
        return format!("The state ({}) is not locked.", terminal(backend));
    }
    let shown: Vec<String> = holders
        .iter()
        .map(|info| {
            // Each value is neutralised on its own: the line breaks between
            // them are the layout, a line break inside one is not.
            let mut text = format!(
                "The state is locked.\n  ID:        {}\n  Who:       {}\n  PID:       {}\n  Operation: {}\n  Since:     {}",
                terminal(&info.id),
                terminal(&info.who),
                info.pid,
                terminal(&info.operation),
                terminal(&info.since)
            );
            if let Some(url) = &info.ci_url {
                text.push_str(&format!("\n  CI job:    {}", terminal(url)));
            }
            text.push_str("\n  Holds:     ");
            if info.customers.is_empty() {
                text.push_str("the whole state");
            } else {
                text.push_str(&terminal(&info.customers.join(", ")));
            }
            if !info.domains.is_empty() {
                // No other run creates a customer of these meanwhile.
                text.push_str("\n  Domains:   ");
                text.push_str(&terminal(&info.domains.join(", ")));
            }
            text
        })
        .collect();
    shown.join("\n")
}

/// `state history NAME --format json`.
pub fn history_json(entries: &[HistoryEntry]) -> String {
    let shown: Vec<serde_json::Value> = entries
        .iter()
        .map(|entry| {
            serde_json::json!({
                "version": entry.version,
                "writtenAt": entry.written_at,
                "removed": entry.record.is_none(),
                "record": entry.record,
                "run": entry.run,
            })
        })
        .collect();
    pretty(&shown)
}

/// `state history NAME`: one line per stored version, with its run.
pub fn history_text(backend: &str, name: &str, entries: &[HistoryEntry]) -> String {
    if entries.is_empty() {
        return format!(
            "{} has no stored version of {}.",
            terminal(backend),
            terminal(name)
        );
    }
    let lines: Vec<String> = entries
        .iter()
        .map(|entry| {
            let what = match &entry.record {
                None => "removed from the state".to_string(),
                Some(record) => format!(
                    "{}, {} subscription(s){}",
                    record.channel_name.as_deref().unwrap_or("(not created)"),
                    record.subscriptions.len(),
                    match record.pending.len() {
                        0 => String::new(),
                        n => format!(", {n} step(s) pending"),
                    }
                ),
            };
            let run = &entry.run;
            let mut line = format!(
                "version {:<4} {}  {}  by run {} ({} by {}@{}, {})",
                entry.version,
                entry.written_at,
                what,
                run.id,
                run.operation,
                run.user,
                run.host,
                run.outcome
                    .map_or("unfinished or running", |outcome| outcome.as_str())
            );
            if let Some(url) = &run.ci_url {
                line.push_str(&format!(", {url}"));
            }
            terminal(&line)
        })
        .collect();
    lines.join("\n")
}

/// `state show NAME`: the record as JSON.
pub fn record_json<T: serde::Serialize>(record: &T) -> String {
    pretty(record)
}

/// After `state rm NAME`.
pub fn removed(name: &str, serial: u64) -> String {
    format!(
        "Removed {} from the state (serial {serial}). Nothing was changed at Google; \
         the customer now shows up in plans as unmanaged.",
        terminal(name)
    )
}

/// After `state mv OLD NEW`.
pub fn moved(old: &str, new: &str, serial: u64) -> String {
    let (old, new) = (terminal(old), terminal(new));
    format!(
        "Moved {old} to {new} in the state (serial {serial}): its Channel customer, Cloud Identity and \
         subscription records, request ids included, are now {new}'s. Nothing was changed at Google."
    )
}

/// After `state migrate`.
pub fn migrated(
    customers: usize,
    source: &str,
    target: &str,
    lineage: &str,
    serial: u64,
) -> String {
    format!(
        "Copied {customers} customer(s) from {} to {} (lineage {}, serial {serial} there). The source is \
         unchanged: point resold.yaml's `state:` at the target, and remove the source once \
         `resold plan` on the target shows what you expect.",
        terminal(source),
        terminal(target),
        terminal(lineage),
    )
}

/// After `state force-unlock ID`: what became of the holder, which depends
/// on whether the backend can cut it off (PostgreSQL) or not (a file lock).
pub fn force_unlocked(broken: &LockInfo, fenced: bool) -> String {
    if fenced {
        return format!(
            "Ended the session of run {} ({} by {}, pid {}, since {}): its locks are free, and \
             any further state write by that run is refused, so it stops before its next call \
             to Google.",
            terminal(&broken.id),
            terminal(&broken.operation),
            terminal(&broken.who),
            broken.pid,
            terminal(&broken.since)
        );
    }
    format!(
        "Broke lock {} held by {} (pid {}) for {} since {}.\n\
         If that process is still running, it keeps its lock and can still write the state; \
         a run started now would then find the state changed under it and have its own writes \
         refused. Make sure pid {} has stopped before you run resold again.",
        terminal(&broken.id),
        terminal(&broken.who),
        broken.pid,
        terminal(&broken.operation),
        terminal(&broken.since),
        broken.pid
    )
}

/// Pretty JSON, escaped for a terminal. The values are plain data (string
/// keys only), which always serialise.
fn pretty<T: serde::Serialize + ?Sized>(value: &T) -> String {
    json(&serde_json::to_string_pretty(value).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holder(customers: &[&str], domains: &[&str]) -> LockInfo {
        LockInfo {
            id: "6f1c".into(),
            who: "ci@runner\u{1b}[2J".into(),
            pid: 42,
            operation: "apply".into(),
            since: "2026-12-01T10:00:00Z".into(),
            ci_url: Some("https://ci.example/job/7".into()),
            customers: customers.iter().map(|c| c.to_string()).collect(),
            domains: domains.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn lock_info_names_what_each_holder_holds_and_neutralises_names() {
        insta::assert_snapshot!(lock_info_text("/p/.resold/state.json", &[holder(&[], &[]), holder(&["acme", "bolt"], &["acme.se", "bolt\u{202e}.se"])]), @r"
        The state is locked.
          ID:        6f1c
          Who:       ci@runner\u{1b}[2J
          PID:       42
          Operation: apply
          Since:     2026-12-01T10:00:00Z
          CI job:    https://ci.example/job/7
          Holds:     the whole state
        The state is locked.
          ID:        6f1c
          Who:       ci@runner\u{1b}[2J
          PID:       42
          Operation: apply
          Since:     2026-12-01T10:00:00Z
          CI job:    https://ci.example/job/7
          Holds:     acme, bolt
          Domains:   acme.se, bolt\u{202e}.se
        ");
        insta::assert_snapshot!(lock_info_text("/p/state.json", &[]), @"The state (/p/state.json) is not locked.");
    }

    #[test]
    fn an_empty_state_says_so() {
        insta::assert_snapshot!(list_text("/p/state.json", None), @"No state yet at /p/state.json.");
    }
}
