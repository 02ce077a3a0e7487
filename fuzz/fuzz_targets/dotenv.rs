//! The dotenv reader: no panic; every pair it reads is a valid `env` pair or a clean error, the
//! keys can be located again, and the pairs written back in the quoted form read back the same.
#![no_main]

use apothic_image::{formats::dotenv, DebianSlimOptions, Image};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let Ok(pairs) = dotenv::parse(text) else {
        return;
    };
    for (key, _) in &pairs {
        assert!(
            dotenv::line_of(text, key).is_some(),
            "key {key:?} has no line"
        );
    }
    // Written back with single quotes (no escapes inside), the pairs read back unchanged.
    if pairs
        .iter()
        .all(|(k, v)| !v.contains(['\'', '\n', '\r']) && !k.is_empty())
    {
        // A first empty line, so a key starting with U+FEFF is not read as a byte order mark.
        let written: String = std::iter::once("\n".to_string())
            .chain(pairs.iter().map(|(k, v)| format!("{k}='{v}'\n")))
            .collect();
        if let Ok(again) = dotenv::parse(&written) {
            assert_eq!(again, pairs, "written back: {written:?}");
        }
    }
    let base = Image::debian_slim(&DebianSlimOptions::default()).expect("base");
    if let Ok(image) = base.env(&pairs) {
        apothic_image_fuzz::check_image(&image);
    }
});
