//! dockerignore patterns: no panic compiling or matching, and `may_skip_dir` is safe: when it
//! says a folder may be skipped, nothing under it is included.
#![no_main]

use apothic_image::formats::ignore::{parse_dockerignore, Patterns};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, Vec<&str>)| {
    let (file, paths) = input;
    let patterns = parse_dockerignore(file);
    let Ok(compiled) = Patterns::new(&patterns) else {
        return;
    };
    // Paths as a walk makes them: relative, `/`-separated, no empty, `.` or `..` segments.
    let walkable = |p: &&str| !p.split('/').any(|s| s.is_empty() || s == "." || s == "..");
    let paths: Vec<&str> = paths.into_iter().filter(walkable).take(16).collect();
    for path in &paths {
        let path = *path;
        let excluded = compiled.matches(path);
        if !path.is_empty() && compiled.may_skip_dir(path) {
            assert!(
                excluded,
                "may_skip_dir({path:?}) but the folder itself is included"
            );
            for child in ["a", "x/y", ".dockerignore", "a.py"] {
                let inner = format!("{path}/{child}");
                assert!(
                    compiled.matches(&inner),
                    "may_skip_dir({path:?}) but {inner:?} is included by {patterns:?}"
                );
            }
            for other in &paths {
                let inner = format!("{path}/{other}");
                {
                    assert!(
                        compiled.matches(&inner),
                        "may_skip_dir({path:?}) but {inner:?} is included by {patterns:?}"
                    );
                }
            }
        }
    }
});
