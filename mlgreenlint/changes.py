"""Which lines changed since a git ref, so that only findings on them are reported.

Changed means `git diff REF` against the working tree (staged and unstaged edits),
plus untracked files that are not ignored. A finding is kept when its file is new
(added since REF, or untracked), when a changed line falls inside its span, or
when lines were deleted from inside its span. File-level findings (anchored at
one line with a one-line span) are therefore kept when their file is new or that
line changed. A renamed file is not new: only its changed lines count.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from mlgreenlint import safegit
from mlgreenlint.model import Finding

_HUNK = re.compile(rb"@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_QUOTED = re.compile(rb'\\([0-3][0-7]{2}|[abtnvfr"\\])')
_ESCAPES = {b"a": 7, b"b": 8, b"t": 9, b"n": 10, b"v": 11, b"f": 12, b"r": 13, b'"': 34, b"\\": 92}
_GIT = ("-c", "diff.relative=false")
_DIFF = ("diff", "--no-color", "--no-ext-diff", "--no-textconv", "-M")


class ChangesError(Exception):
    """`--changed-since` cannot be answered: no git, no repository, or an unknown ref."""


@dataclass(frozen=True)
class ChangedLines:
    """Changes since a ref; paths are relative to the repository root, `/`-separated.

    `hunks` maps a changed file to `(start, count)` ranges of new-side lines; a count
    of 0 means lines were deleted right after line `start`. `new_dirs` are untracked
    directories git lists whole (nested repositories), ending in `/`.
    """

    root: Path
    cwd: Path
    new_files: frozenset[str]
    hunks: Mapping[str, tuple[tuple[int, int], ...]]
    new_dirs: tuple[str, ...] = ()

    def repo_path(self, path: str) -> str | None:
        """The repository-relative form of a finding path (relative to `cwd`), if inside the repo."""
        absolute = os.path.normpath(os.path.join(self.cwd, path))
        try:
            relative = os.path.relpath(absolute, self.root)
        except ValueError:
            return None
        if relative == os.pardir or relative.startswith(os.pardir + os.sep) or os.path.isabs(relative):
            return None
        return relative.replace(os.sep, "/")

    def touches(self, path: str) -> bool:
        """Whether the file at `path` (relative to `cwd`) is new or has any changed or deleted line."""
        repo = self.repo_path(path)
        if repo is None:
            return False
        return repo in self.new_files or repo in self.hunks or (bool(self.new_dirs) and repo.startswith(self.new_dirs))

    def keep(self, finding: Finding) -> bool:
        """Whether `finding` is in a new file or touches a changed line."""
        path = self.repo_path(finding.path)
        if path is None:
            return False
        if path in self.new_files or path.startswith(self.new_dirs):
            return True
        first, last = finding.span.line, max(finding.span.line, finding.span.end_line)
        for start, count in self.hunks.get(path, ()):
            if count and start <= last and first <= start + count - 1:
                return True
            if not count and first <= start < last:
                return True
        return False


def filter(findings: Iterable[Finding], changed: ChangedLines) -> list[Finding]:
    """The findings `changed` keeps, in their original order."""
    return [finding for finding in findings if changed.keep(finding)]


def _git(args: Iterable[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    args = list(args)
    try:
        # A diff reads working-tree files through the repository's clean filters: disable them.
        return safegit.run([*_GIT, *args], cwd, timeout=600, filters=args[0] == "diff")
    except FileNotFoundError:
        raise ChangesError("--changed-since needs git, and no `git` executable was found on PATH") from None
    except subprocess.TimeoutExpired:
        raise ChangesError(f"git {args[0]} took longer than 600 s") from None


def _stderr(process: subprocess.CompletedProcess[bytes]) -> str:
    return process.stderr.decode("utf-8", "replace").strip()


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _unquote(name: bytes) -> str:
    """Undo git's C-style quoting of a path (used for control characters, `"` and `\\`)."""
    if len(name) < 2 or not (name.startswith(b'"') and name.endswith(b'"')):
        return _decode(name)

    def byte(match: re.Match[bytes]) -> bytes:
        code = match[1]
        return bytes([int(code, 8) if len(code) == 3 else _ESCAPES[code]])

    return _decode(_QUOTED.sub(byte, name[1:-1]))


def _new_path(header: bytes) -> str | None:
    name = header[4:]
    if name.endswith(b"\t"):
        name = name[:-1]
    if name == b"/dev/null":
        return None
    path = _unquote(name)
    return path[2:] if path.startswith("b/") else path


def parse_diff(patch: bytes) -> dict[str, tuple[tuple[int, int], ...]]:
    """New-side hunk ranges per file from `git diff -U0` output (paths as in `+++ b/...`)."""
    hunks: dict[str, list[tuple[int, int]]] = {}
    path: str | None = None
    lines = iter(patch.split(b"\n"))
    for line in lines:
        if line.startswith(b"diff --git "):
            path = None
        elif line.startswith(b"+++ "):
            path = _new_path(line)
        elif line.startswith(b"@@ ") and (match := _HUNK.match(line)):
            old_count = int(match[1] or b"1")
            start, count = int(match[2]), int(match[3] or b"1")
            if path is not None:
                hunks.setdefault(path, []).append((start, count))
            body = old_count + count
            while body > 0:
                body_line = next(lines, None)
                if body_line is None:
                    break
                if not body_line.startswith(b"\\"):
                    body -= 1
    return {name: tuple(ranges) for name, ranges in hunks.items()}


def _added_files(name_status: bytes) -> set[str]:
    fields = name_status.split(b"\0")
    added, i = set(), 0
    while i < len(fields) and fields[i]:
        status = fields[i][:1]
        if status in (b"R", b"C"):
            if status == b"C":
                added.add(_decode(fields[i + 2]))
            i += 3
        else:
            if status == b"A":
                added.add(_decode(fields[i + 1]))
            i += 2
    return added


def _checked(process: subprocess.CompletedProcess[bytes], what: str) -> bytes:
    if process.returncode != 0:
        raise ChangesError(f"{what} failed: {_stderr(process)}")
    return process.stdout


def changed_lines(ref: str, cwd: Path) -> ChangedLines:
    """Collect the lines changed since `ref` in the repository containing `cwd`."""
    cwd = Path(os.path.realpath(cwd))
    if not cwd.is_dir():
        raise ChangesError(f"{cwd} is not a directory")
    top = _git(["rev-parse", "--show-toplevel"], cwd)
    root_text = top.stdout.rstrip(b"\n")
    if top.returncode != 0 or not root_text:
        detail = _stderr(top) or "not inside a work tree"
        raise ChangesError(f"--changed-since needs a git repository, and {cwd} is not in one ({detail})")
    root = Path(os.path.realpath(_decode(root_text)))
    if not ref or ref.startswith("-"):
        raise ChangesError(f"unknown git ref {ref!r}")
    verify = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd)
    if verify.returncode != 0:
        raise ChangesError(f"unknown git ref {ref!r}: it does not name a commit in {root}")
    commit = _decode(verify.stdout.strip())
    status = _checked(_git([*_DIFF, "-z", "--name-status", commit, "--", ":/"], cwd), "git diff --name-status")
    patch = _checked(
        _git(
            [*_DIFF, "-U0", "--inter-hunk-context=0", "--src-prefix=a/", "--dst-prefix=b/", commit, "--", ":/"],
            cwd,
        ),
        "git diff",
    )
    untracked = _checked(
        _git(["ls-files", "-z", "--others", "--exclude-standard", "--full-name", "--", ":/"], cwd),
        "git ls-files",
    )
    others = {_decode(name) for name in untracked.split(b"\0") if name}
    return ChangedLines(
        root=root,
        cwd=cwd,
        new_files=frozenset(_added_files(status) | {name for name in others if not name.endswith("/")}),
        hunks=parse_diff(patch),
        new_dirs=tuple(sorted(name for name in others if name.endswith("/"))),
    )
