//! Image references: no input panics, and every accepted reference prints back to a string that
//! parses to the same reference (for the raw, normalised and docker-ref forms).
#![no_main]

use apothic_image::formats::reference;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(r) = reference::parse(text) {
        let again = reference::parse(&r.to_string()).expect("a printed reference parses");
        assert_eq!(again, r);
    }
    if let Ok(r) = reference::parse_normalized(text) {
        let printed = r.to_string();
        assert_eq!(reference::parse_normalized(&printed).as_ref(), Ok(&r));
        assert_eq!(reference::parse_named(&printed).as_ref(), Ok(&r));
        // The familiar form drops `docker.io/`; like Go's, it is ambiguous when the path's
        // first component looks like a registry (`docker.io/a.b/c` → `a.b/c`), so it reads back
        // only when it does not.
        let familiar = r.familiar_string();
        let first = familiar.split('/').next().unwrap_or_default();
        // And `library/<64 hex>` becomes a bare 64-hex string, which Go reads as an image ID.
        let is_id = familiar.len() == 64 && familiar.bytes().all(|b| b.is_ascii_hexdigit());
        let looks_like_registry = first.contains(['.', ':']) || first == "localhost";
        if !is_id && (!familiar.contains('/') || !looks_like_registry) {
            assert_eq!(reference::parse_normalized(&familiar).as_ref(), Ok(&r));
        }
        assert!(reference::parse_docker_ref(text).is_ok());
    } else {
        assert!(reference::parse_docker_ref(text).is_err());
    }
    let _ = reference::parse_named(text);
    let _ = reference::parse_image_ref(text).map_err(|e| e.to_string());
});
