"""YAML to position-aware Nodes, composed from PyYAML's parser events.

We compose from events rather than with `yaml.compose_all` because the composed graph
forgets where each alias was written; from events an alias gets its own node (its own
span and key) sharing the anchored node's children, and expansion is counted as we go.
"""

from __future__ import annotations

from typing import Any

import yaml

from mlgreenlint.configs.nodes import MAX_ALIAS_NODES, MAX_DEPTH, ConfigError, Node
from mlgreenlint.model import Span

LOADER: type = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader

_MERGE = "tag:yaml.org,2002:merge"
_SCALAR_TAGS = {
    f"tag:yaml.org,2002:{name}"
    for name in ("null", "bool", "int", "float", "binary", "timestamp", "str")
}
_PENDING = object()  # an anchor whose collection is still open


def _span(start: Any, end: Any) -> Span:
    return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


def _error(message: str, mark: Any) -> ConfigError:
    return ConfigError(message, mark.line + 1, mark.column + 1)


class _Frame:
    """An open mapping or sequence while its events arrive."""

    __slots__ = ("kind", "start", "anchor", "flow", "path", "items", "key", "key_merge",
                 "merges", "seen", "size", "end")

    def __init__(self, kind: str, event: Any, path: tuple) -> None:
        self.kind = kind
        self.start = event.start_mark
        self.anchor = event.anchor
        self.flow = bool(event.flow_style)
        self.path = path
        self.items: list[Any] = []  # seq: Nodes; map: (key, Node) pairs
        self.key: Node | None = None
        self.key_merge = False
        self.merges: list[Node] = []
        self.seen: set[Any] = set()
        self.size = 1
        self.end = event.end_mark


class _Composer:
    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.anchors: dict[str, Any] = {}  # name -> _PENDING or (Node, expanded size)
        self.alias_nodes = 0

    def document(self) -> Node:
        stack: list[_Frame] = []
        get_event = self.loader.get_event
        while True:
            event = get_event()
            is_merge = False
            if isinstance(event, yaml.ScalarEvent):
                node, is_merge = self.scalar(event, stack)
                size = 1
            elif isinstance(event, yaml.AliasEvent):
                node, size = self.alias(event, stack)
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if len(stack) >= MAX_DEPTH:
                    raise _error(f"nesting deeper than {MAX_DEPTH} levels", event.start_mark)
                self.define(event)
                kind = "map" if isinstance(event, yaml.MappingStartEvent) else "seq"
                stack.append(_Frame(kind, event, _child_path(stack)))
                continue
            else:  # MappingEndEvent / SequenceEndEvent
                frame = stack.pop()
                frame.end = event.end_mark if frame.flow else frame.end
                node, size = _finish(frame), frame.size
                if frame.anchor is not None:
                    self.anchors[frame.anchor] = (node, size)
            if not stack:
                return node
            _attach(stack[-1], node, size, is_merge)

    def define(self, event: Any) -> None:
        if event.anchor is None:
            return
        if event.anchor in self.anchors:
            raise _error(f"duplicate anchor &{event.anchor}", event.start_mark)
        self.anchors[event.anchor] = _PENDING

    def scalar(self, event: Any, stack: list[_Frame]) -> tuple[Node, bool]:
        loader = self.loader
        tag = event.tag
        if tag is None or tag == "!":
            tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        value: Any = event.value
        if tag in _SCALAR_TAGS:
            raw = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
            try:
                value = loader.yaml_constructors[tag](loader, raw)
            except (yaml.YAMLError, ValueError, TypeError) as exc:
                raise _error(f"invalid {tag.rsplit(':', 1)[-1]} value {event.value!r}: {exc}",
                             event.start_mark) from None
        # Other tags (local `!Ref`, `!!python/...`) are kept as their text, never constructed.
        node = Node("scalar", value, _span(event.start_mark, event.end_mark),
                    path=_child_path(stack))
        self.define(event)
        if event.anchor is not None:
            self.anchors[event.anchor] = (node, 1)
        return node, tag == _MERGE

    def alias(self, event: Any, stack: list[_Frame]) -> tuple[Node, int]:
        entry = self.anchors.get(event.anchor)
        if entry is None:
            raise _error(f"undefined alias *{event.anchor}", event.start_mark)
        if entry is _PENDING:
            raise _error(f"recursive alias *{event.anchor}", event.start_mark)
        target, size = entry
        self.alias_nodes += size
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise _error(f"aliases expand to more than {MAX_ALIAS_NODES} nodes", event.start_mark)
        node = Node(target.kind, target.value, _span(event.start_mark, event.end_mark),
                    path=_child_path(stack))
        return node, size


def _child_path(stack: list[_Frame]) -> tuple:
    if not stack:
        return ()
    frame = stack[-1]
    if frame.kind == "seq":
        return (*frame.path, len(frame.items))
    if frame.key is None or frame.key_merge:  # composing a key or a merge source
        return frame.path
    return (*frame.path, frame.key.value)


def _attach(frame: _Frame, node: Node, size: int, is_merge: bool) -> None:
    frame.size += size
    frame.end = _end_mark(node)
    if frame.kind == "seq":
        frame.items.append(node)
        return
    key = frame.key
    if key is None:
        if node.kind != "scalar":
            raise ConfigError("mapping keys must be scalars", node.span.line, node.span.column)
        if not is_merge:
            if node.value in frame.seen:
                raise ConfigError(f"duplicate key {node.value!r}", node.span.line, node.span.column)
            frame.seen.add(node.value)
        frame.key, frame.key_merge = node, is_merge
        return
    frame.key = None
    if frame.key_merge:
        frame.merges.append(node)
    else:
        node.key_span = key.span
        frame.items.append((key.value, node))


class _EndMark:
    """A stand-in mark at a Span's end, for block collections (PyYAML ends them late)."""

    __slots__ = ("line", "column")

    def __init__(self, line: int, column: int) -> None:
        self.line, self.column = line, column


def _end_mark(node: Node) -> _EndMark:
    return _EndMark(node.span.end_line - 1, node.span.end_column - 1)


def _finish(frame: _Frame) -> Node:
    span = _span(frame.start, frame.end)
    if frame.kind == "seq":
        return Node("seq", frame.items, span, path=frame.path)
    value: dict[Any, Node] = {}
    # PyYAML order: each `<<` in turn (a list's first mapping wins), explicit keys last.
    for source in frame.merges:
        if source.kind == "map":
            value.update(source.value)
        elif source.kind == "seq" and all(item.kind == "map" for item in source.value):
            for item in reversed(source.value):
                value.update(item.value)
        else:
            raise ConfigError("a merge key `<<` needs a mapping or a list of mappings",
                              source.span.line, source.span.column)
    value.update(frame.items)
    return Node("map", value, span, path=frame.path)


def _reader_error(exc: yaml.reader.ReaderError, text: str) -> ConfigError:
    prefix = text[: exc.position]
    if LOADER is not yaml.SafeLoader:  # libyaml reports a UTF-8 byte offset
        prefix = text.encode("utf-8", "surrogatepass")[: exc.position].decode("utf-8", "ignore")
    line = prefix.count("\n") + 1
    return ConfigError(f"invalid character: {exc.reason}", line, len(prefix) - prefix.rfind("\n"))


def parse_yaml(text: str) -> list[Node]:
    """Every non-empty document of a YAML stream."""
    docs: list[Node] = []
    loader = None
    try:
        loader = LOADER(text)  # the pure-Python reader rejects bad characters here
        composer = _Composer(loader)
        loader.get_event()  # StreamStart
        while not loader.check_event(yaml.StreamEndEvent):
            loader.get_event()  # DocumentStart
            root = composer.document()
            loader.get_event()  # DocumentEnd
            composer.anchors.clear()
            span = root.span
            empty = root.kind == "scalar" and root.value is None and (
                span.line, span.column) == (span.end_line, span.end_column)
            if not empty:
                docs.append(root)
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = "; ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
        if mark is None:
            raise ConfigError(message) from None
        raise _error(message, mark) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}") from None
    finally:
        if loader is not None:
            loader.dispose()
    return docs
