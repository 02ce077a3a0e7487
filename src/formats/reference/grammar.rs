//! The reference grammar (see the parent module) as small matchers instead of regexes.
//!
//! Every matcher answers "does the whole string match?"; the separators (`/`, `:`, `@`) fix where
//! each part starts and ends, so no backtracking is needed. Non-ASCII bytes never match.

use super::ReferenceError;

/// `[a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]`
fn is_domain_component(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        }
        _ => false,
    }
}

/// `host [":" port]`, host being a domain name or a bracketed IPv6 address.
fn is_domain(s: &str) -> bool {
    let is_port = |p: &str| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit());
    if let Some(rest) = s.strip_prefix('[') {
        // `]` is not an IPv6 character, so the first one closes the address.
        let Some((address, after)) = rest.split_once(']') else {
            return false;
        };
        let address_ok =
            !address.is_empty() && address.bytes().all(|c| c.is_ascii_hexdigit() || c == b':');
        return address_ok && (after.is_empty() || after.strip_prefix(':').is_some_and(is_port));
    }
    // A domain name has no `:`, so the first one starts the port.
    let (host, port) = match s.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (s, None),
    };
    host.split('.').all(is_domain_component) && port.is_none_or(is_port)
}

/// Items separated by single separator bytes: `item (sep item)*`, where an item is one byte that
/// satisfies `first` followed by bytes that satisfy `rest`.
fn is_separated(s: &str, first: fn(u8) -> bool, rest: fn(u8) -> bool, sep: fn(u8) -> bool) -> bool {
    let mut in_item = false;
    for c in s.bytes() {
        in_item = if in_item {
            if rest(c) {
                true
            } else if sep(c) {
                false
            } else {
                return false;
            }
        } else if first(c) {
            true
        } else {
            return false;
        };
    }
    in_item
}

fn is_lower_alnum(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// `[a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*`
fn is_path_component(s: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Start,
        Alnum,
        Dot,
        Underscore,
        TwoUnderscores,
        Dashes,
    }
    let mut state = State::Start;
    for c in s.bytes() {
        state = match (state, c) {
            (_, c) if is_lower_alnum(c) => State::Alnum,
            (State::Alnum, b'.') => State::Dot,
            (State::Alnum, b'_') => State::Underscore,
            (State::Underscore, b'_') => State::TwoUnderscores,
            (State::Alnum | State::Dashes, b'-') => State::Dashes,
            _ => return false,
        };
    }
    state == State::Alnum
}

/// `path-component ("/" path-component)*`
fn is_path(s: &str) -> bool {
    s.split('/').all(is_path_component)
}

/// The anchored name grammar: `[domain "/"] path`, as `(domain, path)`. The domain is taken
/// whenever the first component can be one (the regex's optional group is greedy).
pub(super) fn match_name(s: &str) -> Option<(&str, &str)> {
    if let Some((domain, path)) = s.split_once('/') {
        if is_domain(domain) && is_path(path) {
            return Some((domain, path));
        }
    }
    is_path(s).then_some(("", s))
}

pub(super) fn is_lower_hex(c: u8) -> bool {
    c.is_ascii_digit() || (b'a'..=b'f').contains(&c)
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// `[\w][\w.-]{0,127}`
fn is_tag(s: &str) -> bool {
    let mut bytes = s.bytes();
    s.len() <= 128
        && bytes.next().is_some_and(is_word)
        && bytes.all(|c| is_word(c) || c == b'.' || c == b'-')
}

/// `algorithm ":" [[:xdigit:]]{32,}`
fn is_digest(s: &str) -> bool {
    let Some((algorithm, hex)) = s.split_once(':') else {
        return false;
    };
    is_separated(
        algorithm,
        |c| c.is_ascii_alphabetic(),
        |c| c.is_ascii_alphanumeric(),
        |c| matches!(c, b'-' | b'_' | b'+' | b'.'),
    ) && hex.len() >= 32
        && hex.bytes().all(|c| c.is_ascii_hexdigit())
}

/// The anchored reference grammar, as `(name, tag, digest)`.
pub(super) fn match_reference(s: &str) -> Option<(&str, Option<&str>, Option<&str>)> {
    // Only the digest is introduced by `@`.
    let (rest, digest) = match s.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (s, None),
    };
    if !digest.is_none_or(is_digest) {
        return None;
    }
    // A `:` in the name is part of the domain, which is followed by `/`; a tag has neither `/`
    // nor `:`. So the tag starts after the first `:` behind the last `/`.
    let last_start = rest.rfind('/').map_or(0, |i| i + 1);
    let colon = rest
        .get(last_start..)
        .and_then(|last| last.find(':'))
        .map(|i| last_start + i);
    let (name, tag) = match colon {
        Some(i) => (rest.get(..i)?, Some(rest.get(i + 1..)?)),
        None => (rest, None),
    };
    if !tag.is_none_or(is_tag) {
        return None;
    }
    match_name(name)?;
    Some((name, tag, digest))
}

/// go-digest's `Digest.Validate` on a string that already matches [`is_digest`].
pub(super) fn validate_digest(digest: &str) -> Result<(), ReferenceError> {
    let Some((algorithm, encoded)) = digest.split_once(':') else {
        return Err(ReferenceError::DigestInvalidFormat);
    };
    if algorithm.is_empty() || encoded.is_empty() {
        return Err(ReferenceError::DigestInvalidFormat);
    }
    let size = match algorithm {
        "sha256" => 32,
        "sha384" => 48,
        "sha512" => 64,
        _ => {
            // go-digest's DigestRegexp: [a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+
            let known_shape = is_separated(algorithm, is_lower_alnum, is_lower_alnum, |c| {
                matches!(c, b'.' | b'+' | b'_' | b'-')
            }) && encoded
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'=' | b'_' | b'-'));
            return Err(if known_shape {
                ReferenceError::DigestUnsupported
            } else {
                ReferenceError::DigestInvalidFormat
            });
        }
    };
    if encoded.len() != size * 2 {
        return Err(ReferenceError::DigestInvalidLength);
    }
    if encoded.bytes().all(is_lower_hex) {
        Ok(())
    } else {
        Err(ReferenceError::DigestInvalidFormat)
    }
}
