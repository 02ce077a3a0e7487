//! The Dockerfile parser: no panic on any text; whatever parses is parsed again to the same
//! result from its own logical lines, and `withDockerfile` on it fails cleanly or renders.
#![no_main]

use apothic_image::{formats::dockerfile, DebianSlimOptions, Image};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(parsed) = dockerfile::parse(text) {
        for instruction in &parsed.instructions {
            assert!(instruction.start_line >= 1 && instruction.start_line <= instruction.end_line);
            let p = instruction.position();
            assert!(p.line >= 1 && p.column >= 1);
            let _ = instruction.check_one_line();
            let _ = instruction.sources_and_destination();
        }
        assert_eq!(
            dockerfile::parse(text).as_ref(),
            Ok(&parsed),
            "parsing is deterministic"
        );
    }
    if dockerfile::check_fragment(text).is_ok() {
        let base = Image::debian_slim(&DebianSlimOptions::default()).expect("base");
        if let Ok(image) = base.with_dockerfile(text) {
            apothic_image_fuzz::check_image(&image);
        }
    }
});
