"""The flagged code and its fix as lines, for reports that show source (the HTML report)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from mlgreenlint.limits import read_source
from mlgreenlint.model import Fix, Span

#: Lines shown above and below the flagged ones, and the flagged lines shown at most.
CONTEXT, MAX_FLAGGED = 1, 6
#: Characters kept of one line: minified or generated lines would bloat the page.
WIDTH = 160
#: Files larger than this are not read for excerpts (mlgreenlint's own default max-file-size).
MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Line:
    number: int | None  # None: a line of a fix's replacement
    text: str
    mark: str = " "  # " " context, ">" flagged, "-" removed by the fix, "+" added by it


class Sources:
    """Source lines by display path (relative to `root`), each file read at most once."""

    def __init__(self, root: str = ".") -> None:
        self.root = root
        self._lines: dict[str, list[str] | None] = {}

    def lines(self, path: str) -> list[str] | None:
        if path not in self._lines:
            self._lines[path] = self._read(os.path.join(self.root, path))
        return self._lines[path]

    @staticmethod
    def _read(path: str) -> list[str] | None:
        data = read_source(path, MAX_BYTES)  # a regular file within the limit, never a FIFO or device
        if isinstance(data, str) or b"\0" in data:
            return None
        return data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _clip(text: str) -> str:
    text = text.expandtabs(4)
    return text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"


def excerpt(lines: list[str], span: Span, context: int = CONTEXT) -> list[Line]:
    """The flagged lines with `context` lines around them; [] when the span is outside the file."""
    if not 1 <= span.line <= len(lines):
        return []
    last_flagged = min(max(span.end_line, span.line), span.line + MAX_FLAGGED - 1, len(lines))
    first, last = max(1, span.line - context), min(len(lines), last_flagged + context)
    return [Line(n, _clip(lines[n - 1]), ">" if span.line <= n <= last_flagged else " ")
            for n in range(first, last + 1)]


def _offset(lines: list[str], first: int, line: int, column: int) -> int:
    before = sum(len(lines[n - 1]) + 1 for n in range(first, line))
    return before + min(column - 1, len(lines[line - 1]))


def fix_diff(lines: list[str], fix: Fix) -> list[Line]:
    """The lines the fix changes, removed then added; [] when its edits fall outside the file."""
    if not fix.edits:
        return []
    first = min(e.span.line for e in fix.edits)
    last = max(e.span.end_line for e in fix.edits)
    if first < 1 or last > len(lines):
        return []
    text = "\n".join(lines[first - 1:last])
    for edit in sorted(fix.edits, key=lambda e: (e.span.line, e.span.column), reverse=True):
        start = _offset(lines, first, edit.span.line, edit.span.column)
        end = _offset(lines, first, edit.span.end_line, edit.span.end_column)
        text = text[:start] + edit.replacement + text[max(start, end):]
    old = [Line(n, _clip(lines[n - 1]), "-") for n in range(first, last + 1)]
    new = [Line(None, _clip(t), "+") for t in text.split("\n")]
    return old[:MAX_FLAGGED * 2] + new[:MAX_FLAGGED * 2]
