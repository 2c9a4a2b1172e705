//! User values inside messages, bounded: a 5 MB scalar or key in a hostile
//! file must not become a 5 MB error message.

use std::borrow::Cow;

/// Characters of a user value quoted in a message at most.
pub const MAX_QUOTED_CHARS: usize = 80;

/// `text`, cut to `MAX_QUOTED_CHARS` characters with `…` when longer.
pub fn bounded(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(MAX_QUOTED_CHARS) {
        None => Cow::Borrowed(text),
        Some((end, _)) => Cow::Owned(format!("{}…", &text[..end])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut() {
        assert_eq!(bounded("acme"), "acme");
        let long = "é".repeat(500);
        let cut = bounded(&long);
        assert_eq!(cut.chars().count(), MAX_QUOTED_CHARS + 1);
        assert!(cut.ends_with('…'));
    }
}
