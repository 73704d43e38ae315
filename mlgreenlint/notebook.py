"""Jupyter notebooks (nbformat 4) as one Python module, with the way back to cells and JSON lines.

`read(text)` decodes the notebook with `json.loads`; code cells, masked (`magics.py`), are
joined in order into `Notebook.source`. `place` maps a line of it back to the cell (1-based
among code cells, as Jupyter shows them) and `file_position` to the line and column of the
notebook file where that text sits (inside the JSON string of the cell's `source`).

Where each source string sits in the file is found only for the cells that findings and
fixes name (most notebooks have none), by stepping through the JSON text in Python: each
value is decoded by the C decoder (`raw_decode`), and only the members of those cells are
stepped through, so outputs and other cells cost one more decode. The same walk reads a
document that `json.loads` or the cell checks refuse, to say at which line and column it is wrong.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlgreenlint import magics

SUFFIX = ".ipynb"
#: A notebook may be this many times `max-file-size`: outputs (plots, logs) are not code
#: and cost one JSON decode, so a notebook is not skipped for the size of its outputs.
OUTPUT_ALLOWANCE = 32
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_LINES = re.compile(r"[^\n]*\n|[^\n]+$")
_DECODER = json.JSONDecoder()


#: Where a code cell's `source` sits in the notebook text: the (start, end) offsets of each of
#: its JSON strings, and of the whole value (a list or one string).
Source = tuple[list[tuple[int, int]], tuple[int, int]]


class NotebookError(ValueError):
    """Not a notebook this tool reads, with the line and column of the file at fault."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.line, self.column = line, column


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
        """Find where these code cells' sources sit, in one walk through the text: each
        position or fix asks `source_of`, and each walk costs one decode of every output."""
        missing = set(numbers).difference(self._sources)
        if missing:
            self._sources.update(_walk(self.text, self._code, missing))

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
        lines = cell.lines
        offset = sum(len(x) for x in lines[: line - 1]) + column - 1
        offset = min(max(offset, 0), len(cell.source))
        # Find the JSON string holding the offset and the raw characters that spell it.
        strings, value = self.source_of(cell)
        before = 0
        for start, end in strings:
            decoded = _DECODER.raw_decode(self.text, start)[0]
            if offset <= before + len(decoded) and (offset < before + len(decoded) or (start, end) == strings[-1]):
                raw = start + 1 + _raw_length(self.text, start + 1, offset - before)
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
        sources = _code_sources(top.get("cells", []) if isinstance(top, dict) else None)
    except (ValueError, RecursionError):
        sources = None
    if sources is None:
        _walk(text)  # steps through the text to say where it is wrong
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


def _code_sources(cells: object) -> list[str | None] | None:
    """For each cell of a decoded `cells` list, its source when it is a code cell, else None;
    None when the list is not one of nbformat cells (not a list, a cell not an object, a
    code cell without a source made of strings)."""
    if not isinstance(cells, list):
        return None
    out: list[str | None] = []
    for cell in cells:
        if not isinstance(cell, dict):
            return None
        if cell.get("cell_type") != "code":
            out.append(None)
            continue
        source = cell.get("source")
        if isinstance(source, list) and all(isinstance(x, str) for x in source):
            source = "".join(source)
        if not isinstance(source, str):
            return None
        out.append(source)
    return out


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


def _walk(text: str, code: list[bool] | None = None, wanted: Collection[int] = ()) -> dict[int, Source]:
    """Where the sources of the `wanted` code cells (numbered from 1) sit in the JSON text.
    `code`: which cells are code cells, as `read` decoded them; None to check each cell and
    raise NotebookError, at its line and column, where the text is not a notebook's JSON."""
    found: dict[int, Source] = {}
    # A large notebook is mostly outputs: values json.loads has checked are stepped over by
    # searching for where they end, which for a long string costs far less than decoding it.
    over = _end_of_checked if code is not None and len(text) > UNDECODED else _end_of

    def member(key: str, start: int) -> int:
        if key != "cells":
            return over(text, start)
        found.clear()  # of duplicated keys the last one counts, as for json.loads
        return _cells(text, start, code, wanted, found, over)

    try:
        i = _skip(text, 0)
        if text[i:i + 1] != "{":
            raise NotebookError("not a notebook: the file is not a JSON object", *_line_column(text, i))
        end = _skip(text, _object(text, i, member))
        if end != len(text):
            raise json.JSONDecodeError("Extra data", text, end)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise NotebookError("invalid JSON: nesting too deep") from None
    return found


def _object(text: str, i: int, member) -> int:
    """Step through the object at `i`: `member(key, value offset)` consumes each value and
    returns its end; returns the offset after the closing brace."""
    i = _skip(text, i + 1)
    if text[i:i + 1] == "}":
        return i + 1
    while True:
        if text[i:i + 1] != '"':
            raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, i)
        key, i = _DECODER.raw_decode(text, i)
        i = _skip(text, i)
        if text[i:i + 1] != ":":
            raise json.JSONDecodeError("Expecting ':' delimiter", text, i)
        i = _skip(text, member(key, _skip(text, i + 1)))
        if text[i:i + 1] == "}":
            return i + 1
        if text[i:i + 1] != ",":
            raise json.JSONDecodeError("Expecting ',' delimiter", text, i)
        i = _skip(text, i + 1)


def _array(text: str, i: int, item) -> int:
    """Step through the array at `i`: `item(offset)` consumes each element and returns its end."""
    i = _skip(text, i + 1)
    if text[i:i + 1] == "]":
        return i + 1
    while True:
        i = _skip(text, item(i))
        if text[i:i + 1] == "]":
            return i + 1
        if text[i:i + 1] != ",":
            raise json.JSONDecodeError("Expecting ',' delimiter", text, i)
        i = _skip(text, i + 1)


def _cells(text: str, start: int, code: list[bool] | None, wanted: Collection[int],
           found: dict[int, Source], over) -> int:
    """Step through the `cells` list at `start`, adding where the wanted code cells' sources
    sit to `found`; returns the offset after it. With `code` known, every other cell, and
    each member of a wanted cell but its source, is stepped `over` (as is an earlier
    duplicate `cells` that is no list, or a cell of it that is no object); else each cell is
    decoded member by member to say where it is wrong."""
    if text[start:start + 1] != "[":
        if code is not None:
            return over(text, start)
        raise NotebookError("not a notebook: `cells` is not a list", *_line_column(text, start))
    seen = number = 0

    def cell(at: int) -> int:
        nonlocal seen, number
        seen += 1
        if code is not None:
            is_code = seen <= len(code) and code[seen - 1]
            number += is_code
            if not is_code or number not in wanted or text[at:at + 1] != "{":
                return over(text, at)
            _, source, end = _cell(text, at, over)
            if source is not None and source[0] is not None:
                found[number] = source[1], source[2]
            return end
        fields, source, end = _cell(text, at)
        if fields.get("cell_type") == "code":
            number += 1
            if source is None:
                raise NotebookError(f"code cell {number} has no source", *_line_column(text, at))
            if source[0] is None:
                raise NotebookError(f"the source of code cell {number} is not a string or a list of strings",
                                    *_line_column(text, source[2][0]))
        return end

    return _array(text, start, cell)


def _cell(text: str, at: int, over=None) -> tuple[dict, tuple | None, int]:
    """Step through the cell object at `at`: (its members but `source`, decoded unless they
    are stepped `over`; what `_source` says of its source or None when it has none; the
    offset after it)."""
    if text[at:at + 1] != "{":
        raise NotebookError("not a notebook: a cell is not a JSON object", *_line_column(text, at))
    fields: dict = {}
    source = None

    def member(key: str, value: int) -> int:
        nonlocal source
        if key == "source":
            source = _source(text, value)
            return source[2][1]
        if over is not None:
            return over(text, value)
        fields[key], end = _DECODER.raw_decode(text, value)
        return end

    end = _object(text, at, member)
    return fields, source, end


def _end_of(text: str, at: int) -> int:
    """The offset after the JSON value at `at`, by decoding it."""
    return _DECODER.raw_decode(text, at)[1]


#: Over this many characters a notebook's checked values are stepped over without decoding:
#: on the benchmark's notebook tree that is faster for its 19 notebooks over 1 MiB (44 against
#: 106 ms) and slower for smaller ones, whose outputs are many short strings.
UNDECODED = 1 << 20
_STRING_OR_BRACKET = re.compile(r'["\[\]{}]')


def _end_of_checked(text: str, at: int) -> int:
    """The offset after the JSON value at `at` of a text json.loads accepted: its strings and
    brackets are found by searching, and nothing is decoded."""
    if text[at] == '"':
        return _string_end(text, at)
    if text[at] not in "[{":
        return _DECODER.raw_decode(text, at)[1]  # a number, true, false or null
    depth, i = 0, at
    search = _STRING_OR_BRACKET.search
    while True:
        j = search(text, i).start()
        char = text[j]
        if char == '"':
            i = _string_end(text, j)
            continue
        i = j + 1
        depth += 1 if char in "[{" else -1
        if depth == 0:
            return i


def _string_end(text: str, at: int) -> int:
    """The offset after the checked JSON string that opens at `at`."""
    j = text.find('"', at + 1)
    while text[j - 1] == "\\":
        k = j - 2
        while text[k] == "\\":
            k -= 1
        if (j - 1 - k) % 2 == 0:  # an even run of backslashes escapes itself, not the quote
            break
        j = text.find('"', j + 1)
    return j + 1


def _source(text: str, at: int) -> tuple[str | None, list[tuple[int, int]], tuple[int, int]]:
    """(decoded source or None when not strings, string offsets, value offsets) of a cell's source."""
    if text[at:at + 1] == '"':
        value, end = _DECODER.raw_decode(text, at)
        return value, [(at, end)], (at, end)
    if text[at:at + 1] != "[":
        end = _DECODER.raw_decode(text, at)[1]
        return None, [], (at, end)
    parts: list[str] = []
    strings: list[tuple[int, int]] = []
    wrong = []

    def element(i: int) -> int:
        value, end = _DECODER.raw_decode(text, i)
        if isinstance(value, str):
            parts.append(value)
            strings.append((i, end))
        else:
            wrong.append(i)
        return end

    end = _array(text, at, element)
    return (None if wrong else "".join(parts)), strings, (at, end)


def _skip(text: str, i: int) -> int:
    return _WHITESPACE.match(text, i).end()


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


_ESCAPE = re.compile(r'\\u[0-9a-fA-F]{4}|\\.|[^\\]', re.DOTALL)


def _raw_length(text: str, start: int, decoded: int) -> int:
    """How many characters of the JSON string body at `start` spell its first `decoded` characters."""
    i = start
    count = 0
    while count < decoded:
        m = _ESCAPE.match(text, i)
        if m is None or text[i] == '"':
            break
        token = m.group()
        if token.startswith("\\u") and 0xD800 <= int(token[2:], 16) < 0xDC00 and text.startswith("\\u", m.end()):
            i = m.end() + 6  # a surrogate pair spells one character
        else:
            i = m.end()
        count += 1
    return i - start
