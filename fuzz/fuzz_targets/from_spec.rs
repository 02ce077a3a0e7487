//! `fromSpec` on arbitrary JSON text: no panic, and every accepted spec is a fixed point
//! (`fromSpec(toSpec(x))` has the same spec, canonical JSON and hash; rendering is stable).
#![no_main]

use apothic_image::Image;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let Ok(image) = Image::from_spec_json(text) else {
        return;
    };
    apothic_image_fuzz::check_image(&image);
});
