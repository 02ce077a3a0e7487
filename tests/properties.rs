//! Property tests of the spec and its hashes: exact round trips, the cached canonical JSON and
//! Dockerfile equal to the ones computed from the spec (and to an independent JCS crate), and a
//! definition hash that depends neither on the order of set-like arguments nor on JSON key order.

#[path = "support/json_order.rs"]
mod json_order;
#[path = "support/spec_strategies.rs"]
mod spec_strategies;

use apothic_image::{hash, render, DebianSlimOptions, Image, PipOptions, UvPipOptions};
use json_order::shuffled_json;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn specs_round_trip_and_caches_agree(raw in spec_strategies::spec(), seed in any::<u64>()) {
        let Ok(image) = Image::from_spec(&raw) else { return Ok(()) };
        let spec = image.to_spec();
        let again = Image::from_spec(&spec).expect("a canonical spec is valid");
        prop_assert_eq!(&again.to_spec(), &spec);

        let canonical = image.canonical_json();
        prop_assert_eq!(&canonical, &hash::canonical_json(&spec));
        prop_assert_eq!(&canonical, &serde_json_canonicalizer::to_string(&spec).expect("oracle"));
        prop_assert_eq!(image.definition_hash(), hash::sha256_hex(canonical.as_bytes()));
        prop_assert_eq!(image.dockerfile().ok(), render::render(&spec).ok());

        let json = serde_json::to_value(&spec).expect("json");
        let reordered = Image::from_spec_json(&shuffled_json(&json, seed)).expect("reordered spec");
        prop_assert_eq!(reordered.definition_hash(), image.definition_hash());
    }

    #[test]
    fn hash_ignores_order_of_sets(
        packages in prop::collection::vec("[a-z]{1,6}(>=[0-9])?", 1..6),
        env in prop::collection::vec(("[A-Z_]{1,6}", "[ -~]{0,8}"), 1..6),
        seed in any::<u64>(),
    ) {
        let shuffled = |items: &[String]| {
            let mut items = items.to_vec();
            items.sort_by_key(|s| (hash::sha256_hex(format!("{seed}{s}").as_bytes()), s.clone()));
            items
        };
        let mut env = env;
        env.sort_by(|a, b| a.0.cmp(&b.0));
        env.dedup_by(|a, b| a.0 == b.0);
        let base = Image::debian_slim(&DebianSlimOptions::default()).expect("base");
        let build = |pkgs: &[String], env: &[(String, String)]| {
            base.pip_install(pkgs, &PipOptions::default())
                .and_then(|i| i.uv_pip_install(pkgs, &UvPipOptions::default()))
                .and_then(|i| i.env(env))
                .expect("valid steps")
                .definition_hash()
        };
        let mut env_rev = env.clone();
        env_rev.reverse();
        let mut doubled = packages.clone();
        doubled.extend(packages.iter().cloned());
        prop_assert_eq!(build(&packages, &env), build(&shuffled(&packages), &env_rev));
        prop_assert_eq!(build(&packages, &env), build(&doubled, &env));
    }
}
