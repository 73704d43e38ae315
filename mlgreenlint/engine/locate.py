"""Positions of the libcst nodes a file's findings point at.

The one module that relies on libcst internals: it drives `Module._codegen` with a
`PositionProvidingCodegenState` (what `PositionProvider` does) and stops as soon as the
last wanted node is placed, instead of computing every node's position through a
`MetadataWrapper` (which also deep-copies the tree). `tests/test_locate.py` pins the
libcst versions this is known to work with, and pyproject.toml bounds libcst above them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import libcst as cst
from libcst.metadata import CodePosition, CodeRange
from libcst.metadata.position_provider import PositionProvidingCodegenState

from mlgreenlint.model import Span
from mlgreenlint.python.bindings import walk

if TYPE_CHECKING:
    import ast

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
#: libcst releases (major, minor) tests/test_positions.py passed with (1.1 to 1.9, checked one by one).
KNOWN_LIBCST = tuple((1, minor) for minor in range(1, 10))


def locator(module, text: str, tree: ast.Module | None = None) -> Callable[[list], Callable[[object], Span]]:
    """nodes -> (node -> Span), for the nodes of one file's findings; `text` is the module's
    source, `tree` CPython's tree of it when the screen parsed it (see `positions_of`).

    Positions cost a codegen pass over the module; it runs once, only for files with
    findings, and stops as soon as the last wanted node is done. `Span` nodes (config
    positions) pass through unlocated, and the module itself (the target of a fix that
    rewrites the whole file) spans the whole text, which needs no codegen at all.
    """

    def locate_all(nodes: list) -> Callable[[object], Span]:
        wanted = [n for n in nodes if not isinstance(n, Span) and n is not module]
        positions = positions_of(module, wanted, tree) if wanted else {}
        if any(n is module for n in nodes):
            positions[module] = _whole(text)

        def locate(node) -> Span:
            r = positions[node]
            return r if isinstance(r, Span) else Span(r.start.line, r.start.column + 1, r.end.line, r.end.column + 1)

        return locate

    return locate_all


def _whole(text: str) -> Span:
    """libcst's position of a module: up to the start of the line after its last line break."""
    return Span(1, 1, len(_LINE_BREAK.findall(text)) + (1 if not text or text.endswith(("\n", "\r")) else 2), 1)


class _Located(Exception):
    """Every wanted node has its position: the rest of the codegen is not needed."""


def positions_of(module, nodes: list, tree: ast.Module | None = None) -> dict:
    """libcst's PositionProvider positions of `nodes`, computed by the same codegen state.

    With CPython's `tree` of the same text, only the top-level statements that hold a wanted
    node are generated, each from the line CPython gives its first statement: a notebook's
    cells or a flat script are many top-level statements, and a finding deep in the file no
    longer costs the codegen of everything above it. Nodes it cannot place that way (outside
    the statements, or statements that do not line up with CPython's) get the whole-module pass.
    """
    wanted = set(nodes)
    if not wanted:
        return {}
    starts = _statement_lines(module, tree) if tree is not None else None
    if starts is None:
        return _generated(module, module, wanted)
    out: dict = {}
    for statement, line in zip(module.body, starts):
        inside = {n for n in walk(statement) if n in wanted}
        if not inside:
            continue
        wanted -= inside
        anchor = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) else statement
        found = _generated(module, statement, inside | {anchor})
        shift = line - found[anchor].start.line
        for node in inside:
            r = found[node]
            out[node] = CodeRange(CodePosition(r.start.line + shift, r.start.column),
                                  CodePosition(r.end.line + shift, r.end.column))
        if not wanted:
            return out
    return {**_generated(module, module, wanted), **out}


def _statement_lines(module, tree: ast.Module) -> list[int] | None:
    """The line of each top-level statement's first statement, from CPython's tree (a line
    of `a; b` is two statements there), or None when the two trees do not line up."""
    body = tree.body
    lines, i = [], 0
    for statement in module.body:
        if i >= len(body):
            return None
        lines.append(body[i].lineno)
        i += len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
    return lines if i == len(body) else None


def _generated(module, root, wanted: set) -> dict:
    """Positions of `wanted` from a codegen of `root` (the module, or one of its top-level
    statements generated from line 1) that stops once every wanted node is placed."""

    class Recorder:
        _computed: dict = {}

    class State(PositionProvidingCodegenState):
        def after_codegen(self, node) -> None:
            super().after_codegen(node)
            if node in wanted:
                wanted.discard(node)
                if not wanted:
                    raise _Located

    wanted = set(wanted)
    recorder = Recorder()
    recorder._computed = {}
    try:
        root._codegen(State(default_indent=module.default_indent, default_newline=module.default_newline,
                            provider=recorder))
    except Exception:
        # Unwinding from _Located runs the state's pending `finally` blocks, which may
        # fail on positions never computed; the wanted ones are all recorded by then.
        if wanted:
            raise
    return recorder._computed
