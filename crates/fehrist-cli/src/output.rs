//! Writing answers: human text or JSON on standard output.

use std::io::{IsTerminal as _, Write as _};

/// Writes to standard output; a reader that went away (`| head`) is not an error.
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

pub fn print_json<T: serde::Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    print(&format!("{}\n", serde_json::to_string_pretty(value)?))
}

pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

/// A snippet with its highlighted character ranges marked: bold on a terminal,
/// `[brackets]` otherwise.
pub fn mark(snippet: &str, highlights: &[(usize, usize)]) -> String {
    let (open, close) = if std::io::stdout().is_terminal() {
        ("\x1b[1;33m", "\x1b[0m")
    } else {
        ("[", "]")
    };
    let mut out = String::with_capacity(snippet.len() + highlights.len() * 8);
    for (i, c) in snippet.chars().enumerate() {
        if highlights.iter().any(|&(from, _)| from == i) {
            out.push_str(open);
        }
        if highlights.iter().any(|&(_, to)| to == i) {
            out.push_str(close);
        }
        out.push(if c == '\n' { ' ' } else { c });
    }
    if highlights
        .iter()
        .any(|&(_, to)| to == snippet.chars().count())
    {
        out.push_str(close);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_character_ranges() {
        // Not a terminal under the test harness.
        assert_eq!(mark("ин ҳуҷҷат\nнав", &[(3, 9)]), "ин [ҳуҷҷат] нав");
        assert_eq!(mark("ҳуҷҷат", &[(0, 6)]), "[ҳуҷҷат]");
    }
}
