"""Position-aware YAML, JSON and TOML documents: every key and value knows its span.

`parse(text, fmt)` returns one `Node` tree per document. Findings on a config land on
`node.anchor_span()`: the key for a mapping value, the value itself otherwise. The
parsers are safe (no tags that construct objects, no execution) and bounded in depth
and alias expansion; the caller bounds the file size (`MAX_BYTES`).
"""

from __future__ import annotations

import os

from mlgreenlint.configs.nodes import MAX_ALIAS_NODES, MAX_BYTES, MAX_DEPTH, ConfigError, LineIndex, Node

__all__ = ["FORMATS", "MAX_ALIAS_NODES", "MAX_BYTES", "MAX_DEPTH", "ConfigError", "LineIndex", "Node",
           "format_of", "parse"]

FORMATS = ("yaml", "json", "toml")
_SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}


def format_of(path: str) -> str | None:
    """"yaml", "json" or "toml" from the file name's suffix, else None."""
    return _SUFFIXES.get(os.path.splitext(path)[1].lower())


def parse(text: str, fmt: str) -> list[Node]:
    """Parse `text` as `fmt` into one root Node per non-empty document.

    Raises ConfigError for invalid syntax, duplicate keys, nesting deeper than
    MAX_DEPTH and YAML aliases expanding to more than MAX_ALIAS_NODES nodes.
    """
    # Parsers are imported lazily: a run that sees no TOML never imports tomllib.
    if fmt == "yaml":
        from mlgreenlint.configs.yamldoc import parse_yaml

        return parse_yaml(text)
    if fmt == "json":
        from mlgreenlint.configs.jsondoc import parse_json

        return [parse_json(text)]
    if fmt == "toml":
        from mlgreenlint.configs.tomldoc import parse_toml

        return [parse_toml(text)]
    raise ValueError(f"unknown config format {fmt!r} (expected one of {', '.join(FORMATS)})")


def mapping(text: str, fmt: str | None) -> dict | None:
    """A one-document config as plain data; None when it cannot be read, holds more or fewer
    than one document, or is not a mapping. Duplicate keys make it unreadable."""
    if fmt is None:
        return None
    try:
        docs = parse(text, fmt)
    except (ConfigError, RecursionError):
        return None
    if len(docs) != 1 or docs[0].kind != "map":
        return None
    return docs[0].plain()
