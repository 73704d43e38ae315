"""TOML to position-aware Nodes.

`tomllib` decides validity and values; a small scanner then walks the (now known to be
valid) text to find where each key path is written: `[table]` and `[[array]]` headers,
dotted keys, inline tables and arrays.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from mlgreenlint.configs.nodes import MAX_DEPTH, ConfigError, LineIndex, Node
from mlgreenlint.model import Span

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_END = re.compile(r"\s*\(at end of document\)$")
_BARE_VALUE_END = re.compile(r"[,\]}#\n]|$")

Path = tuple  # tuple[str | int, ...]


class _Scanner:
    """Records [key span, value span] for every key path written in the document."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = LineIndex(text)
        self.records: dict[Path, list[Span | None]] = {}
        self.aot: dict[Path, int] = {}  # array-of-tables path -> elements seen

    def note(self, path: Path, key_span: Span | None, span: Span | None = None) -> None:
        record = self.records.setdefault(path, [key_span, span])
        if span is not None:
            record[1] = span

    def skip(self, pos: int, newlines: bool = True) -> int:
        """Skip blanks and comments (and line breaks when `newlines`)."""
        text, blanks = self.text, " \t\r\n" if newlines else " \t\r"
        while pos < len(text):
            if text[pos] in blanks:
                pos += 1
            elif text[pos] == "#":
                end = text.find("\n", pos)
                pos = len(text) if end < 0 else end
            else:
                break
        return pos

    def string_end(self, pos: int) -> int:
        text = self.text
        quote = text[pos]
        if text.startswith(quote * 3, pos):
            pos += 3
            while not text.startswith(quote * 3, pos):
                pos += 2 if quote == '"' and text[pos] == "\\" else 1
            run = 3
            while run < 5 and text[pos + run : pos + run + 1] == quote:
                run += 1  # up to two quotes of content may touch the closing delimiter
            return pos + run
        pos += 1
        while text[pos] != quote:
            pos += 2 if quote == '"' and text[pos] == "\\" else 1
        return pos + 1

    def key(self, pos: int) -> tuple[list[tuple[str, Span]], int]:
        """A dotted key at `pos`: its parts with their spans, and the offset after it."""
        text, parts = self.text, []
        while True:
            pos = self.skip(pos, newlines=False)
            if text[pos] in "\"'":
                end = self.string_end(pos)
                name = tomllib.loads(f"k = {text[pos:end]}")["k"]
            else:
                end = _BARE_KEY.match(text, pos).end()  # type: ignore[union-attr]
                name = text[pos:end]
            parts.append((name, self.lines.span(pos, end)))
            pos = self.skip(end, newlines=False)
            if text[pos : pos + 1] != ".":
                return parts, pos
            pos += 1

    def keyval(self, pos: int, table: Path, depth: int) -> int:
        """A `key = value` at `pos` inside `table`; returns the offset after the value."""
        parts, pos = self.key(pos)
        path = table
        for name, span in parts[:-1]:
            path = (*path, name)
            self.note(path, span)
        path = (*path, parts[-1][0])
        pos = self.skip(pos + 1, newlines=False)  # past "="
        start, end = pos, self.value(pos, path, depth)
        self.note(path, parts[-1][1], self.lines.span(start, end))
        return end

    def value(self, pos: int, path: Path, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise ConfigError(f"nesting deeper than {MAX_DEPTH} levels", *self.lines.position(pos))
        text = self.text
        char = text[pos]
        if char in "\"'":
            return self.string_end(pos)
        if char in "[{":
            closer, index = ("]" if char == "[" else "}"), 0
            pos = self.skip(pos + 1)
            while text[pos] != closer:
                if char == "[":
                    start, end = pos, self.value(pos, (*path, index), depth + 1)
                    self.note((*path, index), None, self.lines.span(start, end))
                    index += 1
                else:
                    end = self.keyval(pos, path, depth + 1)
                pos = self.skip(end)
                if text[pos] == ",":
                    pos = self.skip(pos + 1)
            return pos + 1
        # Numbers, booleans and dates: up to a delimiter, minus trailing blanks.
        end = _BARE_VALUE_END.search(text, pos).start()  # type: ignore[union-attr]
        return len(text[pos:end].rstrip()) + pos

    def header(self, pos: int) -> tuple[Path, int]:
        """A `[table]` or `[[array]]` header at `pos`: the table's concrete path, offset after."""
        aot = self.text.startswith("[[", pos)
        parts, end = self.key(pos + (2 if aot else 1))
        end += 2 if aot else 1
        path: Path = ()
        for number, (name, span) in enumerate(parts):
            path = (*path, name)
            if number < len(parts) - 1:
                self.note(path, span)
                if path in self.aot:  # `[[a]]` then `[a.b]`: b lives in a's last element
                    path = (*path, self.aot[path] - 1)
            elif aot:
                self.note(path, span)
                self.aot[path] = self.aot.get(path, 0) + 1
                path = (*path, self.aot[path] - 1)
                self.note(path, None)
            else:
                self.note(path, span)
                self.records[path][0] = span  # an explicit header beats an earlier mention
        return path, end

    def scan(self) -> None:
        text, table, start, last = self.text, (), 0, 0
        pos = self.skip(0)
        while pos < len(text):
            if text[pos] == "[":
                if table:
                    self.note(table, None, self.lines.span(start, last))
                start = pos
                table, pos = self.header(pos)
            else:
                pos = self.keyval(pos, table, 1)
            last = pos
            pos = self.skip(pos)
        if table:
            self.note(table, None, self.lines.span(start, last))


def _union(spans: list[Span]) -> Span | None:
    if not spans:
        return None
    first, last = min(spans), max(spans, key=lambda s: (s.end_line, s.end_column))
    return Span(first.line, first.column, last.end_line, last.end_column)


def _build(value: Any, path: Path, records: dict, fallback: Span) -> Node:
    key_span, span = records.get(path, (None, None))
    if len(path) > MAX_DEPTH:  # `[a.a.a...]` and `a.a.a... = 1` nest without brackets
        where = key_span or span or fallback
        raise ConfigError(f"nesting deeper than {MAX_DEPTH} levels", where.line, where.column)
    own = [span] if span is not None else []
    children: Any
    if isinstance(value, dict):
        children = {k: _build(v, (*path, k), records, key_span or span or fallback)
                    for k, v in value.items()}
        kind, nodes = "map", list(children.values())
    elif isinstance(value, list):
        children = [_build(v, (*path, i), records, span or key_span or fallback)
                    for i, v in enumerate(value)]
        kind, nodes = "seq", children
    else:
        kind, children, nodes = "scalar", value, []
    # A table spans its header, its keys and its sub-tables; implicit ones only the latter.
    own += [s for n in nodes for s in (n.key_span, n.span) if s is not None]
    return Node(kind, children, _union(own) or key_span or fallback, key_span, path)


def _decode_error(exc: Exception, text: str) -> ConfigError:
    line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    if line is not None and column is not None:  # Python >= 3.14
        return ConfigError(str(getattr(exc, "msg", exc)), line, column)
    message = str(exc)
    found = _POSITION.search(message)
    if found:
        return ConfigError(message[: found.start()], int(found[1]), int(found[2]))
    lines = LineIndex(text)
    return ConfigError(_END.sub("", message), *lines.position(len(text)))


def parse_toml(text: str) -> Node:
    """The TOML document as one map Node."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _decode_error(exc, text) from None
    except RecursionError:
        raise ConfigError(f"nesting deeper than {MAX_DEPTH} levels") from None
    scanner = _Scanner(text)
    scanner.scan()
    whole = scanner.lines.span(0, len(text))
    scanner.records[()] = [None, whole]
    return _build(data, (), scanner.records, whole)
