//! The one error type of the crate: a stable machine-readable [`ErrorCode`], a message that says
//! what to do, and where the problem is (argument path, file, line and column).

use std::fmt;

/// Stable identifiers of every kind of failure. The string form (`code.as_str()`) is part of the
/// public API: the JavaScript `ApothicError.code` carries it, and it never changes meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// `debianSlim` got a Python version outside 3.11–3.15 or not in `X.Y` / `X.Y.Z` form.
    InvalidPythonVersion,
    /// An image reference does not follow the distribution/reference grammar.
    InvalidImageRef,
    /// A pip, uv or apt package string is empty, starts with `-`, or holds a control character.
    InvalidPackage,
    /// A pip/uv option (index URL, extra options, uv version, optional-dependency group) is invalid.
    InvalidOption,
    /// An environment variable name is empty or holds `=`, whitespace or a control character.
    InvalidEnvKey,
    /// An environment variable value holds a newline, carriage return or NUL.
    InvalidEnvValue,
    /// A `runCommands` command is empty or holds a NUL.
    InvalidCommand,
    /// A `commandShell` line is empty or cannot be split like a shell would.
    InvalidShell,
    /// A local or remote path is empty or holds a control character.
    InvalidPath,
    /// A Python module name is not a dotted identifier.
    InvalidModuleName,
    /// A Dockerfile (or `withDockerfile` fragment) does not parse.
    DockerfileSyntax,
    /// A `withDockerfile` fragment uses an instruction that is not allowed there.
    ForbiddenInstruction,
    /// A build step comes after an `addLocal*` (runtime) step.
    BuildStepAfterRuntimeStep,
    /// Rendering needs file contents: call `resolve(host)` first.
    NeedsResolve,
    /// A rendered instruction would be longer than the 65,535 bytes a Dockerfile line may hold.
    LineTooLong,
    /// A spec given to `fromSpec` is malformed.
    InvalidSpec,
    /// A spec has a `version` this package does not know.
    UnsupportedSpecVersion,
}

impl ErrorCode {
    /// The stable string form, e.g. `"INVALID_IMAGE_REF"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidPythonVersion => "INVALID_PYTHON_VERSION",
            ErrorCode::InvalidImageRef => "INVALID_IMAGE_REF",
            ErrorCode::InvalidPackage => "INVALID_PACKAGE",
            ErrorCode::InvalidOption => "INVALID_OPTION",
            ErrorCode::InvalidEnvKey => "INVALID_ENV_KEY",
            ErrorCode::InvalidEnvValue => "INVALID_ENV_VALUE",
            ErrorCode::InvalidCommand => "INVALID_COMMAND",
            ErrorCode::InvalidShell => "INVALID_SHELL",
            ErrorCode::InvalidPath => "INVALID_PATH",
            ErrorCode::InvalidModuleName => "INVALID_MODULE_NAME",
            ErrorCode::DockerfileSyntax => "DOCKERFILE_SYNTAX",
            ErrorCode::ForbiddenInstruction => "FORBIDDEN_INSTRUCTION",
            ErrorCode::BuildStepAfterRuntimeStep => "BUILD_STEP_AFTER_RUNTIME_STEP",
            ErrorCode::NeedsResolve => "NEEDS_RESOLVE",
            ErrorCode::LineTooLong => "LINE_TOO_LONG",
            ErrorCode::InvalidSpec => "INVALID_SPEC",
            ErrorCode::UnsupportedSpecVersion => "UNSUPPORTED_SPEC_VERSION",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A line and column (both 1-based) in a text the user gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

/// A failure with a stable code, an actionable message and where it applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What kind of failure this is.
    pub code: ErrorCode,
    /// A sentence that says what is wrong and what to do.
    pub message: String,
    /// The argument it concerns, as a path (`packages[2]`, `values.PATH`, `steps[3].commands[0]`).
    pub argument: Option<String>,
    /// The file it concerns, when the input came from a file.
    pub file: Option<String>,
    /// Where in a text (Dockerfile, dotenv, ...) the problem is.
    pub position: Option<Position>,
}

impl Error {
    /// A new error with a code and message, without location.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            argument: None,
            file: None,
            position: None,
        }
    }

    /// Sets the argument path this error concerns.
    pub fn at(mut self, argument: impl Into<String>) -> Self {
        self.argument = Some(argument.into());
        self
    }

    /// Prefixes the argument path (`values` + `PATH` → `values.PATH`, `steps[2]` + `packages[0]`
    /// → `steps[2].packages[0]`), so callers can say where a nested error sits.
    pub fn within(mut self, outer: &str) -> Self {
        self.argument = Some(match self.argument.take() {
            None => outer.to_string(),
            Some(inner) if inner.starts_with('[') => format!("{outer}{inner}"),
            Some(inner) => format!("{outer}.{inner}"),
        });
        self
    }

    /// Sets the file this error concerns.
    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// Sets the line and column (1-based) this error concerns.
    pub fn at_position(mut self, line: usize, column: usize) -> Self {
        self.position = Some(Position { line, column });
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(argument) = &self.argument {
            write!(f, " (argument `{argument}`)")?;
        }
        match (&self.file, self.position) {
            (Some(file), Some(p)) => write!(f, " at {file}:{}:{}", p.line, p.column),
            (Some(file), None) => write!(f, " in {file}"),
            (None, Some(p)) => write!(f, " at line {}, column {}", p.line, p.column),
            (None, None) => Ok(()),
        }
    }
}

impl std::error::Error for Error {}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
