//! The Dockerfile renderer. Every rule of ARCHITECTURE.md §4 lives here: one instruction per line, values
//! shell-quoted, JSON forms from a real serializer, no `# syntax=` line and no heredocs, and the
//! same spec always gives the same bytes, ending with a newline.

use std::fmt::Write as _;
use std::sync::Arc;

use crate::error::{Error, ErrorCode, Quoted, Result};
use crate::formats::dockerfile::{self, Dockerfile, MAX_LINE_BYTES};
use crate::formats::quote::{
    escape_dockerfile_word, shell_join, shell_quote, shell_split, single_quote,
};
use crate::spec::canonical::added_python_build;
use crate::spec::defaults::{debian_slim_reference, UV_IMAGE};
use crate::spec::{Base, ImageSpec, PipOptions, Step};

pub mod managed_python;

use managed_python::{ManagedPython, DEFAULT_ARCH, DEFAULT_LIBC};

/// The shell `RUN` uses until a `commandShell` step changes it.
pub const DEFAULT_SHELL: [&str; 2] = ["/bin/sh", "-c"];

/// Renders the Dockerfile of a spec. Steps whose contents come from files give `NEEDS_RESOLVE`;
/// an instruction longer than [`MAX_LINE_BYTES`] (BuildKit's limit) gives `LINE_TOO_LONG`.
pub fn render(spec: &ImageSpec) -> Result<String> {
    let mut out = render_base(&spec.base)?;
    let mut state = RenderState::default();
    for (index, step) in spec.steps.iter().enumerate() {
        out.push_str(&render_step(step, index, &mut state)?);
    }
    Ok(out)
}

/// What rendering carries from one step to the next: the active `SHELL`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderState {
    /// The active `SHELL` argv, `None` while it is the default. Shared: every image after a
    /// `commandShell` step carries it, and a clone is a reference count, not a copy.
    shell: Option<Arc<Vec<String>>>,
}

impl RenderState {
    /// Sets the active shell (a base Dockerfile's last `SHELL`).
    pub(crate) fn set_shell(&mut self, shell: Option<Vec<String>>) {
        self.shell = shell.map(Arc::new);
    }
}

/// The Debian packages `debianSlim({ buildTools: true })` installs: gcc, g++, make and the libc
/// headers, so packages that build C extensions from source install.
pub const BUILD_TOOLS_PACKAGES: [&str; 1] = ["build-essential"];

/// The instructions of a base: its `FROM` line, then `build-essential` for a `debianSlim` base
/// with `buildTools`, or the managed CPython of a `fromRegistry` base with `addPython`, rendered
/// for x86_64 and glibc with the default [`ManagedPython`] (`resolve` renders it for the arch
/// and libc the host reports, see [`render_base_for`]).
pub fn render_base(base: &Base) -> Result<String> {
    render_base_for(base, DEFAULT_ARCH, DEFAULT_LIBC, &ManagedPython::default())
}

/// [`render_base`] with the `addPython` install for `arch` and `libc` (python-build-standalone
/// names: `x86_64`/`aarch64`, `gnu`/`musl`) from `managed`, its digest checked when `managed`
/// holds one for that tarball.
pub fn render_base_for(
    base: &Base,
    arch: &str,
    libc: &str,
    managed: &ManagedPython,
) -> Result<String> {
    let mut renderer = Renderer {
        out: String::with_capacity(64),
        shell: None,
        fragment: None,
    };
    renderer.base(base)?;
    if let Base::FromRegistry {
        add_python: Some(version),
        ..
    } = base
    {
        let version = added_python_build(version).map_err(|e| e.within("base"))?;
        let url = managed.url(version, arch, libc);
        renderer.out.push_str(&managed_python::install_lines(
            &url,
            managed.sha256_of(&url),
            true,
        ));
    }
    Ok(renderer.out)
}

/// The instructions of step number `index`, given the state the steps before it left; updates
/// the state. Errors name the step (`steps[index]`).
pub fn render_step(step: &Step, index: usize, state: &mut RenderState) -> Result<String> {
    render_checked_step(step, None, index, state)
}

/// [`render_step`] for a step just checked by `spec::canonical::checked_step`, reusing the
/// `withDockerfile` fragment that checking parsed (`fragment` is that parse of the step's
/// `contents`, or `None` to parse it here), so a fragment is parsed once per builder call.
pub(crate) fn render_checked_step(
    step: &Step,
    fragment: Option<&Dockerfile>,
    index: usize,
    state: &mut RenderState,
) -> Result<String> {
    let mut renderer = Renderer {
        out: String::with_capacity(96),
        shell: state.shell.take(),
        fragment,
    };
    let result = renderer
        .step(step)
        .and_then(|()| check_line_lengths(&renderer.out, step));
    state.shell = renderer.shell;
    result.map_err(|e| e.within(&format!("steps[{index}]")))?;
    Ok(renderer.out)
}

/// Fails with `LINE_TOO_LONG` when a rendered line is longer than a Dockerfile line may be.
pub(crate) fn check_line_lengths(rendered: &str, step: &Step) -> Result<()> {
    if rendered.len() <= MAX_LINE_BYTES {
        return Ok(()); // no line of it can be longer than the whole
    }
    match rendered.lines().map(str::len).max() {
        Some(longest) if longest > MAX_LINE_BYTES => Err(Error::new(
            ErrorCode::LineTooLong,
            format!(
                "{} renders an instruction of {longest} bytes, but a Dockerfile line holds at most {MAX_LINE_BYTES}; split it into smaller steps or put the data in a file",
                step.op_name()
            ),
        )),
        _ => Ok(()),
    }
}

struct Renderer<'a> {
    out: String,
    /// The active `SHELL` argv, `None` while it is the default.
    shell: Option<Arc<Vec<String>>>,
    /// The checked parse of the `withDockerfile` step being rendered, when the caller has it.
    fragment: Option<&'a Dockerfile>,
}

impl Renderer<'_> {
    fn line(&mut self, instruction: &str) {
        self.out.push_str(instruction);
        self.out.push('\n');
    }

    fn base(&mut self, base: &Base) -> Result<()> {
        match base {
            Base::DebianSlim {
                python_version,
                build_tools,
            } => {
                let _ = writeln!(self.out, "FROM {}", debian_slim_reference(python_version));
                if *build_tools {
                    self.out.push_str(&apt_line(&BUILD_TOOLS_PACKAGES));
                }
            }
            Base::FromRegistry { reference, .. } => {
                let _ = writeln!(self.out, "FROM {reference}");
            }
            Base::FromDockerfile { path, .. } => {
                return Err(needs_resolve(&format!("fromDockerfile({})", Quoted(path))).at("base"));
            }
        }
        Ok(())
    }

    fn step(&mut self, step: &Step) -> Result<()> {
        match step {
            Step::PipInstall { packages, options } => {
                self.out.push_str(&install_lines(packages, options, None))
            }
            Step::UvPipInstall {
                packages,
                options,
                uv_version,
            } => self
                .out
                .push_str(&install_lines(packages, options, Some(uv_version))),
            Step::Env { values } => self.out.push_str(&env_lines(values)),
            Step::RunCommands { commands } => {
                for command in commands {
                    self.run(command);
                }
            }
            Step::CommandShell { shell } => {
                self.shell = shell.clone().map(Arc::new);
                let argv = self.shell_argv();
                let _ = writeln!(self.out, "SHELL {}", json_array(&argv));
            }
            Step::Workdir { path } => {
                let _ = writeln!(self.out, "WORKDIR {}", shell_quote(path));
            }
            Step::AptInstall { packages } => self.out.push_str(&apt_line(packages)),
            Step::Entrypoint { args } => {
                let _ = writeln!(self.out, "ENTRYPOINT {}", json_array(args));
            }
            Step::Cmd { args } => {
                let _ = writeln!(self.out, "CMD {}", json_array(args));
            }
            Step::WithDockerfile { contents } => self.fragment(contents)?,
            runtime if runtime.is_runtime() => {}
            needs_files => {
                return Err(needs_resolve(needs_files.op_name()));
            }
        }
        Ok(())
    }

    fn shell_argv(&self) -> Vec<String> {
        match self.shell.as_deref() {
            Some(argv) => argv.clone(),
            None => DEFAULT_SHELL.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// A command goes in shell form when BuildKit passes the line to the shell unchanged;
    /// otherwise in exec form with the active shell, so it reaches the shell whole.
    fn run(&mut self, command: &str) {
        if shell_form_is_exact(command) {
            let _ = writeln!(self.out, "RUN {command}");
        } else {
            let mut argv = self.shell_argv();
            argv.push(command.to_string());
            let _ = writeln!(self.out, "RUN {}", json_array(&argv));
        }
    }

    /// Writes each instruction of a checked `withDockerfile` fragment on its own line, and
    /// follows its `SHELL` instructions so later exec-form commands use the same shell.
    fn fragment(&mut self, contents: &str) -> Result<()> {
        let parsed;
        let fragment = match self.fragment {
            Some(checked) => checked,
            None => {
                parsed = dockerfile::check_fragment(contents).map_err(|e| e.at("contents"))?;
                &parsed
            }
        };
        for instruction in &fragment.instructions {
            self.line(&instruction.logical_line);
            if let ("SHELL", dockerfile::Args::Json(argv)) =
                (instruction.keyword.as_str(), &instruction.args)
            {
                self.shell = Some(Arc::new(argv.clone()));
            }
        }
        Ok(())
    }
}

/// One non-interactive `apt-get` line: update, install without recommended packages, and the
/// package lists removed.
fn apt_line<S: AsRef<str>>(packages: &[S]) -> String {
    format!(
        "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends {} && rm -rf /var/lib/apt/lists/*\n",
        shell_join(packages.iter().map(AsRef::as_ref))
    )
}

/// One `ENV` with every pair, split over several `ENV` lines only where one line would exceed
/// [`MAX_LINE_BYTES`]. A name starting with `-` is always quoted: BuildKit reads a leading `--`
/// word as a flag before it looks at quotes.
pub(crate) fn env_lines(values: &std::collections::BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut line = String::from("ENV");
    for (key, value) in values {
        let key = if key.starts_with('-') {
            single_quote(key).into()
        } else {
            shell_quote(key)
        };
        let pair = format!("{key}={}", shell_quote(value));
        if line.len() > 3 && line.len() + 1 + pair.len() > MAX_LINE_BYTES {
            out.push_str(&line);
            out.push('\n');
            line.truncate(3);
        }
        line.push(' ');
        line.push_str(&pair);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// The install instructions for `args` (requirement strings, or `-r FILE`): pip, or, with a uv
/// version, the pinned uv copied in from its image and `uv pip install --system`.
pub(crate) fn install_lines(
    args: &[String],
    options: &PipOptions,
    uv_version: Option<&str>,
) -> String {
    let mut out = String::new();
    let mut words = match uv_version {
        Some(version) => {
            let _ = writeln!(
                out,
                "COPY --from={UV_IMAGE}:{version} /uv /usr/local/bin/uv"
            );
            vec!["uv", "pip", "install", "--system", "--no-cache"]
        }
        None => vec!["python", "-m", "pip", "install", "--no-cache-dir"],
    };
    push_options(
        &mut words,
        options,
        if uv_version.is_some() {
            "--prerelease=allow"
        } else {
            "--pre"
        },
    );
    let extra = extra_words(options);
    words.extend(extra.iter().map(String::as_str));
    words.extend(args.iter().map(String::as_str));
    let _ = writeln!(out, "RUN {}", shell_join(words));
    out
}

/// `COPY` of a context path to a path in the image; JSON form when a path has whitespace, and
/// `\ ' " $` escaped so BuildKit's lexer gives the paths back unchanged (ARCHITECTURE.md §4 rule 4).
pub(crate) fn copy_line(source: &str, dest: &str) -> String {
    let (source, dest) = (escape_dockerfile_word(source), escape_dockerfile_word(dest));
    if source.contains(char::is_whitespace) || dest.contains(char::is_whitespace) {
        format!("COPY {}\n", json_array(&[source, dest]))
    } else {
        format!("COPY {source} {dest}\n")
    }
}

/// Index, pre-release and link options, in a fixed order.
fn push_options<'a>(words: &mut Vec<&'a str>, options: &'a PipOptions, pre_flag: &'a str) {
    for (flag, value) in [
        ("--index-url", &options.index_url),
        ("--extra-index-url", &options.extra_index_url),
        ("--find-links", &options.find_links),
    ] {
        if let Some(value) = value {
            words.push(flag);
            words.push(value);
        }
    }
    if options.pre {
        words.push(pre_flag);
    }
}

/// `extraOptions` split into words (validated when the step was added).
fn extra_words(options: &PipOptions) -> Vec<String> {
    options
        .extra_options
        .as_deref()
        .map(|extra| shell_split(extra).unwrap_or_default())
        .unwrap_or_default()
}

/// True when `RUN {command}` hands exactly `command` to the shell: no line break, no leading or
/// trailing whitespace (the parser trims it), no leading `--` (a flag) or `[` (JSON form), no
/// trailing backslash (a line continuation) and no `<<` (a heredoc on newer engines).
fn shell_form_is_exact(command: &str) -> bool {
    !command.contains(['\n', '\r'])
        && !command.starts_with(char::is_whitespace)
        && !command.ends_with(char::is_whitespace)
        && !command.starts_with("--")
        && !command.starts_with('[')
        && !command.ends_with('\\')
        && !command.contains("<<")
}

fn json_array(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_default()
}

fn needs_resolve(what: &str) -> Error {
    Error::new(
        ErrorCode::NeedsResolve,
        format!("{what} needs file contents to render: call resolve(host) and use its dockerfile"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checked_fragment_is_rendered_from_its_parse() {
        let step = Step::WithDockerfile {
            contents: "SHELL [\"/bin/bash\", \"-c\"]\nRUN a \\\n  b".into(),
        };
        let parsed = dockerfile::check_fragment("SHELL [\"/bin/zsh\", \"-c\"]\nRUN c").unwrap();
        let mut state = RenderState::default();
        // The parse given is what is written: the text is not parsed a second time.
        let rendered = render_checked_step(&step, Some(&parsed), 0, &mut state).unwrap();
        assert_eq!(rendered, "SHELL [\"/bin/zsh\", \"-c\"]\nRUN c\n");
        assert_eq!(
            state.shell.as_deref(),
            Some(&vec!["/bin/zsh".into(), "-c".into()])
        );
        // Without one, the step's own text is parsed and checked.
        let mut state = RenderState::default();
        let rendered = render_checked_step(&step, None, 0, &mut state).unwrap();
        assert_eq!(rendered, "SHELL [\"/bin/bash\", \"-c\"]\nRUN a   b\n");
        assert_eq!(
            state.shell.as_deref(),
            Some(&vec!["/bin/bash".into(), "-c".into()])
        );
    }
}
