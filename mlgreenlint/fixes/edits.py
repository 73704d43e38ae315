"""Apply a finding's edits to a file's text: spans to offsets, overlaps skipped, minimal edits.

Spans are 1-based (line, column) over the decoded text, lines ending at '\\n' (as libcst and
the config documents count them); columns count characters.
"""

from __future__ import annotations

from collections.abc import Sequence

from mlgreenlint.configs.document import LineIndex
from mlgreenlint.model import Edit, Span


class Lines(LineIndex):
    """A text's line starts: (line, column) <-> character offset, both ways."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def offset(self, line: int, column: int) -> int | None:
        """The offset of a position, or None when it lies outside the text; the start of the
        line after the last stands for the end of the text (a whole last line)."""
        if line == len(self.starts) + 1 and column == 1:
            return len(self.text)
        if not 1 <= line <= len(self.starts):
            return None
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.text) + 1
        offset = start + column - 1
        return offset if start <= offset < end else None

    def range(self, span: Span) -> tuple[int, int] | None:
        start = self.offset(span.line, span.column)
        end = self.offset(span.end_line, span.end_column)
        return None if start is None or end is None or end < start else (start, end)


def minimal(text: str, edit: Edit) -> Edit:
    """The same change with the unchanged text at both ends dropped from its span.

    A rule may rewrite a whole call to add one keyword; the smaller edit shows the change
    plainly (diffs, SARIF) and overlaps fewer other fixes.
    """
    lines = Lines(text)
    found = lines.range(edit.span)
    if found is None:
        return edit
    start, end = found
    old, new = text[start:end], edit.replacement
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]:
        tail += 1
    # Cut only between tokens: `True` -> `False` and `'ap-south-1'` -> `'me-central-1'` stay
    # whole, while `f(a)` -> `f(a, b=1)` becomes the insertion `, b=1`.
    while head and not (_boundary(old, head) and _boundary(new, head)):
        head -= 1
    while tail and not (_boundary(old, len(old) - tail) and _boundary(new, len(new) - tail)):
        tail -= 1
    span = Span(*lines.position(start + head), *lines.position(end - tail))
    return Edit(span, new[head:len(new) - tail])


_DELIMITERS = frozenset(" \t\r\n,()[]{}:=;")


def _boundary(text: str, i: int) -> bool:
    """Position `i` of `text` lies between two tokens (next to a delimiter or at an end)."""
    return i <= 0 or i >= len(text) or text[i - 1] in _DELIMITERS or text[i] in _DELIMITERS


def hunks(text: str, edit: Edit) -> list[Edit]:
    """The change an edit makes as one minimal edit per run of changed lines: a rule may
    rewrite a whole module to add an import and wrap a statement, which is two small edits."""
    lines = Lines(text)
    found = lines.range(edit.span)
    if found is None:
        return [edit]
    start, end = found
    old = text[start:end].splitlines(keepends=True)
    new = edit.replacement.splitlines(keepends=True)
    if len(old) <= 1 and len(new) <= 1:
        return [minimal(text, edit)] if text[start:end] != edit.replacement else []
    import difflib

    offsets = [start]
    for line in old:
        offsets.append(offsets[-1] + len(line))
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != "equal":
            span = Span(*lines.position(offsets[i1]), *lines.position(offsets[i2]))
            out.append(minimal(text, Edit(span, "".join(new[j1:j2]))))
    return out


def newline_of(text: str) -> str:
    """The file's line ending: '\\r\\n' when most lines end so, else '\\n'."""
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"


def apply(text: str, fixes: Sequence[Sequence[Edit]]) -> tuple[str, list[int], list[tuple[int, int, int]]]:
    """Apply every fix (a group of edits) that overlaps no earlier one; returns the new text,
    the indices of the fixes applied and the edits made as (start, end, new length) in the
    old text. A fix with an edit outside the text is skipped.

    Insertions at the same offset count as overlapping (their order would be a guess).
    """
    lines = Lines(text)
    newline = newline_of(text)
    taken: list[tuple[int, int]] = []
    chosen: list[tuple[int, int, str]] = []
    applied = []
    for index, fix in enumerate(fixes):
        ranges = [lines.range(e.span) for e in fix]
        if not ranges or any(r is None for r in ranges) or _overlap(ranges, taken) or _overlap_within(ranges):
            continue
        taken.extend(ranges)
        for (start, end), edit in zip(ranges, fix):
            replacement = edit.replacement
            if newline == "\r\n" and "\r" not in replacement:
                replacement = replacement.replace("\n", "\r\n")
            chosen.append((start, end, replacement))
        applied.append(index)
    out = text
    for start, end, replacement in sorted(chosen, reverse=True):
        out = out[:start] + replacement + out[end:]
    return out, applied, [(start, end, len(replacement)) for start, end, replacement in chosen]


def _touch(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """The ranges overlap, start together, or one is an insertion inside or at an end of the other."""
    if a[0] < b[1] and b[0] < a[1] or a[0] == b[0]:
        return True
    return (a[0] == a[1] and b[0] <= a[0] <= b[1]) or (b[0] == b[1] and a[0] <= b[0] <= a[1])


def _overlap(ranges, taken) -> bool:
    return any(_touch(r, t) for r in ranges for t in taken)


def _overlap_within(ranges) -> bool:
    return any(_touch(a, b) for i, a in enumerate(ranges) for b in ranges[i + 1:])


def shift(offset: int, edits: Sequence[tuple[int, int, int]]) -> int:
    """Where an offset of the old text lands after edits given as (start, end, new length)."""
    delta = 0
    for start, end, length in edits:
        if end <= offset:
            delta += length - (end - start)
    return offset + delta
