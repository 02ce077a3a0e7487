//! POSIX path arithmetic, purely lexical (nothing here touches a file system): the one lexical
//! clean ([`clean`], Go's `path.Clean`) that every path normaliser of the crate uses, for paths
//! inside the image (workdir and remote paths, [`resolve`]), in the build context (dockerignore
//! patterns) and among requirement files; and the join of a host path with a relative one
//! ([`join`]).

/// The working directory an image starts with, as Apothic runs functions from `/root`. It is the
/// base of relative `workdir` and remote paths until a `workdir` step changes it (the base
/// image's own `WORKDIR` cannot be known without pulling it, so it is never used).
pub const DEFAULT_WORKDIR: &str = "/root";

/// The working directory a `fromDockerfile` base starts with: its Dockerfile's own `WORKDIR`,
/// which only resolution reads, so relative paths stay relative to it until then.
pub const DOCKERFILE_WORKDIR: &str = ".";

/// Cleans a `/`-separated path lexically, as Go's `path.Clean` (= `filepath.Clean` on Unix):
/// `.` and empty segments drop, `..` pops the segment before it (at the start of a relative
/// path it is kept; at the root of an absolute one it drops), no trailing `/` (except `/`), and
/// an empty result is `"."`.
pub fn clean(path: &str) -> String {
    let p = path.as_bytes();
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p[0] == b'/';
    let n = p.len();
    let mut out: Vec<u8> = Vec::with_capacity(n);
    let (mut r, mut dotdot) = (0, 0);
    if rooted {
        out.push(b'/');
        (r, dotdot) = (1, 1);
    }
    while r < n {
        if p[r] == b'/' || (p[r] == b'.' && (r + 1 == n || p[r + 1] == b'/')) {
            // An empty or `.` element.
            r += 1;
        } else if p[r] == b'.' && p[r + 1] == b'.' && (r + 2 == n || p[r + 2] == b'/') {
            r += 2;
            if out.len() > dotdot {
                out.pop();
                while out.len() > dotdot && out.last() != Some(&b'/') {
                    out.pop();
                }
                if out.len() > dotdot {
                    out.pop();
                }
            } else if !rooted {
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(b"..");
                dotdot = out.len();
            }
        } else {
            if out.len() != usize::from(rooted) {
                out.push(b'/');
            }
            while r < n && p[r] != b'/' {
                out.push(p[r]);
                r += 1;
            }
        }
    }
    if out.is_empty() {
        return ".".into();
    }
    // Only whole elements were copied or removed at `/` boundaries: still UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

/// Go's `filepath.Dir`: everything up to the last `/`, cleaned (`"."` when there is none).
pub fn dir(path: &str) -> String {
    clean(path.rfind('/').map_or("", |k| &path[..=k]))
}

/// Joins a host path and a relative one with `/`, without cleaning either: an empty `relative`
/// is `root`, an empty or `.` root is `relative`, and a root that ends in `/` gets no second one.
pub fn join(root: &str, relative: &str) -> String {
    match (root, relative) {
        (root, "") => root.to_string(),
        ("" | ".", relative) => relative.to_string(),
        (root, relative) if root.ends_with('/') => format!("{root}{relative}"),
        (root, relative) => format!("{root}/{relative}"),
    }
}

/// Resolves `path` against the absolute `cwd` and normalises it ([`clean`] from the root): `.`
/// and empty segments drop, `..` pops (never above `/`). The result is absolute and has no
/// trailing slash (except `/`).
pub fn resolve(cwd: &str, path: &str) -> String {
    let base = if path.starts_with('/') { "" } else { cwd };
    clean(&format!("/{base}/{path}"))
}

/// [`resolve`] for a working directory that may be relative: a relative `cwd` stands for a
/// folder not known yet (a `fromDockerfile` base's `WORKDIR`, see docs/api.md), so a relative
/// `path` stays relative to that same folder, cleaned (`"."` is the folder itself, and leading
/// `..` segments are kept). With an absolute `cwd`, or an absolute `path`, it is [`resolve`].
pub fn resolve_from(cwd: &str, path: &str) -> String {
    if cwd.starts_with('/') || path.starts_with('/') {
        resolve(cwd, path)
    } else {
        clean(&join(cwd, path))
    }
}

/// The last meaningful segment of a local path (`"./src/"` → `"src"`), or `None` when the path
/// has none (`"."`, `".."`, `"/"`).
pub fn basename(path: &str) -> Option<&str> {
    path.split(['/', '\\'])
        .rev()
        .find(|segment| !segment.is_empty() && *segment != ".")
        .filter(|segment| *segment != "..")
}

/// Where a local file or folder lands: `remote` absolute as is, relative to `cwd`; a missing
/// remote is `{cwd}/{basename}`, and a remote ending in `/` takes the local basename. A
/// relative `cwd` gives a relative result for a relative remote ([`resolve_from`]).
/// A remote that resolves to the root (`/..`, `x/../..`) is the root folder, so it also takes
/// the basename: the stored path `/` would otherwise mean something else when read again
/// (`/` ends in `/`), and `fromSpec(toSpec(x))` would not be `x` (found by fuzzing).
/// `None` when a basename is needed but the local path has none.
pub fn remote_path(cwd: &str, local: &str, remote: Option<&str>) -> Option<String> {
    match remote {
        Some(remote) if !remote.ends_with('/') => match resolve_from(cwd, remote) {
            root if root == "/" => Some(resolve("/", basename(local)?)),
            path => Some(path),
        },
        Some(dir) => Some(resolve_from(&resolve_from(cwd, dir), basename(local)?)),
        None => Some(resolve_from(cwd, basename(local)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_is_go_path_clean() {
        for (input, want) in [
            ("", "."),
            ("abc", "abc"),
            ("abc/def", "abc/def"),
            ("a/b/c", "a/b/c"),
            (".", "."),
            ("..", ".."),
            ("../..", "../.."),
            ("../../abc", "../../abc"),
            ("/abc", "/abc"),
            ("/", "/"),
            ("abc/", "abc"),
            ("abc/def/", "abc/def"),
            ("a/b/c/", "a/b/c"),
            ("./", "."),
            ("../", ".."),
            ("../../", "../.."),
            ("/abc/", "/abc"),
            ("abc//def//ghi", "abc/def/ghi"),
            ("//abc", "/abc"),
            ("///abc", "/abc"),
            ("//abc//", "/abc"),
            ("abc//", "abc"),
            ("abc/./def", "abc/def"),
            ("/./abc/def", "/abc/def"),
            ("abc/.", "abc"),
            ("abc/def/ghi/../jkl", "abc/def/jkl"),
            ("abc/def/../ghi/../jkl", "abc/jkl"),
            ("abc/def/..", "abc"),
            ("abc/def/../..", "."),
            ("/abc/def/../..", "/"),
            ("abc/def/../../..", ".."),
            ("/abc/def/../../..", "/"),
            ("abc/def/../../../ghi/jkl/../../../mno", "../../mno"),
            ("/../abc", "/abc"),
            ("abc/./../def", "def"),
            ("abc//./../def", "def"),
            ("abc/../../././../def", "../../def"),
            ("!/x/../y", "!/y"),
            ("./a//b/.", "a/b"),
            ("a/..", "."),
        ] {
            assert_eq!(clean(input), want, "clean({input})");
        }
    }

    #[test]
    fn dir_is_go_filepath_dir() {
        for (input, want) in [
            ("", "."),
            ("file", "."),
            ("file/", "file"),
            ("dir/file", "dir"),
            ("dir/file/", "dir/file"),
            ("/", "/"),
            ("/x", "/"),
            ("a//b", "a"),
        ] {
            assert_eq!(dir(input), want, "dir({input})");
        }
    }

    #[test]
    fn join_adds_one_slash_and_cleans_nothing() {
        assert_eq!(join("proj", "a/b"), "proj/a/b");
        assert_eq!(join("proj/", "a"), "proj/a");
        assert_eq!(join("/", "a"), "/a");
        assert_eq!(join("proj", ""), "proj");
        assert_eq!(join(".", "a"), "a");
        assert_eq!(join("", "a"), "a");
        assert_eq!(join("a/../b", "./c"), "a/../b/./c");
    }

    #[test]
    fn resolves_relative_and_dot_segments() {
        assert_eq!(resolve("/root", "app"), "/root/app");
        assert_eq!(resolve("/root", "/srv//x/./y/"), "/srv/x/y");
        assert_eq!(resolve("/root", "../../.."), "/");
        assert_eq!(resolve("/a/b", "../c"), "/a/c");
        assert_eq!(resolve("/", "."), "/");
    }

    #[test]
    fn a_relative_cwd_keeps_relative_paths_relative() {
        assert_eq!(resolve_from(".", "src"), "src");
        assert_eq!(resolve_from(".", "./src/"), "src");
        assert_eq!(resolve_from("src", "../.."), "..");
        assert_eq!(resolve_from("src", "x/.."), "src");
        assert_eq!(resolve_from(".", "."), ".");
        assert_eq!(resolve_from("src", "/srv/./x"), "/srv/x");
        assert_eq!(resolve_from("/app", "src"), "/app/src");
        assert_eq!(remote_path(".", "a.txt", None), Some("a.txt".into()));
        assert_eq!(
            remote_path(".", "a.txt", Some("x/")),
            Some("x/a.txt".into())
        );
        assert_eq!(remote_path(".", "a.txt", Some("..")), Some("..".into()));
        assert_eq!(remote_path(".", "a.txt", Some("/")), Some("/a.txt".into()));
    }

    #[test]
    fn a_remote_resolving_to_the_root_takes_the_basename() {
        assert_eq!(remote_path("/root", " ", Some("/..")), Some("/ ".into()));
        assert_eq!(
            remote_path("/root", "src", Some("../..")),
            Some("/src".into())
        );
        assert_eq!(remote_path("/root", "src", Some("/")), Some("/src".into()));
        assert_eq!(remote_path("/root", ".", Some("/..")), None);
    }

    #[test]
    fn basename_skips_trailing_separators_and_dots() {
        assert_eq!(basename("./src/"), Some("src"));
        assert_eq!(basename("a/b.txt"), Some("b.txt"));
        assert_eq!(basename("."), None);
        assert_eq!(basename("/"), None);
        assert_eq!(basename("x/.."), None);
    }

    #[test]
    fn remote_path_rules() {
        assert_eq!(
            remote_path("/root", "data/a.txt", None).as_deref(),
            Some("/root/a.txt")
        );
        assert_eq!(
            remote_path("/w", "a.txt", Some("b.txt")).as_deref(),
            Some("/w/b.txt")
        );
        assert_eq!(
            remote_path("/w", "src", Some("/opt/")).as_deref(),
            Some("/opt/src")
        );
        assert_eq!(remote_path("/w", "src", Some("/")).as_deref(), Some("/src"));
        assert_eq!(remote_path("/w", ".", None), None);
        assert_eq!(
            remote_path("/w", ".", Some("/app")).as_deref(),
            Some("/app")
        );
    }
}
