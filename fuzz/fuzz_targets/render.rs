//! The renderer: arbitrary specs full of hostile values; each one the package accepts renders to
//! a Dockerfile that means exactly the spec (checked natively with the crate's ports of
//! BuildKit's parser and word lexer; `scripts/fuzz.sh` also hands the corpus to BuildKit's own
//! parser through tests/buildkit/parse_back.py).
#![no_main]

use apothic_image::Image;
use apothic_image_fuzz::{check_image, FuzzSpec};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|spec: FuzzSpec| {
    if let Ok(image) = Image::from_spec(&spec.get()) {
        check_image(&image);
    }
});
