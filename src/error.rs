//! The one error type of the crate: a stable machine-readable [`ErrorCode`], a message that says
//! what to do, and where the problem is (argument path, file, line and column).

use std::fmt::{self, Write as _};

/// Stable identifiers of every kind of failure. The string form (`code.as_str()`) is part of the
/// public API: the JavaScript `ApothicError.code` carries it, and it never changes meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// A JavaScript argument has the wrong type or shape (a number where a string list goes,
    /// an unknown option name).
    InvalidArgument,
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
    /// A dockerignore-style pattern does not compile (an unclosed `[`, a bad escape).
    InvalidIgnorePattern,
    /// A dotenv file has a line that is not `KEY=value` (line and column given).
    DotenvSyntax,
    /// A requirements file names an include it cannot follow (empty `-r`, an include cycle).
    RequirementsSyntax,
    /// A pyproject.toml is not valid TOML or lacks `[project]` / its `dependencies`.
    PyprojectInvalid,
    /// `optionalDependencies` names a group the pyproject.toml does not define.
    UnknownDependencyGroup,
    /// The host lacks a callback that resolution needs (the message names it).
    MissingHostCallback,
    /// A file, folder or Python module that resolution reads does not exist (the host's callback
    /// failed with `ENOENT` or `ENOTDIR`, or a folder listing does not hold it); `file` names it.
    FileNotFound,
    /// A host callback threw, rejected or returned the wrong type (the message names the callback and path).
    HostCallbackFailed,
    /// A host callback did not answer within the timeout.
    HostTimeout,
    /// Resolution was cancelled through its `AbortSignal`.
    Aborted,
    /// A file changed between resolving and writing the build context.
    ContextChanged,
    /// A spec given to `fromSpec` is malformed.
    InvalidSpec,
    /// A spec has a `version` this package does not know.
    UnsupportedSpecVersion,
    /// A spec (or an argument) is larger than the package accepts: more than 4 MiB of JSON or
    /// more than 10,000 steps.
    SpecTooLarge,
    /// A file that is read whole (Dockerfile, requirements, pyproject, env file) is larger than
    /// the package reads into memory (16 MiB).
    FileTooLarge,
    /// A folder has more entries or levels than a walk accepts, or a build context is larger
    /// than `buildContext` writes in memory.
    FolderTooLarge,
    /// One `resolve` / `buildContext` call would hold more than its `maxBytes` (files read
    /// whole and folder listings added up; 256 MiB by default).
    ResolveTooLarge,
    /// A diff of two images would compare more than it checks (`limits::MAX_DIFF_CELLS`): two
    /// very long, very different step lists or Dockerfiles.
    DiffTooLarge,
}

impl ErrorCode {
    /// Every code, in the order of the table in docs/api.md.
    pub const ALL: [ErrorCode; 34] = [
        ErrorCode::InvalidArgument,
        ErrorCode::InvalidPythonVersion,
        ErrorCode::InvalidImageRef,
        ErrorCode::InvalidPackage,
        ErrorCode::InvalidOption,
        ErrorCode::InvalidEnvKey,
        ErrorCode::InvalidEnvValue,
        ErrorCode::InvalidCommand,
        ErrorCode::InvalidShell,
        ErrorCode::InvalidPath,
        ErrorCode::InvalidModuleName,
        ErrorCode::DockerfileSyntax,
        ErrorCode::ForbiddenInstruction,
        ErrorCode::BuildStepAfterRuntimeStep,
        ErrorCode::NeedsResolve,
        ErrorCode::LineTooLong,
        ErrorCode::InvalidIgnorePattern,
        ErrorCode::DotenvSyntax,
        ErrorCode::RequirementsSyntax,
        ErrorCode::PyprojectInvalid,
        ErrorCode::UnknownDependencyGroup,
        ErrorCode::MissingHostCallback,
        ErrorCode::FileNotFound,
        ErrorCode::HostCallbackFailed,
        ErrorCode::HostTimeout,
        ErrorCode::Aborted,
        ErrorCode::ContextChanged,
        ErrorCode::InvalidSpec,
        ErrorCode::UnsupportedSpecVersion,
        ErrorCode::SpecTooLarge,
        ErrorCode::FileTooLarge,
        ErrorCode::FolderTooLarge,
        ErrorCode::ResolveTooLarge,
        ErrorCode::DiffTooLarge,
    ];

    /// The stable string form, e.g. `"INVALID_IMAGE_REF"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "INVALID_ARGUMENT",
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
            ErrorCode::InvalidIgnorePattern => "INVALID_IGNORE_PATTERN",
            ErrorCode::DotenvSyntax => "DOTENV_SYNTAX",
            ErrorCode::RequirementsSyntax => "REQUIREMENTS_SYNTAX",
            ErrorCode::PyprojectInvalid => "PYPROJECT_INVALID",
            ErrorCode::UnknownDependencyGroup => "UNKNOWN_DEPENDENCY_GROUP",
            ErrorCode::MissingHostCallback => "MISSING_HOST_CALLBACK",
            ErrorCode::FileNotFound => "FILE_NOT_FOUND",
            ErrorCode::HostCallbackFailed => "HOST_CALLBACK_FAILED",
            ErrorCode::HostTimeout => "HOST_TIMEOUT",
            ErrorCode::Aborted => "ABORTED",
            ErrorCode::ContextChanged => "CONTEXT_CHANGED",
            ErrorCode::InvalidSpec => "INVALID_SPEC",
            ErrorCode::UnsupportedSpecVersion => "UNSUPPORTED_SPEC_VERSION",
            ErrorCode::SpecTooLarge => "SPEC_TOO_LARGE",
            ErrorCode::FileTooLarge => "FILE_TOO_LARGE",
            ErrorCode::FolderTooLarge => "FOLDER_TOO_LARGE",
            ErrorCode::ResolveTooLarge => "RESOLVE_TOO_LARGE",
            ErrorCode::DiffTooLarge => "DIFF_TOO_LARGE",
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
    /// A sentence that says what is wrong and what to do; it holds no control character
    /// (they are escaped when the error is made).
    pub message: String,
    /// The argument it concerns, as a path (`packages[2]`, `values.PATH`, `steps[3].commands[0]`),
    /// exactly as given (a key may hold control characters: escape it before printing).
    pub argument: Option<String>,
    /// The file it concerns, when the input came from a file, exactly as named.
    pub file: Option<String>,
    /// Where in a text (Dockerfile, dotenv, ...) the problem is.
    pub position: Option<Position>,
}

impl Error {
    /// A new error with a code and message, without location.
    /// Control characters in the message are escaped ([`escape_controls`]), so a message is safe
    /// to print to a terminal. The argument path and file name stay exact (they name a key or a
    /// file a program may look up); `Display` escapes them.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: escape_controls(message.into()),
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
    /// Every field is escaped here (the argument path and file name are kept exact in the
    /// struct, and the fields are public): what is displayed never holds a control character.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = Escaped(&self.message);
        write!(f, "{}: {message}", self.code)?;
        if let Some(argument) = &self.argument {
            write!(f, " (argument `{}`)", Escaped(argument))?;
        }
        match (&self.file, self.position) {
            (Some(file), Some(p)) => write!(f, " at {}:{}:{}", Escaped(file), p.line, p.column),
            (Some(file), None) => write!(f, " in {}", Escaped(file)),
            (None, Some(p)) => write!(f, " at line {}, column {}", p.line, p.column),
            (None, None) => Ok(()),
        }
    }
}

impl std::error::Error for Error {}

/// Whether `c` is a control character a terminal may act on: C0 (U+0000–U+001F), DEL (U+007F)
/// or C1 (U+0080–U+009F, which includes the 8-bit CSI and OSC introducers).
pub fn is_control(c: char) -> bool {
    matches!(u32::from(c), 0..=0x1f | 0x7f..=0x9f)
}

/// The one place control characters are escaped for messages: each one becomes its JSON escape
/// (`\n`, `\t`, `\r`, `\b`, `\f`, else `\u001b` style); every other character, quotes and
/// backslashes included, is kept. Text without control characters is returned unchanged, so
/// escaping twice is the same as escaping once.
pub fn escape_controls(text: String) -> String {
    if text.chars().any(is_control) {
        Escaped(&text).to_string()
    } else {
        text
    }
}

/// Writes the escape of a control character (see [`escape_controls`]).
fn write_control(f: &mut fmt::Formatter<'_>, c: char) -> fmt::Result {
    match c {
        '\n' => f.write_str("\\n"),
        '\t' => f.write_str("\\t"),
        '\r' => f.write_str("\\r"),
        '\u{8}' => f.write_str("\\b"),
        '\u{c}' => f.write_str("\\f"),
        _ => write!(f, "\\u{:04x}", u32::from(c)),
    }
}

/// Displays a text with its control characters escaped and everything else as it is.
struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(is_control) {
            f.write_str(&rest[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            write_control(f, c)?;
            rest = &rest[at + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

/// Displays a text the user gave as a JSON string literal (`"it's \"x\""`), for error messages:
/// quotes and backslashes are escaped, and control characters as [`escape_controls`] does
/// (C1 and DEL too, which JSON itself would leave raw). Cheaper in the wasm build than `{:?}`,
/// which pulls in Unicode printability tables.
pub(crate) struct Quoted<'a>(pub &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for c in self.0.chars() {
            match c {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                c if is_control(c) => write_control(f, c)?,
                c => f.write_char(c)?,
            }
        }
        f.write_str("\"")
    }
}

/// Displays a character as `U+000A`, for messages about characters that cannot be shown.
pub(crate) struct CharName(pub char);

impl fmt::Display for CharName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "U+{:04X}", u32::from(self.0))
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// The TypeScript `ErrorCode` union (src/wasm/errors.rs) and the table in docs/api.md list exactly
    /// the codes of the enum.
    #[test]
    fn every_code_is_in_the_typescript_union_and_the_readme() {
        let ts = include_str!("wasm/errors.rs");
        let readme = include_str!("../docs/api.md");
        let mut codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        for code in &codes {
            assert!(
                ts.contains(&format!("| \"{code}\"")),
                "{code} missing from the TypeScript union"
            );
            assert!(
                readme.contains(&format!("| `{code}` |")),
                "{code} missing from the table in docs/api.md"
            );
        }
        assert_eq!(
            ts.matches("  | \"").count(),
            codes.len(),
            "the TypeScript union has extra codes"
        );
        assert_eq!(
            codes.len(),
            ErrorCode::ALL.len(),
            "ErrorCode::ALL lists a code twice"
        );
    }

    /// `ALL` holds every variant: `as_str` is an exhaustive match, so a new variant gets a
    /// string there, and this test fails until it is in `ALL` too.
    #[test]
    fn all_is_complete() {
        let listed: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        let source = include_str!("error.rs");
        let in_match = source.matches(" => \"").count();
        assert_eq!(
            listed.len(),
            in_match,
            "a code is missing from ErrorCode::ALL"
        );
    }
}
