"""IPython syntax in a notebook cell, masked so the cell parses as Python.

`%magic`, `!shell`, `x = !cmd`, `x = %magic`, `expr?` / `?expr` and auto-calls (`/f x`,
`,f a b`, `;f a b`) at the start of a logical line become `pass` (or `x = None`), except
`%time f()` / `%timeit f()`, whose statement runs and stays, as `_ = f()` at its own columns; a `%%cell` magic masks its whole cell, except the
magics whose body is Python (`%%time`, `%%capture`, ...), which lose only their first
line. Every line keeps its number, and unmasked lines keep their text, so positions in
the masked source are positions in the cell. A line is at the start of a logical line
when no bracket, string or backslash continuation is open above it: a `!` inside a
docstring stays text.

The shell commands met on the way (`!cmd`, `%pip`, `%system`, the body of `%%bash`) are
returned with their line, for the launch commands and version pins of the notebook.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Cell magics whose body is Python the kernel runs.
PYTHON_BODY = frozenset({"time", "timeit", "capture", "prun", "debug", "memit", "mprun", "skip"})
#: Cell magics whose body is a shell script.
SHELL_BODY = frozenset({"bash", "sh", "script", "system"})
#: Line magics whose argument is a shell command line.
SHELL_LINE = frozenset({"pip", "conda", "mamba", "sx", "system", "sh"})

#: Names IPython runs without `%` in a one-line cell (automagic, on by default): line magics and
#: the default shell aliases. IPython 8 applies automagic only when the transformed cell is one
#: line (`InteractiveShell.transform_cell`), so `pip install x` alone in a cell is `%pip install x`.
AUTOMAGIC = frozenset({
    "pip", "conda", "mamba", "cd", "pwd", "env", "set_env", "load_ext", "reload_ext", "matplotlib",
    "run", "time", "timeit", "who", "whos", "reset", "history", "store", "autoreload", "config",
    "alias", "sx", "system", "pushd", "popd", "dirs", "bookmark", "load", "pinfo", "xmode", "lsmagic",
    "ls", "ll", "lf", "lk", "ldir", "lx", "cat", "cp", "mv", "rm", "mkdir", "rmdir", "clear", "less", "more", "man",
})

#: `%time` / `%timeit` (with timeit's options) before the Python statement they run.
_TIMED = re.compile(r"%(?:time|timeit)(?:\s+-(?:[nrp]\s*\d+|[tcqo]))*\s+(?=\S)")
#: Statements that cannot follow `_ =`: such a timed line is masked whole.
_STATEMENT = re.compile(r"(?:import|from|for|while|with|if|def|class|del|assert|raise|return|pass|try|global|async)\b")
_ASSIGNED = re.compile(r"^(\s*[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*)([!%])(.*)$", re.DOTALL)
#: IPython's auto-call escapes at the start of a line: `/f x` calls f(x), `,f a b` f("a", "b"),
#: `;f a b` f("a b").
_AUTOCALL = re.compile(r"[/,;][ \t]*[A-Za-z_][\w.]*")
_HELP = re.compile(r"^\s*(?:\?{1,2}\s*[\w.*\[\]()]+|[\w.*\[\]()]+\s*\?{1,2})\s*$")
#: What every line `_escape` or a cell magic masks holds: a line starting with `!`, `%`, an
#: auto-call or help escape, an assignment of `!`/`%`, or a `?`. A cell without it is Python as
#: written. Without `!`, `%` or `?` in the cell only an auto-call line is left to look for.
_MAY_ESCAPE = re.compile(r"^\s*[!%/,;?]|=\s*[!%]|\?", re.MULTILINE)
_AUTOCALL_LINE = re.compile(r"^\s*[/,;]", re.MULTILINE)
_STRING_OR_BRACKET = re.compile(r"'''|\"\"\"|'|\"|#|[()\[\]{}]|\\.", re.DOTALL)


@dataclass
class Masked:
    """A cell's lines after masking, and the shell commands it runs: (0-based line, command)."""

    lines: list[str]
    shell: list[tuple[int, str]] = field(default_factory=list)
    #: 0-based lines that were IPython syntax (fixes never touch them).
    masked: set[int] = field(default_factory=set)


def mask(lines: list[str]) -> Masked:
    """Mask one cell's lines (each with its line ending, as split by the caller)."""
    out = Masked(list(lines))
    if len(lines) == 1 and _automagic(lines[0]):
        lines = ["%" + lines[0].lstrip()]  # the line IPython runs; masked below like any `%` line
    elif not _may_escape("".join(lines)):
        return out  # most cells: no line to look at, so no need to follow strings and brackets
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        words = lines[first].lstrip()[2:].split()
        name = words[0] if words else ""
        _blank(out, first)
        if name not in PYTHON_BODY:
            body = range(first + 1, len(lines))
            shell = name in SHELL_BODY and (name != "script" or words[1:2] in (["bash"], ["sh"]))
            for i in body:
                if shell and lines[i].strip():
                    out.shell.append((i, lines[i].strip()))
                _blank(out, i)
            return out
    state = _Scan()
    continued = False
    last = -1  # the escaped line a backslash continues
    for i, line in enumerate(lines):
        if i in out.masked:
            continue
        if continued:  # the rest of an escaped line continued with a backslash
            continued = line.rstrip("\r\n").endswith("\\")
            if out.shell and out.shell[-1][0] == last:
                rest = line.strip().rstrip("\\").strip()
                out.shell[-1] = (last, f"{out.shell[-1][1]} {rest}".strip())
            _blank(out, i)
            continue
        if state.at_start:
            replaced = _escape(line)
            if replaced is not None:
                text, command = replaced
                if command is not None:
                    out.shell.append((i, command))
                last = i
                out.lines[i] = text
                out.masked.add(i)
                continued = line.rstrip("\r\n").endswith("\\")
                continue
        state.feed(line)
    return out


def _may_escape(source: str) -> bool:
    if "!" in source or "%" in source or "?" in source:
        return _MAY_ESCAPE.search(source) is not None
    return _AUTOCALL_LINE.search(source) is not None


def _automagic(line: str) -> bool:
    """A one-line cell IPython runs as a magic: its first word is an automagic name, and it is
    not Python (`ls -la`, `pip install peft`, but not `pwd()` or `time = 3`)."""
    words = line.split(None, 1)
    if not words or words[0] not in AUTOMAGIC:
        return False
    try:
        compile(line, "<cell>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return True
    return False


def _blank(out: Masked, i: int) -> None:
    out.lines[i] = _ending(out.lines[i])
    out.masked.add(i)


def _ending(line: str) -> str:
    return line[len(line.rstrip("\r\n")):]


def _escape(line: str) -> tuple[str, str | None] | None:
    """(masked line, shell command or None) when the line is IPython syntax, else None."""
    body = line.rstrip("\r\n")
    stripped = body.lstrip()
    indent = body[: len(body) - len(stripped)]
    end = _ending(line)
    timed = _TIMED.match(stripped)
    if timed is not None and not _STATEMENT.match(stripped[timed.end():]):
        # `%time train(...)` runs its argument: keep it, at its own columns, as `_ = train(...)`.
        return indent + "_=" + " " * (timed.end() - 2) + stripped[timed.end():] + end, None
    if stripped[:1] in ("!", "%"):
        return indent + "pass" + end, _command(stripped)
    if _AUTOCALL.match(stripped):  # no Python statement starts so: `/f x` is IPython's f(x)
        return indent + "pass" + end, None
    assigned = _ASSIGNED.match(body)
    if assigned is not None:
        return assigned.group(1) + "None" + end, _command(assigned.group(2) + assigned.group(3))
    if "?" in stripped and "#" not in stripped and _HELP.match(stripped):
        return indent + "pass" + end, None
    return None


def _command(escape: str) -> str | None:
    """The shell command an escape runs: `!cmd`, `!!cmd`, `%pip ...`, `%system cmd`, and
    `%run script.py args` as `python script.py args`; else None."""
    if escape.startswith("!"):
        return escape.lstrip("!").strip().rstrip("\\").strip() or None
    words = escape[1:].split(None, 1)
    if words and words[0] == "run":
        return _run(words[1] if len(words) > 1 else "")
    if words and words[0] in SHELL_LINE:
        rest = words[1] if len(words) > 1 else ""
        return (rest if words[0] in ("sx", "system", "sh") else f"{words[0]} {rest}").strip().rstrip("\\").strip() or None
    return None


#: `%run` options that take a value (`-N 3`, `-b file:line`); the others (`-i`, `-e`, `-t`, `-d`,
#: `-p`, `-n`, `-G`, the profiler's `-q`, ...) stand alone.
_RUN_VALUED = frozenset({"-N", "-b", "-l", "-r", "-s", "-T", "-D"})


def _run(arguments: str) -> str | None:
    """`%run [options] script.py args` (or `%run -m module args`) as the command line that runs
    the same script: the kernel runs it as `__main__`, as `python script.py args` would."""
    words = arguments.strip().rstrip("\\").split()
    i = 0
    while i < len(words) and words[i].startswith("-") and words[i] != "-m":
        i += 2 if words[i] in _RUN_VALUED else 1
    rest = words[i:]
    return "python " + " ".join(rest) if rest and rest != ["-m"] else None


class _Scan:
    """Whether the next line starts a logical line: no string, bracket or continuation open."""

    def __init__(self) -> None:
        self.depth = 0
        self.quote: str | None = None
        self.continued = False

    @property
    def at_start(self) -> bool:
        return self.depth == 0 and self.quote is None and not self.continued

    def feed(self, line: str) -> None:
        body = line.rstrip("\r\n")
        self.continued = False
        position = 0
        while True:
            if self.quote is not None:
                end = _close(body, position, self.quote)
                if end < 0:
                    if len(self.quote) == 1:  # an unclosed one-line string: broken code, let the parser say
                        self.quote = None
                    return
                self.quote, position = None, end
                continue
            m = _STRING_OR_BRACKET.search(body, position)
            if m is None:
                self.continued = body.endswith("\\") and not body.endswith("\\\\")
                return
            token, position = m.group(), m.end()
            if token == "#":
                return
            if token in ("'''", '"""', "'", '"'):
                self.quote = token
            elif token in "([{":
                self.depth += 1
            elif token in ")]}":
                self.depth = max(0, self.depth - 1)


def _close(body: str, start: int, quote: str) -> int:
    """The index after the closing `quote` at or after `start`, or -1; escapes skipped."""
    i = start
    while True:
        j = body.find(quote, i)
        if j < 0:
            return -1
        backslashes = len(body[i:j]) - len(body[i:j].rstrip("\\"))
        if backslashes % 2 == 0:
            return j + len(quote)
        i = j + 1
