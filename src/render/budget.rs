//! The pull-request comment's size budget: GitHub rejects comments over
//! 65,536 characters. Sections shrink in [`DEGRADE`] order — unchanged
//! customers first, actions and irreversible items last — and if even the
//! short forms overflow, whole parts are left out and the comment counts
//! them. Parts are kept or left out whole, so a cut never falls inside an
//! HTML element or a code fence.

use super::MarkdownPlace;
use super::sections::{ORDER, Section};

/// Room kept for the note that says what was left out.
const RESERVE: usize = 600;

/// Which sections shrink first when the comment is over budget.
const DEGRADE: [Section; 6] = [
    Section::Unchanged,
    Section::Unmanaged,
    Section::Checklist,
    Section::Findings,
    Section::Changes,
    Section::Irreversible,
];

/// How much of a section to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Detail {
    Full,
    Compact,
}

/// A piece of the comment that is kept or left out whole.
pub(super) struct Part {
    pub text: String,
    /// How many reviewable items (actions, drift lines…) it carries.
    pub items: usize,
    pub what: &'static str,
    /// Counted, never rendered: see [`render_until`].
    pub omitted: bool,
}

impl Part {
    pub fn text(text: String) -> Part {
        Part {
            text,
            items: 0,
            what: "",
            omitted: false,
        }
    }

    pub fn items(text: String, items: usize, what: &'static str) -> Part {
        Part {
            text,
            items,
            what,
            omitted: false,
        }
    }

    fn omitted(items: usize, what: &'static str) -> Part {
        Part {
            text: String::new(),
            items,
            what,
            omitted: true,
        }
    }
}

/// The comment's size; a section with omitted parts is larger than any
/// budget (it outgrew the budget on its own before they were left out).
fn size(parts: &[Vec<Part>]) -> usize {
    parts
        .iter()
        .flatten()
        .map(|p| {
            if p.omitted {
                usize::MAX / 2
            } else {
                p.text.len()
            }
        })
        .fold(0, usize::saturating_add)
}

/// Renders `items` in order until their text passes `cap` bytes, then
/// only counts the rest (`count` items each) into one omitted part. A
/// section that outgrew the whole comment on its own is shrunk or cut
/// anyway, so rendering what could never be kept would only cost time:
/// 40,000 actions of 10,000 new customers are megabytes of Markdown for a
/// comment of 60,000 characters. The counts stay exact.
pub(super) fn render_until<T>(
    items: impl IntoIterator<Item = T>,
    cap: usize,
    what: &'static str,
    count: impl Fn(&T) -> usize,
    mut render: impl FnMut(T) -> Part,
) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut size = 0;
    let mut rest = 0;
    for item in items {
        if size > cap {
            rest += count(&item);
            continue;
        }
        let part = render(item);
        size += part.text.len();
        parts.push(part);
    }
    if rest > 0 {
        parts.push(Part::omitted(rest, what));
    }
    parts
}

/// Which sections' items are kept first when not everything fits.
/// Irreversible items and warnings are what apply makes you acknowledge;
/// drift, notices and blocked findings are few and say what the actions do
/// not; the action lines take what is left.
const KEEP_FIRST: [Section; 7] = [
    Section::Irreversible,
    Section::Warnings,
    Section::Drift,
    Section::Notices,
    Section::Findings,
    Section::Changes,
    Section::Checklist,
];

/// The comment within `budget` bytes: every section of [`ORDER`] through
/// `render` in full, shrunk in [`DEGRADE`] order while it is over, and cut
/// (with a count of what was left out) if even that is not enough.
pub(super) fn fit(
    budget: usize,
    place: MarkdownPlace,
    render: impl Fn(Section, Detail) -> Vec<Part>,
) -> String {
    let mut parts: Vec<Vec<Part>> = ORDER.iter().map(|s| render(*s, Detail::Full)).collect();
    for shrink in DEGRADE {
        if size(&parts) <= budget {
            break;
        }
        if let Some(at) = ORDER.iter().position(|s| *s == shrink) {
            parts[at] = render(shrink, Detail::Compact);
        }
    }
    if size(&parts) <= budget {
        return parts.into_iter().flatten().map(|p| p.text).collect();
    }
    cut(parts, budget, place)
}

/// Keeps every part that carries no items (headings, the summary, the short
/// forms), then items in [`KEEP_FIRST`] order while they fit, and prints
/// what was kept in reading order with a note saying what was left out.
fn cut(parts: Vec<Vec<Part>>, budget: usize, place: MarkdownPlace) -> String {
    let fixed: usize = parts
        .iter()
        .flatten()
        .filter(|p| p.items == 0)
        .map(|p| p.text.len())
        .sum();
    let mut room = budget.saturating_sub(RESERVE + fixed);
    let mut keep: Vec<Vec<bool>> = parts.iter().map(|s| vec![false; s.len()]).collect();
    let mut left_out: Vec<(&'static str, usize)> = Vec::new();
    let order = KEEP_FIRST
        .iter()
        .chain(ORDER.iter().filter(|s| !KEEP_FIRST.contains(s)));
    for section in order {
        let Some(at) = ORDER.iter().position(|s| s == section) else {
            continue;
        };
        for (i, part) in parts[at].iter().enumerate() {
            if part.items == 0 {
                keep[at][i] = true;
            } else if !part.omitted && part.text.len() <= room {
                room -= part.text.len();
                keep[at][i] = true;
            } else {
                match left_out.iter_mut().find(|(what, _)| *what == part.what) {
                    Some((_, n)) => *n += part.items,
                    None => left_out.push((part.what, part.items)),
                }
            }
        }
    }
    let mut out = String::new();
    for (section, kept) in parts.into_iter().zip(keep) {
        for (part, kept) in section.into_iter().zip(kept) {
            if kept {
                out.push_str(&part.text);
            }
        }
    }
    if !left_out.is_empty() {
        let counts: Vec<String> = left_out.iter().map(|(w, n)| format!("{n} {w}")).collect();
        let (limit, full) = match place {
            MarkdownPlace::Comment => (
                "GitHub's comment limit",
                "in the job summary and in the saved plan (`resold show plan.json`, or `resold plan` locally)",
            ),
            MarkdownPlace::StepSummary => (
                "GitHub's step-summary limit",
                "in this step's log and in the saved plan (`resold show plan.json`, or `resold plan` locally)",
            ),
        };
        out.push_str(&format!(
            "\n**Left out to stay under {limit}: {}.** The full plan is {full}.\n",
            counts.join(", ")
        ));
    }
    out
}
