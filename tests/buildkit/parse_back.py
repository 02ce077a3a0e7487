#!/usr/bin/env python3
"""Parse-back checker: a rendered Dockerfile means exactly its ImageSpec (ARCHITECTURE.md §4, rule 7).

Usage:
    .venv/bin/python tests/buildkit/parse_back.py CASES.jsonl
    .venv/bin/python tests/buildkit/parse_back.py --self-test

CASES.jsonl holds one JSON object a line: {"name": str, "spec": <ImageSpec JSON>, "dockerfile": str}.
Each Dockerfile is parsed with BuildKit's own parser (PyPI `dockerfile` 3.4.0, a binding of
moby/buildkit v0.12.5 frontend/dockerfile/parser) and compared, instruction by instruction, with
what the spec means. The expected instructions are derived here from the spec, independently of
src/render.rs:

- values BuildKit runs through its word lexer (ENV keys and values, WORKDIR, FROM, COPY) are
  decoded with a port of that lexer (frontend/dockerfile/shell/lex.go, ProcessWord); any `$` it
  would expand is a failure, since every value of a spec is literal;
- shell-form RUN lines of pip, uv and apt are split twice: with Python's `shlex.split` and with a
  strict POSIX-sh tokenizer that also reports operators, expansions, globs, tildes, braces and
  comments, so `numpy>=2` left unquoted (a redirection to a file named `=2`) is caught;
- runCommands may use shell form only when BuildKit hands the command to the shell unchanged,
  otherwise exec form with the active shell (tracked across commandShell steps and SHELL
  instructions of withDockerfile fragments);
- withDockerfile contents are parsed alone and must reappear instruction by instruction.

For each failing case one line `FAIL name: <first mismatch>` is printed, then exactly one line
`parse-back: N passed, M failed`; the exit status is 1 when M > 0 (2 for a usage error).
`--self-test` runs built-in correct and deliberately broken cases, and the fromDockerfile tails
of tests/buildkit/dockerfile_tails.json (see `_self_test_tails`), and prints
`parse-back self-test: N passed, M failed`.

Python 3.11, standard library plus `dockerfile` only (tests/buildkit/requirements.txt).

What BuildKit's parser (v0.12.5) does that rendering rules must respect, as observed here:
- `parse_string` returns ENV as raw (name, value, ...) pairs with quotes and backslashes still in
  place; keys and values are both decoded later by the word lexer (ported below). WORKDIR, FROM
  and COPY arguments are lexer-decoded too; RUN (shell or exec) and SHELL values are not.
- Every leading word starting with `--` is an instruction flag, for every instruction and before
  quotes are looked at: `ENV --k=v` gives flags ('--k=v',); `ENV '--k'=v` is a pair.
- Shell-form values are trimmed with Go's unicode.IsSpace (also U+0085, U+00A0, U+2028, \v, \f,
  but not U+001C..U+001F); inner whitespace is kept as is.
- A line ending in `\` plus optional spaces/tabs (also before a CRLF) continues onto the next
  line, whatever quotes are open; `\` followed by U+00A0 does not. A trailing `\` on the last
  line is dropped. Comment and blank lines inside a continuation vanish.
- Lines are split on `\n` only; a `\r` just before it is dropped, one inside a line is kept.
- A RUN/COPY/ADD word starting with unquoted `<<` starts a heredoc (no `# syntax` needed);
  `'<<EOF'`, `"<<EOF"`, `x<<EOF` and exec form do not. Without a terminator line the whole
  parse fails ("unterminated heredoc").
- Exec form is any text starting with `[` that decodes as a JSON array of strings; text after
  the `]` is ignored, and invalid JSON silently falls back to shell form.
- ENV with no pairs parses, but BuildKit rejects it when it builds ("ENV requires at least one
  argument"); a line longer than 65535 bytes of UTF-8 fails the parse.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
import traceback
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable, NamedTuple, Sequence

import dockerfile

DEFAULT_SHELL: tuple[str, ...] = ("/bin/sh", "-c")
UV_IMAGE = "ghcr.io/astral-sh/uv"
UV_COPY_VALUE = ("/uv", "/usr/local/bin/uv")
APT_LISTS_GLOB = "/var/lib/apt/lists/*"

#: Steps whose rendering needs file contents read through a host (`resolve`).
NEEDS_RESOLVE_OPS = frozenset(
    {
        "pipInstallFromRequirements",
        "uvPipInstallFromRequirements",
        "pipInstallFromPyproject",
        "uvPipInstallFromPyproject",
        "envFile",
        "copyLocalFile",
        "copyLocalDir",
        "copyLocalPythonSource",
    }
)

#: Steps attached when a container starts: no Dockerfile instruction.
RUNTIME_OPS = frozenset({"addLocalFile", "addLocalDir", "addLocalPythonSource"})


class Mismatch(Exception):
    """The first difference between a Dockerfile and what its spec means (str() is the message)."""


class SpecProblem(Mismatch):
    """The spec itself is not in the canonical form the renderer is given (or cannot be checked)."""

    def __init__(self, message: str) -> None:
        super().__init__(f"spec problem: {message}")


# --------------------------------------------------------------------------------------------
# Unicode whitespace as Go's unicode.IsSpace sees it (BuildKit trims and splits with it).
# Python's str.isspace()/strip() also count U+001C..U+001F, which Go (and Rust) do not.

_GO_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)


def go_is_space(ch: str) -> bool:
    return ch in _GO_SPACE


# --------------------------------------------------------------------------------------------
# Port of BuildKit's word lexer (moby/buildkit frontend/dockerfile/shell/lex.go, ProcessWord),
# with the default escape token `\`. It is what BuildKit applies to ENV keys and values,
# WORKDIR, FROM and COPY arguments. Semantics (checked against
# the process_word table of tests/conformance/shell-words.json):
#   - '...'  everything literal up to the next ', no escapes; unterminated is an error;
#   - "..."  `\` escapes only `"`, `$` and `\` (any other `\` stays, e.g. "a\tb" -> a\tb);
#            `$` expands; a `\` right before the end of the word is dropped, then the missing
#            closing quote is an error;
#   - unquoted `\x` -> x; a trailing unquoted `\` is dropped;
#   - `$` expands when followed by `{`, a letter or digit (Unicode), `_`, or one of the special
#     parameters @ * # ? - $ ! 0; otherwise it is a literal `$` (`$.` stays `$.`).
# Every expansion is reported as an error here, since every value of a spec must be literal.
# `$(` is also reported: upstream v0.12.5 keeps it literal but forks and later versions differ.


class LexError(ValueError):
    pass


_SPECIAL_PARAMS = frozenset("@*#?-$!0")


def _expansion_at(word: str, i: int) -> bool:
    """True when BuildKit's lexer would expand the `$` at word[i]."""
    if i + 1 >= len(word):
        return False
    nxt = word[i + 1]
    if nxt in "{(" or nxt == "_" or nxt in _SPECIAL_PARAMS:
        return True
    category = unicodedata.category(nxt)
    return category.startswith("L") or category == "Nd"


def bk_word(raw: str, escape: str = "\\") -> str:
    """Decodes one word as BuildKit's ProcessWord would, with an empty environment.

    Raises LexError for BuildKit's syntax errors and for every `$` that would be expanded.
    """
    out: list[str] = []
    i, n = 0, len(raw)

    def expansion(at: int, where: str) -> LexError:
        snippet = raw[at : at + 12]
        return LexError(
            f"{where} `$` at offset {at} of {raw!r} starts a variable expansion ({snippet!r}...); "
            "BuildKit would substitute it, so the value would not be literal: single-quote it"
        )

    while i < n:
        ch = raw[i]
        if ch == "'":
            end = raw.find("'", i + 1)
            if end < 0:
                raise LexError(
                    f"unterminated single quote at offset {i} of {raw!r} "
                    "(BuildKit: unexpected end of statement while looking for matching single-quote)"
                )
            out.append(raw[i + 1 : end])
            i = end + 1
        elif ch == '"':
            start = i
            i += 1
            while True:
                if i >= n:
                    raise LexError(
                        f"unterminated double quote at offset {start} of {raw!r} "
                        "(BuildKit: unexpected end of statement while looking for matching double-quote)"
                    )
                c = raw[i]
                if c == '"':
                    i += 1
                    break
                if c == "$":
                    if _expansion_at(raw, i):
                        raise expansion(i, "double-quoted")
                    out.append("$")
                    i += 1
                    continue
                i += 1
                if c == escape:
                    if i >= n:
                        continue  # "Ignore \ at end of word" -> then the missing quote is an error
                    if raw[i] in ('"', "$", escape):
                        c = raw[i]
                        i += 1
                out.append(c)
        elif ch == "$":
            if _expansion_at(raw, i):
                raise expansion(i, "unquoted")
            out.append("$")
            i += 1
        else:
            i += 1
            if ch == escape:
                if i >= n:
                    break  # a trailing escape is dropped
                ch = raw[i]
                i += 1
            out.append(ch)
    return "".join(out)


# --------------------------------------------------------------------------------------------
# A strict POSIX-sh tokenizer for shell-form RUN lines that are meant to be a list of literal
# words (pip, uv, apt). It reports what the shell would do with each unquoted character:
# operators become operator tokens, and characters that keep a shell meaning inside a word
# (glob `* ? [`, brace `{ }`, tilde `~`, history/negation `!`, comment `#` at a word start,
# expansion `$` and backquote, also inside double quotes) are recorded per word, so the caller
# decides which ones are intended (only the `*` of /var/lib/apt/lists/*).


class ShellError(ValueError):
    pass


class Token(NamedTuple):
    kind: str  # "word" or "op"
    text: str  # the word after quote removal, or the operator
    specials: str = ""  # characters that keep a shell meaning in this word, in order

    def show(self) -> str:
        if self.kind == "op":
            return f"operator {self.text!r}"
        extra = f" with unquoted/expanding {self.specials!r}" if self.specials else ""
        return f"word {self.text!r}{extra}"


_OPERATORS = ("<<-", "&&", "||", ";;", "<<", ">>", "<&", ">&", "<>", ">|", "|", "&", ";", "<", ">", "(", ")")
_BLANKS = " \t"


def sh_tokens(line: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(line)
    word: list[str] | None = None
    specials: list[str] = []

    def finish() -> None:
        nonlocal word, specials
        if word is not None:
            tokens.append(Token("word", "".join(word), "".join(specials)))
        word, specials = None, []

    while i < n:
        ch = line[i]
        if ch in _BLANKS:
            finish()
            i += 1
            continue
        op = next((o for o in _OPERATORS if line.startswith(o, i)), None)
        if op is not None:
            finish()
            tokens.append(Token("op", op))
            i += len(op)
            continue
        at_word_start = word is None
        if word is None:
            word = []
        if ch == "'":
            end = line.find("'", i + 1)
            if end < 0:
                raise ShellError(f"unterminated single quote at offset {i} of {line!r}")
            word.append(line[i + 1 : end])
            i = end + 1
        elif ch == '"':
            start = i
            i += 1
            while True:
                if i >= n:
                    raise ShellError(f"unterminated double quote at offset {start} of {line!r}")
                c = line[i]
                if c == '"':
                    i += 1
                    break
                if c in "$`":
                    specials.append(c)
                elif c == "\\" and i + 1 < n and line[i + 1] in '$`"\\':
                    i += 1
                    c = line[i]
                word.append(c)
                i += 1
        elif ch == "\\":
            if i + 1 >= n:
                raise ShellError(f"trailing unquoted backslash at the end of {line!r}")
            word.append(line[i + 1])
            i += 2
        else:
            if ch in "$`*?[{}~!" or (ch == "#" and at_word_start):
                specials.append(ch)
            word.append(ch)
            i += 1
    finish()
    return tokens


def posix_words(text: str) -> list[str]:
    """The words a POSIX shell reads in `text`, nothing expanded and no operators (extraOptions
    is split this way): like `shlex.split`, except that inside double quotes a backslash also
    escapes `$` and a backquote, and backslash-newline disappears (shlex keeps both backslashes;
    a fuzzed `"\\$HOME"` showed the difference)."""
    words: list[str] = []
    word: list[str] | None = None
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            if word is not None:
                words.append("".join(word))
                word = None
            i += 1
            continue
        if word is None:
            word = []
        if ch == "'":
            end = text.find("'", i + 1)
            if end < 0:
                raise ValueError("unterminated single quote")
            word.append(text[i + 1 : end])
            i = end + 1
        elif ch == '"':
            i += 1
            while True:
                if i >= n:
                    raise ValueError("unterminated double quote")
                c = text[i]
                if c == '"':
                    i += 1
                    break
                if c == "\\" and i + 1 < n and text[i + 1] in '$`"\\\n':
                    if text[i + 1] != "\n":
                        word.append(text[i + 1])
                    i += 2
                    continue
                word.append(c)
                i += 1
        elif ch == "\\":
            if i + 1 >= n:
                raise ValueError("a backslash at the very end")
            if text[i + 1] != "\n":
                word.append(text[i + 1])
            elif not word:
                word = None  # a line continuation between words
            i += 2
        else:
            word.append(ch)
            i += 1
    if word is not None:
        words.append("".join(word))
    return words


def W(text: str, specials: str = "") -> Token:
    return Token("word", text, specials)


def OP(text: str) -> Token:
    return Token("op", text)


# --------------------------------------------------------------------------------------------
# Reading the parse.


def show(c: Any) -> str:
    lines = f"line {c.start_line}" if c.start_line == c.end_line else f"lines {c.start_line}-{c.end_line}"
    return f"{lines} {c.original!r}"


class Walker:
    """The parsed instructions, consumed in order."""

    def __init__(self, commands: Sequence[Any]) -> None:
        self.commands = list(commands)
        self.pos = 0

    def peek(self) -> Any | None:
        return self.commands[self.pos] if self.pos < len(self.commands) else None

    def take(self, ctx: str, what: str) -> Any:
        if self.pos >= len(self.commands):
            last = self.commands[-1].end_line if self.commands else 0
            raise Mismatch(f"{ctx}: expected {what}, but the Dockerfile has no more instructions (after line {last})")
        c = self.commands[self.pos]
        self.pos += 1
        return c


def expect_instruction(c: Any, ctx: str, cmd: str, *, json_form: bool | None, flags: Sequence[str] = ()) -> None:
    """Keyword (as rendered: upper case), single line, no heredoc, the exact flags, the form."""
    if c.cmd != cmd or c.sub_cmd is not None:
        got = c.cmd if c.sub_cmd is None else f"{c.cmd} {c.sub_cmd}"
        raise Mismatch(f"{ctx}: expected a {cmd} instruction, got {got!r} at {show(c)}")
    if c.heredocs:
        raise Mismatch(
            f"{ctx}: {cmd} at {show(c)} carries heredoc(s) {[h.name for h in c.heredocs]!r}; "
            "rendered Dockerfiles must have none (ARCHITECTURE.md §4 rule 5)"
        )
    if c.start_line != c.end_line:
        raise Mismatch(
            f"{ctx}: {cmd} spans {show(c)}: a trailing backslash (line continuation) joined the "
            "next line(s) into it; every instruction must be one line"
        )
    if tuple(c.flags) != tuple(flags):
        raise Mismatch(
            f"{ctx}: {cmd} flags: expected {tuple(flags)!r}, got {tuple(c.flags)!r} at {show(c)} (BuildKit takes "
            "every leading word that starts with `--` as a flag of the instruction, before any quoting is "
            "looked at: quote such a word, e.g. '--x'=v, or use exec form)"
        )
    if json_form is not None and c.json != json_form:
        want = "exec/JSON form" if json_form else "shell form"
        got = "exec/JSON form" if c.json else "shell form"
        raise Mismatch(f"{ctx}: {cmd} must be in {want}, got {got} {tuple(c.value)!r} at {show(c)}")


def first_difference(expected: Sequence[Any], got: Sequence[Any]) -> int:
    for i, (e, g) in enumerate(zip(expected, got)):
        if e != g:
            return i
    return min(len(expected), len(got))


def describe_list_diff(what: str, expected: Sequence[Any], got: Sequence[Any], fmt=repr) -> str:
    i = first_difference(expected, got)
    e = fmt(expected[i]) if i < len(expected) else "(nothing: list ends)"
    g = fmt(got[i]) if i < len(got) else "(nothing: list ends)"
    return (
        f"{what} differ at index {i}: expected {e}, got {g}; "
        f"expected {len(expected)}: [{', '.join(map(fmt, expected))}], got {len(got)}: [{', '.join(map(fmt, got))}]"
    )


def literal_token(raw: str, ctx: str, what: str, expected: str) -> None:
    """A value written as is (FROM ref, COPY paths): equal and free of lexer specials."""
    if raw != expected:
        raise Mismatch(f"{ctx}: {what}: expected {expected!r}, got {raw!r}")
    try:
        decoded = bk_word(raw)
    except LexError as e:
        raise Mismatch(f"{ctx}: {what}: {e}") from None
    if decoded != expected:
        raise Mismatch(f"{ctx}: {what}: BuildKit's lexer turns {raw!r} into {decoded!r}, expected {expected!r}")


def check_run_words(c: Any, ctx: str, expected: list[Token]) -> None:
    """A shell-form RUN whose text must be exactly the given words and operators."""
    expect_instruction(c, ctx, "RUN", json_form=False)
    if len(c.value) != 1:
        raise Mismatch(f"{ctx}: shell-form RUN should have one text value, got {tuple(c.value)!r} at {show(c)}")
    text = c.value[0]
    want_words = [t.text for t in expected]
    try:
        split = shlex.split(text)
    except ValueError as e:
        raise Mismatch(f"{ctx}: shlex.split cannot split the RUN text {text!r}: {e}") from None
    if split != want_words:
        raise Mismatch(f"{ctx}: RUN text {text!r} (at {show(c)}): shlex.split " + describe_list_diff("words", want_words, split))
    try:
        tokens = sh_tokens(text)
    except ShellError as e:
        raise Mismatch(f"{ctx}: RUN at {show(c)}: a POSIX shell would not read literal words: {e}") from None
    if tokens != expected:
        raise Mismatch(
            f"{ctx}: RUN text {text!r} (at {show(c)}): shlex.split agrees but a POSIX shell reads it differently: "
            + describe_list_diff("shell tokens", expected, tokens, fmt=Token.show)
        )


# --------------------------------------------------------------------------------------------
# What each step means.


@dataclass
class State:
    """What earlier instructions leave behind: the shell RUN uses (SHELL)."""

    shell: tuple[str, ...] = DEFAULT_SHELL


def need(obj: dict, key: str, ctx: str, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise SpecProblem(f"{ctx}: missing field {key!r}")
    value = obj[key]
    if not isinstance(value, kind):
        raise SpecProblem(f"{ctx}.{key}: expected {kind}, got {value!r}")
    return value


def str_list(obj: dict, key: str, ctx: str) -> list[str]:
    items = need(obj, key, ctx, list)
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise SpecProblem(f"{ctx}.{key}[{i}]: expected a string, got {item!r}")
    return items


def installer_words(options: Any, ctx: str, pre_flag: str) -> list[str]:
    if not isinstance(options, dict):
        raise SpecProblem(f"{ctx}.options: expected an object, got {options!r}")
    words: list[str] = []
    for key, flag in (("indexUrl", "--index-url"), ("extraIndexUrl", "--extra-index-url"), ("findLinks", "--find-links")):
        value = options.get(key)
        if value is not None:
            if not isinstance(value, str):
                raise SpecProblem(f"{ctx}.options.{key}: expected a string, got {value!r}")
            words += [flag, value]
    if options.get("pre", False):
        words.append(pre_flag)
    extra = options.get("extraOptions")
    if extra is not None:
        if not isinstance(extra, str):
            raise SpecProblem(f"{ctx}.options.extraOptions: expected a string, got {extra!r}")
        try:
            words += posix_words(extra)
        except ValueError as e:
            raise SpecProblem(f"{ctx}.options.extraOptions {extra!r} cannot be split into words: {e}") from None
    return words


def pip_packages(step: dict, ctx: str) -> list[str]:
    packages = str_list(step, "packages", ctx)
    canonical = sorted(set(packages))
    if packages != canonical:
        raise SpecProblem(
            f"{ctx}.packages are not sorted and de-duplicated (the canonical form): "
            + describe_list_diff("packages", canonical, packages)
        )
    if not packages:
        raise SpecProblem(
            f"{ctx}.packages is empty: the rendered installer would fail "
            "('You must give at least one requirement to install'); fromSpec should reject it or render nothing"
        )
    return packages


def step_pip(step: dict, ctx: str, walker: Walker, state: State) -> None:
    packages = pip_packages(step, ctx)
    words = ["python", "-m", "pip", "install", "--no-cache-dir"]
    words += installer_words(step.get("options", {}), ctx, "--pre") + packages
    check_run_words(walker.take(ctx, "the pip RUN"), ctx, [W(w) for w in words])


def step_uv(step: dict, ctx: str, walker: Walker, state: State) -> None:
    packages = pip_packages(step, ctx)
    version = need(step, "uvVersion", ctx, str)
    c = walker.take(ctx, f"COPY --from={UV_IMAGE}:{version}")
    expect_instruction(c, ctx, "COPY", json_form=None, flags=(f"--from={UV_IMAGE}:{version}",))
    if tuple(c.value) != UV_COPY_VALUE:
        raise Mismatch(f"{ctx}: COPY of uv: expected sources/destination {UV_COPY_VALUE!r}, got {tuple(c.value)!r} at {show(c)}")
    if not c.json:
        for raw, want in zip(c.value, UV_COPY_VALUE):
            literal_token(raw, ctx, "COPY path", want)
    words = ["uv", "pip", "install", "--system", "--no-cache"]
    words += installer_words(step.get("options", {}), ctx, "--prerelease=allow") + packages
    check_run_words(walker.take(ctx, "the uv RUN"), ctx, [W(w) for w in words])


def step_env(step: dict, ctx: str, walker: Walker, state: State) -> None:
    values = need(step, "values", ctx, dict)
    keys = list(values)
    if keys != sorted(keys):
        raise SpecProblem(f"{ctx}.values keys are not sorted (the canonical form): " + describe_list_diff("keys", sorted(keys), keys))
    for key, value in values.items():
        if not isinstance(value, str):
            raise SpecProblem(f"{ctx}.values[{key!r}]: expected a string, got {value!r}")
    if not values:
        nxt = walker.peek()
        if nxt is not None and nxt.cmd.upper() == "ENV" and not nxt.value:
            raise Mismatch(
                f"{ctx}: env with no values was rendered as a bare ENV at {show(nxt)}, which BuildKit rejects "
                "('ENV requires at least one argument'); an empty env means nothing: render no instruction "
                "(or reject the step in fromSpec)"
            )
        return
    c = walker.take(ctx, f"ENV with {len(values)} pair(s)")
    expect_instruction(c, ctx, "ENV", json_form=False)
    raw = list(c.value)
    if len(raw) % 2:
        raise Mismatch(f"{ctx}: ENV parse gave an odd number of name/value parts {tuple(raw)!r} at {show(c)}")
    expected = list(values.items())
    got: list[tuple[str, str]] = []
    for p in range(0, len(raw), 2):
        name_raw, value_raw = raw[p], raw[p + 1]
        try:
            name = bk_word(name_raw)
        except LexError as e:
            raise Mismatch(f"{ctx}: ENV pair {p // 2} name {name_raw!r} (at {show(c)}): {e}") from None
        try:
            value = bk_word(value_raw)
        except LexError as e:
            raise Mismatch(f"{ctx}: ENV pair {p // 2} ({name!r}) value {value_raw!r} (at {show(c)}): {e}") from None
        got.append((name, value))
    if got != expected:
        i = first_difference(expected, got)
        if i < len(expected) and i < len(got):
            (ek, ev), (gk, gv) = expected[i], got[i]
            raw_pair = (raw[2 * i], raw[2 * i + 1])
            what = f"name: expected {ek!r}, got {gk!r}" if ek != gk else f"value of {ek!r}: expected {ev!r}, got {gv!r}"
            raise Mismatch(f"{ctx}: ENV pair {i} {what} (raw as parsed: {raw_pair!r}) at {show(c)}")
        raise Mismatch(f"{ctx}: ENV at {show(c)}: " + describe_list_diff("pairs", expected, got))


def shell_form_problems(command: str) -> list[str]:
    """Why `RUN {command}` would not hand exactly `command` to the shell (BuildKit v0.12.5 parser)."""
    problems = []
    if "\n" in command or "\r" in command:
        problems.append("it contains a line break")
    if command and go_is_space(command[0]):
        problems.append("leading whitespace is trimmed")
    if command and go_is_space(command[-1]):
        problems.append("trailing whitespace is trimmed")
    if command.startswith("--"):
        problems.append("a leading `--` word is taken as a RUN flag")
    if command.startswith("["):
        problems.append("a leading `[` is taken as JSON (exec form) when it parses")
    stripped = command.rstrip(" \t")
    if stripped.endswith("\\"):
        problems.append("a trailing backslash continues the line into the next instruction")
    if "<<" in command:
        problems.append("`<<` may start a heredoc (newer engines) or not (older ones)")
    return problems


def step_run(step: dict, ctx: str, walker: Walker, state: State) -> None:
    commands = str_list(step, "commands", ctx)
    for j, command in enumerate(commands):
        cctx = f"{ctx}.commands[{j}]"
        c = walker.take(cctx, f"RUN for {command!r}")
        expect_instruction(c, cctx, "RUN", json_form=None)
        if c.json:
            expected = state.shell + (command,)
            if tuple(c.value) != expected:
                if tuple(c.value[:-1]) != state.shell:
                    raise Mismatch(
                        f"{cctx}: exec-form RUN must start with the active shell {list(state.shell)!r}, "
                        f"got argv {list(c.value)!r} at {show(c)}"
                    )
                raise Mismatch(f"{cctx}: exec-form RUN argv: expected {list(expected)!r}, got {list(c.value)!r} at {show(c)}")
        else:
            got = c.value[0] if len(c.value) == 1 else tuple(c.value)
            if got != command:
                why = shell_form_problems(command)
                hint = f" (shell form cannot carry this command: {'; '.join(why)}; use exec form)" if why else ""
                raise Mismatch(f"{cctx}: shell-form RUN hands {got!r} to the shell, expected {command!r}{hint} at {show(c)}")


def step_command_shell(step: dict, ctx: str, walker: Walker, state: State) -> None:
    if "shell" not in step:
        raise SpecProblem(f"{ctx}: missing field 'shell'")
    shell = step["shell"]
    if shell is None:
        argv = DEFAULT_SHELL
    else:
        argv = tuple(str_list(step, "shell", ctx))
        if not argv:
            raise SpecProblem(f"{ctx}.shell is an empty list (use null for the default shell)")
    c = walker.take(ctx, f"SHELL {list(argv)!r}")
    expect_instruction(c, ctx, "SHELL", json_form=True)
    if tuple(c.value) != argv:
        raise Mismatch(f"{ctx}: SHELL argv: expected {list(argv)!r}, got {list(c.value)!r} at {show(c)}")
    state.shell = argv


def step_workdir(step: dict, ctx: str, walker: Walker, state: State) -> None:
    path = need(step, "path", ctx, str)
    c = walker.take(ctx, f"WORKDIR {path!r}")
    expect_instruction(c, ctx, "WORKDIR", json_form=False)
    if len(c.value) != 1:
        raise Mismatch(f"{ctx}: WORKDIR should have one value, got {tuple(c.value)!r} at {show(c)}")
    try:
        got = bk_word(c.value[0])
    except LexError as e:
        raise Mismatch(f"{ctx}: WORKDIR value {c.value[0]!r} (at {show(c)}): {e}") from None
    if got != path:
        raise Mismatch(f"{ctx}: WORKDIR path: expected {path!r}, got {got!r} (raw {c.value[0]!r}) at {show(c)}")


def step_apt(step: dict, ctx: str, walker: Walker, state: State) -> None:
    packages = str_list(step, "packages", ctx)
    if len(set(packages)) != len(packages):
        dup = next(p for i, p in enumerate(packages) if p in packages[:i])
        raise SpecProblem(f"{ctx}.packages has duplicate {dup!r} (the canonical form is de-duplicated, user order kept)")
    expected = [
        W("apt-get"), W("update"), OP("&&"),
        W("DEBIAN_FRONTEND=noninteractive"), W("apt-get"), W("install"), W("-y"), W("--no-install-recommends"),
        *[W(p) for p in packages],
        OP("&&"), W("rm"), W("-rf"), W(APT_LISTS_GLOB, "*"),
    ]  # fmt: skip
    check_run_words(walker.take(ctx, "the apt-get RUN"), ctx, expected)


_DIRECTIVE = re.compile(r"^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$")


def fragment_directives(contents: str) -> list[tuple[str, str]]:
    """Parser directives at the top of a fragment (they apply when it is parsed alone only)."""
    found = []
    for line in contents.removeprefix("\ufeff").split("\n"):
        m = _DIRECTIVE.match(line.rstrip("\r"))
        if not m:
            break
        found.append((m.group(1).lower(), m.group(2)))
    return found


def step_with_dockerfile(step: dict, ctx: str, walker: Walker, state: State) -> None:
    contents = need(step, "contents", ctx, str)
    for name, value in fragment_directives(contents):
        if name == "escape" and value != "\\":
            raise SpecProblem(
                f"{ctx}.contents starts with the parser directive `# escape={value}`: it changes how the "
                "fragment parses alone but is a plain comment inside the rendered Dockerfile"
            )
    try:
        fragment = dockerfile.parse_string(contents)
    except dockerfile.GoParseError as e:
        raise SpecProblem(f"{ctx}.contents do not parse alone with BuildKit's parser: {e}") from None
    for k, f in enumerate(fragment):
        fctx = f"{ctx} fragment instruction {k} (fragment {show(f)})"
        c = walker.take(fctx, f"{f.cmd.upper()} from the fragment")
        if c.heredocs:
            raise Mismatch(f"{fctx}: rendered {show(c)} carries heredoc(s); rendered Dockerfiles must have none (ARCHITECTURE.md §4 rule 5)")
        if c.start_line != c.end_line:
            raise Mismatch(f"{fctx}: rendered instruction spans {show(c)}; every rendered instruction must be one line")
        fields = (
            ("keyword", f.cmd.upper(), c.cmd.upper()),
            ("ONBUILD sub-command", (f.sub_cmd or "").upper(), (c.sub_cmd or "").upper()),
            ("form (json)", f.json, c.json),
            ("flags", tuple(f.flags), tuple(c.flags)),
            ("value", tuple(f.value), tuple(c.value)),
            ("heredocs", tuple(f.heredocs), tuple(c.heredocs)),
        )
        for label, want, got in fields:
            if want != got:
                raise Mismatch(f"{fctx}: {label}: expected {want!r}, got {got!r} at {show(c)}")
        keyword = f.cmd.upper()
        if keyword == "FROM":
            raise SpecProblem(f"{fctx}: a withDockerfile fragment may not contain FROM (docs/api.md)")
        if keyword == "SHELL":
            if not f.json or not f.value:
                raise SpecProblem(f"{fctx}: SHELL must be a non-empty JSON array (BuildKit rejects other forms)")
            state.shell = tuple(f.value)


def step_exec_form(keyword: str):
    """ENTRYPOINT/CMD: one exec-form (JSON) instruction with exactly the spec's args, in order;
    an empty list is `KEYWORD []`, which clears what the base image set."""

    def check(step: dict, ctx: str, walker: Walker, state: State) -> None:
        args = str_list(step, "args", ctx)
        for j, arg in enumerate(args):
            if "\0" in arg:
                raise SpecProblem(f"{ctx}.args[{j}] holds a NUL, which no process can receive")
        c = walker.take(ctx, f"{keyword} {args!r}")
        expect_instruction(c, ctx, keyword, json_form=True)
        if list(c.value) != args:
            raise Mismatch(f"{ctx}: {keyword} argv: expected {args!r}, got {list(c.value)!r} at {show(c)}")

    return check


STEPS = {
    "entrypoint": step_exec_form("ENTRYPOINT"),
    "cmd": step_exec_form("CMD"),
    "pipInstall": step_pip,
    "uvPipInstall": step_uv,
    "env": step_env,
    "runCommands": step_run,
    "commandShell": step_command_shell,
    "workdir": step_workdir,
    "aptInstall": step_apt,
    "withDockerfile": step_with_dockerfile,
}


def check_base(spec: dict, walker: Walker) -> None:
    base = need(spec, "base", "spec", dict)
    op = base.get("op")
    build_tools = base.get("buildTools", False)
    add_python = base.get("addPython")
    if op == "debianSlim":
        version = need(base, "pythonVersion", "base", str)
        ref = f"python:{version}-slim-trixie"
        if build_tools is not True and "buildTools" in base:
            raise SpecProblem("base.buildTools is present but not true (the canonical form leaves it out)")
    elif op == "fromRegistry":
        ref = need(base, "ref", "base", str)
    elif op == "fromDockerfile":
        raise Mismatch(
            "base (fromDockerfile): needs resolve: the base Dockerfile is read through a host, so only "
            "resolve(host) can render it; parse_back.py checks specs that render without resolve()"
        )
    else:
        raise SpecProblem(f"base: unknown op {op!r}")
    c = walker.take(f"base ({op})", f"FROM {ref}")
    expect_instruction(c, f"base ({op})", "FROM", json_form=False)
    if tuple(c.value) != (ref,):
        raise Mismatch(f"base ({op}): FROM value: expected {(ref,)!r}, got {tuple(c.value)!r} at {show(c)}")
    literal_token(c.value[0], f"base ({op})", "FROM image", ref)
    if build_tools is True:
        ctx = "base (debianSlim buildTools)"
        expected = [
            W("apt-get"), W("update"), OP("&&"),
            W("DEBIAN_FRONTEND=noninteractive"), W("apt-get"), W("install"), W("-y"), W("--no-install-recommends"),
            W("build-essential"),
            OP("&&"), W("rm"), W("-rf"), W(APT_LISTS_GLOB, "*"),
        ]  # fmt: skip
        check_run_words(walker.take(ctx, "the build-essential RUN"), ctx, expected)
    if add_python is not None:
        check_added_python(add_python, walker)


#: The CPython builds `addPython` installs by X.Y (python-build-standalone release 20250723),
#: read here independently of src/spec/canonical.rs.
ADDED_PYTHON = {"3.10": "3.10.18", "3.11": "3.11.13", "3.12": "3.12.11", "3.13": "3.13.5"}
PBS_URL = (
    "https://github.com/astral-sh/python-build-standalone/releases/download/20250723/"
    "cpython-{version}+20250723-x86_64-unknown-linux-gnu-install_only.tar.gz"
)
PY_TARBALL = "/tmp/apothic-python.tar.gz"


def check_added_python(add_python: Any, walker: Walker) -> None:
    """`fromRegistry(ref, { addPython })` without resolve: the x86_64/glibc tarball ADDed, then one
    RUN that extracts it under /opt/apothic and links python3, python, pip3 and pip."""
    ctx = "base (fromRegistry addPython)"
    if not isinstance(add_python, str):
        raise SpecProblem(f"base.addPython: expected a string, got {add_python!r}")
    version = ADDED_PYTHON.get(add_python) or (add_python if add_python in ADDED_PYTHON.values() else None)
    if version is None:
        raise SpecProblem(f"base.addPython {add_python!r} is not one of {sorted(ADDED_PYTHON)}")
    url = PBS_URL.format(version=version)
    c = walker.take(ctx, f"ADD {url}")
    expect_instruction(c, ctx, "ADD", json_form=False)
    if tuple(c.value) != (url, PY_TARBALL):
        raise Mismatch(f"{ctx}: ADD value: expected {(url, PY_TARBALL)!r}, got {tuple(c.value)!r} at {show(c)}")
    for raw, want in zip(c.value, (url, PY_TARBALL)):
        literal_token(raw, ctx, "ADD path", want)
    link = lambda target, name: [OP("&&"), W("ln"), W("-sf"), W(f"/opt/apothic/python/bin/{target}"), W(f"/usr/local/bin/{name}")]
    expected = [
        W("mkdir"), W("-p"), W("/opt/apothic"),
        OP("&&"), W("tar"), W("-xzf"), W(PY_TARBALL), W("-C"), W("/opt/apothic"),
        OP("&&"), W("rm"), W(PY_TARBALL),
        *link("python3", "python3"), *link("python3", "python"), *link("pip3", "pip3"), *link("pip3", "pip"),
    ]  # fmt: skip
    check_run_words(walker.take(ctx, "the CPython install RUN"), ctx, expected)


# --------------------------------------------------------------------------------------------
# Whole files.

#: BuildKit's parser reads lines with a bufio.Scanner: a line (without its newline) may hold at
#: most 65535 bytes of UTF-8, else "dockerfile line greater than max allowed size of 65535".
MAX_LINE_BYTES = 65535

_SYNTAX_LINE = re.compile(r"^[ \t]*#[ \t]*syntax[ \t]*=", re.IGNORECASE | re.MULTILINE)


def check_text(text: Any) -> None:
    if not isinstance(text, str):
        raise Mismatch(f"dockerfile is not a string: {text!r}")
    if not text:
        raise Mismatch("the Dockerfile is empty")
    for bad, label in (("\r", "a carriage return"), ("\0", "a NUL character")):
        at = text.find(bad)
        if at >= 0:
            line_no = text.count("\n", 0, at) + 1
            line = text.split("\n")[line_no - 1]
            raise Mismatch(f"the Dockerfile contains {label} on line {line_no}: {line!r}")
    if text.startswith("\ufeff"):
        raise Mismatch("the Dockerfile starts with a byte-order mark (U+FEFF)")
    if not text.endswith("\n"):
        raise Mismatch(f"the Dockerfile does not end with a newline; last line {text.rsplit(chr(10), 1)[-1]!r}")
    if text.endswith("\n\n"):
        raise Mismatch("the Dockerfile ends with more than one newline (an empty last line)")
    for number, line in enumerate(text.split("\n")[:-1], start=1):
        size = len(line.encode("utf-8"))
        if size > MAX_LINE_BYTES:
            raise Mismatch(
                f"line {number} is {size} bytes of UTF-8, longer than BuildKit's limit of {MAX_LINE_BYTES} "
                f"(its parser fails with 'dockerfile line greater than max allowed size'); starts {line[:60]!r}"
            )
    m = _SYNTAX_LINE.search(text)
    if m:
        line_no = text.count("\n", 0, m.start()) + 1
        raise Mismatch(f"line {line_no} is a `# syntax=` directive {text.split(chr(10))[line_no - 1]!r}; ARCHITECTURE.md §4 rule 5 forbids it")


def check_structure(text: str, commands: Sequence[Any]) -> None:
    """One instruction per line: every line starts exactly one single-line instruction."""
    lines = text.split("\n")[:-1]
    starts = {}
    for c in commands:
        if c.heredocs:
            raise Mismatch(f"instruction at {show(c)} carries heredoc(s); rendered Dockerfiles must have none (ARCHITECTURE.md §4 rule 5)")
        if c.start_line != c.end_line:
            raise Mismatch(f"instruction at {show(c)} spans several lines (a line continuation); one instruction per line")
        starts[c.start_line] = c
    for number, line in enumerate(lines, start=1):
        if number in starts:
            continue
        if not line.strip(" \t"):
            raise Mismatch(f"line {number} is blank; a rendered Dockerfile has one instruction on every line")
        if line.lstrip(" \t").startswith("#"):
            raise Mismatch(f"line {number} is a comment {line!r}; a rendered Dockerfile has one instruction on every line")
        raise Mismatch(f"line {number} {line!r} does not start an instruction")


def check_case(spec: Any, text: Any) -> None:
    """Raises Mismatch with the first difference between `text` and what `spec` means."""
    check_text(text)
    if not isinstance(spec, dict):
        raise SpecProblem(f"spec is not an object: {spec!r}")
    if spec.get("version") != 1:
        raise SpecProblem(f"version: expected 1, got {spec.get('version')!r}")
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as e:
        raise Mismatch(f"BuildKit's parser rejects the Dockerfile: {e}") from None
    walker = Walker(commands)
    state = State()
    check_base(spec, walker)
    steps = need(spec, "steps", "spec", list)
    for index, step in enumerate(steps):
        op = step.get("op") if isinstance(step, dict) else None
        ctx = f"steps[{index}] ({op})"
        if op in NEEDS_RESOLVE_OPS:
            raise Mismatch(
                f"{ctx}: needs resolve: {op} renders from file contents read through a host, so only "
                "resolve(host) can render it; parse_back.py checks specs that render without resolve()"
            )
        if op in RUNTIME_OPS:
            continue  # attached when a container starts: no instruction
        handler = STEPS.get(op)  # type: ignore[arg-type]
        if handler is None:
            raise SpecProblem(f"{ctx}: unknown op {op!r}")
        handler(step, ctx, walker, state)
    rest = walker.commands[walker.pos :]
    if rest:
        raise Mismatch(
            f"extra instruction after the last step: {show(rest[0])}"
            + (f" (and {len(rest) - 1} more)" if len(rest) > 1 else "")
        )
    check_structure(text, commands)


def _strict_object(pairs: list[tuple[str, Any]]) -> dict:
    seen: dict = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key!r} in a JSON object")
        seen[key] = value
    return seen


def one_line(message: str) -> str:
    return message.replace("\r", "\\r").replace("\n", "\\n")


def run_cases(cases: Iterable[tuple[str, Any, Any]], out=sys.stdout) -> tuple[int, int]:
    passed = failed = 0
    for name, spec, text in cases:
        try:
            check_case(spec, text)
        except Mismatch as e:
            failed += 1
            print(one_line(f"FAIL {name}: {e}"), file=out)
        except Exception as e:  # a checker bug must not hide the other cases
            failed += 1
            print(one_line(f"FAIL {name}: checker error {type(e).__name__}: {e}"), file=out)
            traceback.print_exc(file=sys.stderr)
        else:
            passed += 1
    return passed, failed


def read_jsonl(path: str) -> tuple[list[tuple[str, Any, Any]], list[tuple[str, str]]]:
    """The cases of a JSON Lines file, and (name, error) for lines that cannot be read."""
    cases: list[tuple[str, Any, Any]] = []
    unreadable: list[tuple[str, str]] = []
    with open(path, encoding="utf-8", newline="") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            name = f"{path}:{number}"
            try:
                case = json.loads(line, object_pairs_hook=_strict_object)
                if not isinstance(case, dict):
                    raise ValueError("a line must be a JSON object")
            except ValueError as e:
                unreadable.append((name, str(e)))
                continue
            cases.append((str(case.get("name", name)), case.get("spec"), case.get("dockerfile")))
    return cases, unreadable


def main(argv: Sequence[str]) -> int:
    if len(argv) == 2 and argv[1] == "--self-test":
        return self_test(verbose=False)
    if len(argv) == 3 and "--self-test" in argv and "-v" in argv:
        return self_test(verbose=True)
    if len(argv) != 2 or argv[1].startswith("-"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    cases, unreadable = read_jsonl(argv[1])
    for name, error in unreadable:
        print(one_line(f"FAIL {name}: unreadable input line: {error}"))
    passed, failed = run_cases(cases)
    failed += len(unreadable)
    print(f"parse-back: {passed} passed, {failed} failed")
    return 1 if failed else 0


# --------------------------------------------------------------------------------------------
# Self-test: correct (spec, Dockerfile) pairs that must pass and broken ones that must fail for
# the right reason. The correct Dockerfiles follow ARCHITECTURE.md §4 (shlex.quote for values, compact
# JSON arrays as serde_json writes them), partly written out by hand.


def _q(s: str) -> str:
    return shlex.quote(s)


def _j(argv: Sequence[str]) -> str:
    return json.dumps(list(argv), separators=(",", ":"), ensure_ascii=False)


def _spec(base: dict, *steps: dict) -> dict:
    return {"version": 1, "base": base, "steps": list(steps)}


SLIM_312 = {"op": "debianSlim", "pythonVersion": "3.12"}
UBUNTU = {"op": "fromRegistry", "ref": "ubuntu:24.04", "normalized": "docker.io/library/ubuntu:24.04", "prebuilt": False}
PY_REG = {"op": "fromRegistry", "ref": "python:3.12", "normalized": "docker.io/library/python:3.12", "prebuilt": False}

PIP_STEP = {
    "op": "pipInstall",
    "packages": ["numpy>=2", "requests", "torch[cuda]"],
    "options": {"indexUrl": "https://pypi.example/simple", "pre": True, "extraOptions": "--trusted-host 'my host' --no-deps"},
}
PIP_OK = (
    "FROM python:3.12-slim-trixie\n"
    "RUN python -m pip install --no-cache-dir --index-url https://pypi.example/simple --pre "
    "--trusted-host 'my host' --no-deps 'numpy>=2' requests 'torch[cuda]'\n"
)

HOSTILE_ENV = {
    "A": "it's",
    "B": "$HOME",
    "C": "back\\slash\\",
    "D": "ünï\u00a0cødé 🚀 \u2028 \x85",
    "E": "",
    "F": '"dq" and ${X:-y} `id` $(id)',
    "G": "  spaced  ",
    "H": "tab\there",
    "I": "\\$HOME",
    "J": "a=b",
    "K": "#not a comment",
    "KEY.with-dots": "x",
    "L": "\\'\\",
    "M": "<<EOF",
    "ÜNI": "한국어",
}
ENV_STEP = {"op": "env", "values": dict(sorted(HOSTILE_ENV.items()))}
ENV_OK = "FROM python:3.12-slim-trixie\nENV " + " ".join(f"{_q(k)}={_q(v)}" for k, v in sorted(HOSTILE_ENV.items())) + "\n"

RUN_STEPS = (
    {
        "op": "runCommands",
        "commands": [
            "echo $HOME && ls -la",
            "printf 'a\\n'",
            "echo one\necho two",
            "--version",
            "echo trailing \\",
            " leading space",
            "cat <<EOF",
            "[ -f /x ] || true",
            "echo 'ünï' \u00a0 x",
        ],
    },
    {"op": "commandShell", "shell": ["/bin/bash", "-euo", "pipefail", "-c"]},
    {"op": "runCommands", "commands": ["echo a\nb", "echo in bash"]},
    {"op": "commandShell", "shell": None},
    {"op": "runCommands", "commands": ["x\r\ny"]},
)
ADD_PYTHON_OK = (
    "FROM ubuntu:24.04\nADD " + PBS_URL.format(version="3.12.11") + " /tmp/apothic-python.tar.gz\n"
    "RUN mkdir -p /opt/apothic && tar -xzf /tmp/apothic-python.tar.gz -C /opt/apothic && rm /tmp/apothic-python.tar.gz"
    " && ln -sf /opt/apothic/python/bin/python3 /usr/local/bin/python3 && ln -sf /opt/apothic/python/bin/python3 /usr/local/bin/python"
    " && ln -sf /opt/apothic/python/bin/pip3 /usr/local/bin/pip3 && ln -sf /opt/apothic/python/bin/pip3 /usr/local/bin/pip\n"
)

RUN_OK = r"""FROM ubuntu:24.04
RUN echo $HOME && ls -la
RUN printf 'a\n'
RUN ["/bin/sh","-c","echo one\necho two"]
RUN ["/bin/sh","-c","--version"]
RUN ["/bin/sh","-c","echo trailing \\"]
RUN ["/bin/sh","-c"," leading space"]
RUN ["/bin/sh","-c","cat <<EOF"]
RUN ["/bin/sh","-c","[ -f /x ] || true"]
RUN echo 'ünï' """ + "\u00a0" + r""" x
SHELL ["/bin/bash","-euo","pipefail","-c"]
RUN ["/bin/bash","-euo","pipefail","-c","echo a\nb"]
RUN echo in bash
SHELL ["/bin/sh","-c"]
RUN ["/bin/sh","-c","x\r\ny"]
"""

UV_STEPS = (
    {
        "op": "uvPipInstall",
        "packages": ["fastapi", "uvicorn[standard]"],
        "options": {"findLinks": "/wheels", "pre": True},
        "uvVersion": "0.13.9",
    },
    {"op": "workdir", "path": "/srv/my app/$HOME/it's"},
    {"op": "aptInstall", "packages": ["git", "curl=8.5.0-2", "libc6:amd64"]},
    {"op": "env", "values": {}},
    {"op": "addLocalFile", "local": "main.py", "remote": "/root/main.py"},
    {"op": "addLocalDir", "local": "data", "remote": "/data", "ignore": ["*.tmp"]},
    {"op": "addLocalPythonSource", "modules": ["app"]},
)
UV_OK = (
    "FROM python:3.12\n"
    "COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /usr/local/bin/uv\n"
    "RUN uv pip install --system --no-cache --find-links /wheels --prerelease=allow fastapi 'uvicorn[standard]'\n"
    "WORKDIR '/srv/my app/$HOME/it'\"'\"'s'\n"
    "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "
    "git curl=8.5.0-2 libc6:amd64 && rm -rf /var/lib/apt/lists/*\n"
)

FRAGMENT = (
    'RUN echo a \\\n  && echo b\n# a comment\nENV X=1 Y="two words"\nCOPY --from=builder /out /opt/out\n'
    'SHELL ["/bin/bash", "-c"]\nLABEL org.opencontainers.image.title="demo"\n'
)
FRAGMENT_STEPS = (
    {"op": "withDockerfile", "contents": FRAGMENT},
    {"op": "runCommands", "commands": ["echo multi\necho line", "echo short"]},
)
FRAGMENT_OK = (
    "FROM python:3.12-slim-trixie\n"
    "RUN echo a   && echo b\n"
    'ENV X=1 Y="two words"\n'
    "COPY --from=builder /out /opt/out\n"
    'SHELL ["/bin/bash", "-c"]\n'
    'LABEL org.opencontainers.image.title="demo"\n'
    'RUN ["/bin/bash","-c","echo multi\\necho line"]\n'
    "RUN echo short\n"
)

NEEDS_RESOLVE_STEP = {"op": "envFile", "path": ".env"}


def self_test_cases() -> list[tuple[str, dict, str, str | None]]:
    """(name, spec, dockerfile, None if it must pass else a substring its failure must contain)."""
    pip_spec = _spec(SLIM_312, PIP_STEP)
    sh_extra_spec = _spec(SLIM_312, {"op": "pipInstall", "packages": ["x"], "options": {"extraOptions": '--config-settings "a=\\$HOME"'}})
    env_spec = _spec(SLIM_312, ENV_STEP)
    run_spec = _spec(UBUNTU, *RUN_STEPS)
    uv_spec = _spec(PY_REG, *UV_STEPS)
    frag_spec = _spec(SLIM_312, *FRAGMENT_STEPS)
    trailing_spec = _spec(UBUNTU, {"op": "runCommands", "commands": ["echo a \\", "echo b"]})
    unsorted_pip = dict(PIP_STEP, packages=["requests", "numpy>=2", "torch[cuda]"])
    return [
        # --- must pass
        ("ok/pip-options", pip_spec, PIP_OK, None),
        ("ok/env-hostile", env_spec, ENV_OK, None),
        ("ok/env-hostile-double-quotes", env_spec,
         "FROM python:3.12-slim-trixie\nENV "
         + " ".join(f'"{k}"="' + v.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'
                    for k, v in sorted(HOSTILE_ENV.items())) + "\n", None),
        ("ok/run-forms-and-shells", run_spec, RUN_OK, None),
        ("ok/uv-workdir-apt-runtime", uv_spec, UV_OK, None),
        ("ok/with-dockerfile", frag_spec, FRAGMENT_OK, None),
        ("ok/unicode-shell-exec", _spec(UBUNTU, {"op": "commandShell", "shell": ["/usr/bin/env", "bäsh", "-c"]},
                                         {"op": "runCommands", "commands": ["echo 'ü'\n\techo \"$X\" \\"]}),
         "FROM ubuntu:24.04\nSHELL " + _j(["/usr/bin/env", "bäsh", "-c"]) + "\nRUN "
         + _j(["/usr/bin/env", "bäsh", "-c", "echo 'ü'\n\techo \"$X\" \\"]) + "\n", None),
        ("ok/registry-only", _spec(PY_REG), "FROM python:3.12\n", None),
        ("ok/apt-no-packages", _spec(SLIM_312, {"op": "aptInstall", "packages": []}),
         "FROM python:3.12-slim-trixie\nRUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "
         "--no-install-recommends  && rm -rf /var/lib/apt/lists/*\n", None),
        ("ok/entrypoint-cmd", _spec(UBUNTU, {"op": "entrypoint", "args": ["python", "-m", "app", "it's $HOME"]},
                                    {"op": "cmd", "args": []}),
         "FROM ubuntu:24.04\nENTRYPOINT " + _j(["python", "-m", "app", "it's $HOME"]) + "\nCMD []\n", None),
        ("ok/build-tools", _spec({**SLIM_312, "buildTools": True}),
         "FROM python:3.12-slim-trixie\nRUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "
         "--no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*\n", None),
        ("ok/add-python", _spec({**UBUNTU, "addPython": "3.12"}), ADD_PYTHON_OK, None),
        # --- must fail
        ("bad/entrypoint-shell-form", _spec(UBUNTU, {"op": "entrypoint", "args": ["python", "app.py"]}),
         "FROM ubuntu:24.04\nENTRYPOINT python app.py\n", "exec/JSON form"),
        ("bad/cmd-reordered", _spec(UBUNTU, {"op": "cmd", "args": ["b", "a"]}),
         "FROM ubuntu:24.04\nCMD [\"a\",\"b\"]\n", "CMD argv"),
        ("bad/cmd-clear-dropped", _spec(UBUNTU, {"op": "cmd", "args": []}), "FROM ubuntu:24.04\n", "CMD"),
        ("bad/build-tools-missing", _spec({**SLIM_312, "buildTools": True}), "FROM python:3.12-slim-trixie\n",
         "build-essential"),
        ("bad/add-python-wrong-version", _spec({**UBUNTU, "addPython": "3.11"}), ADD_PYTHON_OK, "ADD value"),
        ("bad/add-python-no-pip", _spec({**UBUNTU, "addPython": "3.12"}),
         ADD_PYTHON_OK.replace(" && ln -sf /opt/apothic/python/bin/pip3 /usr/local/bin/pip\n", "\n"), "words differ"),
        ("bad/env-expands-home", env_spec, ENV_OK.replace("B='$HOME'", 'B="$HOME"'), "starts a variable expansion"),
        ("bad/env-unquoted-home", env_spec, ENV_OK.replace("B='$HOME'", "B=$HOME"), "unquoted `$`"),
        ("bad/env-backslash-unquoted", env_spec, ENV_OK.replace("C='back\\slash\\'", "C=back\\slash\\"),
         "value of 'C'"),
        ("bad/env-keys-unsorted-in-file", env_spec,
         ENV_OK.replace("A='it'\"'\"'s' B='$HOME'", "B='$HOME' A='it'\"'\"'s'"), "ENV pair 0 name"),
        ("bad/env-keys-unsorted-in-spec", _spec(SLIM_312, {"op": "env", "values": {"B": "1", "A": "2"}}),
         "FROM python:3.12-slim-trixie\nENV A=2 B=1\n", "keys are not sorted"),
        ("ok/env-dash-key-quoted", _spec(SLIM_312, {"op": "env", "values": {"--": "x", "-a": "y", "K": "z"}}),
         "FROM python:3.12-slim-trixie\nENV '--'=x -a=y K=z\n", None),
        ("bad/env-dash-key-is-a-flag", _spec(SLIM_312, {"op": "env", "values": {"--": "x", "K": "z"}}),
         "FROM python:3.12-slim-trixie\nENV --=x K=z\n", "as a flag"),
        ("bad/env-empty-bare", _spec(SLIM_312, {"op": "env", "values": {}}),
         "FROM python:3.12-slim-trixie\nENV\n", "bare ENV"),
        ("bad/pip-missing-package", pip_spec, PIP_OK.replace(" requests", ""), "words differ at index 12"),
        ("bad/pip-unquoted-redirect", pip_spec, PIP_OK.replace("'numpy>=2'", "numpy>=2"), "operator '>'"),
        ("bad/pip-unquoted-glob", pip_spec, PIP_OK.replace("'torch[cuda]'", "torch[cuda]"), "unquoted/expanding '['"),
        ("bad/pip-unsorted-packages", _spec(SLIM_312, unsorted_pip),
         PIP_OK.replace("'numpy>=2' requests", "requests 'numpy>=2'"), "not sorted and de-duplicated"),
        ("bad/pip-options-order", pip_spec, PIP_OK.replace("--index-url https://pypi.example/simple --pre", "--pre --index-url https://pypi.example/simple"), "index 5"),
        ("bad/pip-empty", _spec(SLIM_312, {"op": "pipInstall", "packages": [], "options": {}}),
         "FROM python:3.12-slim-trixie\nRUN python -m pip install --no-cache-dir\n", "packages is empty"),
        ("bad/extra-instruction", pip_spec, PIP_OK + "RUN echo extra\n", "extra instruction"),
        # extraOptions split as sh does: in double quotes `\$` is `$` (shlex would keep the backslash).
        ("ok/extra-options-escaped-dollar", sh_extra_spec,
         "FROM python:3.12-slim-trixie\nRUN python -m pip install --no-cache-dir --config-settings 'a=$HOME' x\n", None),
        ("bad/extra-options-read-like-shlex", sh_extra_spec,
         "FROM python:3.12-slim-trixie\nRUN python -m pip install --no-cache-dir --config-settings 'a=\\$HOME' x\n", "differ at index 6"),
        ("bad/missing-instruction", uv_spec, UV_OK.rsplit("RUN apt-get", 1)[0], "no more instructions"),
        ("bad/trailing-backslash-swallows-next-line", trailing_spec,
         "FROM ubuntu:24.04\nRUN echo a \\\nRUN echo b\n", "continuation"),
        ("bad/shell-form-trailing-space", _spec(UBUNTU, {"op": "runCommands", "commands": ["echo hi "]}),
         "FROM ubuntu:24.04\nRUN echo hi \n", "trailing whitespace is trimmed"),
        ("bad/shell-form-flag", _spec(UBUNTU, {"op": "runCommands", "commands": ["--network=host echo"]}),
         "FROM ubuntu:24.04\nRUN --network=host echo\n", "flags"),
        ("bad/exec-wrong-shell", run_spec, RUN_OK.replace('RUN ["/bin/bash","-euo","pipefail","-c","echo a\\nb"]', 'RUN ["/bin/sh","-c","echo a\\nb"]'), "active shell"),
        ("bad/shell-not-json", run_spec, RUN_OK.replace('SHELL ["/bin/bash","-euo","pipefail","-c"]', "SHELL /bin/bash -euo pipefail -c"), "exec/JSON form"),
        ("bad/heredoc", _spec(UBUNTU, {"op": "runCommands", "commands": ["cat <<EOF\nhi\nEOF"]}),
         "FROM ubuntu:24.04\nRUN cat <<EOF\nhi\nEOF\n", "heredoc"),
        ("bad/uv-version", uv_spec, UV_OK.replace("uv:0.13.9", "uv:latest"), "flags"),
        ("bad/workdir-expands", uv_spec, UV_OK.replace("WORKDIR '/srv/my app/$HOME/it'\"'\"'s'", "WORKDIR \"/srv/my app/$HOME/it's\""), "variable expansion"),
        ("bad/apt-glob-quoted", uv_spec, UV_OK.replace("/var/lib/apt/lists/*", "'/var/lib/apt/lists/*'"), "unquoted/expanding '*'"),
        ("bad/apt-order", uv_spec, UV_OK.replace("git curl=8.5.0-2", "curl=8.5.0-2 git"), "index 8"),
        ("bad/fragment-dropped-instruction", frag_spec, FRAGMENT_OK.replace("COPY --from=builder /out /opt/out\n", ""), "keyword"),
        ("bad/fragment-value-changed", frag_spec, FRAGMENT_OK.replace("RUN echo a   && echo b", "RUN echo a && echo b"), "value"),
        ("bad/needs-resolve", _spec(SLIM_312, NEEDS_RESOLVE_STEP), "FROM python:3.12-slim-trixie\nENV A=1\n", "needs resolve"),
        ("bad/needs-resolve-base", _spec({"op": "fromDockerfile", "path": "Dockerfile", "contextDir": ".", "base": "python:3.11-slim"}),
         "FROM python:3.11-slim\n", "needs resolve"),
        ("bad/syntax-line", pip_spec, "# syntax=docker/dockerfile:1\n" + PIP_OK, "syntax"),
        ("bad/comment-line", pip_spec, PIP_OK.replace("\nRUN", "\n# hi\nRUN"), "comment"),
        ("bad/no-final-newline", pip_spec, PIP_OK[:-1], "newline"),
        ("bad/two-final-newlines", pip_spec, PIP_OK + "\n", "more than one newline"),
        ("bad/crlf", pip_spec, PIP_OK.replace("\n", "\r\n"), "carriage return"),
        ("bad/wrong-base", pip_spec, PIP_OK.replace("3.12-slim-trixie", "3.12-slim"), "FROM value"),
        ("ok/longest-line", _spec(UBUNTU, {"op": "runCommands", "commands": ["echo " + "é" * 32763]}),
         "FROM ubuntu:24.04\nRUN echo " + "é" * 32763 + "\n", None),
        ("bad/line-too-long", _spec(UBUNTU, {"op": "runCommands", "commands": ["echo " + "é" * 32764]}),
         "FROM ubuntu:24.04\nRUN echo " + "é" * 32764 + "\n", "65535"),
        ("bad/lowercase-keyword", pip_spec, PIP_OK.replace("\nRUN", "\nrun"), "expected a RUN instruction"),
    ]  # fmt: skip


def self_test(verbose: bool) -> int:
    passed = failed = 0
    for name, spec, text, want in self_test_cases():
        try:
            check_case(spec, text)
            error = None
        except Mismatch as e:
            error = str(e)
        if want is None and error is None:
            passed += 1
        elif want is None:
            failed += 1
            print(one_line(f"SELF-TEST MISS {name}: a correct pair was rejected: {error}"))
        elif error is None:
            failed += 1
            print(one_line(f"SELF-TEST MISS {name}: a broken Dockerfile was accepted"))
        elif want not in error:
            failed += 1
            print(one_line(f"SELF-TEST MISS {name}: caught, but not for the expected reason {want!r}: {error}"))
        else:
            passed += 1
            if verbose:
                print(one_line(f"ok {name}: {error}"))
    for part in (_self_test_lexer, _self_test_tails):
        passed_p, failed_p = part()
        passed += passed_p
        failed += failed_p
    print(f"parse-back self-test: {passed} passed, {failed} failed")
    return 1 if failed else 0


# Cases of process_word in tests/conformance/shell-words.json (BuildKit's envVarTest,
# moby/buildkit, Apache-2.0) without variables: the lexer port must agree with BuildKit on them.
_LEXER_ROWS = [
    ("hello", "hello"), ("he'll'o", "hello"), ("he'llo", None), ("he\\'llo", "he'llo"),
    ("he\\\\'llo", None), ("abc\\tdef", "abctdef"), ('"abc\\tdef"', "abc\\tdef"),
    ('"abc\\\\tdef"', "abc\\tdef"), ("'abc\\tdef'", "abc\\tdef"), ("hello\\", "hello"),
    ("hello\\\\", "hello\\"), ('"hello', None), ('"hello\\"', None), ('"hel\'lo"', "hel'lo"),
    ("'hello", None), ("'hello\\'", "hello\\"), ("'hello\\there'", "hello\\there"),
    ("'hello\\\\there'", "hello\\\\there"), ('"\'\'"', "''"), ("$.", "$."), ("he$.x", "he$.x"),
    ("he\\$PWD", "he$PWD"), ('"he\\$PWD"', "he$PWD"), ("\\${}", "${}"), ("\\${}aaa", "${}aaa"),
    ("he\\${}", "he${}"), ("he\\${}xx", "he${}xx"), ("'he${XX}'", "he${XX}"), ("'$PWD'", "$PWD"),
    ("'\\$PWD'", "\\$PWD"), ("'\"hello\"'", '"hello"'), ("'he\\$PWD'", "he\\$PWD"),
    ("안녕하세요", "안녕하세요"), ("안'녕'하세요", "안녕하세요"), ("안'녕하세요", None),
    ("안녕\\'하세요", "안녕'하세요"), ("안\\\\'녕하세요", None), ("안녕\\t하세요", "안녕t하세요"),
    # expansions are errors here (BuildKit would substitute them)
    ("he$1x", None), ("he$PWD", None), ("he${hi}", None), ('"$PWD"', None), ("he\\\\$PWD", None),
    ('"he\\\\$PWD"', None), ("$_x", None), ("$é", None), ("$@", None), ('"a$"', "a$"),
]  # fmt: skip


def _self_test_lexer() -> tuple[int, int]:
    passed = failed = 0
    for raw, want in _LEXER_ROWS:
        try:
            got = bk_word(raw)
        except LexError:
            got = None
        if got == want:
            passed += 1
        else:
            failed += 1
            print(one_line(f"SELF-TEST MISS lexer {raw!r}: expected {want!r}, got {got!r}"))
    # Every value shlex.quote renders decodes back to itself.
    for value in list(HOSTILE_ENV.values()) + ["", "'", "''", "\\", "a'b\"c$d`e\\f", "${X:-$Y}", "\t"]:
        if bk_word(_q(value)) == value:
            passed += 1
        else:
            failed += 1
            print(one_line(f"SELF-TEST MISS lexer round trip of {value!r} via {_q(value)!r}"))
    return passed, failed


# fromDockerfile tails (tests/buildkit/dockerfile_tails.json, also read by
# tests/reliability_dockerfile.rs): a Dockerfile the package accepts and its rendering with one
# appended ENV step. BuildKit must read the rendering as the Dockerfile's own instructions plus a
# separate ENV; for each refused Dockerfile it must show why (the ENV joins the last instruction,
# or a lone carriage return leaves several visual lines in one instruction).
TAILS_FILE = __import__("pathlib").Path(__file__).with_name("dockerfile_tails.json")


def _meaning(c: Any) -> tuple:
    return (c.cmd.lower(), c.flags, c.value, c.json, tuple((h.name, h.content) for h in c.heredocs))


def _check_tail(case: dict, appended: str) -> str | None:
    """None when BuildKit agrees with the case, else what is wrong."""
    text = case["dockerfile"]
    if "rendered" in case:
        own = dockerfile.parse_string(text)
        rendered = dockerfile.parse_string(case["rendered"])
        if [_meaning(c) for c in rendered[:-1]] != [_meaning(c) for c in own]:
            return f"the rendering changes the Dockerfile's instructions: {rendered!r}"
        last = rendered[-1]
        if (last.cmd.lower(), last.value, last.original + "\n") != ("env", ("API_TOKEN", "s3cret"), appended):
            return f"the appended step is not an instruction of its own: {last!r}"
        return None
    why = case["refused"]["why"]
    if why == "carriage-return":
        if any("\r" in c.original for c in dockerfile.parse_string(text)):
            return None
        return "no instruction holds a carriage return, so the refusal is not needed"
    normalised = text.replace("\r\n", "\n")
    extended = normalised + ("" if normalised.endswith("\n") else "\n") + appended
    if len(dockerfile.parse_string(extended)) == len(dockerfile.parse_string(text)):
        return None  # the appended ENV joined the last instruction: refusing is needed
    return "the appended ENV stays an instruction of its own, so the refusal is not needed"


def _self_test_tails() -> tuple[int, int]:
    doc = json.loads(TAILS_FILE.read_text(encoding="utf-8"))
    passed = failed = 0
    for case in doc["cases"]:
        try:
            problem = _check_tail(case, doc["appended"])
        except Exception as e:  # BuildKit refusing to parse a case is a failure too
            problem = f"{type(e).__name__}: {e}"
        if problem is None:
            passed += 1
        else:
            failed += 1
            print(one_line(f"SELF-TEST MISS tail {case['name']}: {problem}"))
    return passed, failed


if __name__ == "__main__":
    sys.exit(main(sys.argv))
