//! What `resold version` prints: one line for people, one object for tools.

use crate::build_info::BuildInfo;

/// "resold 0.1.0 (commit 0123456789ab, 2026-12-01, dirty) x86_64-unknown-linux-gnu".
pub fn text(info: &BuildInfo) -> String {
    let mut details = Vec::new();
    match info.commit {
        Some(commit) => details.push(format!("commit {commit}")),
        None => details.push("commit unknown".to_string()),
    }
    if let Some(date) = info.commit_date {
        details.push(date.to_string());
    }
    if info.dirty == Some(true) {
        details.push("dirty".to_string());
    }
    format!(
        "{} {} ({}) {}\n",
        info.name,
        info.version,
        details.join(", "),
        info.target
    )
}

/// The same as pretty JSON: `commit`, `commitDate` and `dirty` are `null`
/// when the build could not tell.
pub fn json(info: &BuildInfo) -> String {
    let mut text = serde_json::to_string_pretty(info).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(commit: Option<&'static str>, dirty: Option<bool>) -> BuildInfo {
        BuildInfo {
            name: "resold",
            version: "0.1.0",
            commit,
            commit_date: commit.map(|_| "2026-12-01"),
            dirty,
            target: "x86_64-unknown-linux-gnu",
        }
    }

    #[test]
    fn text_names_the_commit_or_says_it_is_unknown() {
        insta::assert_snapshot!(
            text(&sample(Some("0123456789abcdef0123456789abcdef01234567"), Some(true))),
            @"resold 0.1.0 (commit 0123456789abcdef0123456789abcdef01234567, 2026-12-01, dirty) x86_64-unknown-linux-gnu"
        );
        insta::assert_snapshot!(
            text(&sample(None, None)),
            @"resold 0.1.0 (commit unknown) x86_64-unknown-linux-gnu"
        );
    }

    #[test]
    fn json_keeps_unknowns_as_null() {
        insta::assert_snapshot!(json(&sample(None, None)), @r#"
        {
          "name": "resold",
          "version": "0.1.0",
          "commit": null,
          "commitDate": null,
          "dirty": null,
          "target": "x86_64-unknown-linux-gnu"
        }
        "#);
    }
}
