"""A notebook through the Python pipeline: its code cells as one module, findings placed back.

The driver lints `Notebook.source` (the masked code cells, joined) as a Python file, so
suppressions, fingerprints (which hash the flagged line's text, never outputs or execution
counts) and the repository pass see the code as the kernel runs it. `placed` then gives
each finding its cell and line inside the cell, moves its span to the notebook file's
line and column, and turns fix edits into edits of the JSON strings that hold the cell.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING

from mlgreenlint import limits
from mlgreenlint.engine.job import GL_PARSE, Job, tool_finding
from mlgreenlint.fixes.edits import hunks
from mlgreenlint.model import CellSpan, Edit, FileResult, Finding, Fix, Span
from mlgreenlint.notebook import Cell, Notebook, NotebookError, read, split_lines
from mlgreenlint.repository.pins import parse_requirement, pip_installed
from mlgreenlint.versions import Versions, normalise

if TYPE_CHECKING:
    import ast


def open_notebook(text: str, job: Job, result: FileResult) -> Notebook | None:
    """The notebook, or None with GL001 at the place the JSON or the notebook format is wrong."""
    try:
        return read(text)
    except NotebookError as exc:
        tool_finding(result, job, GL_PARSE, Span.point(exc.line, exc.column), f"cannot read notebook: {exc}")
        return None


def pinned(nb: Notebook, path: str, versions: Versions) -> Versions:
    """The repository's pins with the notebook's own `%pip install x==y` / `!pip install x==y`
    lines over them: the notebook installs those versions in its kernel."""
    own = {}
    for line, command in nb.shell:
        for requirement in pip_installed(command):
            cell, inner = nb.place(line)
            pin = parse_requirement(requirement, f"{path}:cell {cell.number}:{inner}")
            if pin is not None and (pin.version or pin.upper):
                own[normalise(pin.package)] = pin
    if not own:
        return versions
    return Versions({**versions.pins, **own}, versions.notes, [*versions.sources, path])


def parsed_source(nb: Notebook) -> tuple[str, list[tuple[int, int, str]], ast.Module | None]:
    """The joined source with every cell that does not parse (after masking) blanked,
    (line, column, message) in the joined module for each such cell, so one broken cell
    costs only its own findings, and CPython's tree of the joined source when every cell
    parses (the `ast` screen then needs no parse of its own)."""
    from mlgreenlint.python import screen

    tree = screen.parse(nb.source)
    if tree is not None:
        return nb.source, [], tree
    parts, broken = [], []
    for cell in nb.cells:
        body = cell.body()
        error = limits.syntax_error(body) if body.strip() else None
        if error is not None:
            line, column, message = error
            broken.append((cell.first + line - 1, column, f"cannot parse: {message}"))
            body = cell.body(blank=True)
        parts.append(body)
    return "".join(parts), broken, None


def placed(findings: list[Finding], nb: Notebook) -> list[Finding]:
    """Findings over the joined source, placed in their cells and in the notebook file."""
    nb.locate(nb.place(line)[0].number for f in findings
              for line in (f.span.line, *(e.span.line for e in (f.fix.edits if f.fix else ()))))
    out = []
    for f in findings:
        cell, line = nb.place(f.span.line)
        end_cell, end_line = nb.place(max(f.span.end_line, f.span.line))
        end_column = f.span.end_column
        if end_cell is not cell:  # a span that runs into the next cell ends with its own cell
            end_line, end_column = len(cell.lines) or 1, len(cell.lines[-1]) + 1 if cell.lines else 1
        inner = Span(line, f.span.column, end_line, end_column)
        file_span = Span(*nb.file_position(cell, line, f.span.column), *nb.file_position(cell, end_line, end_column))
        out.append(replace(f, span=file_span, cell=CellSpan(cell.number, inner), fix=_fix(f.fix, nb)))
    return out


def _fix(fix: Fix | None, nb: Notebook) -> Fix | None:
    """The fix as edits of the notebook text, or None when an edit touches IPython syntax or
    spans two cells (the masked text is not what the notebook holds)."""
    if fix is None:
        return None
    by_cell: dict[int, tuple[Cell, list[tuple[int, int, str]]]] = {}
    for edit in fix.edits:
        cell, line = nb.place(edit.span.line)
        end_cell, end_line = nb.place(edit.span.end_line)
        if end_cell is not cell:
            if end_cell.first == edit.span.end_line and edit.span.end_column == 1 and end_cell.number == cell.number + 1:
                end_line = len(cell.lines) + 1  # up to the end of the cell's last line
            else:
                return None
        touched = range(line - 1, max(end_line - 1, line))
        if any(i in cell.masked.masked for i in touched if i < len(cell.lines)):
            return None
        start = cell.offset(line, edit.span.column)
        end = cell.offset(end_line, edit.span.end_column)
        by_cell.setdefault(cell.number, (cell, []))[1].append((start, end, edit.replacement))
    edits = []
    for cell, changes in by_cell.values():
        source = cell.source
        for start, end, new in sorted(changes, reverse=True):
            source = source[:start] + new + source[end:]
        edits.extend(_hunks(nb, *nb.source_of(cell)[1], _rewrite(nb, cell, source)))
    return replace(fix, edits=tuple(edits)) if edits else None


def _rewrite(nb: Notebook, cell: Cell, source: str) -> str:
    """The JSON of `cell`'s source value holding the new source, in the notebook's own
    layout: strings whose text is unchanged keep their exact spelling, new ones are
    written as the file writes its strings (raw non-ASCII unless it escapes them)."""
    text = nb.text
    strings, (start, end) = nb.source_of(cell)
    spelled = {json.loads(text[a:b]): text[a:b] for a, b in strings}

    def spell(value: str) -> str:  # (how the file writes non-ASCII matters only for non-ASCII text)
        return spelled.get(value) or json.dumps(value, ensure_ascii=not value.isascii() and nb.escapes_non_ascii)

    if text[start] == '"':
        new = spell(source)
    else:
        if len(strings) >= 2:
            separator = text[strings[0][1]:strings[1][0]]
        elif strings:
            separator = "," + text[start + 1:strings[0][0]]
        else:
            separator = ", "
        opening = text[start + 1:strings[0][0]] if strings else ""
        closing = text[strings[-1][1]:end - 1] if strings else ""
        new = "[" + opening + separator.join(spell(x) for x in split_lines(source)) + closing + "]"
    return new


def _hunks(nb: Notebook, start: int, end: int, new: str) -> list[Edit]:
    """`hunks` of the edit putting `new` in place of the text from `start` to `end`, computed on
    the lines that hold it: the rest of the file (outputs of any size) is never split into lines."""
    text = nb.text
    first = text.rfind("\n", 0, start) + 1
    last = text.find("\n", end)
    window = text[first:len(text) if last < 0 else last + 1]
    line, column = nb.file_offset_position(start)
    end_line, end_column = nb.file_offset_position(end)
    shift = line - 1
    return [replace(e, span=Span(e.span.line + shift, e.span.column, e.span.end_line + shift, e.span.end_column))
            for e in hunks(window, Edit(Span(1, column, end_line - shift, end_column), new))]
