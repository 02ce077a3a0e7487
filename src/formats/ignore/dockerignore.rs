//! Reading a `.dockerignore` file, as moby's `ignorefile.ReadAll`.

use crate::formats::paths::clean;

/// Reads a `.dockerignore` file as moby's `ignorefile.ReadAll`: a UTF-8 BOM is dropped, lines
/// (`\n` or `\r\n`) starting with `#` are comments, each line is trimmed (both ends, Unicode
/// whitespace) and empty ones skipped; `!` is kept and the path after it trimmed again, cleaned
/// (`filepath.Clean`) and stripped of a leading `/`. A `#` after leading spaces is not a comment.
pub fn parse_dockerignore(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut out = Vec::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with('#') {
            continue;
        }
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (invert, pattern) = match line.strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (false, line),
        };
        let mut pattern = if pattern.is_empty() {
            String::new()
        } else {
            let cleaned = clean(pattern);
            match cleaned.strip_prefix('/') {
                Some(rest) if !rest.is_empty() => rest.to_string(),
                _ => cleaned,
            }
        };
        if invert {
            pattern.insert(0, '!');
        }
        out.push(pattern);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_dockerignore_reads_like_moby_readall() {
        // ignorefile_test.go's case.
        let text = "test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! ";
        assert_eq!(
            parse_dockerignore(text),
            [
                "test1",
                "test2",
                "a/file/here",
                "lastfile",
                "!inverted/abs/path",
                "!",
                "!"
            ]
        );
        // BOM, CRLF, trimming, cleaning, comments only at column 1.
        let text = "\u{FEFF}node_modules\r\n  *.pyc  \r\n\t# not a comment\n#comment\r\n\n./build/../dist/\n!./keep//me/\n/\n//x\n!/\n\u{A0}x\u{3000}\n";
        assert_eq!(
            parse_dockerignore(text),
            [
                "node_modules",
                "*.pyc",
                "# not a comment",
                "dist",
                "!keep/me",
                "/",
                "x",
                "!/",
                "x"
            ]
        );
        // Only the first line loses a BOM; a file without a final newline keeps its last line.
        assert_eq!(parse_dockerignore("a\n\u{FEFF}b"), ["a", "\u{FEFF}b"]);
        assert_eq!(parse_dockerignore("#\u{FEFF}"), Vec::<String>::new());
        assert_eq!(parse_dockerignore("\u{FEFF}#x\ny"), ["y"]);
        assert_eq!(parse_dockerignore(""), Vec::<String>::new());
        assert_eq!(parse_dockerignore("a\rb\n"), ["a\rb"]);
    }
}
