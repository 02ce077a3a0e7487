//! `make demo`: renders every spec in `examples/specs/` and prints its Dockerfile and hashes.

use std::fs;
use std::path::Path;

use apothic_image::Image;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/specs");
    let mut paths: Vec<_> = match fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect(),
        Err(e) => {
            eprintln!("cannot read {}: {e}", dir.display());
            std::process::exit(1);
        }
    };
    paths.sort();
    let mut failed = false;
    for path in paths {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let result = fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|json| Image::from_spec_json(&json).map_err(|e| e.to_string()))
            .and_then(|image| {
                image
                    .dockerfile()
                    .map(|d| (d, image.definition_hash()))
                    .map_err(|e| e.to_string())
            });
        println!("=== examples/specs/{name}");
        match result {
            Ok((dockerfile, hash)) => {
                print!("{dockerfile}");
                println!("--- definition hash: {hash}\n");
            }
            Err(e) => {
                println!("error: {e}\n");
                failed = true;
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
}
