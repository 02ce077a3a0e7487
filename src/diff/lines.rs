//! The line diff: a shortest edit script between two lists (common start and end kept, the
//! middle by a longest-common-subsequence table), and unified-diff hunks over Dockerfile lines.
//! Every table is paid for from a [`Budget`] before it is made, so one diff's work is bounded.

use serde::Serialize;

use crate::error::{Error, ErrorCode, Result};
use crate::limits::MAX_DIFF_CELLS;

/// Lines of unchanged text shown around each change, as `diff -u` shows.
pub const CONTEXT_LINES: usize = 3;

// Every LCS length fits a `u16`: a table within the budget has a side of at most 2,000.
const _: () = assert!(MAX_DIFF_CELLS < (u16::MAX as usize) * (u16::MAX as usize));

/// One edit of a script turning a list `a` into a list `b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Edit {
    /// The next item of `a` is the next item of `b`.
    Keep,
    /// The next item of `a` is not in `b`.
    Remove,
    /// The next item of `b` is not in `a`.
    Add,
}

/// The table cells one diff may still fill.
#[derive(Debug)]
pub(super) struct Budget {
    left: usize,
}

impl Budget {
    /// The whole budget of one diff: [`MAX_DIFF_CELLS`].
    pub(super) fn new() -> Budget {
        Budget {
            left: MAX_DIFF_CELLS,
        }
    }

    /// Pays for an `(n + 1) × (m + 1)` table comparing `n` with `m` `what`, or fails with
    /// `DIFF_TOO_LARGE` before anything is made. A side with nothing left needs no table.
    fn take(&mut self, n: usize, m: usize, what: &str) -> Result<()> {
        if n == 0 || m == 0 {
            return Ok(());
        }
        let cells = (n + 1).saturating_mul(m + 1);
        if cells > self.left {
            return Err(Error::new(
                ErrorCode::DiffTooLarge,
                format!(
                    "comparing {n} {what} with {m} (what is left after their common start and end) would fill {cells} cells, more than the {MAX_DIFF_CELLS} one diff fills; diff images that differ in fewer places, or compare their specs piece by piece"
                ),
            ));
        }
        self.left -= cells;
        Ok(())
    }
}

/// A shortest edit script from `a` to `b` (removals before additions where both fit), paid for
/// from `budget`; `what` names the items in the error.
pub(super) fn script<T: PartialEq>(
    a: &[T],
    b: &[T],
    budget: &mut Budget,
    what: &str,
) -> Result<Vec<Edit>> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a_mid, b_mid) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    budget.take(a_mid.len(), b_mid.len(), what)?;
    let mut out = Vec::with_capacity(a.len() + b.len() - prefix - suffix);
    out.resize(prefix, Edit::Keep);
    middle(a_mid, b_mid, &mut out);
    out.resize(out.len() + suffix, Edit::Keep);
    Ok(out)
}

/// The edit script of two lists with no common start or end, from a table of the longest
/// common subsequence of every pair of suffixes.
fn middle<T: PartialEq>(a: &[T], b: &[T], out: &mut Vec<Edit>) {
    let (n, m) = (a.len(), b.len());
    let width = m + 1;
    let mut table = vec![0u16; if n == 0 || m == 0 { 0 } else { (n + 1) * width }];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[i * width + j] = if a[i] == b[j] {
                table[(i + 1) * width + j + 1] + 1
            } else {
                table[(i + 1) * width + j].max(table[i * width + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if a[i] == b[j] {
            out.push(Edit::Keep);
            (i, j) = (i + 1, j + 1);
        } else if table[(i + 1) * width + j] >= table[i * width + j + 1] {
            out.push(Edit::Remove);
            i += 1;
        } else {
            out.push(Edit::Add);
            j += 1;
        }
    }
    out.resize(out.len() + (n - i), Edit::Remove);
    out.resize(out.len() + (m - j), Edit::Add);
}

/// What a line of a hunk is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub enum LineKind {
    /// In both Dockerfiles (context), written ` line`.
    Keep,
    /// Only in the before Dockerfile, written `-line`.
    Remove,
    /// Only in the after Dockerfile, written `+line`.
    Add,
}

/// One line of a hunk, with its number on each side that has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct HunkLine {
    /// Context, removed or added.
    pub kind: LineKind,
    /// The line's text, without its newline.
    pub text: String,
    /// Its 1-based number in the before Dockerfile, or `null` for an added line.
    pub before: Option<usize>,
    /// Its 1-based number in the after Dockerfile, or `null` for a removed line.
    pub after: Option<usize>,
}

/// One hunk of a unified diff: `@@ -beforeStart,beforeLines +afterStart,afterLines @@`. As in
/// `diff -u`, a side with no line in the hunk has the number of the line before it as its start
/// (0 at the top).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Hunk {
    /// The first before line the hunk covers (1-based).
    pub before_start: usize,
    /// How many before lines it covers (context and removed).
    pub before_lines: usize,
    /// The first after line the hunk covers (1-based).
    pub after_start: usize,
    /// How many after lines it covers (context and added).
    pub after_lines: usize,
    /// Its lines in order: context, removed, added.
    pub lines: Vec<HunkLine>,
}

/// The hunks of a line script over `a` and `b`, with [`CONTEXT_LINES`] of context; changes
/// with at most twice that many unchanged lines between them share a hunk, as in `diff -u`.
pub(super) fn hunks(a: &[&str], b: &[&str], edits: &[Edit]) -> Vec<Hunk> {
    // Every line of the script with its numbers (0-based here).
    let mut all = Vec::with_capacity(edits.len());
    let (mut i, mut j) = (0, 0);
    for edit in edits {
        let (before, after) = match edit {
            Edit::Keep => (Some(i), Some(j)),
            Edit::Remove => (Some(i), None),
            Edit::Add => (None, Some(j)),
        };
        all.push((*edit, before, after));
        i += usize::from(before.is_some());
        j += usize::from(after.is_some());
    }
    let changes: Vec<usize> = (0..all.len()).filter(|&k| all[k].0 != Edit::Keep).collect();
    let mut out = Vec::new();
    let mut k = 0;
    while k < changes.len() {
        let start = changes[k].saturating_sub(CONTEXT_LINES);
        let mut last = changes[k];
        while k + 1 < changes.len() && changes[k + 1] - last <= 2 * CONTEXT_LINES + 1 {
            k += 1;
            last = changes[k];
        }
        k += 1;
        let end = (last + CONTEXT_LINES + 1).min(all.len());
        out.push(hunk(&all[start..end], a, b));
    }
    out
}

/// A line of a script with its 0-based number on each side that has it.
type Numbered = (Edit, Option<usize>, Option<usize>);

/// One hunk from its lines (0-based numbers).
fn hunk(lines: &[Numbered], a: &[&str], b: &[&str]) -> Hunk {
    // The numbers of the side's next line at the hunk's start, 0-based.
    let next = |side: fn(&Numbered) -> Option<usize>, len: usize| {
        lines.iter().find_map(side).unwrap_or(len)
    };
    let count =
        |side: fn(&Numbered) -> Option<usize>| lines.iter().filter(|l| side(l).is_some()).count();
    let before_lines = count(|l| l.1);
    let after_lines = count(|l| l.2);
    let before_next = next(|l| l.1, a.len());
    let after_next = next(|l| l.2, b.len());
    Hunk {
        before_start: before_next + usize::from(before_lines > 0),
        before_lines,
        after_start: after_next + usize::from(after_lines > 0),
        after_lines,
        lines: lines
            .iter()
            .map(|&(edit, before, after)| HunkLine {
                kind: match edit {
                    Edit::Keep => LineKind::Keep,
                    Edit::Remove => LineKind::Remove,
                    Edit::Add => LineKind::Add,
                },
                text: match (before, after) {
                    (Some(i), _) => a[i].to_string(),
                    (None, Some(j)) => b[j].to_string(),
                    (None, None) => String::new(),
                },
                before: before.map(|i| i + 1),
                after: after.map(|j| j + 1),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(a: &str, b: &str) -> String {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        script(&a, &b, &mut Budget::new(), "items")
            .unwrap()
            .iter()
            .map(|e| match e {
                Edit::Keep => '=',
                Edit::Remove => '-',
                Edit::Add => '+',
            })
            .collect()
    }

    #[test]
    fn scripts_are_shortest_with_removals_first() {
        assert_eq!(run("abc", "abc"), "===");
        assert_eq!(run("", "ab"), "++");
        assert_eq!(run("ab", ""), "--");
        assert_eq!(run("abc", "axc"), "=-+=");
        assert_eq!(run("abcd", "acd"), "=-==");
        assert_eq!(run("xaby", "aby"), "-===");
        // LCS "bd" (or "ad"): 2 kept of 4 and 4.
        assert_eq!(run("abcd", "bxad").matches('=').count(), 2);
    }

    #[test]
    fn a_table_past_the_budget_is_refused_before_it_is_made() {
        let a: Vec<usize> = (0..2_000).collect();
        let b: Vec<usize> = (2_000..4_000).collect();
        let e = script(&a, &b, &mut Budget::new(), "lines").unwrap_err();
        assert_eq!(e.code, ErrorCode::DiffTooLarge);
        // A common start and end cost nothing.
        let same: Vec<usize> = (0..100_000).collect();
        assert!(script(&same, &same, &mut Budget::new(), "lines").is_ok());
    }

    #[test]
    fn changes_six_lines_apart_share_a_hunk_seven_do_not() {
        // As `diff -u` (checked with GNU diff): x 1..6 y → X 1..6 Y is one hunk.
        for (between, count) in [(6, 1), (7, 2)] {
            let mut edits = vec![Edit::Remove, Edit::Add];
            edits.extend(std::iter::repeat_n(Edit::Keep, between));
            edits.extend([Edit::Remove, Edit::Add]);
            let a: Vec<&str> = (0..between + 2).map(|_| "a").collect();
            assert_eq!(
                hunks(&a, &a, &edits).len(),
                count,
                "{between} lines between"
            );
        }
    }

    #[test]
    fn hunk_starts_follow_diff_u() {
        let a = ["a"];
        let b = ["a", "b"];
        let h = hunks(&a, &b, &[Edit::Keep, Edit::Add]);
        assert_eq!((h[0].before_start, h[0].before_lines), (1, 1));
        assert_eq!((h[0].after_start, h[0].after_lines), (1, 2));
        let h = hunks(&[], &["x"], &[Edit::Add]);
        assert_eq!((h[0].before_start, h[0].before_lines), (0, 0));
        assert_eq!((h[0].after_start, h[0].after_lines), (1, 1));
    }
}
