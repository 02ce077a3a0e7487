//! The byte budget of one call (`maxBytes`) and file identity through symlinks (issue #13, holes 1
//! and 14a): 32 symlinked folders `sN -> .` make 999 include paths to one 16 MiB requirements
//! file; the budget stops the reads, and a host that says where files really are makes it a
//! cycle read once. Listings and build contexts count against the budget too. The requirements
//! parser holds a small multiple of its input (measured with a counting allocator).

#[path = "support/memory_host.rs"]
mod memory_host;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};

use apothic_image::formats::requirements;
use apothic_image::limits::{DEFAULT_MAX_BYTES, MAX_MAX_BYTES, MAX_TEXT_FILE_BYTES};
use apothic_image::resolve::{
    build_context, resolve, DirEntry, EntryKind, Host, ImageInspection, PythonModule,
    ResolveOptions,
};
use apothic_image::spec::PipOptions;
use apothic_image::{ErrorCode, Image, Result};
use memory_host::{block_on, MemoryHost};

// ---------------------------------------------------------------------------------------------
// A counting allocator: the peak bytes allocated on the measuring thread.

struct Counting;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = LIVE.try_with(|live| {
            live.set(live.get() + layout.size());
            let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
        });
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let _ = LIVE.try_with(|live| live.set(live.get().saturating_sub(layout.size())));
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The most bytes `f` holds at once beyond what was live before, on this thread.
fn peak_of(f: impl FnOnce()) -> usize {
    let before = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(before));
    f();
    PEAK.with(Cell::get) - before
}

// ---------------------------------------------------------------------------------------------
// A project where `sN -> .` for N in 0..32: every `sA/sB/.../big.txt` is `big.txt`.

const LINKS: usize = 32;

/// `big.txt`: 999 includes of itself through two symlinked folders each, padded to 16 MiB.
fn big_requirements() -> Vec<u8> {
    let mut text = String::new();
    for k in 0..999 {
        text.push_str(&format!(
            "-r s{}/s{}/big.txt\n",
            k % LINKS,
            (k / LINKS) % LINKS
        ));
    }
    text.push('#');
    let size = MAX_TEXT_FILE_BYTES as usize;
    text.push_str(&"x".repeat(size - text.len()));
    text.into_bytes()
}

/// A host over that project (real symlinks resolved as the file system would), counting the
/// bytes it hands out; `real_paths` says whether it has the `realPath` capability.
struct SymlinkHost {
    big: Vec<u8>,
    real_paths: bool,
    bytes_read: Cell<u64>,
    reads: Cell<usize>,
}

impl SymlinkHost {
    fn new(real_paths: bool) -> SymlinkHost {
        SymlinkHost {
            big: big_requirements(),
            real_paths,
            bytes_read: Cell::new(0),
            reads: Cell::new(0),
        }
    }

    /// The path with every `sN/` folder followed (each is `.`).
    fn real(path: &str) -> String {
        path.split('/')
            .filter(|s| !(s.starts_with('s') && s[1..].parse::<usize>().is_ok_and(|n| n < LINKS)))
            .collect::<Vec<_>>()
            .join("/")
    }
}

impl Host for SymlinkHost {
    async fn read_file(&self, path: &str) -> Result<Vec<u8>> {
        assert_eq!(Self::real(path), "big.txt", "{path}");
        self.reads.set(self.reads.get() + 1);
        self.bytes_read
            .set(self.bytes_read.get() + self.big.len() as u64);
        Ok(self.big.clone())
    }

    async fn read_dir(&self, _path: &str) -> Result<Vec<DirEntry>> {
        let mut entries: Vec<DirEntry> = (0..LINKS)
            .map(|n| DirEntry {
                name: format!("s{n}"),
                kind: EntryKind::Symlink,
                size: 0,
                mode: 0o777,
            })
            .collect();
        entries.push(DirEntry {
            name: "big.txt".into(),
            kind: EntryKind::File,
            size: self.big.len() as u64,
            mode: 0o644,
        });
        Ok(entries)
    }

    async fn digest_file(&self, _path: &str, _size: u64) -> Result<String> {
        Ok(apothic_image::hash::sha256_hex(&self.big))
    }

    async fn real_path(&self, path: &str) -> Result<Option<String>> {
        Ok(self.real_paths.then(|| Self::real(path)))
    }

    async fn resolve_python_module(&self, _name: &str) -> Result<Option<PythonModule>> {
        Ok(None)
    }

    async fn inspect_image(&self, _reference: &str) -> Result<Option<ImageInspection>> {
        Ok(None)
    }

    async fn lookup_derived(&self, _image_hash: &str) -> Result<Option<String>> {
        Ok(None)
    }
}

fn slim() -> Image {
    Image::debian_slim(&Default::default()).unwrap()
}

fn requirements_image(path: &str) -> Image {
    slim()
        .pip_install_from_requirements(path, &PipOptions::default())
        .unwrap()
}

#[test]
fn symlinked_includes_of_one_big_file_stop_at_the_byte_budget() {
    let host = SymlinkHost::new(false);
    let e = block_on(resolve(
        &requirements_image("big.txt"),
        &host,
        &ResolveOptions::default(),
    ))
    .expect_err("16 GB of includes");
    assert_eq!(e.code, ErrorCode::ResolveTooLarge, "{e}");
    assert!(e.message.contains("maxBytes of 256 MiB"), "{e}");
    // Stopped before the file that would pass the budget was copied in.
    assert!(host.bytes_read.get() <= DEFAULT_MAX_BYTES + MAX_TEXT_FILE_BYTES);
    assert!(host.reads.get() <= 17, "{} reads", host.reads.get());
}

#[test]
fn a_file_reached_again_through_a_symlink_is_a_cycle_read_once() {
    let host = SymlinkHost::new(true);
    let e = block_on(resolve(
        &requirements_image("big.txt"),
        &host,
        &ResolveOptions::default(),
    ))
    .expect_err("a cycle");
    assert_eq!(e.code, ErrorCode::RequirementsSyntax, "{e}");
    assert!(
        e.message.contains(
            "(big.txt → s0/s0/big.txt; \"s0/s0/big.txt\" is \"big.txt\" through a symlink)"
        ),
        "{e}"
    );
    assert_eq!(e.file.as_deref(), Some("big.txt"));
    assert_eq!(e.position.map(|p| (p.line, p.column)), Some((1, 1)));
    assert_eq!(host.reads.get(), 1);
}

/// `link -> .` with a host that answers `realPath`: `link/base.txt` is `base.txt`.
struct LinkedHost {
    inner: MemoryHost,
    reads: RefCell<Vec<String>>,
}

impl Host for LinkedHost {
    async fn read_file(&self, path: &str) -> Result<Vec<u8>> {
        self.reads.borrow_mut().push(path.to_string());
        self.inner
            .read_file(path.strip_prefix("link/").unwrap_or(path))
            .await
    }
    async fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>> {
        self.inner.read_dir(path).await
    }
    async fn digest_file(&self, path: &str, size: u64) -> Result<String> {
        self.inner
            .digest_file(path.strip_prefix("link/").unwrap_or(path), size)
            .await
    }
    async fn real_path(&self, path: &str) -> Result<Option<String>> {
        Ok(Some(path.strip_prefix("link/").unwrap_or(path).to_string()))
    }
    async fn resolve_python_module(&self, name: &str) -> Result<Option<PythonModule>> {
        self.inner.resolve_python_module(name).await
    }
    async fn inspect_image(&self, reference: &str) -> Result<Option<ImageInspection>> {
        self.inner.inspect_image(reference).await
    }
    async fn lookup_derived(&self, image_hash: &str) -> Result<Option<String>> {
        self.inner.lookup_derived(image_hash).await
    }
}

#[test]
fn a_file_included_through_two_paths_is_read_once_and_laid_out_at_both() {
    let files = [
        ("requirements.txt", "-r base.txt\n-r link/base.txt\n"),
        ("base.txt", "-c pins.txt\nflask\n"),
        ("pins.txt", "flask==3.0\n"),
    ];
    let linked = LinkedHost {
        inner: MemoryHost::with(&files),
        reads: RefCell::new(Vec::new()),
    };
    let image = requirements_image("requirements.txt");
    let r = block_on(resolve(&image, &linked, &ResolveOptions::default())).expect("resolves");
    // base.txt and pins.txt are read once; base.txt's include is followed from both places,
    // and both copies are laid out (pip reads both paths inside the image).
    assert_eq!(
        *linked.reads.borrow(),
        ["requirements.txt", "base.txt", "pins.txt"]
    );
    let paths: Vec<(&str, &str)> = r
        .context
        .iter()
        .map(|f| (f.path.as_str(), f.source.as_str()))
        .collect();
    assert_eq!(
        paths,
        [
            (".apothic/steps/0/base.txt", "base.txt"),
            (".apothic/steps/0/link/base.txt", "link/base.txt"),
            (".apothic/steps/0/link/pins.txt", "link/pins.txt"),
            (".apothic/steps/0/pins.txt", "pins.txt"),
            (".apothic/steps/0/requirements.txt", "requirements.txt"),
        ]
    );
    assert_eq!(r.context[0].sha256, r.context[1].sha256);
    assert_eq!(r.context[0].size, r.context[1].size);
    // The same layout and hashes as a host that reads every path (the file system's answer).
    let plain = MemoryHost::with(&files)
        .file("link/base.txt", files[1].1.as_bytes(), 0o644)
        .file("link/pins.txt", files[2].1.as_bytes(), 0o644);
    let expected = block_on(resolve(&image, &plain, &ResolveOptions::default())).unwrap();
    assert_eq!(r.image_hash, expected.image_hash);
    assert_eq!(r.context, expected.context);
}

fn folder_host(files: usize) -> MemoryHost {
    let mut host = MemoryHost::default();
    for i in 0..files {
        host = host.file(&format!("proj/file-{i:04}.txt"), b"x", 0o644);
    }
    host
}

fn with_max_bytes(max_bytes: u64) -> ResolveOptions {
    ResolveOptions {
        max_bytes,
        ..ResolveOptions::default()
    }
}

#[test]
fn listings_count_against_max_bytes() {
    let image = slim()
        .copy_local_dir("proj", Some("/app"), &[] as &[&str])
        .unwrap();
    let host = folder_host(100);
    // 100 entries of 13-byte names cost 100 × (64 + 13) bytes.
    assert!(block_on(resolve(&image, &host, &with_max_bytes(8_000))).is_ok());
    let e = block_on(resolve(&image, &host, &with_max_bytes(7_000))).unwrap_err();
    assert_eq!(e.code, ErrorCode::ResolveTooLarge, "{e}");
    assert!(e.message.contains("the listing of \"proj\""), "{e}");
    // Through readDir calls outside walks too (copyLocalFile lists the file's folder).
    let single = slim()
        .copy_local_file("proj/file-0000.txt", Some("/app/x"))
        .unwrap();
    let e = block_on(resolve(&single, &host, &with_max_bytes(1_000))).unwrap_err();
    assert_eq!(e.code, ErrorCode::ResolveTooLarge, "{e}");
}

#[test]
fn files_read_whole_count_against_max_bytes() {
    let host = MemoryHost::with(&[("r.txt", "-r a.txt\n"), ("a.txt", "flask\n")]);
    let image = requirements_image("r.txt");
    assert!(block_on(resolve(&image, &host, &with_max_bytes(15))).is_ok());
    let e = block_on(resolve(&image, &host, &with_max_bytes(14))).unwrap_err();
    assert_eq!(e.code, ErrorCode::ResolveTooLarge, "{e}");
    assert!(e.message.contains("reading \"a.txt\""), "{e}");
}

#[test]
fn the_build_context_counts_against_max_bytes() {
    let image = slim()
        .copy_local_dir("proj", Some("/app"), &[] as &[&str])
        .unwrap();
    let host = MemoryHost::default().file("proj/big.bin", &vec![7u8; 1 << 20], 0o644);
    assert!(block_on(build_context(&image, &host, &with_max_bytes(2 << 20))).is_ok());
    let e = block_on(build_context(&image, &host, &with_max_bytes(1 << 20))).unwrap_err();
    assert_eq!(e.code, ErrorCode::FolderTooLarge, "{e}");
    assert!(e.message.contains("maxBytes of 1 MiB"), "{e}");
    // resolve alone holds no file of a copied folder: it hashes them.
    assert!(block_on(resolve(&image, &host, &with_max_bytes(1_000))).is_ok());
}

#[test]
fn max_bytes_out_of_range_is_an_invalid_argument() {
    let host = MemoryHost::with(&[("r.txt", "flask\n")]);
    for max in [0, MAX_MAX_BYTES + 1] {
        let e = block_on(resolve(
            &requirements_image("r.txt"),
            &host,
            &with_max_bytes(max),
        ))
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument, "{e}");
        assert_eq!(e.argument.as_deref(), Some("options.maxBytes"));
    }
    assert_eq!(ResolveOptions::default().max_bytes, DEFAULT_MAX_BYTES);
}

/// One 16 MiB line took the parser to about 20× its size (326 MiB of wasm memory): a `char`
/// per byte, then a (char, line, column) per byte. It now holds the line and one word.
#[test]
fn the_requirements_parser_holds_a_small_multiple_of_a_long_line() {
    let size = MAX_TEXT_FILE_BYTES as usize;
    for text in [
        format!("-r {}", "a".repeat(size - 3)),
        "-x ".repeat(size / 3),
        format!("flask {}", "b".repeat(size - 6)),
        "a\\\n".repeat(size / 3),
    ] {
        let peak = peak_of(|| {
            requirements::includes(&text).unwrap();
        });
        assert!(
            peak <= 3 * text.len(),
            "{} MiB for {} MiB of text",
            peak >> 20,
            text.len() >> 20
        );
    }
    // Many includes: the walk keeps each distinct one once, and refuses more than it can read.
    let many: String = (0..200_000).map(|i| format!("-r f{i}.txt\n")).collect();
    let e = requirements::next_includes("r.txt", &many).unwrap_err();
    assert_eq!(e.code, ErrorCode::RequirementsSyntax, "{e}");
    let repeated = "-r same.txt\n".repeat(1 << 20);
    assert_eq!(
        requirements::next_includes("r.txt", &repeated).unwrap(),
        ["same.txt"]
    );
}
