"""`libcst.parse_module` without re-validating every node the parser builds.

Each libcst node runs `_validate` from `__post_init__`: checks of invariants such as
balanced parentheses and required whitespace, meant for nodes built by hand. On parser
output they cost 10-15% of a parse and have never failed on the benchmark tree (a
failure would have stopped the whole run with an uncaught CSTValidationError). The hook
is swapped out only while this function parses, so nodes built anywhere else are
validated as usual; trees are identical either way (tests/test_cstparse.py).
"""

from __future__ import annotations

import libcst as cst
from libcst._nodes.base import CSTNode

_VALIDATE = CSTNode.__dict__.get("__post_init__")


def _unchecked(self) -> None:
    return None


def parse_module(text: str) -> cst.Module:
    if _VALIDATE is None:  # a libcst that validates elsewhere: parse as it does
        return cst.parse_module(text)
    CSTNode.__post_init__ = _unchecked  # type: ignore[method-assign]
    try:
        return cst.parse_module(text)
    finally:
        CSTNode.__post_init__ = _VALIDATE  # type: ignore[method-assign]
