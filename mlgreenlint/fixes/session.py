"""Fix files: apply the chosen findings' edits over bounded passes, verify, write atomically.

Each pass applies every fix that overlaps no other, checks the new text still parses, and
lints it again in memory; fixes left out by an overlap (or new ones a fix exposed) are
applied by the next pass. A file whose fixed text does not parse, or lints with a parse
error, is left untouched and the failure reported. Writes keep the file's BOM, encoding
(and so its coding cookie), line endings and permission bits.

With a baseline or `--changed-since` (`gated`), later passes fix only what is left of the
findings that were reported, found again on the line they moved to.
"""

from __future__ import annotations

import ast
import codecs
import difflib
import io
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mlgreenlint import atomic, notebook
from mlgreenlint.configs import document
from mlgreenlint.engine.driver import CONFIG_SUFFIXES, GL_PARSE, PYTHON_SUFFIXES, Job, lint_bytes
from mlgreenlint.fixes import edits
from mlgreenlint.fixes.policy import FixPolicy
from mlgreenlint.model import Finding

#: Passes over one file before giving up on reaching a fixed point (ruff allows 100; one
#: fix rarely exposes another here).
MAX_PASSES = 10


@dataclass
class FileFix:
    """What fixing one file did: its text before and after, and how many findings were fixed."""

    path: str
    before: str
    after: str
    fixed: int = 0
    #: Why the file was left untouched (it would not parse, it could not be read or written).
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    source: Source | None = None

    @property
    def changed(self) -> bool:
        return self.error is None and self.after != self.before

    def diff(self) -> str:
        """A unified diff of the change ('' when none)."""
        if not self.changed:
            return ""
        lines = difflib.unified_diff(self.before.splitlines(keepends=True), self.after.splitlines(keepends=True),
                                     f"a/{self.path}", f"b/{self.path}")
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


@dataclass(frozen=True)
class Source:
    """A file's bytes as text, and how to turn fixed text back into bytes the same way."""

    text: str
    encoding: str
    bom: bool

    @classmethod
    def decode(cls, data: bytes) -> Source:
        bom = data.startswith(codecs.BOM_UTF8)
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        encoding = "utf-8" if encoding == "utf-8-sig" else encoding
        return cls(data[len(codecs.BOM_UTF8):].decode(encoding) if bom else data.decode(encoding), encoding, bom)

    def encode(self, text: str) -> bytes:
        return (codecs.BOM_UTF8 if self.bom else b"") + text.encode(self.encoding)


def parse_problem(path: str, text: str) -> str | None:
    """Why `text` does not parse as the file's language, or None."""
    try:
        if path.endswith(PYTHON_SUFFIXES):
            ast.parse(text)
        elif path.endswith(CONFIG_SUFFIXES):
            document.parse(text, document.format_of(path))
        elif notebook.is_notebook(path):
            ast.parse(notebook.read(text).source)
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}"
    except Exception as exc:  # noqa: BLE001 -- ConfigError, RecursionError, ValueError: all mean "does not parse"
        return str(exc) or type(exc).__name__
    return None


def fix_file(path: str, disk: Path, findings: Sequence[Finding], job: Job, policy: FixPolicy, *,
             gated: bool = False) -> FileFix:
    """Fix one file's findings in memory; nothing is written."""
    try:
        source = Source.decode(disk.read_bytes())
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError) as exc:
        return FileFix(path, "", "", error=f"cannot read: {exc}")
    return fix_source(path, source, findings, job, policy, gated=gated)


def fix_source(path: str, source: Source, findings: Sequence[Finding], job: Job, policy: FixPolicy, *,
               gated: bool = False) -> FileFix:
    """Fix the findings of a file given as a Source, over bounded passes (see the module docstring)."""
    result = FileFix(path, source.text, source.text, source=source)
    text = source.text
    pending = sorted((f for f in findings if policy.applies(f)), key=Finding.sort_key)
    for _ in range(MAX_PASSES):
        if not pending:
            break
        new, applied, placed = edits.apply(text, [f.fix.edits for f in pending])
        if new == text:
            break
        problem = parse_problem(path, new)
        try:
            data = source.encode(new)
        except UnicodeEncodeError as exc:
            problem = problem or f"{source.encoding} cannot encode {exc.object[exc.start:exc.end]!r}"
        if problem is None:
            relinted = lint_bytes(path, data, job).findings
            broken = [f for f in relinted if f.rule == GL_PARSE]
            problem = broken[0].message if broken else None
        if problem is not None:
            titles = ", ".join(sorted({f"{f.rule} ({f.fix.title})" for i, f in enumerate(pending) if i in applied}))
            result.error = f"fixes {titles} would break the file ({problem}); left untouched"
            result.after = source.text
            return result
        result.fixed += len(applied)
        left = _moved([f for i, f in enumerate(pending) if i not in applied], text, new, placed) if gated else None
        text = new
        pending = [f for f in relinted if policy.applies(f) and (left is None or (f.rule, f.span.line) in left)]
    else:
        if pending:
            result.notes.append(f"{path}: fixes did not settle after {MAX_PASSES} passes; "
                                f"{len(pending)} left for the next run")
    result.after = text
    return result


def _moved(findings: list[Finding], old: str, new: str, placed) -> set[tuple[str, int]]:
    """(rule, line) of each finding after the edits `placed` moved its text."""
    before, after = edits.Lines(old), edits.Lines(new)
    out = set()
    for f in findings:
        offset = before.offset(f.span.line, f.span.column)
        if offset is not None:
            out.add((f.rule, after.position(min(edits.shift(offset, placed), len(new)))[0]))
    return out


def fix_findings(findings: Sequence[Finding], job: Job, policy: FixPolicy, cwd: Path, *, gated: bool = False,
                 write: bool = True) -> list[FileFix]:
    """Fix every file with an applicable finding; `write=False` only computes the change (--diff)."""
    by_path: dict[str, list[Finding]] = {}
    for f in findings:
        if policy.applies(f):
            by_path.setdefault(f.path, []).append(f)
    out = []
    for path in sorted(by_path):
        disk = cwd / path
        result = fix_file(path, disk, by_path[path], job, policy, gated=gated)
        if write and result.changed:
            try:
                atomic.write_bytes(disk, result.source.encode(result.after))
            except OSError as exc:
                result.error = f"cannot write: {exc.strerror or exc}"
                result.after = result.before
        out.append(result)
    return out
