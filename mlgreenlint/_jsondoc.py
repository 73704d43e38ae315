"""JSON to position-aware Nodes: accepts exactly what `json.loads` accepts.

Strings go through the stdlib's own `scanstring` and numbers through the same pattern
and conversions as `json.loads`; structure is parsed with an explicit stack so deep
nesting is a ConfigError, not a RecursionError. Unlike `json.loads`, duplicate keys
are an error (the stdlib silently keeps the last one).
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring
from typing import Any

from mlgreenlint.configdoc import MAX_DEPTH, ConfigError, LineIndex, Node

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_CONSTANTS = {
    "null": None, "true": True, "false": False,
    "NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf"),
}


class _Frame:
    __slots__ = ("kind", "start", "path", "items", "key", "key_span")

    def __init__(self, kind: str, start: int, path: tuple) -> None:
        self.kind = kind
        self.start = start
        self.path = path
        self.items: Any = {} if kind == "map" else []
        self.key: str | None = None
        self.key_span: Any = None


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = LineIndex(text)

    def error(self, message: str, pos: int) -> ConfigError:
        return ConfigError(message, *self.lines.position(pos))

    def ws(self, pos: int) -> int:
        return _WS.match(self.text, pos).end()  # type: ignore[union-attr]

    def string(self, pos: int) -> tuple[str, int]:
        """The string whose opening quote is at `pos`, and the offset after it."""
        try:
            return scanstring(self.text, pos + 1, True)
        except json.JSONDecodeError as exc:
            raise self.error(exc.msg, exc.pos) from None

    def key(self, frame: _Frame, pos: int) -> int:
        """Read `"key" :` at `pos` into `frame`; return where the value starts."""
        if self.text[pos : pos + 1] != '"':
            raise self.error("Expecting property name enclosed in double quotes", pos)
        key, end = self.string(pos)
        if key in frame.items:
            raise self.error(f"duplicate key {key!r}", pos)
        frame.key, frame.key_span = key, self.lines.span(pos, end)
        pos = self.ws(end)
        if self.text[pos : pos + 1] != ":":
            raise self.error("Expecting ':' delimiter", pos)
        return self.ws(pos + 1)

    def scalar(self, pos: int) -> tuple[Any, int]:
        text = self.text
        char = text[pos : pos + 1]
        if char == '"':
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
        for word, value in _CONSTANTS.items():
            if text.startswith(word, pos):
                return value, pos + len(word)
        raise self.error("Expecting value", pos)

    def parse(self) -> Node:
        text, ws = self.text, self.ws
        if text.startswith("\ufeff"):
            raise self.error("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0)
        stack: list[_Frame] = []
        pos = ws(0)
        while True:
            path = _child_path(stack)
            char = text[pos : pos + 1]
            if char in ("{", "["):  # open a container, then read its first key or value
                if len(stack) >= MAX_DEPTH:
                    raise self.error(f"nesting deeper than {MAX_DEPTH} levels", pos)
                frame = _Frame("map" if char == "{" else "seq", pos, path)
                stack.append(frame)
                pos = ws(pos + 1)
                if text[pos : pos + 1] != ("}" if char == "{" else "]"):
                    if char == "{":
                        pos = self.key(frame, pos)
                    continue
                node = None
            else:
                value, end = self.scalar(pos)
                node = Node("scalar", value, self.lines.span(pos, end), path=path)
                pos = ws(end)
            # Close containers until one expects another item.
            while stack:
                frame = stack[-1]
                if node is not None:
                    _add(frame, node)
                closer = "}" if frame.kind == "map" else "]"
                char = text[pos : pos + 1]
                if char == ",":
                    pos = ws(pos + 1)
                    if frame.kind == "map":
                        pos = self.key(frame, pos)
                    break
                if char != closer:
                    raise self.error("Expecting ',' delimiter", pos)
                stack.pop()
                node = Node(frame.kind, frame.items, self.lines.span(frame.start, pos + 1),
                            path=frame.path)
                pos = ws(pos + 1)
            if not stack:
                break
        if pos != len(text):
            raise self.error("Extra data", pos)
        assert node is not None
        return node


def _child_path(stack: list[_Frame]) -> tuple:
    if not stack:
        return ()
    frame = stack[-1]
    if frame.kind == "map":
        return (*frame.path, frame.key)
    return (*frame.path, len(frame.items))


def _add(frame: _Frame, node: Node) -> None:
    if frame.kind == "map":
        node.key_span = frame.key_span
        frame.items[frame.key] = node
    else:
        frame.items.append(node)


def parse_json(text: str) -> Node:
    """The single JSON value in `text`."""
    return _Parser(text).parse()
