//! The product's defaults, in one place: every value the package picks when the user gives none,
//! and the images it names on its own. The builder, the renderer and resolution read them from
//! here; the crate root re-exports the ones its API documents.

/// The Python version `debianSlim` uses when none is given.
pub const DEFAULT_PYTHON_VERSION: &str = "3.11";

/// The image a `FROM`-less Dockerfile (a fragment) starts from by default.
pub const DEFAULT_DOCKERFILE_BASE: &str = "python:3.11-slim";

/// The uv release `uvPipInstall*` copies in when no `uvVersion` is given.
pub const DEFAULT_UV_VERSION: &str = "0.13.9";

/// The image uv is copied from; the tag is the step's pinned `uvVersion`.
pub const UV_IMAGE: &str = "ghcr.io/astral-sh/uv";

/// The image a `debianSlim` base starts from (`python:3.12-slim-trixie`): the official Python
/// image's slim variant on Debian trixie.
pub fn debian_slim_reference(python_version: &str) -> String {
    format!("python:{python_version}-slim-trixie")
}

/// [`DEFAULT_PYTHON_VERSION`] as a `String`: a hand-written spec's `debianSlim` base without
/// `pythonVersion` gets it.
pub fn python_version() -> String {
    DEFAULT_PYTHON_VERSION.to_string()
}

/// [`DEFAULT_UV_VERSION`] as a `String`: a hand-written spec's `uvPipInstall*` step without
/// `uvVersion` gets it.
pub fn uv_version() -> String {
    DEFAULT_UV_VERSION.to_string()
}

/// [`DEFAULT_DOCKERFILE_BASE`] as a `String`: a `fromDockerfile` base without `base` gets it.
pub fn dockerfile_base() -> String {
    DEFAULT_DOCKERFILE_BASE.to_string()
}

/// The build context a `fromDockerfile` base uses when no `contextDir` is given: the
/// Dockerfile's folder (`docker/app.Dockerfile` → `docker`, `Dockerfile` → `.`).
pub fn dockerfile_context_dir(path: &str) -> String {
    match path.trim_end_matches('/').rsplit_once('/') {
        Some(("", _)) => "/".to_string(),
        Some((dir, _)) => dir.to_string(),
        None => ".".to_string(),
    }
}

/// The managed CPython version installed when a base image has no suitable Python.
pub const MANAGED_PYTHON_VERSION: &str = "3.12.11";

/// The python-build-standalone release the managed CPython comes from.
pub const MANAGED_PYTHON_RELEASE: &str = "20250723";

/// Where the managed CPython's `install_only` tarball is downloaded from; `{version}`,
/// `{release}`, `{arch}` (`x86_64`, `aarch64`) and `{libc}` (`gnu`, `musl`) are filled in.
pub const MANAGED_PYTHON_URL_TEMPLATE: &str = "https://github.com/astral-sh/python-build-standalone/releases/download/{release}/cpython-{version}+{release}-{arch}-unknown-linux-{libc}-install_only.tar.gz";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerfile_context_dir_is_the_dockerfiles_folder() {
        assert_eq!(dockerfile_context_dir("Dockerfile"), ".");
        assert_eq!(dockerfile_context_dir("docker/app.Dockerfile"), "docker");
        assert_eq!(dockerfile_context_dir("/Dockerfile"), "/");
    }

    #[test]
    fn the_dockerfile_base_uses_the_default_python() {
        assert_eq!(
            DEFAULT_DOCKERFILE_BASE,
            format!("python:{DEFAULT_PYTHON_VERSION}-slim")
        );
        assert_eq!(
            debian_slim_reference(DEFAULT_PYTHON_VERSION),
            "python:3.11-slim-trixie"
        );
    }
}
