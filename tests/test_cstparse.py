"""Parsing without per-node validation builds the same trees, and validation stays on elsewhere."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from mlgreenlint import cstparse, rulebook, testing

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "mlgreenlint").rglob("*.py")) + sorted((ROOT / "tests").glob("*.py"))
EXAMPLES = [c.example["code"] for r in rulebook.load_builtin() for c in testing.cases(r)
            if c.example.get("path", "example.py").endswith(".py")]
TRICKY = [
    "x = (1)if(y)else(2)\n", "print((yield))\n", "f(*a, **k)\n", "lambda a=1, *b, c, **d: 0\n",
    "async def f():\n    async with a as (b, c):\n        await g()\n", "match x:\n    case [1, *r] | {'k': _}:\n        pass\n",
    "x: int = 1; del x\n", "@d\nclass C(B, metaclass=M):\n    '''doc'''\n", "f'{a!r:>{w}}'\n", "a = b if c else(d)\n",
]


@pytest.mark.parametrize("text", [p.read_text(encoding="utf-8") for p in SOURCES] + EXAMPLES + TRICKY)
def test_the_fast_parse_builds_the_same_tree(text):
    fast = cstparse.parse_module(text)
    assert fast.deep_equals(cst.parse_module(text))
    assert fast.code == text


def test_syntax_errors_still_raise_and_validation_is_restored():
    with pytest.raises(cst.ParserSyntaxError):
        cstparse.parse_module("def f(:\n")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("")
    cstparse.parse_module("x = 1\n")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("")
