//! Writing what a command prints. A reader that goes away (`resold state
//! list | head -1`) is not a failure of resold: every write here returns
//! the broken pipe as an `io::Error` instead of panicking as `println!`
//! does, commands pass it up with `?`, and `main` ends such a run quietly
//! with exit code 0 (`is_broken_pipe`), as ripgrep does.

use std::io::{self, Write};

/// Writes `text` to stdout and flushes it.
pub fn print(text: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}

/// Lets `write` put a large output on stdout as it produces it (buffered),
/// instead of building it whole first, and flushes it.
pub fn stream(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let mut stdout = io::BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    write(&mut stdout)?;
    stdout.flush()
}

/// Writes `text` to stderr, ignoring failure: a warning that cannot be
/// shown must not stop the command that would show it.
pub fn warn(text: &str) {
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

/// `println!` that returns the write's `io::Result` instead of panicking.
macro_rules! outln {
    () => { $crate::cli::output::print("\n") };
    ($($arg:tt)*) => {
        $crate::cli::output::print(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// Whether `error`, or any error it wraps, is a write to a closed pipe.
pub fn is_broken_pipe(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if error
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
        {
            return true;
        }
        current = error.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot print the plan")]
    struct Wrapper(#[source] io::Error);

    #[test]
    fn a_broken_pipe_is_found_anywhere_in_the_chain() {
        let direct = io::Error::from(io::ErrorKind::BrokenPipe);
        assert!(is_broken_pipe(&direct));
        let wrapped = Wrapper(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(is_broken_pipe(&wrapped));
        let other = Wrapper(io::Error::from(io::ErrorKind::NotFound));
        assert!(!is_broken_pipe(&other));
    }
}
