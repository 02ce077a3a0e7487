//! Compose + render + definition hash for 5-, 20- and 500-step images (ARCHITECTURE.md §6 budgets: the
//! 20-step case is the one the wasm budget is stated for; cost must stay linear in steps).

use std::hint::black_box;

use apothic_image::{DebianSlimOptions, Image, PipOptions, UvPipOptions};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

/// A realistic image of `steps` steps, cycling through the renderable step kinds.
fn compose(steps: usize) -> Image {
    let mut image = Image::debian_slim(&DebianSlimOptions {
        python_version: Some("3.12".into()),
        ..DebianSlimOptions::default()
    })
    .expect("base");
    for i in 0..steps {
        image = match i % 8 {
            0 => image.apt_install(&["git", "curl", "libpq-dev"]),
            1 => image.pip_install(
                &["numpy>=2", "pandas", "requests==2.32.3"],
                &PipOptions::default(),
            ),
            2 => image.env(&[("APP_ENV", "production"), ("GREETING", "it's $HOME")]),
            3 => image.run_commands(&[
                "echo hello && ls -la /",
                "for i in 1 2; do\n  echo $i\ndone",
            ]),
            4 => image.workdir(&format!("/srv/app{i}")),
            5 => image.uv_pip_install(&["httpx", "fastapi[standard]"], &UvPipOptions::default()),
            6 => image.command_shell(Some("/bin/bash -euo pipefail -c")),
            _ => image.with_dockerfile("EXPOSE 8000\nUSER root"),
        }
        .expect("step");
    }
    image
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("compose+render+hash");
    for steps in [5usize, 20, 500] {
        group.throughput(Throughput::Elements(steps as u64));
        group.bench_with_input(BenchmarkId::from_parameter(steps), &steps, |b, &steps| {
            b.iter(|| {
                let image = compose(black_box(steps));
                let dockerfile = image.dockerfile().expect("render");
                black_box((dockerfile, image.definition_hash()))
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("render+hash");
    for steps in [5usize, 20, 500] {
        let image = compose(steps);
        group.throughput(Throughput::Elements(steps as u64));
        group.bench_with_input(BenchmarkId::from_parameter(steps), &image, |b, image| {
            b.iter(|| black_box((image.dockerfile().expect("render"), image.definition_hash())))
        });
    }
    group.finish();
}

criterion_group!(compose_render_hash, benches);
criterion_main!(compose_render_hash);
