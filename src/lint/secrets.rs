//! AL101 `secret-in-env`, AL102 `secret-in-env-file`: variables baked into an image layer that
//! hold secrets, known by their names (`*PASSWORD*`, `*_TOKEN`, `*_KEY`, `*CREDENTIALS*`, …) or
//! by their values (a URL with `user:password@`, well-known token shapes). Anyone who can pull
//! the image can read them (`docker history`, `docker inspect`). Messages name the variable,
//! never its value. The same tests serve a base's Dockerfile (`base_file`) and the URLs of what
//! pip installs (`installs`).

use crate::formats::dockerfile::{check_fragment, Args, Instruction};
use crate::lint::rules::{SECRET_IN_ENV, SECRET_IN_ENV_FILE};
use crate::lint::{names_list, splice, Draft, Resolved};
use crate::spec::{ImageSpec, Step};

/// Name words that mark a secret (the name split at `_`, `-` and `.`, upper-cased).
const SECRET_WORDS: [&str; 13] = [
    "PASSWORD",
    "PASSWD",
    "PASS",
    "SECRET",
    "TOKEN",
    "KEY",
    "APIKEY",
    "ACCESSKEY",
    "SECRETKEY",
    "PRIVATEKEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "AUTHTOKEN",
];

/// Last name words that make the variable name a place or an identifier, not the secret itself
/// (`SSL_KEY_FILE`, `TOKEN_URL`, `AWS_ACCESS_KEY_ID`).
const NOT_SECRET_LAST: [&str; 10] = [
    "FILE", "PATH", "DIR", "URL", "ENDPOINT", "HOST", "PORT", "ID", "NAME", "TYPE",
];

/// Values that are switches, never secrets.
const SWITCHES: [&str; 8] = ["true", "false", "0", "1", "yes", "no", "on", "off"];

/// The bytes a token's body may hold.
type ByteClass = fn(u8) -> bool;

/// Token prefixes of well-known services, the characters their body may hold, its least
/// length, and what the token is.
const TOKEN_SHAPES: [(&str, ByteClass, usize, &str); 18] = [
    ("ghp_", alnum, 36, "a GitHub token"),
    ("gho_", alnum, 36, "a GitHub token"),
    ("ghu_", alnum, 36, "a GitHub token"),
    ("ghs_", alnum, 36, "a GitHub token"),
    ("ghr_", alnum, 36, "a GitHub token"),
    ("github_pat_", word, 22, "a GitHub token"),
    ("glpat-", token, 20, "a GitLab token"),
    ("AKIA", upper_digit, 16, "an AWS access key id"),
    ("ASIA", upper_digit, 16, "an AWS access key id"),
    ("sk-", token, 20, "an API secret key"),
    ("sk_live_", alnum, 16, "a Stripe secret key"),
    ("rk_live_", alnum, 16, "a Stripe secret key"),
    ("xoxb-", token, 10, "a Slack token"),
    ("xoxp-", token, 10, "a Slack token"),
    ("hf_", alnum, 30, "a Hugging Face token"),
    ("npm_", alnum, 36, "an npm token"),
    ("AIza", token, 35, "a Google API key"),
    ("pypi-", token, 50, "a PyPI token"),
];

fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}
fn word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}
fn token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}
fn upper_digit(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}

/// Why a variable looks like a secret (`None`: it does not).
pub(crate) fn why_secret(name: &str, value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() || SWITCHES.iter().any(|s| value.eq_ignore_ascii_case(s)) {
        return None;
    }
    if secret_name(name) && !value.starts_with('/') {
        return Some(format!("`{name}` is named like a secret"));
    }
    secret_value(value).map(|what| format!("the value of `{name}` holds {what}"))
}

/// True when a variable's name says it holds a secret.
fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let words: Vec<&str> = upper
        .split(['_', '-', '.'])
        .filter(|w| !w.is_empty())
        .collect();
    let Some(last) = words.last() else {
        return false;
    };
    words.iter().any(|w| SECRET_WORDS.contains(w))
        && !words.contains(&"PUBLIC")
        && !NOT_SECRET_LAST.contains(last)
}

/// What secret a value holds, if its shape gives one away.
pub(super) fn secret_value(value: &str) -> Option<&'static str> {
    if url_password(value) {
        return Some("a password in a URL (`user:password@`)");
    }
    if value.contains("PRIVATE KEY-----") {
        return Some("a private key");
    }
    let bytes = value.as_bytes();
    for (at, _) in value.char_indices() {
        if at > 0 && token(bytes[at - 1]) {
            continue;
        }
        for (prefix, body, least, what) in TOKEN_SHAPES {
            if let Some(rest) = value[at..].strip_prefix(prefix) {
                let len = rest.bytes().take_while(|&b| body(b)).count();
                if len >= least {
                    return Some(what);
                }
            }
        }
    }
    None
}

/// True when a value holds `scheme://user:password@host` with a literal password.
fn url_password(value: &str) -> bool {
    value.match_indices("://").any(|(at, sep)| {
        let rest = &value[at + sep.len()..];
        let authority = rest.split(['/', '?', '#', ' ']).next().unwrap_or("");
        let Some((userinfo, _)) = authority.rsplit_once('@') else {
            return false;
        };
        matches!(userinfo.split_once(':'), Some((_, password))
            if !password.is_empty() && !password.starts_with('$'))
    })
}

/// AL101 on `env` steps and `withDockerfile` `ENV`/`ARG`; AL102 on what `envFile`s bring in.
pub(super) fn check(spec: &ImageSpec, resolved: Option<&Resolved>, out: &mut Vec<Draft>) {
    for (index, step) in spec.steps.iter().enumerate() {
        match step {
            Step::Env { values } => {
                let found: Vec<(String, String)> = values
                    .iter()
                    .filter_map(|(name, value)| {
                        why_secret(name, value).map(|why| (name.clone(), why))
                    })
                    .collect();
                if found.is_empty() {
                    continue;
                }
                let names: Vec<String> = found.iter().map(|(name, _)| name.clone()).collect();
                let message = format!(
                    "{}: an `env` value is baked into the image, where anyone who can pull it reads it; pass it when the container runs (`docker run -e`, a secret store) instead",
                    reasons(&found)
                );
                let title = format!(
                    "Remove {} from the image (pass {} when the container runs)",
                    names_list(&names),
                    if names.len() == 1 { "it" } else { "them" }
                );
                out.push(Draft::new(&SECRET_IN_ENV, Some(index), message).fix(
                    title,
                    move |spec| {
                        let Some(Step::Env { values }) = spec.steps.get_mut(index) else {
                            return;
                        };
                        values.retain(|name, _| !names.contains(name));
                        if values.is_empty() {
                            splice(spec, index, Vec::new());
                        }
                    },
                ));
            }
            Step::WithDockerfile { contents } => {
                let found = fragment_secrets(contents);
                if !found.is_empty() {
                    let message = format!(
                        "{}: an `ENV` or `ARG` value is kept in the image's history; pass it when the container runs, or use a build secret (`RUN --mount=type=secret`)",
                        reasons(&found)
                    );
                    out.push(Draft::new(&SECRET_IN_ENV, Some(index), message));
                }
            }
            _ => {}
        }
    }
    for (index, path, pairs) in resolved.map(|r| r.env_files.as_slice()).unwrap_or(&[]) {
        let found: Vec<(String, String)> = pairs
            .iter()
            .filter_map(|(name, value)| why_secret(name, value).map(|why| (name.clone(), why)))
            .collect();
        if !found.is_empty() {
            let message = format!(
                "{} (from `{path}`): `envFile` renders its variables as `ENV` into an image layer; keep secrets out of that file and pass them when the container runs",
                reasons(&found)
            );
            out.push(Draft::new(&SECRET_IN_ENV_FILE, Some(*index), message));
        }
    }
}

/// The reasons found, joined for a message (the first few).
pub(super) fn reasons(found: &[(String, String)]) -> String {
    const SHOWN: usize = 3;
    let mut text: Vec<&str> = found
        .iter()
        .take(SHOWN)
        .map(|(_, why)| why.as_str())
        .collect();
    let more;
    if found.len() > SHOWN {
        more = format!("{} more", found.len() - SHOWN);
        text.push(&more);
    }
    text.join("; ")
}

/// The secrets a `withDockerfile` fragment sets with `ENV` or an `ARG` default.
fn fragment_secrets(contents: &str) -> Vec<(String, String)> {
    let Ok(parsed) = check_fragment(contents) else {
        return Vec::new();
    };
    parsed
        .instructions
        .iter()
        .flat_map(instruction_secrets)
        .collect()
}

/// The secrets one `ENV` or `ARG` instruction sets, as (name, why).
pub(super) fn instruction_secrets(instruction: &Instruction) -> Vec<(String, String)> {
    let pairs: Vec<(String, String)> = match instruction.keyword.as_str() {
        "ENV" if matches!(instruction.args, Args::Text(_)) => instruction
            .values
            .chunks(3)
            .filter_map(|triple| match triple {
                [name, value, _] => Some((name.clone(), unquote(value))),
                _ => None,
            })
            .collect(),
        "ARG" => instruction
            .values
            .iter()
            .filter_map(|word| word.split_once('='))
            .map(|(name, value)| (name.to_string(), unquote(value)))
            .collect(),
        _ => Vec::new(),
    };
    pairs
        .into_iter()
        .filter_map(|(name, value)| why_secret(&name, &value).map(|why| (name, why)))
        .collect()
}

/// A value without the quotes around it.
fn unquote(value: &str) -> String {
    let value = value.trim();
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
        {
            return inner.to_string();
        }
    }
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values_that_are_secrets() {
        for (name, value) in [
            ("DB_PASSWORD", "hunter2"),
            ("API_KEY", "abc"),
            ("HF_TOKEN", "x"),
            ("AWS_SECRET_ACCESS_KEY", "y"),
            ("GOOGLE_CREDENTIALS", "{}"),
            ("DATABASE_URL", "postgres://acme:secret@db:5432/app"),
            ("X", "ghp_0123456789abcdefghijklmnopqrstuvwxyz"),
            ("X", "Bearer hf_abcdefghijklmnopqrstuvwxyzABCDEFGH"),
            ("X", "AKIAIOSFODNN7EXAMPLE"),
        ] {
            assert!(why_secret(name, value).is_some(), "{name}={value}");
        }
        for (name, value) in [
            ("TOKENIZERS_PARALLELISM", "false"),
            ("HF_TOKEN", ""),
            ("USE_AUTH_TOKEN", "true"),
            ("SSL_KEY_FILE", "/etc/ssl/key.pem"),
            ("GOOGLE_APPLICATION_CREDENTIALS", "/secrets/sa.json"),
            ("PUBLIC_KEY", "abc"),
            ("TOKEN_URL", "https://auth.example.com/token"),
            ("PWD", "/app"),
            ("DATABASE_URL", "postgres://acme@db/app"),
            ("DATABASE_URL", "postgres://acme:$DB_PASSWORD@db/app"),
            ("X", "mask-0123456789012345678901234"),
            ("KEYRING", "none"),
        ] {
            assert_eq!(why_secret(name, value), None, "{name}={value}");
        }
    }
}
