//! The check of `withDockerfile` fragments: what cannot go in the middle of the rendered
//! Dockerfile (a `FROM`, the build context through `COPY`/`ADD`/`RUN --mount`, heredocs, parser
//! directives, a `SHELL` engines refuse) and what could not be written back one instruction per
//! line.

use super::parser::parse_document;
use super::{forbidden, syntax, Args, Dockerfile, Instruction};
use crate::error::{Position, Result};

/// Checks a `withDockerfile` fragment: parses it, and rejects what cannot go in the middle of the
/// rendered Dockerfile.
///
/// Errors ([`ForbiddenInstruction`](crate::error::ErrorCode::ForbiddenInstruction) unless
/// noted), with the line and column:
/// - `FROM`: the base comes from the image's constructor (`fromRegistry`, `fromDockerfile`);
/// - `COPY` without `--from=<stage or image>`: there is no build context for a fragment (use
///   `copyLocalFile`/`copyLocalDir`);
/// - `ADD` of anything but remote URLs (`http://`, `https://`, `git://`, `ssh://`,
///   `user@host:path`): the same; `ADD --from` does not exist (use `COPY --from=`);
/// - parser directives (`# syntax=`, `# escape=`, `# check=`): they only work at the top of a
///   Dockerfile, and the fragment is inserted mid-file;
/// - `RUN --mount` of type `bind` (the default) without `from=<stage or image>`: it would read
///   the build context, which a fragment does not have; `cache`, `tmpfs`, `secret`, `ssh` and
///   `bind` with `from=` are fine, other types are refused;
/// - heredocs (`<<EOF`): the rendered Dockerfile must build on engines without heredoc support;
///   a multi-line command goes through `runCommands`;
/// - `ONBUILD` wrapping any of those;
/// - [`DockerfileSyntax`](crate::error::ErrorCode::DockerfileSyntax): a fragment without
///   instructions, a parse error, `COPY`/`ADD` without a source and a destination, and an
///   instruction that cannot be written back on one line (a carriage return or NUL inside it, or
///   longer than [`MAX_LINE_BYTES`](super::MAX_LINE_BYTES) once joined).
///
/// On success the parsed fragment is returned; each instruction's `logical_line`, written on a
/// line of its own in a Dockerfile with the default escape `\`, means the same instruction.
pub fn check_fragment(contents: &str) -> Result<Dockerfile> {
    // A NUL has no place in a Dockerfile, not even in a comment (tools that read it as a C
    // string stop there; found by fuzzing the renderer against BuildKit's parser).
    if let Some(offset) = contents.find('\0') {
        let before = &contents[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        return Err(syntax(
            "the fragment holds a NUL character; remove it",
            Position { line, column },
        ));
    }
    let parsed = parse_document(contents)?;
    if let (Some((name, value)), Some(position)) = (
        parsed.dockerfile.directives.first(),
        parsed.dockerfile.directive_positions.first(),
    ) {
        return Err(forbidden(
            format!(
                "`# {name}={value}` is a parser directive, and parser directives only work on the first lines of a Dockerfile; \
                 withDockerfile inserts the fragment in the middle of the rendered Dockerfile, where it would be an ordinary comment. Remove it"
            ),
            *position,
        ));
    }
    if parsed.dockerfile.instructions.is_empty() {
        return Err(syntax(
            "the withDockerfile fragment has no instructions (only comments or blank lines); give at least one instruction, e.g. `RUN …`",
            Position { line: parsed.lines.max(1), column: 1 },
        ));
    }
    for instruction in &parsed.dockerfile.instructions {
        check_instruction(instruction, instruction, false)?;
        instruction.check_one_line()?;
    }
    Ok(parsed.dockerfile)
}

/// Sources `ADD` fetches itself rather than from the build context.
fn is_remote_source(src: &str) -> bool {
    let lower = src.to_ascii_lowercase();
    if ["http://", "https://", "git://", "ssh://"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return true;
    }
    // scp-like git address: user@host:path
    if let Some((user, rest)) = src.split_once('@') {
        if let Some((host, _)) = rest.split_once(':') {
            let user_ok = !user.is_empty()
                && user
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            let host_ok = !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            return user_ok && host_ok;
        }
    }
    false
}

/// Why a `RUN --mount=<value>` cannot be in a fragment, or `None` when it can: a `bind` mount
/// (the default type) without `from=` reads the build context, which a fragment does not have,
/// and an unknown type is refused rather than guessed at. The value is read as BuildKit reads
/// it: comma-separated `key=value` fields (CSV, double quotes allowed), keys and the type
/// case-insensitive.
fn mount_problem(value: &str) -> Option<String> {
    let mut kind = "bind".to_string();
    let mut from = false;
    for field in csv_fields(value) {
        let (key, value) = field.split_once('=').unwrap_or((field.as_str(), ""));
        match key.trim().to_ascii_lowercase().as_str() {
            "type" => kind = value.to_ascii_lowercase(),
            "from" => from = !value.is_empty(),
            _ => {}
        }
    }
    match kind.as_str() {
        "bind" if !from => Some(
            "is a bind mount of the build context (type=bind is the default; no from= names another image or stage), \
             and a fragment has no build context"
                .to_string(),
        ),
        "bind" | "cache" | "tmpfs" | "secret" | "ssh" => None,
        other => Some(format!(
            "has the mount type `{}`, which is not one of bind, cache, tmpfs, secret, ssh",
            other.chars().take(64).collect::<String>()
        )),
    }
}

/// The fields of one CSV record, as Go's `encoding/csv` reads a line: split at commas outside
/// double quotes; a quoted field loses its quotes and `""` inside it is one `"`.
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// The fragment rules for one instruction; `top` is the instruction as written (for `ONBUILD`,
/// the `ONBUILD` line), `inner` is `top` or its trigger.
fn check_instruction(top: &Instruction, inner: &Instruction, in_onbuild: bool) -> Result<()> {
    let at = inner.position();
    let prefix = if in_onbuild {
        format!("ONBUILD {}: ", inner.keyword)
    } else {
        String::new()
    };
    if let (false, Some(first)) = (in_onbuild, top.heredocs.first()) {
        let offset = top.logical_line.find("<<").unwrap_or(0);
        let name = &first.name;
        let prefix = if top.keyword == "ONBUILD" {
            "ONBUILD: "
        } else {
            ""
        };
        return Err(forbidden(
            format!(
                "{prefix}heredocs (`<<{name}`) are not allowed in withDockerfile: the rendered Dockerfile must also build on older engines \
                 whose Dockerfile frontend has no heredoc support (no `# syntax=` line is added). Use runCommands with a multi-line command instead"
            ),
            top.position_in_line(offset),
        ));
    }
    match inner.keyword.as_str() {
        "FROM" => {
            return Err(forbidden(
                format!(
                    "{prefix}FROM is not allowed in withDockerfile: the fragment continues the image being built. \
                     Start from another image with Image.fromRegistry(…) or Image.fromDockerfile(…) instead"
                ),
                at,
            ));
        }
        "COPY" | "ADD" => {
            let Some((sources, _)) = inner.sources_and_destination() else {
                return Err(syntax(
                    format!(
                        "{prefix}{} needs at least one source and a destination",
                        inner.keyword
                    ),
                    at,
                ));
            };
            let from = inner.flag("from");
            if inner.keyword == "ADD" {
                if from.is_some() {
                    return Err(forbidden(
                        format!("{prefix}ADD has no --from flag; copy from another image or stage with COPY --from=<image or stage> instead"),
                        at,
                    ));
                }
                if let Some(local) = sources.iter().find(|s| !is_remote_source(s)) {
                    return Err(forbidden(
                        format!(
                            "{prefix}ADD from the build context (`{local}`) is not allowed in withDockerfile: a fragment has no build context. \
                             Use copyLocalFile or copyLocalDir to put local files into the image (ADD of an http(s) or git URL is fine)"
                        ),
                        at,
                    ));
                }
            } else if from
                .and_then(|f| f.value.as_deref())
                .is_none_or(str::is_empty)
            {
                return Err(forbidden(
                    format!(
                        "{prefix}COPY from the build context is not allowed in withDockerfile: a fragment has no build context. \
                         Use copyLocalFile or copyLocalDir to put local files into the image (COPY --from=<image or stage> is fine)"
                    ),
                    at,
                ));
            }
        }
        "RUN" => {
            for flag in inner.flags.iter().filter(|f| f.name == "mount") {
                if let Some(problem) = mount_problem(flag.value.as_deref().unwrap_or("")) {
                    return Err(forbidden(
                        format!(
                            "{prefix}RUN --mount={} {problem}; in withDockerfile only mounts that do not read the build context are allowed: \
                             type=cache, type=tmpfs, type=secret, type=ssh, and type=bind with from=<image or stage>. \
                             Use copyLocalFile or copyLocalDir to put local files into the image",
                            flag.value.as_deref().unwrap_or("").chars().take(200).collect::<String>()
                        ),
                        at,
                    ));
                }
            }
        }
        // BuildKit parses `SHELL foo` but refuses to build it ("SHELL requires the arguments to
        // be in JSON form"), and an empty array too; found by fuzzing the renderer.
        "SHELL" if !matches!(&inner.args, Args::Json(argv) if !argv.is_empty()) => {
            return Err(syntax(
                format!(
                    "{prefix}SHELL takes a non-empty JSON array, e.g. SHELL [\"/bin/bash\", \"-c\"]; engines refuse to build any other form"
                ),
                at,
            ));
        }
        _ => {}
    }
    if let Some(trigger) = &inner.trigger {
        check_instruction(top, trigger, true)?;
    }
    Ok(())
}
