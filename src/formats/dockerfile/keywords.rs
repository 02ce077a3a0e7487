//! Instruction names: the ones BuildKit knows, how a written word matches one (Go's lower
//! casing), and the "unknown instruction" message with its "did you mean" hint.

/// The instructions BuildKit knows, in upper case.
pub const INSTRUCTIONS: [&str; 18] = [
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];
/// Go's `strings.ToLower` for an instruction word, as far as matching ASCII keywords can tell:
/// ASCII letters lower, and the only non-ASCII characters that lower into ASCII are the Kelvin
/// sign (U+212A → `k`) and U+0130 (Go: `i`). Other characters cannot match a keyword either way.
/// Written without `str::to_lowercase`, whose case tables cost the wasm build about 10 KB.
pub(super) fn go_to_lower(word: &str) -> String {
    word.chars()
        .map(|c| match c {
            '\u{212A}' => 'k',
            '\u{130}' => 'i',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The Levenshtein distance, for "did you mean" hints.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The message for a word that is not an instruction (with a "did you mean" hint when one is
/// close).
pub(super) fn unknown_instruction(word: &str) -> String {
    if word.is_empty() {
        return "empty instruction: a line continuation with nothing after it; remove the lone escape character".to_string();
    }
    let upper: String = word
        .chars()
        .take(64)
        .collect::<String>()
        .to_ascii_uppercase();
    let hint = INSTRUCTIONS
        .iter()
        .map(|known| (edit_distance(&upper, known), *known))
        .min()
        .filter(|(d, _)| *d <= 2)
        .map(|(_, known)| format!(" (did you mean {known}?)"))
        .unwrap_or_default();
    let shown: String = word.chars().take(64).collect();
    format!(
        "unknown instruction: {shown}{hint}; a Dockerfile instruction is one of {}",
        INSTRUCTIONS.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_lowering_matches_unicode_where_it_reaches_ascii() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let lowered: String = c.to_lowercase().collect();
            let ours = go_to_lower(&c.to_string());
            if lowered.is_ascii() {
                assert_eq!(ours, lowered, "U+{:04X}", u32::from(c));
            } else if c != '\u{130}' {
                assert!(
                    !ours.is_ascii(),
                    "U+{:04X} must not lower into ASCII",
                    u32::from(c)
                );
            }
        }
    }
}
