"""A fast, one-sided JSON Schema check: True only when an instance is certainly valid.

Importing jsonschema costs about 100 ms, more than linting one file. Configuration
tables are small and almost always valid, so `certainly_valid` checks the subset of
keywords our schemas use; on anything else (an unknown keyword, a remote `$ref`, a float
where an integer is wanted, or a violation) it answers False and the caller asks
jsonschema, which also writes the error message.
"""

from __future__ import annotations

import re
from functools import lru_cache

_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "$defs", "title", "description", "default", "examples"})
_TYPES = {
    "object": lambda v: type(v) is dict,
    "array": lambda v: type(v) is list,
    "string": lambda v: type(v) is str,
    "boolean": lambda v: type(v) is bool,
    "integer": lambda v: type(v) is int,
    "null": lambda v: v is None,
}


class _Unsure(Exception):
    pass


def certainly_valid(instance, schema: dict) -> bool:
    """True when `instance` is valid against `schema`; False when invalid or unsure."""
    try:
        return _check(instance, schema, schema)
    except (_Unsure, RecursionError):
        return False


@lru_cache(maxsize=64)
def _regex(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def _check(value, node, root: dict) -> bool:
    if node is True:
        return True
    if not isinstance(node, dict):
        raise _Unsure
    for key, spec in node.items():
        if key in _ANNOTATIONS:
            continue
        if not _keyword(key, spec, value, node, root):
            return False
    return True


def _keyword(key: str, spec, value, node: dict, root: dict) -> bool:
    if key == "$ref":
        return _check(value, _target(spec, root), root)
    if key == "type":
        kinds = [spec] if isinstance(spec, str) else spec
        if any(k not in _TYPES for k in kinds):
            raise _Unsure
        return any(_TYPES[k](value) for k in kinds)
    if key == "enum":
        return type(value) in (str, int, bool) and any(type(value) is type(e) and value == e for e in spec)
    if key == "const":
        return type(value) in (str, int, bool) and type(value) is type(spec) and value == spec
    if key in ("minLength", "maxLength", "pattern") and type(value) is not str:
        return True  # these keywords constrain strings only
    if key == "minLength":
        return len(value) >= spec
    if key == "maxLength":
        return len(value) <= spec
    if key == "pattern":
        return _regex(spec).search(value) is not None
    if key in ("minimum", "maximum"):
        if type(value) is not int:
            raise _Unsure  # floats and bools: let jsonschema decide
        return value >= spec if key == "minimum" else value <= spec
    if key in ("items", "minItems", "maxItems", "uniqueItems"):
        return _array(key, spec, value, root)
    if key in ("properties", "additionalProperties", "propertyNames", "required", "patternProperties"):
        return _object(key, spec, value, node, root)
    raise _Unsure


def _array(key: str, spec, value, root: dict) -> bool:
    if type(value) is not list:
        return True
    if key == "items":
        return all(_check(v, spec, root) for v in value)
    if key == "minItems":
        return len(value) >= spec
    if key == "maxItems":
        return len(value) <= spec
    raise _Unsure  # uniqueItems: equality rules (1 == 1.0 == True) are subtle


def _object(key: str, spec, value, node: dict, root: dict) -> bool:
    if type(value) is not dict:
        return True
    if key == "properties":
        return all(_check(value[name], sub, root) for name, sub in spec.items() if name in value)
    if key == "required":
        return all(name in value for name in spec)
    if key == "propertyNames":
        return all(_check(name, spec, root) for name in value)
    if key == "patternProperties":
        raise _Unsure
    # additionalProperties: keys matched by neither properties nor patternProperties.
    if "patternProperties" in node:
        raise _Unsure
    named = node.get("properties", {})
    extra = [name for name in value if name not in named]
    if spec is False:
        return not extra
    return all(_check(value[name], spec, root) for name in extra)


def _target(ref: str, root: dict):
    if not ref.startswith("#/"):
        raise _Unsure
    node = root
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            raise _Unsure
        node = node[part]
    return node
