//! Requirements includes: no panic parsing a file, and a walk over a set of files (from the
//! input) always ends: every file once, a cycle as an error.
#![no_main]

use apothic_image::formats::{paths, requirements};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, Vec<(&str, &str)>)| {
    let (root_text, others) = input;
    if let Ok(list) = requirements::includes(root_text) {
        for include in &list {
            assert!(include.line >= 1 && include.column >= 1);
            assert!(!include.path.is_empty());
        }
    }
    let _ = requirements::next_includes("reqs/requirements.txt", root_text);
    let mut files = vec![("reqs/requirements.txt".to_string(), root_text.to_string())];
    for (path, text) in others.iter().take(8) {
        files.push((paths::clean(path), text.to_string()));
    }
    let mut reads = 0usize;
    let walked = requirements::walk("reqs/requirements.txt", |path| {
        reads += 1;
        assert!(reads <= files.len() + 1, "the walk reads a file twice");
        files
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, t)| t.clone())
            .ok_or_else(|| {
                apothic_image::Error::new(apothic_image::ErrorCode::HostCallbackFailed, "missing")
            })
    });
    if let Ok(walked) = walked {
        let mut unique = walked.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), walked.len(), "a file walked twice");
    }
});
