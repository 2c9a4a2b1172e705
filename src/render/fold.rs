//! Lines folded to a terminal's width, as the text plan prints them.

/// Writes `line` and a newline to `out`, folded at spaces to at most
/// `width` visible columns (colour codes take none). A continuation is
/// indented four columns past the line's own indent; a word wider than a
/// whole line is cut.
pub(super) fn fold(line: &str, width: usize, out: &mut String) {
    // No more bytes than the width: no more columns either (a character
    // takes at least one byte, a colour code none).
    if line.len() <= width || visible_width(line) <= width {
        out.push_str(line);
        out.push('\n');
        return;
    }
    let body = line.trim_start_matches(' ');
    let indent = line.len() - body.len();
    let continuation = " ".repeat((indent + 4).min(width / 2));
    out.push_str(&line[..indent]);
    let mut column = indent;
    let mut at_start = true;
    for word in body.split(' ') {
        let w = visible_width(word);
        if column + w + usize::from(!at_start) > width && !at_start {
            out.push('\n');
            out.push_str(&continuation);
            column = continuation.len();
            at_start = true;
        }
        if !at_start {
            out.push(' ');
            column += 1;
        }
        let mut rest = word;
        while column + visible_width(rest) > width {
            let room = width.saturating_sub(column).max(1);
            let cut = rest
                .char_indices()
                .nth(room)
                .map_or(rest.len(), |(at, _)| at);
            out.push_str(&rest[..cut]);
            out.push('\n');
            out.push_str(&continuation);
            column = continuation.len();
            rest = &rest[cut..];
        }
        out.push_str(rest);
        column += visible_width(rest);
        at_start = false;
    }
    out.push('\n');
}

/// Columns a string takes in a terminal, not counting `ESC [ … m` colour codes.
fn visible_width(text: &str) -> usize {
    if !text.contains('\u{1b}') {
        return text.chars().count();
    }
    let mut width = 0;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            width += 1;
        }
    }
    width
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(line: &str, width: usize) -> String {
        let mut out = String::new();
        fold(line, width, &mut out);
        out
    }

    #[test]
    fn short_lines_pass_unchanged() {
        assert_eq!(folded("  a b", 10), "  a b\n");
    }

    #[test]
    fn long_lines_fold_at_spaces_under_the_width() {
        let line = format!(
            "  ? drift unknown: {}",
            vec!["customer-name"; 40].join(", ")
        );
        let out = folded(&line, 80);
        assert!(out.lines().count() > 1);
        for l in out.lines() {
            assert!(l.chars().count() <= 80, "{l:?}");
        }
        assert!(
            out.lines()
                .skip(1)
                .all(|l| l.starts_with("      ") && !l.starts_with("       "))
        );
        assert_eq!(
            out.split_whitespace().collect::<Vec<_>>(),
            line.split_whitespace().collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_word_wider_than_the_line_is_cut() {
        let line = format!("  + address = {}", "x".repeat(250));
        let out = folded(&line, 100);
        for l in out.lines() {
            assert!(l.chars().count() <= 100, "{l:?}");
        }
        assert_eq!(out.chars().filter(|c| *c == 'x').count(), 250);
    }

    #[test]
    fn colour_codes_take_no_columns() {
        assert_eq!(visible_width("\u{1b}[32m+\u{1b}[0m ab"), 4);
    }
}
