//! `resold account list`: the account's customers and entitlements as
//! text, JSON or CSV, each marked with the manifest or state record that
//! manages it. Every string comes from Google and is treated as hostile:
//! control and bidirectional characters are made visible in text and CSV
//! and escaped in JSON, and CSV cells that a spreadsheet would run as a
//! formula (`=`, `+`, `-`, `@`, tab, carriage return) are neutralised.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::account::{AccountCustomer, AccountEntitlement, AccountSnapshot, OfferPlan};
use crate::import::ManagedBy;
use crate::model::is_unsafe_char;
use crate::observed::AdminConsole;

use super::escape;

/// Said when `account list` cannot tell managed customers by their manifests.
pub const MANIFESTS_DO_NOT_LOAD: &str = "warning: the manifests do not load (`resold validate`); customers are marked only by the state";

/// Who manages each customer, by Channel name.
pub type Marks = BTreeMap<String, ManagedBy>;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ManagedView<'a> {
    by: &'static str,
    name: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EntitlementView<'a> {
    name: &'a str,
    sku: Option<&'a str>,
    sku_display: Option<&'a str>,
    google_sku: Option<&'a str>,
    plan: String,
    seats: Option<u32>,
    assigned_units: Option<u32>,
    renewal: Option<String>,
    state: String,
    suspension_reasons: &'a [String],
    trial_end: Option<&'a str>,
    commitment_end: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CustomerView<'a> {
    channel_name: &'a str,
    domain: &'a str,
    organization: &'a str,
    customer_type: Option<String>,
    cloud_identity_id: Option<&'a str>,
    correlation_id: Option<&'a str>,
    managed: Option<ManagedView<'a>>,
    admin_console: Option<&'static str>,
    domain_verified: Option<bool>,
    entitlements: Vec<EntitlementView<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AccountView<'a> {
    account: &'a str,
    filter: Option<&'a str>,
    read_at: &'a str,
    customers: Vec<CustomerView<'a>>,
}

fn plan_text(entitlement: &AccountEntitlement) -> String {
    match &entitlement.offer_plan {
        OfferPlan::Manifest(plan) => plan.to_string(),
        OfferPlan::Offline => "offline".to_string(),
        OfferPlan::Unknown(plan) if plan.is_empty() => "unknown".to_string(),
        OfferPlan::Unknown(plan) => plan.to_ascii_lowercase(),
    }
}

fn managed<'a>(marks: &'a Marks, channel_name: &str) -> Option<ManagedView<'a>> {
    marks.get(channel_name).map(|by| ManagedView {
        by: match by {
            ManagedBy::Manifest(_) => "manifest",
            ManagedBy::State(_) => "state",
        },
        name: by.name(),
    })
}

fn customer_view<'a>(customer: &'a AccountCustomer, marks: &'a Marks) -> CustomerView<'a> {
    let listed = &customer.listed;
    let details = customer.details.as_ref();
    CustomerView {
        channel_name: &listed.channel_name,
        domain: &listed.domain,
        organization: &listed.organization,
        customer_type: listed.customer_type.map(|t| t.to_string()),
        cloud_identity_id: listed.cloud_identity_id.as_deref(),
        correlation_id: listed.correlation_id.as_deref(),
        managed: managed(marks, &listed.channel_name),
        admin_console: details.map(|d| match d.observed.admin_console {
            AdminConsole::Available { .. } => "available",
            AdminConsole::Unavailable { .. } => "no-reseller-access",
            AdminConsole::NotProvisioned => "not-provisioned",
        }),
        domain_verified: details.and_then(|d| d.observed.domain_verified),
        entitlements: details
            .map(|d| {
                d.entitlements
                    .iter()
                    .map(|e| EntitlementView {
                        name: &e.subscription.entitlement_name,
                        sku: e.sku.as_deref(),
                        sku_display: e.sku_display.as_deref(),
                        google_sku: e.google_sku.as_deref(),
                        plan: plan_text(e),
                        seats: e.subscription.seats,
                        assigned_units: e.subscription.assigned_units,
                        renewal: e.subscription.renewal.map(|r| r.to_string()),
                        state: e.subscription.state.to_string(),
                        suspension_reasons: &e.subscription.suspension_reasons,
                        trial_end: e.subscription.trial_end.as_deref(),
                        commitment_end: e.subscription.commitment_end.as_deref(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

fn views<'a>(snapshot: &'a AccountSnapshot, marks: &'a Marks) -> AccountView<'a> {
    AccountView {
        account: &snapshot.account,
        filter: snapshot.filter.as_deref(),
        read_at: &snapshot.read_at,
        customers: snapshot
            .customers
            .iter()
            .map(|c| customer_view(c, marks))
            .collect(),
    }
}

/// Versioned-by-shape JSON: one object per customer with its entitlements.
pub fn json(snapshot: &AccountSnapshot, marks: &Marks) -> String {
    let text = serde_json::to_string_pretty(&views(snapshot, marks)).unwrap_or_default();
    // serde_json escapes control characters; bidirectional overrides are
    // valid raw but reorder what a person reading the JSON sees.
    let mut out = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        if is_unsafe_char(c) && !c.is_control() {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out.push('\n');
    out
}

/// One line per customer, its entitlements indented below it.
pub fn text(snapshot: &AccountSnapshot, marks: &Marks) -> String {
    let view = views(snapshot, marks);
    let entitlements: usize = view.customers.iter().map(|c| c.entitlements.len()).sum();
    let managed = view
        .customers
        .iter()
        .filter(|c| c.managed.is_some())
        .count();
    let mut out = format!(
        "{}: {} customer{}, {} entitlement{}, {} managed by resold\n",
        escape::terminal(view.account),
        view.customers.len(),
        if view.customers.len() == 1 { "" } else { "s" },
        entitlements,
        if entitlements == 1 { "" } else { "s" },
        managed
    );
    for customer in &view.customers {
        let managed = match &customer.managed {
            Some(m) => format!("managed: {} ({})", m.name, m.by),
            None => "unmanaged".to_string(),
        };
        out.push('\n');
        let mut line = format!(
            "{}  {}  {}  {}  {managed}",
            customer.domain,
            customer.organization,
            customer
                .customer_type
                .as_deref()
                .unwrap_or("not provisioned"),
            customer.cloud_identity_id.unwrap_or("-"),
        );
        if customer.admin_console == Some("no-reseller-access") {
            line.push_str("  (no reseller access)");
        }
        if customer.domain_verified == Some(false) {
            line.push_str("  (domain not verified)");
        }
        out.push_str(&escape::terminal(&line));
        out.push('\n');
        for e in &customer.entitlements {
            let mut line = format!(
                "  {}  {}",
                e.sku
                    .or(e.sku_display)
                    .or(e.google_sku)
                    .unwrap_or("unknown SKU"),
                e.plan
            );
            if let Some(seats) = e.seats {
                line.push_str(&format!("  {seats} seats"));
            }
            if let Some(assigned) = e.assigned_units {
                line.push_str(&format!(" ({assigned} assigned)"));
            }
            if let Some(renewal) = &e.renewal {
                line.push_str(&format!("  {renewal}"));
            }
            line.push_str(&format!("  {}", e.state));
            if !e.suspension_reasons.is_empty() {
                line.push_str(&format!(" ({})", e.suspension_reasons.join(", ")));
            }
            if let Some(end) = e.trial_end {
                line.push_str(&format!("  trial ends {end}"));
            } else if let Some(end) = e.commitment_end {
                line.push_str(&format!("  term ends {end}"));
            }
            if e.sku.is_none() {
                line.push_str("  (not in resold's catalogue)");
            }
            out.push_str(&escape::terminal(&line));
            out.push('\n');
        }
    }
    out
}

const CSV_COLUMNS: &[&str] = &[
    "channel_name",
    "domain",
    "organization",
    "customer_type",
    "cloud_identity_id",
    "correlation_id",
    "managed_by",
    "entitlement",
    "sku",
    "sku_display",
    "google_sku",
    "plan",
    "seats",
    "assigned_units",
    "renewal",
    "state",
    "suspension_reasons",
    "trial_end",
    "commitment_end",
];

/// One cell: a leading formula character gets a `'` (spreadsheets then show
/// text), unsafe characters become visible escapes, and the cell is quoted
/// when it holds a comma, quote or line break (RFC 4180).
pub fn csv_cell(value: &str) -> String {
    let mut cell = escape::terminal(value);
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        cell.insert(0, '\'');
    }
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell
    }
}

/// One row per entitlement (a customer without any gets one row), the
/// customer's columns repeated: what GAM users feed into spreadsheets.
pub fn csv(snapshot: &AccountSnapshot, marks: &Marks) -> String {
    let view = views(snapshot, marks);
    let mut out = CSV_COLUMNS.join(",");
    out.push_str("\r\n");
    for customer in &view.customers {
        let managed = customer
            .managed
            .as_ref()
            .map(|m| format!("{}:{}", m.by, m.name))
            .unwrap_or_default();
        let head = [
            customer.channel_name.to_string(),
            customer.domain.to_string(),
            customer.organization.to_string(),
            customer.customer_type.clone().unwrap_or_default(),
            customer.cloud_identity_id.unwrap_or_default().to_string(),
            customer.correlation_id.unwrap_or_default().to_string(),
            managed,
        ];
        let rows: Vec<Vec<String>> = if customer.entitlements.is_empty() {
            vec![vec![String::new(); CSV_COLUMNS.len() - head.len()]]
        } else {
            customer
                .entitlements
                .iter()
                .map(|e| {
                    vec![
                        e.name.to_string(),
                        e.sku.unwrap_or_default().to_string(),
                        e.sku_display.unwrap_or_default().to_string(),
                        e.google_sku.unwrap_or_default().to_string(),
                        e.plan.clone(),
                        e.seats.map(|n| n.to_string()).unwrap_or_default(),
                        e.assigned_units.map(|n| n.to_string()).unwrap_or_default(),
                        e.renewal.clone().unwrap_or_default(),
                        e.state.clone(),
                        e.suspension_reasons.join(" "),
                        e.trial_end.unwrap_or_default().to_string(),
                        e.commitment_end.unwrap_or_default().to_string(),
                    ]
                })
                .collect()
        };
        for row in rows {
            let cells: Vec<String> = head.iter().chain(&row).map(|c| csv_cell(c)).collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_cannot_run_as_formulas_or_break_rows() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+46 8 123"), "'+46 8 123");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("Acme, AB"), "\"Acme, AB\"");
        assert_eq!(csv_cell("two\nlines"), "two\\u{a}lines");
        assert_eq!(csv_cell("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(csv_cell("Fjällvind AB"), "Fjällvind AB");
    }
}
