//! Reliability of the ignore matcher (`.dockerignore`, `ignore:` and `fromDockerfile` COPY
//! sources): its cost is bounded per pattern list, whatever the patterns and paths.
//!
//! - Matching is linear in the path: pattern shapes that cost a backtracking or per-position
//!   simulation time proportional to path length × pattern length (`*a*a…*a b` on long names)
//!   or to depth × path length (`**/**/…` on deep folders) finish in a fraction of the time.
//! - Pattern length, pattern count and compiled size have stated limits, each a coded error.
//! - Every step is counted against a budget; past it the answers stop costing anything and
//!   `check()` is a coded error.
//!
//! The time bounds are for unoptimised test builds on a loaded machine, and far from what the
//! work costs now (well under a second): before the linear matcher these cases took minutes.

use std::time::{Duration, Instant};

use apothic_image::formats::ignore::{
    Patterns, MAX_LIST_INSTS, MAX_PATTERNS, MAX_PATTERN_BYTES, MAX_PATTERN_STARS,
};
use apothic_image::ErrorCode;

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Asserts that `work` finishes within `limit`.
fn within<T>(limit: Duration, what: &str, work: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = work();
    let took = start.elapsed();
    assert!(took < limit, "{what} took {took:?}, over {limit:?}");
    out
}

/// The Worker body of issue #13: 16 names of 4,000 characters against 16 patterns of 1,500
/// `*a` and ` b` (the names never match). A Pike VM spent about 3 billion steps on it (52 s in
/// the Worker). Such a pattern is now refused at once; at the limit of stars, the same shape
/// costs about one step per character.
#[test]
fn star_chains_on_long_names_cost_linear_time() {
    let hostile = format!("{} b", "*a".repeat(1_500));
    let e = Patterns::new(&vec![hostile; 16]).expect_err("too many stars");
    assert_eq!(e.code, ErrorCode::InvalidIgnorePattern);
    assert_eq!(e.argument.as_deref(), Some("ignore[0]"));
    assert!(e.message.contains("1024 bytes"), "{}", e.message);
    let stars = format!("{}.py", "*/".repeat(MAX_PATTERN_STARS + 1));
    let e = Patterns::new(&[stars]).expect_err("too many stars");
    assert_eq!(e.code, ErrorCode::InvalidIgnorePattern);
    assert!(e.message.contains("more than 128 \"*\""), "{}", e.message);

    let pattern = format!("{} b", "*a".repeat(MAX_PATTERN_STARS));
    let patterns = Patterns::new(&vec![pattern; 16]).expect("valid patterns");
    let names: Vec<String> = (0..16)
        .map(|i| format!("{}{}", "a".repeat(4_000), i))
        .collect();
    within(Duration::from_secs(5), "16 x 16 star chains", || {
        for _ in 0..4 {
            for name in &names {
                assert!(!patterns.matches(name), "{name:.20}… is not excluded");
            }
        }
    });
    patterns.check().expect("within the step budget");
    // And the same shape does match where it should.
    assert!(patterns.matches(&format!("{} b", "a".repeat(200))));
    assert!(!patterns.matches(&format!("{} b", "a".repeat(100))));
}

/// 100 patterns of `**/` x 50 + `nomatch` on a deep folder: every path and each of its parent
/// folders used to be a separate simulation of 50 nested `(.*/)?` loops.
#[test]
fn nested_double_stars_on_deep_paths_cost_linear_time() {
    let patterns: Vec<String> = (0..100)
        .map(|i| format!("{}nomatch{i}", "**/".repeat(50)))
        .collect();
    let patterns = Patterns::new(&patterns).expect("valid patterns");
    let paths: Vec<String> = (0..2_000)
        .map(|i| format!("src/pkg{}/deep/er/still/mod{i}/file{i}.py", i % 40))
        .collect();
    within(
        Duration::from_secs(10),
        "100 nested ** patterns on 2,000 paths",
        || {
            for path in &paths {
                assert!(!patterns.matches(path), "{path}");
            }
        },
    );
    patterns.check().expect("within the step budget");
    assert!(patterns.matches("a/b/nomatch7"));
    assert!(patterns.matches("a/b/nomatch7/under/it"));
}

/// A deep path whose every parent is a candidate: one pass covers them all.
#[test]
fn parents_of_a_deep_path_are_matched_in_one_pass() {
    let patterns = Patterns::new(&strings(&["**/x*y/**/z?", "!**/keep"])).expect("valid");
    let deep = vec!["d"; 1_000].join("/");
    within(
        Duration::from_secs(5),
        "a 1,000-level path, 500 times",
        || {
            for _ in 0..500 {
                assert!(!patterns.matches(&deep));
            }
        },
    );
    assert!(patterns.matches(&format!("{deep}/xay/b/zz/c/d")));
    assert!(!patterns.matches(&format!("{deep}/xay/b/zz/c/keep")));
}

#[test]
fn a_pattern_longer_than_the_limit_is_a_coded_error() {
    let ok = "a".repeat(MAX_PATTERN_BYTES);
    Patterns::new(&[ok]).expect("a pattern at the limit is fine");
    let long = format!("*{}", "a".repeat(MAX_PATTERN_BYTES));
    let e = Patterns::new(&strings(&["ok", &long])).expect_err("too long");
    assert_eq!(e.code, ErrorCode::InvalidIgnorePattern);
    assert_eq!(e.argument.as_deref(), Some("ignore[1]"));
    assert!(e.message.contains("1024 bytes"), "{}", e.message);
    assert!(
        e.message.len() < 400,
        "the message quotes a clipped pattern"
    );
}

#[test]
fn more_patterns_than_the_limit_is_a_coded_error() {
    Patterns::new(&vec!["x".to_string(); MAX_PATTERNS]).expect("at the limit is fine");
    let e = Patterns::new(&vec!["x".to_string(); MAX_PATTERNS + 1]).expect_err("too many");
    assert_eq!(e.code, ErrorCode::InvalidIgnorePattern);
    assert_eq!(e.argument.as_deref(), Some("ignore"));
    assert!(e.message.contains("10000"), "{}", e.message);
}

#[test]
fn compiled_size_of_a_list_is_bounded() {
    // Each pattern expands to about 9,000 instructions; twelve of them pass the list's limit.
    let big = format!("*{}", "a{900}".repeat(10));
    let list = vec![big; MAX_LIST_INSTS / 9_000 + 1];
    let e = Patterns::new(&list).expect_err("too big together");
    assert_eq!(e.code, ErrorCode::InvalidIgnorePattern);
    assert!(e.message.contains("100000"), "{}", e.message);
    Patterns::new(&list[..MAX_LIST_INSTS / 10_000]).expect("fewer are fine");
}

/// Past its budget a list answers at no cost and `check` is a coded error.
#[test]
fn a_spent_budget_is_a_coded_error_and_costs_nothing_more() {
    let patterns = Patterns::with_budget(&strings(&["**/*.pyc", "!keep/**"]), 10_000).unwrap();
    assert!(patterns.matches("src/a.pyc"));
    patterns.check().expect("a few paths are within budget");
    let long = "p/".repeat(10_000) + "x.py";
    let answer = patterns.matches(&long);
    let e = patterns.check().expect_err("budget spent");
    assert_eq!(e.code, ErrorCode::InvalidIgnorePattern);
    assert_eq!(e.argument.as_deref(), Some("ignore"));
    assert!(e.message.contains("10000 steps"), "{}", e.message);
    assert!(answer, "a spent list excludes (and check() says why)");
    within(
        Duration::from_millis(500),
        "100,000 calls after the budget",
        || {
            for _ in 0..100_000 {
                assert!(patterns.matches(&long));
            }
        },
    );
    // A fresh list has its own budget.
    let fresh = Patterns::with_budget(&strings(&["**/*.pyc"]), 10_000).unwrap();
    assert!(!fresh.matches("src/a.py"));
    fresh.check().unwrap();
}
