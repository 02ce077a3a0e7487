//! The rules: stable ids and names, never reused (docs/lint.md documents each; a test checks
//! that it lists every rule of this table).

use crate::lint::Severity;

/// One rule.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    /// The stable id (`AL101`): `AL1xx` secrets, `AL2xx` pins, `AL3xx` user, `AL4xx` commands.
    pub id: &'static str,
    /// The stable name (`secret-in-env`).
    pub name: &'static str,
    /// Its severity.
    pub severity: Severity,
}

/// A secret in an `env` step, a `withDockerfile` `ENV`/`ARG` or (with resolution) an `ENV`/`ARG`
/// of a `fromDockerfile` base's Dockerfile, by its name or its value.
pub const SECRET_IN_ENV: Rule = Rule {
    id: "AL101",
    name: "secret-in-env",
    severity: Severity::Error,
};
/// A secret that an `envFile` brings into an image layer (needs resolution).
pub const SECRET_IN_ENV_FILE: Rule = Rule {
    id: "AL102",
    name: "secret-in-env-file",
    severity: Severity::Error,
};
/// A credential in an index URL (a step's options or a requirements file's `--index-url`) or in
/// a requirement (`name @ https://user:password@…`, a token in a VCS URL).
pub const SECRET_IN_REQUIREMENTS: Rule = Rule {
    id: "AL103",
    name: "secret-in-requirements",
    severity: Severity::Error,
};
/// Python packages without `==`, `===` or `~=`: `pipInstall`/`uvPipInstall` lists and (with
/// resolution) the lines of requirements files and a `pyproject.toml`'s dependencies.
pub const UNPINNED_PIP_PACKAGE: Rule = Rule {
    id: "AL201",
    name: "unpinned-pip-package",
    severity: Severity::Warning,
};
/// A VCS requirement (`git+https://…`) whose ref is not a full commit hash.
pub const UNPINNED_VCS_REQUIREMENT: Rule = Rule {
    id: "AL205",
    name: "unpinned-vcs-requirement",
    severity: Severity::Warning,
};
/// `aptInstall` packages without `=version`.
pub const UNPINNED_APT_PACKAGE: Rule = Rule {
    id: "AL202",
    name: "unpinned-apt-package",
    severity: Severity::Info,
};
/// A `fromRegistry` base, or a `FROM` of a `fromDockerfile` base's Dockerfile, with `:latest`
/// or no tag, and no digest.
pub const LATEST_BASE: Rule = Rule {
    id: "AL203",
    name: "latest-base-tag",
    severity: Severity::Warning,
};
/// A `fromRegistry` base, or a `FROM` of a base's Dockerfile, with a tag and no digest.
pub const UNPINNED_BASE_DIGEST: Rule = Rule {
    id: "AL204",
    name: "base-without-digest",
    severity: Severity::Info,
};
/// The image runs as root: no `USER` and a base known to run as root, or `USER root` last (in a
/// step, or in the final stage of a base's Dockerfile).
pub const RUNS_AS_ROOT: Rule = Rule {
    id: "AL301",
    name: "runs-as-root",
    severity: Severity::Info,
};
/// `curl … | sh` or `wget … | sh`: runs what a URL serves at build time.
pub const PIPE_TO_SHELL: Rule = Rule {
    id: "AL401",
    name: "pipe-to-shell",
    severity: Severity::Warning,
};
/// `sudo` in a build command.
pub const SUDO: Rule = Rule {
    id: "AL402",
    name: "sudo",
    severity: Severity::Warning,
};
/// `apt-get upgrade` / `dist-upgrade` / `full-upgrade` (and `apt`'s).
pub const APT_UPGRADE: Rule = Rule {
    id: "AL403",
    name: "apt-upgrade",
    severity: Severity::Info,
};
/// A `runCommands` command that is only `cd DIR`: it changes nothing for the next command.
pub const CD_WITHOUT_EFFECT: Rule = Rule {
    id: "AL404",
    name: "cd-without-effect",
    severity: Severity::Warning,
};
/// `pip install` in a command instead of `pipInstall`.
pub const PIP_INSTALL_IN_RUN: Rule = Rule {
    id: "AL405",
    name: "pip-install-in-run",
    severity: Severity::Info,
};

/// Every rule, by id.
pub const RULES: [&Rule; 14] = [
    &SECRET_IN_ENV,
    &SECRET_IN_ENV_FILE,
    &SECRET_IN_REQUIREMENTS,
    &UNPINNED_PIP_PACKAGE,
    &UNPINNED_APT_PACKAGE,
    &LATEST_BASE,
    &UNPINNED_BASE_DIGEST,
    &UNPINNED_VCS_REQUIREMENT,
    &RUNS_AS_ROOT,
    &PIPE_TO_SHELL,
    &SUDO,
    &APT_UPGRADE,
    &CD_WITHOUT_EFFECT,
    &PIP_INSTALL_IN_RUN,
];
