//! Just enough of a POSIX shell command line for lint rules: lists (`&&`, `||`, `;`, `&`, line
//! breaks, parentheses and braces) of pipelines (`|`) of simple commands, as words with quotes
//! removed. No expansion; `$(…)` and backquotes are kept inside words.

/// A simple command: its words.
pub(crate) type Simple = Vec<String>;

/// Splits a command line into pipelines of simple commands.
pub(crate) fn pipelines(line: &str) -> Vec<Vec<Simple>> {
    let mut out: Vec<Vec<Simple>> = Vec::new();
    let mut pipeline: Vec<Simple> = Vec::new();
    let mut simple: Simple = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    let end_word = |word: &mut String, in_word: &mut bool, simple: &mut Simple| {
        if *in_word {
            simple.push(std::mem::take(word));
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => word.extend(chars.next()),
                        c => word.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') | None => {}
                    Some(c) => word.push(c),
                }
            }
            ' ' | '\t' => end_word(&mut word, &mut in_word, &mut simple),
            '|' if chars.peek() != Some(&'|') => {
                end_word(&mut word, &mut in_word, &mut simple);
                pipeline.push(std::mem::take(&mut simple));
            }
            '|' | '&' | ';' | '\n' | '(' | ')' | '{' | '}' => {
                if matches!(c, '|' | '&') && chars.peek() == Some(&c) {
                    chars.next();
                }
                end_word(&mut word, &mut in_word, &mut simple);
                pipeline.push(std::mem::take(&mut simple));
                out.push(std::mem::take(&mut pipeline));
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    end_word(&mut word, &mut in_word, &mut simple);
    pipeline.push(simple);
    out.push(pipeline);
    out.into_iter()
        .map(|p| p.into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>())
        .filter(|p| !p.is_empty())
        .collect()
}

/// The words of a simple command from its command name on: leading `NAME=value` assignments,
/// `env` and `sudo` (with its options) skipped.
pub(crate) fn command(simple: &[String]) -> &[String] {
    let mut rest = simple;
    loop {
        match rest.first().map(String::as_str) {
            Some(w) if is_assignment(w) => rest = &rest[1..],
            Some("env") | Some("command") | Some("exec") => rest = &rest[1..],
            Some("sudo") => {
                rest = &rest[1..];
                while let Some(w) = rest.first().filter(|w| w.starts_with('-')) {
                    // `-u user`, `-g group`: the option takes the next word.
                    let takes = matches!(w.as_str(), "-u" | "-g" | "-h" | "-p" | "-C" | "-D");
                    rest = &rest[if takes { 2.min(rest.len()) } else { 1 }..];
                }
            }
            _ => return rest,
        }
    }
}

/// The last path part of a command name (`/usr/bin/bash` → `bash`).
pub(crate) fn base_name(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lists_pipelines_and_words() {
        let got = pipelines(
            "curl -fsSL 'https://x/y z' | sudo -u root sh -s -- && cd /a; echo \"a|b\" || true",
        );
        assert_eq!(
            got,
            vec![
                vec![
                    vec!["curl", "-fsSL", "https://x/y z"],
                    vec!["sudo", "-u", "root", "sh", "-s", "--"]
                ],
                vec![vec!["cd", "/a"]],
                vec![vec!["echo", "a|b"]],
                vec![vec!["true"]],
            ]
        );
        assert_eq!(command(&got[0][1]), ["sh", "-s", "--"]);
        let env = pipelines("A=1 env B=2 pip install x");
        assert_eq!(command(&env[0][0]), ["pip", "install", "x"]);
        assert_eq!(base_name("/bin/bash"), "bash");
    }
}
