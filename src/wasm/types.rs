//! Argument types that exist only at the JavaScript boundary: TypeScript's `string | string[]`,
//! env values that may be numbers or booleans, and option bags that merge pip's options with a
//! method's own. Each converts into the core's types.

use std::collections::BTreeMap;

use serde::Deserialize;
use tsify::Tsify;

use crate::spec::PipOptions;

/// A list argument: an array of strings, or a single string.
#[derive(Debug, Tsify)]
#[serde(untagged)]
pub enum StringList {
    /// One item.
    One(String),
    /// Several items.
    Many(Vec<String>),
}

/// Decoded by hand rather than as an untagged enum, whose error ("data did not match any
/// variant of untagged enum StringList") says nothing about what was given or expected: here a
/// wrong value is "expected a string or an array of strings, got the number 123".
impl<'de> Deserialize<'de> for StringList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<StringList, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = StringList;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or an array of strings")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<StringList, E> {
                Ok(StringList::One(text.to_string()))
            }
            fn visit_string<E: serde::de::Error>(self, text: String) -> Result<StringList, E> {
                Ok(StringList::One(text))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<StringList, A::Error> {
                Deserialize::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
                    .map(StringList::Many)
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl StringList {
    /// The items as a vector.
    pub fn into_vec(self) -> Vec<String> {
        match self {
            StringList::One(item) => vec![item],
            StringList::Many(items) => items,
        }
    }
}

/// An `env` value: strings are used as is; numbers and booleans are stringified as
/// JavaScript's `String(value)` does.
#[derive(Debug, Deserialize, Tsify)]
#[serde(untagged)]
pub enum EnvValue {
    /// Used as is.
    Text(String),
    /// `String(value)`; must be finite.
    Number(f64),
    /// `"true"` or `"false"`.
    Bool(bool),
}

/// `entrypoint(args)` and `cmd(args)`: an argv, in order; `[]` clears what the base set.
#[derive(Debug, Deserialize, Tsify)]
pub struct ArgList(pub Vec<String>);

/// `env(values)`: variable name → value.
#[derive(Debug, Deserialize, Tsify)]
#[tsify(hashmap_as_object)]
pub struct EnvValues(pub BTreeMap<String, EnvValue>);

/// Options of `uvPipInstall` and `uvPipInstallFromRequirements`: pip's options plus the uv
/// release.
#[derive(Debug, Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UvPipOptions {
    /// `--index-url`.
    #[tsify(optional)]
    pub index_url: Option<String>,
    /// `--extra-index-url`.
    #[tsify(optional)]
    pub extra_index_url: Option<String>,
    /// `--find-links`.
    #[tsify(optional)]
    pub find_links: Option<String>,
    /// Allow pre-releases (`--prerelease=allow`).
    #[tsify(optional)]
    pub pre: Option<bool>,
    /// More installer flags, split into words like a shell would.
    #[tsify(optional)]
    pub extra_options: Option<String>,
    /// Pinned uv release (default: the package's pinned version; never `latest`).
    #[tsify(optional)]
    pub uv_version: Option<String>,
}

impl UvPipOptions {
    /// The core's uv options.
    pub fn into_core(self) -> crate::image::UvPipOptions {
        crate::image::UvPipOptions {
            pip: PipOptions {
                index_url: self.index_url,
                extra_index_url: self.extra_index_url,
                find_links: self.find_links,
                pre: self.pre.unwrap_or(false),
                extra_options: self.extra_options,
            },
            uv_version: self.uv_version,
        }
    }
}

/// Options of `pipInstallFromPyproject` and `uvPipInstallFromPyproject`.
#[derive(Debug, Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PyprojectOptions {
    /// `[project.optional-dependencies]` groups to install too.
    #[tsify(optional)]
    pub optional_dependencies: Option<StringList>,
    /// `--index-url`.
    #[tsify(optional)]
    pub index_url: Option<String>,
    /// `--extra-index-url`.
    #[tsify(optional)]
    pub extra_index_url: Option<String>,
    /// `--find-links`.
    #[tsify(optional)]
    pub find_links: Option<String>,
    /// Allow pre-releases.
    #[tsify(optional)]
    pub pre: Option<bool>,
    /// More installer flags, split into words like a shell would.
    #[tsify(optional)]
    pub extra_options: Option<String>,
    /// Pinned uv release (`uvPipInstallFromPyproject` only).
    #[tsify(optional)]
    pub uv_version: Option<String>,
}

impl PyprojectOptions {
    /// The optional-dependency groups and the core's uv options (pip uses `.pip`).
    pub fn into_core(self) -> (Vec<String>, crate::image::UvPipOptions) {
        let groups = self
            .optional_dependencies
            .map(StringList::into_vec)
            .unwrap_or_default();
        let uv = UvPipOptions {
            index_url: self.index_url,
            extra_index_url: self.extra_index_url,
            find_links: self.find_links,
            pre: self.pre,
            extra_options: self.extra_options,
            uv_version: self.uv_version,
        };
        (groups, uv.into_core())
    }
}

/// Options of `addLocalDir` and `copyLocalDir`.
#[derive(Debug, Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LocalDirOptions {
    /// dockerignore-style patterns of files to leave out.
    #[tsify(optional)]
    pub ignore: Option<StringList>,
}
