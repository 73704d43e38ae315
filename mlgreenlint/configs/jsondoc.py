"""JSON to position-aware Nodes: accepts exactly what `json.loads` accepts.

Strings go through the stdlib's own `scanstring` and numbers through the same pattern
and conversions as `json.loads`; structure is parsed with an explicit stack so deep
nesting is a ConfigError, not a RecursionError. Unlike `json.loads`, duplicate keys
are an error (the stdlib silently keeps the last one).
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]  # the stdlib's own
from typing import Any

from mlgreenlint.configs.nodes import MAX_DEPTH, ConfigError, LineIndex, Node
from mlgreenlint.model import Span

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_CONSTANTS = (
    ("null", None), ("true", True), ("false", False),
    ("NaN", float("nan")), ("Infinity", float("inf")), ("-Infinity", float("-inf")),
)
_CLOSER = {"map": "}", "seq": "]"}


class _Frame:
    __slots__ = ("kind", "start", "path", "items", "key", "key_span")

    def __init__(self, kind: str, start: tuple[int, int], path: tuple) -> None:
        self.kind = kind
        self.start = start
        self.path = path
        self.items: Any = {} if kind == "map" else []
        self.key: str | None = None
        self.key_span: Span | None = None


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = LineIndex(text)
        self.line = 0  # cursor into lines.starts: offsets are converted in increasing order

    def at(self, pos: int) -> tuple[int, int]:
        starts, line = self.lines.starts, self.line
        last = len(starts) - 1
        while line < last and starts[line + 1] <= pos:
            line += 1
        self.line = line
        return line + 1, pos - starts[line] + 1

    def span(self, start: int, end: int) -> Span:
        return Span(*self.at(start), *self.at(end))

    def error(self, message: str, pos: int) -> ConfigError:
        return ConfigError(message, *self.lines.position(pos))

    def string(self, pos: int) -> tuple[str, int]:
        """The string whose opening quote is at `pos`, and the offset after it."""
        try:
            return scanstring(self.text, pos + 1, True)
        except json.JSONDecodeError as exc:
            raise self.error(exc.msg, exc.pos) from None

    def key(self, frame: _Frame, pos: int) -> int:
        """Read `"key" :` at `pos` into `frame`; return where the value starts."""
        text = self.text
        if text[pos : pos + 1] != '"':
            raise self.error("Expecting property name enclosed in double quotes", pos)
        key, end = self.string(pos)
        if key in frame.items:
            raise self.error(f"duplicate key {key!r}", pos)
        frame.key, frame.key_span = key, self.span(pos, end)
        pos = _WS.match(text, end).end()  # type: ignore[union-attr]
        if text[pos : pos + 1] != ":":
            raise self.error("Expecting ':' delimiter", pos)
        return _WS.match(text, pos + 1).end()  # type: ignore[union-attr]

    def scalar(self, pos: int) -> tuple[Any, int]:
        text = self.text
        if text[pos : pos + 1] == '"':
            return self.string(pos)
        match = _NUMBER.match(text, pos)
        if match is not None:
            integer, frac, exp = match.groups()
            try:
                if frac or exp:
                    return float(integer + (frac or "") + (exp or "")), match.end()
                return int(integer), match.end()
            except ValueError as exc:  # more digits than int() accepts, as json.loads
                raise self.error(str(exc), pos) from None
        for word, value in _CONSTANTS:
            if text.startswith(word, pos):
                return value, pos + len(word)
        raise self.error("Expecting value", pos)

    def parse(self) -> Node:
        text, ws = self.text, _WS.match
        if text.startswith("\ufeff"):
            raise self.error("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0)
        stack: list[_Frame] = []
        pos = ws(text, 0).end()  # type: ignore[union-attr]
        node: Node | None = None
        while True:
            top = stack[-1] if stack else None
            if top is None:
                path: tuple = ()
            elif top.kind == "map":
                path = (*top.path, top.key)
            else:
                path = (*top.path, len(top.items))
            char = text[pos : pos + 1]
            if char == "{" or char == "[":  # open a container, then read its first key
                if len(stack) >= MAX_DEPTH:
                    raise self.error(f"nesting deeper than {MAX_DEPTH} levels", pos)
                frame = _Frame("map" if char == "{" else "seq", self.at(pos), path)
                stack.append(frame)
                pos = ws(text, pos + 1).end()  # type: ignore[union-attr]
                if text[pos : pos + 1] != _CLOSER[frame.kind]:
                    if char == "{":
                        pos = self.key(frame, pos)
                    continue
                node = None
            else:
                value, end = self.scalar(pos)
                node = Node("scalar", value, self.span(pos, end), None, path)
                pos = ws(text, end).end()  # type: ignore[union-attr]
            # Close containers until one expects another item.
            while stack:
                frame = stack[-1]
                if node is not None:
                    if frame.kind == "map":
                        node.key_span = frame.key_span
                        frame.items[frame.key] = node
                    else:
                        frame.items.append(node)
                char = text[pos : pos + 1]
                if char == ",":
                    pos = ws(text, pos + 1).end()  # type: ignore[union-attr]
                    if frame.kind == "map":
                        pos = self.key(frame, pos)
                    break
                if char != _CLOSER[frame.kind]:
                    raise self.error("Expecting ',' delimiter", pos)
                stack.pop()
                span = Span(*frame.start, *self.at(pos + 1))
                node = Node(frame.kind, frame.items, span, None, frame.path)
                pos = ws(text, pos + 1).end()  # type: ignore[union-attr]
            if not stack:
                break
        if pos != len(text):
            raise self.error("Extra data", pos)
        assert node is not None
        return node


def parse_json(text: str) -> Node:
    """The single JSON value in `text`."""
    return _Parser(text).parse()
