"""Byte-range rewrites of YAML, JSON and TOML documents: set a key path to a value.

A written scalar is replaced where it stands (a quoted string keeps its quotes); a missing
key is added after the mapping's last entry, in the mapping's own style: its own line at
the entries' indentation in a YAML block mapping, a JSON object written one member per
line, or a TOML table; `, key: value` inside a flow mapping, a one-line JSON object or an
inline table. Missing parent mappings are written with the key (nested YAML lines, a JSON
object, a TOML dotted key). Everything else in the file stays as written. Returns None
where no such edit is certain (the parent is not a mapping, a multi-line scalar).
"""

from __future__ import annotations

import json
import re

from mlgreenlint.configs.document import Node
from mlgreenlint.fixes.edits import Lines
from mlgreenlint.model import Span

#: Indentation step of a nested YAML mapping when the file shows none.
_YAML_STEP = 2


def render(value, fmt: str) -> str:
    """A scalar in the format's syntax."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    text = str(value)
    return text if fmt == "yaml" and _plain_yaml(text) else json.dumps(text)


#: Words some YAML reader takes for a boolean or null: always quoted.
_YAML_WORDS = frozenset(("true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"))
#: What YAML 1.1 or 1.2 may read as a number (`1e3`, `0x1f`, `1_000`, `.5`, `12:30`).
_YAML_NUMBER = re.compile(r"[-+]?(\.?[0-9][0-9_.:]*(e[-+]?[0-9]+)?|0x[0-9a-f_]+|0o?[0-7_]+|\.inf|\.nan)", re.IGNORECASE)


def _plain_yaml(text: str) -> bool:
    """A string YAML reads back as itself unquoted: word characters, `-` and `.`, not a
    boolean, null or number (`amp_bf16`, `100ba`, `0.01dur`, `me-central-1`)."""
    return bool(text) and text.lower() not in _YAML_WORDS and not _YAML_NUMBER.fullmatch(text) \
        and text[0] not in "-." and all(c.isalnum() or c in "-_." for c in text)


def set_key(text: str, fmt: str, node: Node, path: str, value) -> tuple[tuple[Span, str], ...] | None:
    """Edits that make `node[path]` (a dotted key path) equal `value`."""
    parts = path.split(".")
    current = node
    for i, part in enumerate(parts):
        if current.kind != "map":
            return None
        child = current.get(part)
        if child is None:
            return _insert(text, fmt, current, parts[i:], value)
        current = child
    if current.kind != "scalar" or current.span.line != current.span.end_line:
        return None
    lines = Lines(text)
    found = lines.range(current.span)
    if found is None:
        return None
    written = text[found[0]:found[1]]
    new = render(value, fmt)
    if fmt == "yaml" and isinstance(value, bool) and written.lower() in ("true", "false", "yes", "no", "on", "off"):
        new = new.upper() if written.isupper() else new.capitalize() if written[0].isupper() else new  # `False` -> `True`
    if isinstance(value, str) and written[:1] in "'\"" and written[:1] == written[-1:] and len(written) > 1:
        new = written[0] + value + written[0] if value.isprintable() and written[0] not in value and "\\" not in value else new
    return ((current.span, new),)


def _member(fmt: str, parts: list[str], value) -> str:
    """`key: value` with the missing parents, in flow syntax (one line)."""
    if fmt == "toml":
        return f"{'.'.join(parts)} = {render(value, fmt)}"
    key = json.dumps(parts[0]) if fmt == "json" else parts[0]
    inner = render(value, fmt) if len(parts) == 1 else "{" + _member(fmt, parts[1:], value) + "}"
    return f"{key}: {inner}"


def _insert(text: str, fmt: str, mapping: Node, parts: list[str], value) -> tuple[tuple[Span, str], ...] | None:
    lines = Lines(text)
    whole = lines.range(mapping.span)
    if whole is None:
        return None
    start, end = whole
    children = list(mapping.value.values())
    flow = text[start:start + 1] == "{"
    if flow:
        close = text.rfind("}", start, end)
        if close < 0:
            return None
        if not children:
            return ((Span(*lines.position(start + 1), *lines.position(start + 1)), _member(fmt, parts, value)),)
        last = lines.range(children[-1].span)
        first_key = children[0].key_span
        if last is None or first_key is None:
            return None
        if fmt == "json" and first_key.line != mapping.span.line:
            # One member per line: the new one on its own line at the members' indentation.
            indent = " " * (first_key.column - 1)
            at = Span(*lines.position(last[1]), *lines.position(last[1]))
            return ((at, ",\n" + indent + _member(fmt, parts, value)),)
        at = Span(*lines.position(last[1]), *lines.position(last[1]))
        return ((at, ", " + _member(fmt, parts, value)),)
    if fmt == "json":
        return None
    if fmt == "toml":
        return _insert_toml(text, lines, mapping, children, parts, value)
    return _insert_yaml(text, lines, mapping, children, parts, value)


def _line_after(text: str, lines: Lines, span: Span) -> tuple[int, str]:
    """The offset just past the line `span` ends on, and a newline to write first if the file ends there."""
    end = lines.range(span)[1]
    cut = text.find("\n", max(end - 1, 0) if span.end_column == 1 and span.end_line > span.line else end)
    return (len(text), "\n") if cut < 0 else (cut + 1, "")


def _insert_yaml(text, lines, mapping, children, parts, value):
    keyed = [c for c in children if c.key_span is not None]
    if not keyed or lines.range(keyed[-1].span) is None:
        return None
    column = keyed[0].key_span.column - 1
    step = _YAML_STEP  # the file's own step when a nested block mapping shows it
    for child in keyed:
        inner = next(iter(child.value.values()), None) if child.kind == "map" else None
        if inner is not None and inner.key_span is not None and inner.key_span.line > child.key_span.line:
            step = inner.key_span.column - 1 - column if inner.key_span.column - 1 > column else step
            break
    out = []
    for depth, part in enumerate(parts):
        tail = f" {render(value, 'yaml')}" if depth == len(parts) - 1 else ""
        out.append(" " * (column + depth * step) + f"{part}:{tail}\n")
    offset, lead = _line_after(text, lines, keyed[-1].span)
    at = Span(*lines.position(offset), *lines.position(offset))
    return ((at, lead + "".join(out)),)


def _insert_toml(text, lines, mapping, children, parts, value):
    # Keys of this table written in it: not [sub.tables] (their own headers) that follow it.
    local = [c for c in children if lines.range(c.span) is not None and text[lines.range(c.span)[0]:][:1] != "["]
    member = _member("toml", parts, value) + "\n"
    if local:
        offset, lead = _line_after(text, lines, local[-1].span)
    elif mapping.key_span is not None:  # an empty [table]: right under its header
        offset, lead = _line_after(text, lines, Span(mapping.span.line, mapping.span.column, mapping.span.line, mapping.span.column))
    else:
        offset, lead = 0, ""
    at = Span(*lines.position(offset), *lines.position(offset))
    return ((at, lead + member),)


def remove_key(text: str, fmt: str, node: Node, path: str) -> tuple[tuple[Span, str], ...] | None:
    """Edits that delete `node[path]` with its whole lines (a comment on them goes too): only
    for an entry of a YAML block mapping or a TOML table that has other entries, written on
    lines of its own."""
    *parents, last = path.split(".")
    mapping = node
    for part in parents:
        mapping = mapping.get(part) if mapping is not None and mapping.kind == "map" else None
    entry = mapping.get(last) if mapping is not None and mapping.kind == "map" else None
    if fmt == "json" or entry is None or entry.key_span is None or len(mapping.value) < 2:
        return None
    lines = Lines(text)
    start = lines.offset(entry.key_span.line, 1)
    end = lines.range(entry.span)
    if start is None or end is None or text[start:lines.offset(entry.key_span.line, entry.key_span.column)].strip():
        return None
    after = text.find("\n", end[1])
    rest = text[end[1]:len(text) if after < 0 else after]
    if rest.strip() and not rest.strip().startswith("#"):
        return None
    stop = len(text) if after < 0 else after + 1
    return ((Span(*lines.position(start), *lines.position(stop)), ""),)
