//! User values inside messages, bounded: a 5 MB scalar or key in a hostile
//! file must not become a 5 MB error message.

use std::borrow::Cow;

/// Characters of a user value quoted in a message at most.
pub const MAX_QUOTED_CHARS: usize = 80;

/// `text`, cut to `MAX_QUOTED_CHARS` characters with `…` when longer.
pub fn bounded(text: &str) -> Cow<'_, str> {
    bounded_to(text, MAX_QUOTED_CHARS)
}

/// Characters of a whole message at most, whatever it quotes.
pub const MAX_MESSAGE_CHARS: usize = 900;

/// A finding's message with every backtick-quoted value bounded, and the
/// whole cut to `MAX_MESSAGE_CHARS`: the one place that holds for every
/// rule, so a rule that quotes a value as it was written (an email, a
/// phone, a path) cannot turn a hostile scalar into a huge message.
pub fn bounded_message(message: String) -> String {
    let fits = message.chars().count() <= MAX_QUOTED_CHARS;
    if fits {
        return message;
    }
    let mut out = String::with_capacity(message.len().min(4 * MAX_MESSAGE_CHARS));
    let mut parts = message.split('`');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    // Odd parts are inside backticks (an unpaired last one included).
    for (index, part) in parts.enumerate() {
        out.push('`');
        if index % 2 == 0 {
            out.push_str(&bounded(part));
        } else {
            out.push_str(part);
        }
    }
    match bounded_to(&out, MAX_MESSAGE_CHARS) {
        Cow::Borrowed(_) => out,
        Cow::Owned(cut) => cut,
    }
}

fn bounded_to(text: &str, limit: usize) -> Cow<'_, str> {
    match text.char_indices().nth(limit) {
        None => Cow::Borrowed(text),
        Some((end, _)) => Cow::Owned(format!("{}…", &text[..end])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_in_a_message_are_cut_and_the_rest_kept() {
        let long = "x".repeat(5_000);
        let message = bounded_message(format!(
            "`it@{long}` is not an email address; see `spec.admin.email`"
        ));
        assert!(message.chars().count() < 200, "{message}");
        assert!(message.ends_with("is not an email address; see `spec.admin.email`"));
        let plain = bounded_message("y".repeat(5_000));
        assert_eq!(plain.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert_eq!(bounded_message("short `x`".into()), "short `x`");
    }

    #[test]
    fn long_values_are_cut() {
        assert_eq!(bounded("acme"), "acme");
        let long = "é".repeat(500);
        let cut = bounded(&long);
        assert_eq!(cut.chars().count(), MAX_QUOTED_CHARS + 1);
        assert!(cut.ends_with('…'));
    }
}
