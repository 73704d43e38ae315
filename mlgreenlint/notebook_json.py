"""Where a notebook's code cells sit in its JSON text, and what is wrong with a text that is not a notebook.

`notebook.read` decodes with `json.loads` and checks the cells on the decoded value
(`code_sources`). Only for the cells that findings and fixes name, `walk` steps through the
text in Python to find where their `source` strings sit: each value is decoded by the C
decoder (`raw_decode`), and only the members of those cells are stepped through, so outputs
and other cells cost one more decode (over `UNDECODED` characters, a search for their end
instead). The same walk reads a document that `json.loads` or the cell checks refuse, to
say at which line and column it is wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


#: Where a code cell's `source` sits in the notebook text: the (start, end) offsets of each of
#: its JSON strings, and of the whole value (a list or one string).
Source = tuple[list[tuple[int, int]], tuple[int, int]]


class NotebookError(ValueError):
    """Not a notebook this tool reads, with the line and column of the file at fault."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.line, self.column = line, column


def code_sources(cells: object) -> list[str | None] | None:
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


def walk(text: str, code: list[bool] | None = None, wanted: Collection[int] = ()) -> dict[int, Source]:
    """Where the sources of the `wanted` code cells (numbered from 1) sit in the JSON text.
    `code`: which cells are code cells, as `notebook.read` decoded them; None to check each cell and
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


def raw_length(text: str, start: int, decoded: int) -> int:
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
