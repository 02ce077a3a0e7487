//! Diff vectors: every `tests/vectors-diff/NAME.json` holds `before` and `after` specs and
//! `diff`, what `diff(before, after)` gives. The same vectors run in wasm under Node through the
//! packed package (tests/js/diff.test.mjs). Regenerate `diff` with
//! `UPDATE_GOLDEN=1 cargo test --test diff` and read the change; the tests below state by hand
//! what each vector must say (layers, steps, hunks), so a regenerated golden cannot drift.

#[path = "support/json_vectors.rs"]
mod json_vectors;
#[path = "support/memory_host.rs"]
mod memory_host;

use std::fs;

use apothic_image::diff::{
    diff, diff_resolved, DiffLines, ImageDiff, LayerInput, LayerReason, LayerStatus, LineKind,
    Resolutions, ResolvedImage, ResolvedLayer, StepPair, UNRENDERED_PREFIX,
};
use apothic_image::limits::MAX_DIFF_CELLS;
use apothic_image::resolve::{resolve, Resolution, ResolveOptions};
use apothic_image::PipOptions;
use apothic_image::{DebianSlimOptions, ErrorCode, Image};
use memory_host::{block_on, MemoryHost};
use serde_json::Value;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors-diff");

/// Every vector: (name without `.json`, its JSON).
fn vectors() -> Vec<(String, Value)> {
    json_vectors::read("vectors-diff", 10)
}

fn image(spec: &Value) -> Image {
    Image::from_spec(&serde_json::from_value(spec.clone()).unwrap()).unwrap()
}

fn diff_of(vector: &Value) -> ImageDiff {
    diff(&image(&vector["before"]), &image(&vector["after"])).unwrap()
}

/// The diff of the vector called `name`.
fn vector(name: &str) -> ImageDiff {
    let (_, v) = vectors().into_iter().find(|(n, _)| n == name).unwrap();
    diff_of(&v)
}

/// Each layer as (step, status).
fn statuses(d: &ImageDiff) -> Vec<(Option<usize>, LayerStatus)> {
    d.layers.iter().map(|l| (l.step, l.status)).collect()
}

/// The hunks as `diff -u` writes them.
fn unified(d: &ImageDiff) -> String {
    let mut out = String::new();
    for h in &d.hunks {
        out += &format!(
            "@@ -{},{} +{},{} @@\n",
            h.before_start, h.before_lines, h.after_start, h.after_lines
        );
        for line in &h.lines {
            let mark = match line.kind {
                LineKind::Keep => ' ',
                LineKind::Remove => '-',
                LineKind::Add => '+',
            };
            out += &format!("{mark}{}\n", line.text);
        }
    }
    out
}

use LayerStatus::{Rebuild, Reused, Unknown};

#[test]
fn every_vector_gives_its_diff() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    for (name, mut v) in vectors() {
        let got = serde_json::to_value(diff_of(&v)).unwrap();
        if update {
            v["diff"] = got;
            let text = serde_json::to_string_pretty(&v).unwrap() + "\n";
            fs::write(format!("{VECTORS}/{name}.json"), text).unwrap();
            continue;
        }
        assert_eq!(got, v["diff"], "{name}");
    }
}

#[test]
fn identical_images_rebuild_nothing() {
    let d = vector("identical");
    assert!(d.identical && !d.base_changed);
    assert_eq!((d.reused, d.rebuild, d.unknown), (6, 0, 0));
    assert_eq!(d.first_rebuild, None);
    assert!(d.hunks.is_empty());
    assert_eq!(d.steps.unchanged, 5);
    assert_eq!(d.before.definition_hash, d.after.definition_hash);
}

#[test]
fn a_changed_step_rebuilds_it_and_every_later_layer() {
    let d = vector("change-step-3-of-5");
    assert_eq!(
        statuses(&d),
        [
            (None, Reused),
            (Some(0), Reused),
            (Some(1), Reused),
            (Some(2), Reused),
            (Some(3), Rebuild),
            (Some(4), Rebuild),
        ]
    );
    assert_eq!(d.layers[4].reason, LayerReason::Changed);
    assert_eq!(d.layers[5].reason, LayerReason::AfterRebuild);
    assert_eq!(d.first_rebuild, Some(4));
    assert_eq!(
        d.steps.changed,
        [StepPair {
            before: 3,
            after: 3
        }]
    );
    assert!(d.steps.added.is_empty() && d.steps.removed.is_empty());
    assert_eq!(
        unified(&d),
        "@@ -2,5 +2,5 @@\n \
         RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*\n \
         RUN python -m pip install --no-cache-dir numpy pandas\n \
         RUN python -m compileall /root\n\
         -ENV APP_ENV=production\n\
         +ENV APP_ENV=staging\n \
         CMD [\"python\",\"app.py\"]\n"
    );
    // The changed line's numbers on both sides.
    let changed = &d.hunks[0].lines[3..5];
    assert_eq!((changed[0].before, changed[0].after), (Some(5), None));
    assert_eq!((changed[1].before, changed[1].after), (None, Some(5)));
    assert_eq!(d.layers[4].lines.map(|l| (l.first, l.last)), Some((5, 5)));
}

#[test]
fn a_changed_base_rebuilds_every_layer() {
    let d = vector("base-change");
    assert!(d.base_changed);
    assert_eq!((d.reused, d.rebuild, d.unknown), (0, 6, 0));
    assert_eq!(d.first_rebuild, Some(0));
    assert_eq!(d.steps.unchanged, 5);
    assert!(unified(&d).starts_with(
        "@@ -1,4 +1,4 @@\n-FROM python:3.12-slim-trixie\n+FROM python:3.13-slim-trixie\n"
    ));
}

#[test]
fn an_appended_step_rebuilds_only_itself() {
    let d = vector("appended-step");
    assert_eq!((d.reused, d.rebuild), (6, 1));
    assert_eq!(d.layers[6].reason, LayerReason::Added);
    assert_eq!(d.steps.added, [5]);
    assert_eq!(
        unified(&d),
        "@@ -4,3 +4,4 @@\n \
         RUN python -m compileall /root\n \
         ENV APP_ENV=production\n \
         CMD [\"python\",\"app.py\"]\n\
         +WORKDIR /srv\n"
    );
}

#[test]
fn a_removed_step_rebuilds_from_its_place() {
    let d = vector("removed-step");
    assert_eq!(d.steps.removed, [1]);
    assert_eq!(
        statuses(&d),
        [
            (None, Reused),
            (Some(0), Reused),
            (Some(1), Rebuild),
            (Some(2), Rebuild),
            (Some(3), Rebuild),
        ]
    );
    assert_eq!(
        unified(&d),
        "@@ -1,6 +1,5 @@\n \
         FROM python:3.12-slim-trixie\n \
         RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*\n\
         -RUN python -m pip install --no-cache-dir numpy pandas\n \
         RUN python -m compileall /root\n \
         ENV APP_ENV=production\n \
         CMD [\"python\",\"app.py\"]\n"
    );
}

#[test]
fn an_inserted_step_rebuilds_the_same_steps_after_it() {
    let d = vector("inserted-step");
    assert_eq!(d.steps.added, [1]);
    assert_eq!(d.steps.unchanged, 3);
    assert_eq!(
        statuses(&d),
        [
            (None, Reused),
            (Some(0), Reused),
            (Some(1), Rebuild),
            (Some(2), Rebuild),
            (Some(3), Rebuild),
        ]
    );
    assert_eq!(d.layers[2].reason, LayerReason::Changed);
}

#[test]
fn layers_that_read_files_are_unknown_until_resolved() {
    let d = vector("reads-files");
    assert_eq!(
        d.layers
            .iter()
            .map(|l| (l.step, l.status, l.reason))
            .collect::<Vec<_>>(),
        [
            (None, Reused, LayerReason::Unchanged),
            (Some(0), Reused, LayerReason::Unchanged),
            (Some(1), Unknown, LayerReason::ReadsFiles),
            (Some(2), Unknown, LayerReason::AfterUnknown),
            (Some(3), Rebuild, LayerReason::Changed),
        ]
    );
    assert_eq!(d.after.unrendered, [Some(1), Some(2)]);
    // Each stands as one comment line holding its canonical JSON; the RUN line changes.
    let text = unified(&d);
    assert!(text.contains(
        " # rendered by resolve: {\"op\":\"pipInstallFromRequirements\",\"options\":{\"pre\":false},\"path\":\"requirements.txt\"}\n"
    ), "{text}");
    assert!(text.ends_with("-RUN echo one\n+RUN echo two\n"), "{text}");
}

#[test]
fn a_from_dockerfile_base_is_unknown_and_so_is_what_follows() {
    let d = vector("from-dockerfile");
    assert_eq!(
        statuses(&d),
        [(None, Unknown), (Some(0), Unknown), (Some(1), Rebuild)]
    );
    assert_eq!(d.after.unrendered, [None]);
    assert!(unified(&d).starts_with(
        "@@ -1,2 +1,3 @@\n # rendered by resolve: {\"base\":\"python:3.11-slim\",\"contextDir\":\".\",\"op\":\"fromDockerfile\",\"path\":\"Dockerfile\"}\n"
    ));
}

#[test]
fn a_runtime_step_makes_no_layer_and_no_line() {
    let d = vector("runtime-step");
    assert!(!d.identical);
    assert_eq!(d.steps.added, [5]);
    assert_eq!((d.reused, d.rebuild, d.unknown), (6, 0, 0));
    assert!(d.hunks.is_empty());
}

#[test]
fn the_same_step_under_another_shell_rebuilds() {
    let d = vector("shell-change");
    assert_eq!(
        d.steps.changed,
        [StepPair {
            before: 0,
            after: 0
        }]
    );
    assert_eq!(d.steps.unchanged, 1);
    assert_eq!(d.layers[2].reason, LayerReason::AfterRebuild);
    // Both lines change: the SHELL and the exec-form RUN that names it.
    assert_eq!(
        unified(&d),
        "@@ -1,3 +1,3 @@\n \
         FROM python:3.12-slim-trixie\n\
         -SHELL [\"/bin/bash\",\"-c\"]\n\
         -RUN [\"/bin/bash\",\"-c\",\"echo 'a'  && true \"]\n\
         +SHELL [\"/bin/zsh\",\"-c\"]\n\
         +RUN [\"/bin/zsh\",\"-c\",\"echo 'a'  && true \"]\n"
    );
}

#[test]
fn changes_far_apart_make_two_hunks() {
    let d = vector("two-hunks");
    assert_eq!(d.hunks.len(), 2);
    let heads: Vec<_> = d
        .hunks
        .iter()
        .map(|h| (h.before_start, h.before_lines, h.after_start, h.after_lines))
        .collect();
    assert_eq!(heads, [(1, 5, 1, 5), (10, 4, 10, 4)]);
    assert!(unified(&d).ends_with(" RUN echo 10\n-ENV A=1\n+ENV A=2\n"));
}

/// `n` distinct `runCommands` steps, with `tag` in each command.
fn many_steps(n: usize, tag: &str) -> Image {
    let mut image = Image::debian_slim(&DebianSlimOptions::default()).unwrap();
    for i in 0..n {
        image = image.run_commands(&[format!("echo {tag} {i}")]).unwrap();
    }
    image
}

#[test]
fn a_diff_past_its_work_limit_is_refused_with_a_code() {
    // 2,000 different steps on each side: a 2,001 x 2,001 table, past 4,000,000 cells.
    let side = (MAX_DIFF_CELLS as f64).sqrt() as usize;
    let e = diff(&many_steps(side, "a"), &many_steps(side, "b")).unwrap_err();
    assert_eq!(e.code, ErrorCode::DiffTooLarge, "{e}");
    assert!(e.message.contains("2000 steps with 2000"), "{e}");
    // The same images with a common start and end cost nothing to compare.
    let d = diff(&many_steps(side, "a"), &many_steps(side, "a")).unwrap();
    assert!(d.identical && d.hunks.is_empty());
}

#[test]
fn a_render_error_names_its_side() {
    // A line longer than a Dockerfile holds: the image exists, its Dockerfile does not.
    let long = "x".repeat(70_000);
    let bad = Image::debian_slim(&DebianSlimOptions::default())
        .unwrap()
        .run_commands(&[format!("echo {long}")])
        .unwrap();
    let good = Image::debian_slim(&DebianSlimOptions::default()).unwrap();
    let e = diff(&good, &bad).unwrap_err();
    assert_eq!(e.code, ErrorCode::LineTooLong);
    assert_eq!(e.argument.as_deref(), Some("after.steps[0]"));
    let e = diff(&bad, &good).unwrap_err();
    assert_eq!(e.argument.as_deref(), Some("before.steps[0]"));
}

// ---------------------------------------------------------------------------------------------
// With resolutions
// ---------------------------------------------------------------------------------------------

/// What the diff reads of a resolution.
fn read(r: &Resolution) -> ResolvedImage {
    ResolvedImage {
        dockerfile: r.dockerfile.clone(),
        image_hash: r.image_hash.clone(),
        layers: r
            .layers
            .iter()
            .map(|l| ResolvedLayer {
                step: l.step,
                op: l.op.clone(),
                hash: l.hash.clone(),
                inputs: l
                    .inputs
                    .iter()
                    .map(|i| LayerInput {
                        path: i.path.clone(),
                        sha256: i.sha256.clone(),
                        mode: i.mode,
                    })
                    .collect(),
                lines: l.lines.map(|r| DiffLines {
                    first: r.first,
                    last: r.last,
                }),
            })
            .collect(),
    }
}

/// `image` resolved over `files` (path, text).
fn resolved(image: &Image, files: &[(&str, &str)]) -> ResolvedImage {
    let host = MemoryHost::with(files);
    read(&block_on(resolve(image, &host, &ResolveOptions::default())).unwrap())
}

/// apt git, pip -r req.txt, a run step, then a runtime file (no layer).
fn requirements_image(path: &str) -> Image {
    requirements_image_with(path, &PipOptions::default())
}

fn requirements_image_with(path: &str, options: &PipOptions) -> Image {
    Image::debian_slim(&DebianSlimOptions::default())
        .and_then(|i| i.apt_install(&["git"]))
        .and_then(|i| i.pip_install_from_requirements(path, options))
        .and_then(|i| i.run_commands(&["echo done"]))
        .and_then(|i| i.add_local_file("job.py", None))
        .unwrap()
}

const FILES: &[(&str, &str)] = &[("req.txt", "flask\n"), ("job.py", "print(1)\n")];
const NEW_FILES: &[(&str, &str)] = &[("req.txt", "flask\nrequests\n"), ("job.py", "print(1)\n")];

fn reasons(d: &ImageDiff) -> Vec<(Option<usize>, LayerStatus, LayerReason)> {
    d.layers
        .iter()
        .map(|l| (l.step, l.status, l.reason))
        .collect()
}

#[test]
fn a_changed_requirements_file_rebuilds_its_layer_and_those_after_it() {
    let image = requirements_image("req.txt");
    let (before, after) = (resolved(&image, FILES), resolved(&image, NEW_FILES));
    let resolutions = Resolutions {
        before: before.clone(),
        after: after.clone(),
    };
    let d = diff_resolved(&image, &image, &resolutions).unwrap();
    use LayerReason::*;
    use LayerStatus::*;
    assert_eq!(
        reasons(&d),
        [
            (None, Reused, Unchanged),
            (Some(0), Reused, Unchanged),
            (Some(1), Rebuild, FilesChanged),
            (Some(2), Rebuild, AfterRebuild),
        ]
    );
    assert_eq!(
        (d.reused, d.rebuild, d.unknown, d.first_rebuild),
        (2, 2, 0, Some(2))
    );
    // The same specs over other files: not identical, though the Dockerfiles are the same.
    assert!(!d.identical && d.hunks.is_empty(), "{d:?}");
    assert_eq!(
        d.before.image_hash.as_deref(),
        Some(before.image_hash.as_str())
    );
    assert_eq!(
        d.after.image_hash.as_deref(),
        Some(after.image_hash.as_str())
    );
    assert_ne!(d.before.image_hash, d.after.image_hash);
    // Without resolutions the same layers are unknown.
    let pure = diff(&image, &image).unwrap();
    assert_eq!((pure.unknown, pure.rebuild), (2, 0));
    assert!(pure.identical && pure.before.image_hash.is_none());
}

#[test]
fn the_same_files_reuse_every_layer() {
    let image = requirements_image("req.txt");
    let resolutions = Resolutions {
        before: resolved(&image, FILES),
        after: resolved(&image, FILES),
    };
    let d = diff_resolved(&image, &image, &resolutions).unwrap();
    assert!(
        d.layers.iter().all(|l| l.status == LayerStatus::Reused),
        "{d:?}"
    );
    assert_eq!(
        (d.reused, d.rebuild, d.unknown, d.first_rebuild),
        (4, 0, 0, None)
    );
    assert!(d.identical && d.hunks.is_empty());
    assert!(d.before.unrendered.is_empty() && d.after.unrendered.is_empty());
    // The pure diff's JSON has no imageHash (its vectors are unchanged); this one has both.
    let json = serde_json::to_value(&d).unwrap();
    assert!(json["after"]["imageHash"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    let pure = serde_json::to_value(diff(&image, &image).unwrap()).unwrap();
    assert!(pure["after"].get("imageHash").is_none());
}

#[test]
fn the_hunks_are_those_of_the_resolved_dockerfiles() {
    let pre = PipOptions {
        pre: true,
        ..PipOptions::default()
    };
    let (before, after) = (
        requirements_image("req.txt"),
        requirements_image_with("req.txt", &pre),
    );
    let files = [("req.txt", "flask\n"), ("job.py", "x\n")];
    let resolutions = Resolutions {
        before: resolved(&before, &files),
        after: resolved(&after, &files),
    };
    let d = diff_resolved(&before, &after, &resolutions).unwrap();
    assert_eq!(
        d.steps.changed,
        [StepPair {
            before: 1,
            after: 1
        }]
    );
    assert_eq!(d.layers[2].reason, LayerReason::Changed);
    let text = unified(&d);
    assert!(!text.contains(UNRENDERED_PREFIX), "{text}");
    assert!(
        text.contains("\n-RUN ") && text.contains("\n+RUN ") && text.contains("--pre"),
        "{text}"
    );
    assert_eq!(d.after.lines, resolutions.after.dockerfile.lines().count());
    // The layers' lines are those of the resolved Dockerfile.
    let lines: Vec<_> = d.layers.iter().map(|l| l.lines).collect();
    let wanted: Vec<_> = resolutions.after.layers.iter().map(|l| l.lines).collect();
    assert_eq!(lines, wanted);
    // The hunks turn the before Dockerfile into the after one.
    let before_lines: Vec<&str> = resolutions.before.dockerfile.lines().collect();
    let after_lines: Vec<String> = resolutions
        .after
        .dockerfile
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(apply(&before_lines, &d.hunks), after_lines);
}

#[test]
fn a_resolution_of_another_image_is_refused_naming_its_side() {
    let image = requirements_image("req.txt");
    let ours = resolved(&image, FILES);
    let check = |resolutions: Resolutions, argument: &str| {
        let e = diff_resolved(&image, &image, &resolutions).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument, "{e}");
        assert_eq!(e.argument.as_deref(), Some(argument), "{e}");
        assert!(e.message.len() > 20, "{e}");
    };
    // Another step (same op, other packages): its layer hash is not this image's step.
    let other = Image::debian_slim(&DebianSlimOptions::default())
        .and_then(|i| i.apt_install(&["curl"]))
        .and_then(|i| i.pip_install_from_requirements("req.txt", &PipOptions::default()))
        .and_then(|i| i.run_commands(&["echo done"]))
        .and_then(|i| i.add_local_file("job.py", None))
        .unwrap();
    let theirs = resolved(&other, FILES);
    check(
        Resolutions {
            before: ours.clone(),
            after: theirs.clone(),
        },
        "resolutions.after.layers[1].hash",
    );
    check(
        Resolutions {
            before: theirs,
            after: ours.clone(),
        },
        "resolutions.before.layers[1].hash",
    );
    // Fewer steps: the layer count.
    let short = resolved(
        &Image::debian_slim(&DebianSlimOptions::default()).unwrap(),
        &[],
    );
    check(
        Resolutions {
            before: short,
            after: ours.clone(),
        },
        "resolutions.before.layers",
    );
    // Another op at a place.
    let mut edited = ours.clone();
    edited.layers[3].op = "runCommands2".into();
    check(
        Resolutions {
            before: ours.clone(),
            after: edited,
        },
        "resolutions.after.layers[3]",
    );
    // An edited input: its hash no longer covers it.
    let mut edited = ours.clone();
    edited.layers[2].inputs[0].mode = 0o755;
    check(
        Resolutions {
            before: ours.clone(),
            after: edited,
        },
        "resolutions.after.layers[2].hash",
    );
    // An image hash that is not the last layer's.
    let mut edited = ours.clone();
    edited.image_hash = edited.layers[0].hash.clone();
    check(
        Resolutions {
            before: ours.clone(),
            after: edited,
        },
        "resolutions.after.imageHash",
    );
    // Lines that do not tile the Dockerfile.
    let mut edited = ours.clone();
    edited.layers[2].lines = Some(DiffLines { first: 1, last: 1 });
    check(
        Resolutions {
            before: ours.clone(),
            after: edited,
        },
        "resolutions.after.layers[2].lines",
    );
    let mut edited = ours.clone();
    edited.dockerfile.push_str("RUN extra\n");
    check(
        Resolutions {
            before: edited,
            after: ours,
        },
        "resolutions.before.dockerfile",
    );
}

#[test]
fn a_changed_base_dockerfile_rebuilds_from_the_base() {
    let image = Image::from_dockerfile("Dockerfile", &Default::default())
        .and_then(|i| i.run_commands(&["echo hi"]))
        .unwrap();
    let before = resolved(&image, &[("Dockerfile", "FROM alpine:3.20\n")]);
    let after = resolved(&image, &[("Dockerfile", "FROM alpine:3.21\n")]);
    let d = diff_resolved(&image, &image, &Resolutions { before, after }).unwrap();
    use LayerReason::*;
    assert_eq!(
        reasons(&d),
        [
            (None, LayerStatus::Rebuild, FilesChanged),
            (Some(0), LayerStatus::Rebuild, AfterRebuild),
        ]
    );
    assert!(d.before.unrendered.is_empty());
    assert_eq!(
        unified(&d).matches("FROM alpine").count(),
        2,
        "{}",
        unified(&d)
    );
}

/// The wasm test (tests/wasm.rs, in Node and headless Chromium) embeds the vectors one by one (a
/// wasm test cannot list a folder); a vector missing from its list would silently not run in
/// wasm, so every vector file must be named there.
#[test]
fn the_wasm_test_embeds_every_diff_vector() {
    json_vectors::assert_wasm_test_embeds_all("vectors-diff", "DIFF_VECTORS");
}

#[path = "support/spec_strategies.rs"]
mod spec_strategies;

/// Applies `hunks` to `before`'s lines (checking every kept and removed line against it) and
/// answers the lines they lead to.
fn apply(before: &[&str], hunks: &[apothic_image::diff::Hunk]) -> Vec<String> {
    let mut out = Vec::new();
    let mut next = 0; // index into `before` of the first line not yet copied
    for hunk in hunks {
        let start = hunk.before_start.saturating_sub(1);
        let start = if hunk.before_lines == 0 {
            hunk.before_start
        } else {
            start
        };
        out.extend(before[next..start].iter().map(|l| l.to_string()));
        next = start;
        for line in &hunk.lines {
            match line.kind {
                LineKind::Keep => {
                    assert_eq!(before[next], line.text, "a kept line is the before line");
                    out.push(line.text.clone());
                    next += 1;
                }
                LineKind::Remove => {
                    assert_eq!(before[next], line.text, "a removed line is the before line");
                    next += 1;
                }
                LineKind::Add => out.push(line.text.clone()),
            }
        }
    }
    out.extend(before[next..].iter().map(|l| l.to_string()));
    out
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// For any two images that render without files: the hunks turn the before Dockerfile into
    /// the after one, every layer of `after` is counted once, and an image compared with itself
    /// is identical with nothing rebuilt.
    #[test]
    fn hunks_turn_before_into_after(
        a in spec_strategies::spec(),
        other in spec_strategies::spec(),
        cuts in (0usize..8, 0usize..4, 0usize..8, proptest::bool::ANY),
    ) {
        // `after` is `before` edited: its first steps kept, a few of `other`'s put in, a few of
        // its own left out, the rest kept; the base kept or replaced.
        let (keep, insert, skip, new_base) = cuts;
        let keep = keep.min(a.steps.len());
        let mut b = a.clone();
        b.steps = a.steps[..keep].to_vec();
        b.steps.extend(other.steps.iter().take(insert).cloned());
        b.steps.extend(a.steps.iter().skip(keep + skip).cloned());
        if new_base {
            b.base = other.base.clone();
        }
        let (Ok(a), Ok(b)) = (Image::from_spec(&a), Image::from_spec(&b)) else { return Ok(()) };
        let same = diff(&a, &a).expect("an image against itself");
        proptest::prop_assert!(same.identical && same.hunks.is_empty() && same.rebuild == 0);
        let changes = diff(&a, &b).expect("two small images");
        proptest::prop_assert_eq!(changes.reused + changes.rebuild + changes.unknown, changes.layers.len());
        proptest::prop_assert_eq!(changes.identical, a.definition_hash() == b.definition_hash());
        let (Ok(before), Ok(after)) = (a.dockerfile(), b.dockerfile()) else { return Ok(()) };
        let before_lines: Vec<&str> = before.lines().collect();
        let after_lines: Vec<String> = after.lines().map(str::to_string).collect();
        proptest::prop_assert_eq!(apply(&before_lines, &changes.hunks), after_lines);
    }
}
