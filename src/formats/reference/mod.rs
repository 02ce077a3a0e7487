//! Image references as `docker pull` understands them: a hand-written port of Go's
//! [distribution/reference](https://github.com/distribution/reference) (Apache License 2.0),
//! including the digest checks of `go-digest` (Apache License 2.0).
//!
//! The grammar (from `regexp.go` there), matched here by small functions instead of regexes:
//!
//! ```text
//! reference        := name [ ":" tag ] [ "@" digest ]
//! name             := [ domain "/" ] path-component [ "/" path-component ]*   (path ≤ 255 bytes)
//! domain           := host [ ":" port-number ]
//! host             := domain-name | "[" [a-fA-F0-9:]+ "]"
//! domain-name      := domain-component [ "." domain-component ]*
//! domain-component := [a-zA-Z0-9] | [a-zA-Z0-9] [a-zA-Z0-9-]* [a-zA-Z0-9]
//! port-number      := [0-9]+
//! path-component   := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
//! tag              := [\w] [\w.-]{0,127}
//! digest           := algorithm ":" [0-9a-fA-F]{32,}
//! algorithm        := [A-Za-z][A-Za-z0-9]* ( [-_+.] [A-Za-z][A-Za-z0-9]* )*
//! ```
//!
//! On top of the grammar, a digest of a known algorithm must be lowercase hex of the exact length
//! (sha256: 64, sha384: 96, sha512: 128), and other algorithms are unsupported. Normalisation
//! ([`parse_normalized`]) follows `ParseNormalizedNamed`: Docker Hub (`docker.io`) is the default
//! registry, `index.docker.io` becomes `docker.io`, and single-component Hub names get `library/`.

mod grammar;

use std::fmt;

use crate::error::{Error, ErrorCode};
use grammar::{is_lower_hex, match_name, match_reference, validate_digest};

/// The registry of names without a domain (Go: `defaultDomain`).
pub const DEFAULT_DOMAIN: &str = "docker.io";
/// The legacy name of Docker Hub, normalised to [`DEFAULT_DOMAIN`] (Go: `legacyDefaultDomain`).
const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";
/// The namespace of Docker Hub's official images (Go: `officialRepoPrefix`).
const OFFICIAL_REPO_PREFIX: &str = "library/";
/// The longest repository path accepted, in bytes (Go: `NameTotalLengthMax`).
pub const NAME_TOTAL_LENGTH_MAX: usize = 255;

/// A parsed image reference: `[domain/]path[:tag][@digest]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    domain: String,
    path: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl Reference {
    /// The registry part (`docker.io`, `ghcr.io`, `localhost:5000`), empty when there is none.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The repository path within the registry (`library/python`, `org/image`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The tag (`3.12`), if any.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest (`sha256:…`), if any.
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    /// The full repository name: `domain/path`, or just `path` when there is no domain.
    pub fn name(&self) -> String {
        if self.domain.is_empty() {
            self.path.clone()
        } else {
            format!("{}/{}", self.domain, self.path)
        }
    }

    /// The short name `docker` shows (Go: `FamiliarName`): Docker Hub's domain is dropped, and so
    /// is `library/` when a single component follows (`docker.io/library/python` → `python`).
    /// As in Go, it is ambiguous for Hub namespaces that look like registries:
    /// `docker.io/localhost/x` and `docker.io/a.b/x` read back with another registry.
    pub fn familiar_name(&self) -> String {
        if self.domain != DEFAULT_DOMAIN {
            return self.name();
        }
        match self.path.strip_prefix(OFFICIAL_REPO_PREFIX) {
            Some(rest) if !rest.contains('/') => rest.to_string(),
            _ => self.path.clone(),
        }
    }

    /// The familiar name with `:tag` and `@digest` (Go: `FamiliarString`).
    pub fn familiar_string(&self) -> String {
        with_suffixes(self.familiar_name(), self.tag(), self.digest())
    }
}

fn with_suffixes(mut name: String, tag: Option<&str>, digest: Option<&str>) -> String {
    if let Some(tag) = tag {
        name.push(':');
        name.push_str(tag);
    }
    if let Some(digest) = digest {
        name.push('@');
        name.push_str(digest);
    }
    name
}

impl fmt::Display for Reference {
    /// The full string: `name[:tag][@digest]` (Go: `String`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&with_suffixes(self.name(), self.tag(), self.digest()))
    }
}

/// Why a reference was rejected; each variant is a Go error value (see [`ReferenceError::go_name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReferenceError {
    /// The input is empty (Go: `ErrNameEmpty`).
    NameEmpty,
    /// The input does not follow the grammar (Go: `ErrReferenceInvalidFormat`).
    ReferenceInvalidFormat,
    /// The repository name has uppercase letters (Go: `ErrNameContainsUppercase`).
    NameContainsUppercase,
    /// The repository path is longer than 255 bytes (Go: `ErrNameTooLong`).
    NameTooLong,
    /// [`parse_named`] got a name that is not in its full, normalised form (Go: `ErrNameNotCanonical`).
    NameNotCanonical,
    /// The input is a 64-hex image ID. Go returns an unnamed `fmt.Errorf` here;
    /// [`ReferenceError::go_name`] gives it the stand-in name `ErrNameIsIdentifier`.
    NameIsIdentifier,
    /// The digest is malformed (Go: `digest.ErrDigestInvalidFormat`).
    DigestInvalidFormat,
    /// The digest has the wrong length for its algorithm (Go: `digest.ErrDigestInvalidLength`, as
    /// in go-digest v1.0.0, the version distribution/reference uses; later go-digest folds it
    /// into `ErrDigestInvalidFormat`).
    DigestInvalidLength,
    /// The digest algorithm is not sha256, sha384 or sha512 (Go: `digest.ErrDigestUnsupported`).
    DigestUnsupported,
}

impl ReferenceError {
    /// The Go name of the error value, as the conformance vectors spell it: `"ErrNameEmpty"`, and
    /// with the package prefix for go-digest's errors (`"digest.ErrDigestInvalidLength"`).
    pub fn go_name(&self) -> &'static str {
        match self {
            ReferenceError::NameEmpty => "ErrNameEmpty",
            ReferenceError::ReferenceInvalidFormat => "ErrReferenceInvalidFormat",
            ReferenceError::NameContainsUppercase => "ErrNameContainsUppercase",
            ReferenceError::NameTooLong => "ErrNameTooLong",
            ReferenceError::NameNotCanonical => "ErrNameNotCanonical",
            ReferenceError::NameIsIdentifier => "ErrNameIsIdentifier",
            ReferenceError::DigestInvalidFormat => "digest.ErrDigestInvalidFormat",
            ReferenceError::DigestInvalidLength => "digest.ErrDigestInvalidLength",
            ReferenceError::DigestUnsupported => "digest.ErrDigestUnsupported",
        }
    }
}

impl fmt::Display for ReferenceError {
    /// Go's message for the error value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReferenceError::NameEmpty => "repository name must have at least one component",
            ReferenceError::ReferenceInvalidFormat => "invalid reference format",
            ReferenceError::NameContainsUppercase => "repository name must be lowercase",
            ReferenceError::NameTooLong => "repository name must not be more than 255 characters",
            ReferenceError::NameNotCanonical => "repository name must be canonical",
            ReferenceError::NameIsIdentifier => {
                "invalid repository name, cannot specify 64-byte hexadecimal strings"
            }
            ReferenceError::DigestInvalidFormat => "invalid checksum digest format",
            ReferenceError::DigestInvalidLength => "invalid checksum digest length",
            ReferenceError::DigestUnsupported => "unsupported digest algorithm",
        })
    }
}

impl std::error::Error for ReferenceError {}

/// Go's `strings.ToLower(s) != s`, exact for ASCII: some character of `s` is uppercase or
/// titlecase. For non-ASCII text it also says yes for the few hundred uppercase characters
/// without a lowercase form (such as mathematical capitals); such text fails the ASCII grammar
/// either way, so only the name of the error can differ from Go's, never whether a reference is
/// accepted. Written without `str::to_lowercase`, whose case tables cost the wasm build ~10 KB.
fn has_lowercase_mapping(s: &str) -> bool {
    s.chars().any(|c| {
        c.is_uppercase()
            || matches!(c, '\u{1C5}' | '\u{1C8}' | '\u{1CB}' | '\u{1F2}' | '\u{1F88}'..='\u{1F8F}' | '\u{1F98}'..='\u{1F9F}' | '\u{1FA8}'..='\u{1FAF}' | '\u{1FBC}' | '\u{1FCC}' | '\u{1FFC}')
    })
}

/// `strings.ToLower(s)` as far as the reference grammar can tell: the grammar is ASCII, and the
/// only non-ASCII character that lowercases into ASCII is the Kelvin sign (U+212A → `k`).
fn lowercase_into_grammar(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == '\u{212A}' {
                'k'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// Parses a reference as written, without normalisation (Go: `reference.Parse`): `python` has no
/// domain here, and in `a/b` the `a` is a domain.
pub fn parse(s: &str) -> Result<Reference, ReferenceError> {
    let Some((name, tag, digest)) = match_reference(s) else {
        if s.is_empty() {
            return Err(ReferenceError::NameEmpty);
        }
        if match_reference(&lowercase_into_grammar(s)).is_some() {
            return Err(ReferenceError::NameContainsUppercase);
        }
        return Err(ReferenceError::ReferenceInvalidFormat);
    };
    let (domain, path) = match_name(name).unwrap_or(("", name));
    if path.len() > NAME_TOTAL_LENGTH_MAX {
        return Err(ReferenceError::NameTooLong);
    }
    if let Some(digest) = digest {
        validate_digest(digest)?;
    }
    Ok(Reference {
        domain: domain.to_string(),
        path: path.to_string(),
        tag: tag.map(str::to_string),
        digest: digest.map(str::to_string),
    })
}

/// Go's `splitDockerDomain`: the registry and the rest. The first component is a registry when it
/// is `localhost`, holds `.` or `:`, or has uppercase letters; otherwise Docker Hub is meant.
fn split_docker_domain(name: &str) -> (&str, String) {
    let Some((maybe_domain, maybe_remote)) = name.split_once('/') else {
        return (DEFAULT_DOMAIN, format!("{OFFICIAL_REPO_PREFIX}{name}"));
    };
    let (domain, remote) = if maybe_domain == LEGACY_DEFAULT_DOMAIN {
        (DEFAULT_DOMAIN, maybe_remote)
    } else if maybe_domain == "localhost"
        || maybe_domain.contains(['.', ':'])
        || has_lowercase_mapping(maybe_domain)
    {
        (maybe_domain, maybe_remote)
    } else {
        (DEFAULT_DOMAIN, name)
    };
    if domain == DEFAULT_DOMAIN && !remote.contains('/') {
        (domain, format!("{OFFICIAL_REPO_PREFIX}{remote}"))
    } else {
        (domain, remote.to_string())
    }
}

/// Parses and normalises a reference the way `docker pull` does (Go: `ParseNormalizedNamed`):
/// `python:3.12` → `docker.io/library/python:3.12`, `index.docker.io/x/y` → `docker.io/x/y`.
pub fn parse_normalized(s: &str) -> Result<Reference, ReferenceError> {
    if s.len() == 64 && s.bytes().all(is_lower_hex) {
        return Err(ReferenceError::NameIsIdentifier);
    }
    let (domain, remainder) = split_docker_domain(s);
    let remote_name = remainder
        .split_once(':')
        .map_or(remainder.as_str(), |(name, _)| name);
    if has_lowercase_mapping(remote_name) {
        return Err(ReferenceError::NameContainsUppercase);
    }
    parse(&format!("{domain}/{remainder}"))
}

/// Like [`parse_normalized`], but only accepts the full form (Go: `ParseNamed`): `python` is
/// rejected with [`ReferenceError::NameNotCanonical`], `docker.io/library/python` is accepted.
pub fn parse_named(s: &str) -> Result<Reference, ReferenceError> {
    let reference = parse_normalized(s)?;
    if reference.to_string() != s {
        return Err(ReferenceError::NameNotCanonical);
    }
    Ok(reference)
}

/// Normalises like [`parse_normalized`], then adds `:latest` when there is neither tag nor digest,
/// and drops the tag when there is a digest (Go: `ParseDockerRef`).
pub fn parse_docker_ref(s: &str) -> Result<Reference, ReferenceError> {
    let mut reference = parse_normalized(s)?;
    if reference.digest.is_some() {
        reference.tag = None;
    } else if reference.tag.is_none() {
        reference.tag = Some("latest".to_string());
    }
    Ok(reference)
}

/// Parses an image reference the way `docker pull` does, for the builder: returns the normalised
/// reference or a crate error.
///
/// Errors have code [`ErrorCode::InvalidImageRef`] and a message that says what is wrong with the
/// input and what a valid reference looks like.
pub fn parse_image_ref(s: &str) -> crate::error::Result<Reference> {
    parse_normalized(s)
        .map_err(|err| Error::new(ErrorCode::InvalidImageRef, image_ref_message(s, err)))
}

fn image_ref_message(input: &str, err: ReferenceError) -> String {
    const EXAMPLES: &str = "a valid reference looks like \"python:3.12\", \"ubuntu\", \
        \"ghcr.io/org/image:tag\" or \"ghcr.io/org/image@sha256:<64 hex digits>\"";
    if input.is_empty() {
        return format!("the image reference is empty; {EXAMPLES}");
    }
    let problem = match err {
        _ if input.trim() != input => "it has leading or trailing whitespace",
        ReferenceError::NameEmpty => "it is empty",
        ReferenceError::ReferenceInvalidFormat => {
            "it does not follow the form [registry[:port]/]name[:tag][@digest] (name components \
             are lowercase letters and digits joined by \".\", \"_\", \"__\" or dashes; a tag is \
             up to 128 letters, digits, \"_\", \".\" or \"-\" and does not start with \".\" or \"-\")"
        }
        ReferenceError::NameContainsUppercase => {
            "the repository name must be lowercase (only the registry and the tag may have capitals)"
        }
        ReferenceError::NameTooLong => "the repository path is longer than 255 characters",
        ReferenceError::NameNotCanonical => "it is not in its full form (registry/path)",
        ReferenceError::NameIsIdentifier => {
            "it is a 64-digit hexadecimal image ID, not a repository name"
        }
        ReferenceError::DigestInvalidFormat => {
            "the digest after \"@\" is malformed (a sha256 digest is \"sha256:\" and 64 lowercase \
             hex digits)"
        }
        ReferenceError::DigestInvalidLength => {
            "the digest has the wrong length for its algorithm (sha256 takes 64 hex digits, \
             sha384 96, sha512 128)"
        }
        ReferenceError::DigestUnsupported => {
            "the digest algorithm is not supported (use sha256, sha384 or sha512)"
        }
    };
    format!(
        "invalid image reference {}: {problem}; {EXAMPLES}",
        quote_input(input)
    )
}

/// The input for a message: escaped, and cut to 80 characters.
fn quote_input(input: &str) -> String {
    let mut chars = input.chars();
    let head: String = chars.by_ref().take(80).collect();
    let more = if chars.next().is_some() { "…" } else { "" };
    format!("{}{more}", crate::error::Quoted(&head))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SHA: &str = "sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582";

    #[test]
    fn edge_cases() {
        assert_eq!(parse("@"), Err(ReferenceError::ReferenceInvalidFormat));
        assert_eq!(
            parse_normalized("@"),
            Err(ReferenceError::ReferenceInvalidFormat)
        );
        assert_eq!(
            parse("python:"),
            Err(ReferenceError::ReferenceInvalidFormat)
        );
        assert_eq!(
            parse_normalized("python:"),
            Err(ReferenceError::ReferenceInvalidFormat)
        );
        assert_eq!(
            parse_normalized("python@"),
            Err(ReferenceError::ReferenceInvalidFormat)
        );
        assert_eq!(
            parse_normalized(""),
            Err(ReferenceError::ReferenceInvalidFormat)
        );
        assert_eq!(
            parse_normalized("pythön"),
            Err(ReferenceError::ReferenceInvalidFormat)
        );
        assert_eq!(
            parse_normalized("python:tâg"),
            Err(ReferenceError::ReferenceInvalidFormat)
        );
        assert_eq!(
            parse_normalized("\u{212a}ube"),
            Err(ReferenceError::NameContainsUppercase)
        );
        assert_eq!(
            parse_normalized("a\0b"),
            Err(ReferenceError::ReferenceInvalidFormat)
        );
        let long = "a".repeat(1 << 20);
        assert_eq!(parse_normalized(&long), Err(ReferenceError::NameTooLong));
        assert_eq!(
            parse_normalized(&format!("x:{long}")),
            Err(ReferenceError::ReferenceInvalidFormat)
        );
        assert_eq!(
            parse(&"é".repeat(100_000)),
            Err(ReferenceError::ReferenceInvalidFormat)
        );
        assert_eq!(
            parse(&format!("a:{}", "t".repeat(128))).map(|r| r.tag().map(str::len)),
            Ok(Some(128))
        );
        assert_eq!(
            parse(&format!("a:{}", "t".repeat(129))),
            Err(ReferenceError::ReferenceInvalidFormat)
        );
    }

    #[test]
    fn digests() {
        let upper = format!("a@sha256:{}", "F".repeat(64));
        assert_eq!(parse(&upper), Err(ReferenceError::DigestInvalidFormat));
        let sha512 = format!("a@sha512:{}", "0".repeat(128));
        assert_eq!(
            parse(&sha512).map(|r| r.digest().map(str::len)),
            Ok(Some(135))
        );
        let sha384 = format!("a@sha384:{}", "0".repeat(64));
        assert_eq!(parse(&sha384), Err(ReferenceError::DigestInvalidLength));
        let unknown = format!("a@Foo:{}", "0".repeat(64));
        assert_eq!(parse(&unknown), Err(ReferenceError::DigestInvalidFormat));
        assert_eq!(
            parse(&format!("a@{SHA}@{SHA}")),
            Err(ReferenceError::ReferenceInvalidFormat)
        );
    }

    #[test]
    fn normalised_forms() {
        let r = parse_normalized(&format!("python:3.12@{SHA}")).unwrap();
        assert_eq!(
            (r.domain(), r.path(), r.tag()),
            ("docker.io", "library/python", Some("3.12"))
        );
        assert_eq!(
            r.to_string(),
            format!("docker.io/library/python:3.12@{SHA}")
        );
        assert_eq!(r.familiar_string(), format!("python:3.12@{SHA}"));
        let r = parse_normalized("docker.io/library/a/b:1").unwrap();
        assert_eq!(r.familiar_string(), "library/a/b:1");
        assert_eq!(parse_named("python"), Err(ReferenceError::NameNotCanonical));
        assert!(parse_named("docker.io/library/python:3").is_ok());
        assert_eq!(
            parse_docker_ref("localhost:5000/x").unwrap().to_string(),
            "localhost:5000/x:latest"
        );
    }

    #[test]
    fn lowercase_mapping_matches_unicode_for_every_char() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let changes = c.to_lowercase().ne(std::iter::once(c));
            let ours = has_lowercase_mapping(&c.to_string());
            if c.is_ascii() {
                assert_eq!(ours, changes, "U+{:04X}", u32::from(c));
            } else {
                assert!(
                    !changes || ours,
                    "U+{:04X} has a lowercase form",
                    u32::from(c)
                );
                for text in [
                    format!("{c}/x"),
                    format!("x/{c}"),
                    format!("{c}.io/x"),
                    format!("x{c}"),
                ] {
                    assert!(parse_normalized(&text).is_err(), "{text} must be rejected");
                }
            }
            let lowered: String = c.to_lowercase().collect();
            if lowered.is_ascii() {
                assert_eq!(
                    lowercase_into_grammar(&c.to_string()),
                    lowered,
                    "U+{:04X}",
                    u32::from(c)
                );
            }
        }
    }

    #[test]
    fn image_ref_errors() {
        let err = parse_image_ref("Python:3.12").unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidImageRef);
        assert!(err.message.contains("\"Python:3.12\""), "{}", err.message);
        assert!(err.message.contains("lowercase") && err.message.contains("python:3.12"));
        let err = parse_image_ref(" python").unwrap_err();
        assert!(err.message.contains("whitespace"), "{}", err.message);
        assert!(parse_image_ref("").unwrap_err().message.contains("empty"));
        let err = parse_image_ref(&"\n".repeat(500)).unwrap_err();
        assert!(err.message.contains("\\n\"…"), "{}", err.message);
    }

    fn reference_like() -> impl Strategy<Value = String> {
        let domain = prop_oneof![
            Just(String::new()),
            "[a-zA-Z0-9-]{1,8}(\\.[a-z0-9-]{1,5}){0,2}(:[0-9]{1,5})?/",
            "\\[[0-9a-fA-F:]{1,10}\\](:[0-9]{1,4})?/",
            Just("localhost/".to_string()),
            Just("index.docker.io/".to_string()),
        ];
        let path = prop_oneof![
            4 => "[a-z0-9]{1,4}([._-][a-z0-9]{1,4}){0,2}(/[a-z0-9]{1,4}(__|-+)[a-z0-9]{1,3}){0,3}",
            1 => "[a-z0-9._-]{1,10}(/[a-z0-9._A-]{1,10}){0,3}",
        ];
        let tag = prop_oneof![
            Just(String::new()),
            ":[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,12}",
            ":.{0,3}"
        ];
        let digest = prop_oneof![
            4 => Just(String::new()),
            2 => Just(format!("@{SHA}")),
            1 => "@[a-z0-9+]{1,7}:[0-9a-fA-F]{30,66}",
        ];
        (domain, path, tag, digest).prop_map(|(d, p, t, g)| format!("{d}{p}{t}{g}"))
    }

    fn check_round_trip(s: &str) -> Result<(), TestCaseError> {
        if let Ok(r) = parse_normalized(s) {
            prop_assert_eq!(parse_normalized(&r.to_string()), Ok(r.clone()));
            let _ = parse_docker_ref(s);
        }
        let _ = parse(s);
        let _ = parse_image_ref(s);
        Ok(())
    }

    proptest! {
        #[test]
        fn arbitrary_strings_never_panic(s in any::<String>()) {
            check_round_trip(&s)?;
        }

        #[test]
        fn reference_like_strings_round_trip(s in reference_like()) {
            check_round_trip(&s)?;
        }
    }
}
