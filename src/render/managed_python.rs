//! The managed CPython (python-build-standalone `install_only` builds): where it comes from and
//! the instructions that install it. One implementation serves both `fromRegistry(ref,
//! { addPython })` and the plan's fallback for a base without a suitable Python.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::{Error, ErrorCode, Quoted, Result};
use crate::formats::quote::escape_dockerfile_word;
use crate::spec::defaults::{
    MANAGED_PYTHON_RELEASE, MANAGED_PYTHON_URL_TEMPLATE, MANAGED_PYTHON_VERSION,
};

/// The architecture `dockerfile()` renders an `addPython` install for (no host to ask).
pub const DEFAULT_ARCH: &str = "x86_64";

/// The libc `dockerfile()` renders an `addPython` install for (glibc; `musl` for Alpine).
pub const DEFAULT_LIBC: &str = "gnu";

/// Where the downloaded tarball sits until it is extracted.
const TARBALL: &str = "/tmp/apothic-python.tar.gz";

/// Where the managed CPython comes from. The URL is configuration: `{version}`, `{release}`,
/// `{arch}` (`x86_64`, `aarch64`) and `{libc}` (`gnu`, `musl`) are filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct ManagedPython {
    /// CPython version of the fallback install (`3.12.11`).
    pub version: String,
    /// python-build-standalone release tag (`20250723`).
    pub release: String,
    /// URL template of the `install_only` tarball.
    pub url_template: String,
    /// SHA-256 digests (64 lowercase hex digits) by tarball file name, as the release's
    /// `SHA256SUMS` file lists them (`cpython-3.12.11+20250723-x86_64-unknown-linux-gnu-install_only.tar.gz`).
    /// When the chosen tarball has one, the Dockerfile checks it with `sha256sum -c` before
    /// extracting. Empty by default.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub sha256: BTreeMap<String, String>,
}

impl Default for ManagedPython {
    fn default() -> Self {
        ManagedPython {
            version: MANAGED_PYTHON_VERSION.into(),
            release: MANAGED_PYTHON_RELEASE.into(),
            url_template: MANAGED_PYTHON_URL_TEMPLATE.into(),
            sha256: BTreeMap::new(),
        }
    }
}

/// The longest configured or host-given value shown in an error message, in characters.
const SHOWN_CHARS: usize = 80;

/// A value for an error message: quoted, control characters escaped, cut to [`SHOWN_CHARS`].
pub(crate) fn shown(value: &str) -> String {
    match value.char_indices().nth(SHOWN_CHARS) {
        Some((end, _)) => format!("{}…", Quoted(&value[..end])),
        None => Quoted(value).to_string(),
    }
}

/// Whether `text` is `X.Y` or `X.Y.Z` (each part 1 to 4 ASCII digits).
pub(crate) fn is_version(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| (1..=4).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

impl ManagedPython {
    /// Checks the options before they are put into a URL and a Dockerfile: `version` is
    /// `X.Y[.Z]`, `release` 1 to 64 letters, digits, `.`, `_` or `-`, `urlTemplate` an
    /// `https://` or `http://` URL of at most 2048 bytes without whitespace, control characters
    /// or quotes, and each `sha256` entry a file name (letters, digits, `.`, `_`, `-`, `+`) with
    /// 64 lowercase hex digits. Errors are `INVALID_ARGUMENT` at `options.managedPython.<field>`.
    pub fn check(&self) -> Result<()> {
        let bad = |field: &str, value: &str, expected: &str| {
            Err(Error::new(
                ErrorCode::InvalidArgument,
                format!(
                    "managedPython.{field} is {}, expected {expected}",
                    shown(value)
                ),
            )
            .at(format!("options.managedPython.{field}")))
        };
        if !is_version(&self.version) {
            return bad(
                "version",
                &self.version,
                "a CPython version such as \"3.12.11\"",
            );
        }
        let release_ok = (1..=64).contains(&self.release.len())
            && self
                .release
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if !release_ok {
            return bad(
                "release",
                &self.release,
                "a python-build-standalone release tag such as \"20250723\" (letters, digits, \".\", \"_\", \"-\")",
            );
        }
        let url = &self.url_template;
        let lower = url.to_ascii_lowercase();
        let url_ok = (lower.starts_with("https://") || lower.starts_with("http://"))
            && url.len() <= 2048
            && !url.chars().any(|c| {
                c.is_whitespace() || crate::error::is_control(c) || matches!(c, '"' | '\'' | '\\')
            });
        if !url_ok {
            return bad(
                "urlTemplate",
                url,
                "an https:// URL without whitespace, quotes, backslashes or control characters",
            );
        }
        for (name, digest) in &self.sha256 {
            let name_ok = (1..=255).contains(&name.len())
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'+'));
            if !name_ok {
                return bad(
                    "sha256",
                    name,
                    "a tarball file name as SHA256SUMS lists it (letters, digits, \".\", \"_\", \"-\", \"+\")",
                );
            }
            let digest_ok = digest.len() == 64
                && digest
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
            if !digest_ok {
                return bad(
                    &format!("sha256.{name}"),
                    digest,
                    "64 lowercase hexadecimal digits",
                );
            }
        }
        Ok(())
    }

    /// The tarball URL of CPython `version` for `arch` and `libc`.
    pub fn url(&self, version: &str, arch: &str, libc: &str) -> String {
        self.url_template
            .replace("{version}", version)
            .replace("{release}", &self.release)
            .replace("{arch}", arch)
            .replace("{libc}", libc)
    }

    /// The configured digest of the tarball at `url` (looked up by its file name).
    pub fn sha256_of(&self, url: &str) -> Option<&str> {
        let name = url.rsplit('/').next().unwrap_or(url);
        self.sha256.get(name).map(String::as_str)
    }
}

/// The instructions that download the tarball at `url`, check it against `sha256` when given,
/// extract it under `/opt/apothic/python` and link `python3` and `python` (and, with `pip`,
/// `pip` and `pip3`) into `/usr/local/bin`.
pub fn install_lines(url: &str, sha256: Option<&str>, pip: bool) -> String {
    let mut commands = vec!["mkdir -p /opt/apothic".to_string()];
    if let Some(digest) = sha256 {
        commands.push(format!("echo \"{digest}  {TARBALL}\" | sha256sum -c -"));
    }
    commands.push(format!("tar -xzf {TARBALL} -C /opt/apothic"));
    commands.push(format!("rm {TARBALL}"));
    let mut links = vec![("python3", "python3"), ("python3", "python")];
    if pip {
        links.extend([("pip3", "pip3"), ("pip3", "pip")]);
    }
    for (target, name) in links {
        commands.push(format!(
            "ln -sf /opt/apothic/python/bin/{target} /usr/local/bin/{name}"
        ));
    }
    format!(
        "ADD {} {TARBALL}\nRUN {}\n",
        escape_dockerfile_word(url),
        commands.join(" && ")
    )
}
