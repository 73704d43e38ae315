"""Jupyter notebooks (nbformat 4) as one Python module, with the way back to cells and JSON lines.

`read(text)` decodes the notebook with `json.loads`; code cells, masked (`magics.py`), are
joined in order into `Notebook.source`. `place` maps a line of it back to the cell (1-based
among code cells, as Jupyter shows them) and `file_position` to the line and column of the
notebook file where that text sits (inside the JSON string of the cell's `source`).

Where each source string sits in the file is found only for the cells that findings and
fixes name (most notebooks have none): `notebook_json.py`.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mlgreenlint.notebook_json import NotebookError, Source, code_sources, raw_length, walk

if TYPE_CHECKING:
    from mlgreenlint import magics

SUFFIX = ".ipynb"
#: A notebook may be this many times `max-file-size`: outputs (plots, logs) are not code
#: and cost one JSON decode, so a notebook is not skipped for the size of its outputs.
OUTPUT_ALLOWANCE = 32
_LINES = re.compile(r"[^\n]*\n|[^\n]+$")


@dataclass
class Cell:
    """One code cell: its number, source as written and masked lines."""

    number: int
    source: str
    masked: magics.Masked = field(repr=False, default=None)  # type: ignore[assignment]
    #: First line of the cell in the joined module (1-based).
    first: int = 1

    @functools.cached_property
    def lines(self) -> list[str]:
        return split_lines(self.source)

    def offset(self, line: int, column: int) -> int:
        """The offset in `source` of a (line, column) of the cell, 1-based, kept inside the source."""
        return min(max(sum(len(x) for x in self.lines[: line - 1]) + column - 1, 0), len(self.source))

    def body(self, blank: bool = False) -> str:
        """The masked source (only its line breaks when `blank`) as it goes into the module:
        one line per line of the cell, the last one ended, so the next cell starts on its own line."""
        body = "" if blank else "".join(self.masked.lines)
        return body + "\n" * (len(self.masked.lines) - body.count("\n"))


@dataclass
class Notebook:
    text: str
    cells: list[Cell]
    #: The code cells joined into one module; each cell ends with a newline.
    source: str = ""
    #: The notebook's `%pip install` / `!pip install` and other shell commands: (joined line, command).
    shell: list[tuple[int, str]] = field(default_factory=list)
    #: The kernel's language as the metadata names it (`python` when it names none).
    language: str = "python"
    #: (offset, line, start of that line) of positions already asked for, sorted: a finding's
    #: position counts line breaks from the nearest one, not from the top of a file whose
    #: outputs may be megabytes.
    _known: list[tuple[int, int, int]] = field(default_factory=lambda: [(0, 1, 0)], repr=False)

    #: Which cells of the document are code cells, in order.
    _code: list[bool] = field(default_factory=list, repr=False)
    #: Where the code cells' sources sit, by cell number, as far as they were asked for.
    _sources: dict[int, Source] = field(default_factory=dict, repr=False)

    def locate(self, numbers: Iterable[int]) -> None:
        """Find where these code cells' sources sit, in one walk through the text (`placed`
        names every cell its findings and fixes need: each walk is one pass over the outputs)."""
        missing = set(numbers).difference(self._sources)
        if missing:
            self._sources.update(walk(self.text, self._code, missing))

    def source_of(self, cell: Cell) -> Source:
        """The offsets in the notebook text of a code cell's `source` value and of its strings."""
        self.locate((cell.number,))
        return self._sources[cell.number]

    @functools.cached_property
    def escapes_non_ascii(self) -> bool:
        """The file writes non-ASCII characters as `\\u` escapes (json.dump's default)."""
        return self.text.isascii() and "\\u" in self.text

    def place(self, line: int) -> tuple[Cell, int]:
        """The cell holding a line of the joined module, and the line inside it (1-based)."""
        index = max(0, bisect.bisect_right([c.first for c in self.cells], line) - 1)
        cell = self.cells[index]
        return cell, line - cell.first + 1

    def file_offset_position(self, offset: int) -> tuple[int, int]:
        """The notebook file's (line, column), 1-based, of an offset in its text."""
        text, known = self.text, self._known
        index = bisect.bisect_right(known, (offset, float("inf")))
        before, line, start = known[index - 1]
        if index < len(known) and known[index][0] - offset < offset - before:  # the next one is nearer
            after, after_line, _ = known[index]
            line, start = after_line - text.count("\n", offset, after), text.rfind("\n", 0, offset) + 1
        else:
            breaks = text.count("\n", before, offset)
            if breaks:
                line, start = line + breaks, text.rfind("\n", before, offset) + 1
        known.insert(index, (offset, line, start))
        return line, offset - start + 1

    def file_position(self, cell: Cell, line: int, column: int) -> tuple[int, int]:
        """The notebook file's (line, column), 1-based, of a cell's (line, column)."""
        offset = cell.offset(line, column)
        # Find the JSON string holding the offset and the raw characters that spell it.
        strings, value = self.source_of(cell)
        before = 0
        for start, end in strings:
            decoded = json.loads(self.text[start:end])
            if offset <= before + len(decoded) and (offset < before + len(decoded) or (start, end) == strings[-1]):
                raw = start + 1 + raw_length(self.text, start + 1, offset - before)
                return self.file_offset_position(raw)
            before += len(decoded)
        return self.file_offset_position(strings[-1][0] if strings else value[0])


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split at `\\n` as the engine's positions count them."""
    return _LINES.findall(text)


def read(text: str) -> Notebook:
    """The notebook's code cells, masked and joined; NotebookError for anything else."""
    from mlgreenlint import magics

    try:
        top = json.loads(text)
        sources = code_sources(top.get("cells", []) if isinstance(top, dict) else None)
    except (ValueError, RecursionError):
        sources = None
    if sources is None:
        walk(text)  # steps through the text to say where it is wrong
        raise NotebookError("not a notebook")  # not reached: what json.loads refuses, the walk refuses
    if top.get("nbformat") != 4:
        raise NotebookError(f"not an nbformat 4 notebook (nbformat is {top.get('nbformat')!r})")
    cells = [Cell(number, source) for number, source in enumerate((s for s in sources if s is not None), 1)]
    notebook = Notebook(text, cells, language=_language(top.get("metadata")),
                        _code=[source is not None for source in sources])
    parts: list[str] = []
    first = 1
    for cell in cells:
        lines = cell.lines
        cell.masked = magics.mask(lines)
        cell.first = first
        parts.append(cell.body())
        notebook.shell.extend((first + i, command) for i, command in cell.masked.shell)
        first += len(lines)
    notebook.source = "".join(parts)
    return notebook


def is_notebook(path: str) -> bool:
    return path.endswith(SUFFIX)


def size_limit(path: str, max_file_size: int) -> int:
    """The most bytes of a file read for linting: `max-file-size`, more for a notebook's outputs."""
    return max_file_size * OUTPUT_ALLOWANCE if is_notebook(path) else max_file_size


def _language(metadata: object) -> str:
    """The kernel language: `language_info.name`, else `kernelspec.language`, else python."""
    if isinstance(metadata, dict):
        for key, field_name in (("language_info", "name"), ("kernelspec", "language")):
            section = metadata.get(key)
            if isinstance(section, dict) and isinstance(section.get(field_name), str) and section[field_name]:
                return section[field_name]
    return "python"
