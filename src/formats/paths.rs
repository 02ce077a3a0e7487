//! POSIX path arithmetic for paths inside the image (workdir and remote paths). Purely lexical:
//! nothing here touches a file system.

/// The working directory an image starts with, as Apothic runs functions from `/root`. It is the
/// base of relative `workdir` and remote paths until a `workdir` step changes it (the base
/// image's own `WORKDIR` cannot be known without pulling it, so it is never used).
pub const DEFAULT_WORKDIR: &str = "/root";

/// Resolves `path` against the absolute `cwd` and normalises it: `.` and empty segments drop,
/// `..` pops (never above `/`). The result is absolute and has no trailing slash (except `/`).
pub fn resolve(cwd: &str, path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let joined_start = if path.starts_with('/') { "" } else { cwd };
    for segment in joined_start.split('/').chain(path.split('/')) {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let mut out = String::with_capacity(path.len() + cwd.len() + 1);
    for part in &parts {
        out.push('/');
        out.push_str(part);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
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
/// remote is `{cwd}/{basename}`, and a remote ending in `/` takes the local basename.
/// A remote that resolves to the root (`/..`, `x/../..`) is the root folder, so it also takes
/// the basename: the stored path `/` would otherwise mean something else when read again
/// (`/` ends in `/`), and `fromSpec(toSpec(x))` would not be `x` (found by fuzzing).
/// `None` when a basename is needed but the local path has none.
pub fn remote_path(cwd: &str, local: &str, remote: Option<&str>) -> Option<String> {
    match remote {
        Some(remote) if !remote.ends_with('/') => match resolve(cwd, remote) {
            root if root == "/" => Some(resolve("/", basename(local)?)),
            path => Some(path),
        },
        Some(dir) => Some(resolve(&resolve(cwd, dir), basename(local)?)),
        None => Some(resolve(cwd, basename(local)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_and_dot_segments() {
        assert_eq!(resolve("/root", "app"), "/root/app");
        assert_eq!(resolve("/root", "/srv//x/./y/"), "/srv/x/y");
        assert_eq!(resolve("/root", "../../.."), "/");
        assert_eq!(resolve("/a/b", "../c"), "/a/c");
        assert_eq!(resolve("/", "."), "/");
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
