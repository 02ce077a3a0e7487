//! `render_corpus DIR...`: every file of the given corpus folders, read as the `render` target
//! reads it, rendered; one `{"name", "spec", "dockerfile"}` JSON line per accepted spec on
//! stdout, for tests/buildkit/parse_back.py.

use apothic_image::Image;
use apothic_image_fuzz::FuzzSpec;
use arbitrary::{Arbitrary, Unstructured};

fn main() {
    let mut count = 0usize;
    for dir in std::env::args().skip(1) {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let Ok(spec) = FuzzSpec::arbitrary_take_rest(Unstructured::new(&bytes)) else {
                continue;
            };
            let Ok(image) = Image::from_spec(&spec.get()) else {
                continue;
            };
            let Ok(dockerfile) = image.dockerfile() else {
                continue;
            };
            let line = serde_json::json!({
                "name": format!("fuzz/{}", path.file_name().unwrap_or_default().to_string_lossy()),
                "spec": image.to_spec(),
                "dockerfile": dockerfile,
            });
            println!("{line}");
            count += 1;
        }
    }
    eprintln!("render_corpus: {count} specs");
}
