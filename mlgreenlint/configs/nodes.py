"""The words every config reader shares: `Node`, `LineIndex`, `ConfigError` and the limits.

A leaf: the format readers (jsondoc, yamldoc, tomldoc) and `document`, which picks one,
import it, so no reader imports the module that dispatches to it.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mlgreenlint.model import Span

#: File size the caller should refuse to parse (not enforced here).
MAX_BYTES = 2 * 1024 * 1024
#: Deepest nesting of mappings and sequences accepted in any format.
MAX_DEPTH = 256
#: Nodes that YAML aliases may add to a file once expanded (bounds "billion laughs").
MAX_ALIAS_NODES = 100_000


class ConfigError(Exception):
    """A document that cannot be read, with the parser's 1-based position."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(f"{message} (line {line}, column {column})")
        self.message = message
        self.line = line
        self.column = column


@dataclass(eq=False)
class Node:
    """One value of a config document.

    `value` is a `dict` of key -> Node for "map", a `list` of Node for "seq", and a
    plain Python value for "scalar". YAML aliases share the anchored node's children,
    so a child's `path` is the one where it was written.
    """

    kind: str
    value: Any
    span: Span
    key_span: Span | None = None
    path: tuple[str | int, ...] = ()

    def get(self, key: Any) -> Node | None:
        """The child under `key` (a mapping key or a sequence index), or None."""
        if self.kind == "map":
            try:
                return self.value.get(key)
            except TypeError:  # unhashable key
                return None
        if self.kind == "seq" and isinstance(key, int) and not isinstance(key, bool):
            return self.value[key] if -len(self.value) <= key < len(self.value) else None
        return None

    def anchor_span(self) -> Span:
        """Where a finding on this node is reported: its key if it has one."""
        return self.key_span if self.key_span is not None else self.span

    def plain(self) -> Any:
        """The document as plain Python data (aliased subtrees shared, as PyYAML does)."""
        return _plain(self, {})

    def walk(self) -> Iterator[Node]:
        """This node and every node below it, depth first, each node object once."""
        seen: set[int] = set()
        stack = [self]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            yield node
            if node.kind == "map":
                stack.extend(reversed(list(node.value.values())))
            elif node.kind == "seq":
                stack.extend(reversed(node.value))


def _plain(node: Node, memo: dict[int, Any]) -> Any:
    if node.kind == "scalar":
        return node.value
    # Key on the shared children container so alias wrappers map to one object.
    key = id(node.value)
    if key in memo:
        return memo[key]
    if node.kind == "map":
        out: Any = {}
        memo[key] = out
        for k, child in node.value.items():
            out[k] = _plain(child, memo)
    else:
        out = []
        memo[key] = out
        out.extend(_plain(child, memo) for child in node.value)
    return out


class LineIndex:
    """Maps a character offset to a 1-based (line, column); lines end at '\\n'."""

    def __init__(self, text: str) -> None:
        self.starts = [0]
        find = text.find
        i = find("\n")
        while i >= 0:
            self.starts.append(i + 1)
            i = find("\n", i + 1)

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1

    def span(self, start: int, end: int) -> Span:
        return Span(*self.position(start), *self.position(end))
