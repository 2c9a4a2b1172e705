//! Pretty JSON written straight to where it goes, terminal-safe as it is
//! written: the same bytes as `escape::json` over `serde_json`'s pretty
//! text, without holding that text (tens of megabytes at 10,000
//! customers) twice, or at all when it streams to stdout.

use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;

use serde::Serialize;
use serde_json::ser::{CharEscape, CompactFormatter, Formatter};

/// Where a document goes, shared by its serializer and by values in it
/// that write their own parts, made ahead on every core
/// ([`write_element`]): both write through this one buffer, so the bytes
/// land in document order, and `out` sees blocks, not serde_json's many
/// small pieces.
#[derive(Clone)]
pub struct Sink<'w>(Rc<RefCell<io::BufWriter<&'w mut dyn Write>>>);

impl<'w> Sink<'w> {
    pub fn new(out: &'w mut dyn Write) -> Sink<'w> {
        Sink(Rc::new(RefCell::new(io::BufWriter::with_capacity(
            64 * 1024,
            out,
        ))))
    }
}

impl std::fmt::Debug for Sink<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sink")
    }
}

impl Write for Sink<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().write(bytes)
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.0.borrow_mut().write_all(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.borrow_mut().flush()
    }
}

/// Writes `value` as pretty JSON into `sink` (which values in `value` may
/// write into too), each string's hidden characters (DEL, C1,
/// bidirectional, invisible) escaped as `escape::json` does.
pub fn write_pretty_into<T: Serialize + ?Sized>(value: &T, sink: &Sink) -> io::Result<()> {
    let mut sink = sink.clone();
    let mut serializer = serde_json::Serializer::with_formatter(&mut sink, TerminalSafe::at(0));
    value.serialize(&mut serializer).map_err(io::Error::from)?;
    sink.flush()
}

/// `value` written as an element of an array whose elements are `depth`
/// levels deep, as [`write_pretty_into`] writes it there: a comma unless it is
/// the array's first, a line break, the indentation, the value. Elements
/// made this way on any thread, then written in order between the array's
/// brackets (see [`end_of_elements`]), give the bytes the serializer
/// gives for the whole array.
pub fn write_element<T: Serialize + ?Sized>(
    value: &T,
    depth: usize,
    first: bool,
    out: &mut Vec<u8>,
) -> io::Result<()> {
    let mut formatter = TerminalSafe::at(depth);
    formatter.item(out, first)?;
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, formatter);
    value.serialize(&mut serializer).map_err(io::Error::from)
}

/// What ends a non-empty array of elements `depth` levels deep before its
/// `]`: the line break and the indentation of the array itself. (The
/// serializer writes the bracket; it has seen no element of its own.)
pub fn end_of_elements(depth: usize, out: &mut dyn Write) -> io::Result<()> {
    TerminalSafe::at(depth.saturating_sub(1)).new_line(out)
}

/// serde_json's pretty formatter (two spaces a level), with string
/// fragments passed through `escape::json`. The indentation is written as
/// one piece per line, not one per level: a plan of 10,000 new customers
/// has more than a million lines, most six levels deep.
struct TerminalSafe {
    /// How many arrays and objects the next line is inside.
    depth: usize,
    /// The innermost array or object has a value (it closes on its own line).
    has_value: bool,
    /// The last character of the escape (`\n`, `\"`, `\u001b`) written
    /// right before the next fragment: whether a joiner or a variation
    /// selector hides depends on the character before it, and over the
    /// whole text that character is the escape's last.
    after_escape: Option<char>,
}

/// A line break and the indentation of up to `(len - 1) / 2` levels.
const NEW_LINE: &[u8; 129] = b"\n                                                                                                                                ";

impl TerminalSafe {
    /// The formatter for a value whose lines are `depth` levels deep.
    fn at(depth: usize) -> TerminalSafe {
        TerminalSafe {
            depth,
            has_value: false,
            after_escape: None,
        }
    }

    /// A line break and the current indentation.
    fn new_line<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        let indent = 2 * self.depth;
        if indent < NEW_LINE.len() {
            return w.write_all(&NEW_LINE[..=indent]);
        }
        w.write_all(b"\n")?;
        for _ in 0..self.depth {
            w.write_all(b"  ")?;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.new_line(w)?;
        }
        w.write_all(bracket)
    }

    fn item<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.new_line(w)
    }
}

impl Formatter for TerminalSafe {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_string<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.after_escape = None;
        CompactFormatter.begin_string(w)
    }

    fn write_char_escape<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        let mut written = Vec::with_capacity(6);
        CompactFormatter.write_char_escape(&mut written, escape)?;
        self.after_escape = written.last().map(|b| char::from(*b));
        w.write_all(&written)
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let before = self.after_escape.take();
        // Printable ASCII is never hidden (most of a plan is nothing else);
        // serde_json has taken the C0 controls out as escapes already.
        if fragment.is_ascii() && !fragment.contains('\u{7f}') {
            return w.write_all(fragment.as_bytes());
        }
        match before {
            // The escape's last character is printable ASCII, never hidden
            // itself: escaped with it in front, then dropped.
            Some(c) => {
                let safe = super::escape::json(&format!("{c}{fragment}"));
                w.write_all(&safe.as_bytes()[c.len_utf8()..])
            }
            None => w.write_all(super::escape::json(fragment).as_bytes()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(value: &serde_json::Value) -> String {
        let mut out = Vec::new();
        write_pretty_into(value, &Sink::new(&mut out)).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn post_escaped(value: &serde_json::Value) -> String {
        super::super::escape::json(&serde_json::to_string_pretty(value).unwrap())
    }

    #[test]
    fn hidden_characters_are_escaped_as_over_the_whole_text() {
        let value = serde_json::json!({
            "org\u{202e}": ["a\u{202e}b\u{7f}c\u{e0041}", "x\ny", "\u{200d}", 1, null, {}],
            // A joiner after an escape whose last character is a letter.
            "joined": "a\n\u{200d}b \"\u{200d}b a\u{1b}\u{200d}b ☺\u{fe0f} \\\u{fe0f}",
            "empty": [],
        });
        assert_eq!(written(&value), post_escaped(&value));
    }

    proptest::proptest! {
        #[test]
        fn the_same_bytes_as_escaping_the_pretty_text(
            strings in proptest::collection::vec(
                "[a-zA-Z\\\\\"\n\t\u{1b}\u{7f}\u{85}\u{200b}\u{200c}\u{200d}\u{202e}\u{fe0f}\u{263a}\u{e0041}é ]{0,12}",
                0..6,
            )
        ) {
            let value = serde_json::json!({ "list": strings, "keys": strings.iter().map(|s| (s.clone(), s.len())).collect::<std::collections::BTreeMap<_, _>>() });
            proptest::prop_assert_eq!(written(&value), post_escaped(&value));
        }
    }
}
