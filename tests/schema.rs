//! The JSON Schema of `ImageSpec` the package ships (js/schema/image-spec.json), derived from the
//! spec types (`src/spec`) with `schemars` behind the native-only `schema` feature: descriptions
//! from their doc comments, the fields a hand-written spec may leave out marked optional with
//! their defaults. The committed file must equal the generated one, so a change of the spec types
//! without regenerating fails here; regenerate with
//! `UPDATE_GOLDEN=1 cargo test --features schema --test schema` and read the diff. Whether the
//! schema accepts and refuses the specs the core does is tested with a real validator in
//! tests/js/schema.test.mjs.

use std::path::PathBuf;

use apothic_image::ImageSpec;
use schemars::generate::SchemaSettings;
use schemars::transform::RecursiveTransform;
use schemars::Schema;
use serde_json::{json, Value};

/// Where the schema is committed: the package's `./schema.json` export.
fn schema_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("js/schema/image-spec.json")
}

/// The schema as the package ships it: draft-07 (the draft every JSON editor, VS Code's
/// included, validates and completes fully), with a title and a description, the `$schema` key
/// a spec file may hold to name it, and without schemars' Rust formats (`uint32`), which no
/// editor or validator knows.
fn generated() -> String {
    let generator = SchemaSettings::draft07()
        .with_transform(RecursiveTransform(|schema: &mut Schema| {
            schema.remove("format");
        }))
        .into_generator();
    let mut schema = generator.into_root_schema_for::<ImageSpec>();
    schema
        .get_mut("properties")
        .and_then(Value::as_object_mut)
        .expect("an ImageSpec has properties")
        .insert(
            "$schema".into(),
            json!({
                "description": "This schema, for editors (`Image.fromSpec()` ignores it): \
                    ./node_modules/@apothic/image/schema/image-spec.json",
                "type": "string"
            }),
        );
    schema.insert("title".into(), json!("ImageSpec"));
    schema.insert(
        "description".into(),
        json!(
            "An image spec of @apothic/image: the JSON `image.toSpec()` writes and \
             `Image.fromSpec()` reads. Fields marked with a default may be left out; \
             `toSpec()` always writes them."
        ),
    );
    let mut text = serde_json::to_string_pretty(&Value::from(schema)).unwrap();
    text.push('\n');
    text
}

#[test]
fn the_committed_schema_is_the_one_the_spec_types_give() {
    let path = schema_file();
    let fresh = generated();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is not the schema the spec types give (src/spec changed?): regenerate it with \
         `UPDATE_GOLDEN=1 cargo test --features schema --test schema` and read the diff",
        path.display()
    );
}

/// A spec file may name its schema: `Image.fromSpec` accepts a top-level `"$schema"` string and
/// ignores it (the spec it gives has none), and refuses one that is not a string.
#[test]
fn a_spec_may_name_its_schema() {
    let named = json!({
        "$schema": "./node_modules/@apothic/image/schema/image-spec.json",
        "version": 1,
        "base": { "op": "debianSlim" },
    });
    let image = apothic_image::Image::from_spec_json(&named.to_string()).unwrap();
    let spec = serde_json::to_value(image.to_spec()).unwrap();
    assert_eq!(spec.get("$schema"), None);
    assert_eq!(
        spec,
        json!({ "version": 1, "base": { "op": "debianSlim", "pythonVersion": "3.11" }, "steps": [] })
    );
    let wrong = json!({ "$schema": 7, "version": 1, "base": { "op": "debianSlim" } });
    let error = apothic_image::Image::from_spec_json(&wrong.to_string()).unwrap_err();
    assert_eq!(error.code, apothic_image::ErrorCode::InvalidSpec, "{error}");
}
