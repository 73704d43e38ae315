"""The locator drives libcst's private codegen: pin the releases it was checked against."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

from mlgreenlint.engine import locate

ROOT = Path(__file__).resolve().parents[1]


def test_installed_libcst_is_one_the_locator_was_checked_against():
    """A new libcst release must pass tests/test_positions.py before it joins KNOWN_LIBCST."""
    major, minor = (int(x) for x in version("libcst").split(".")[:2])
    assert (major, minor) in locate.KNOWN_LIBCST, (
        f"libcst {major}.{minor}: run tests/test_positions.py with it, then add it to engine/locate.py "
        "KNOWN_LIBCST and raise the bound in pyproject.toml")


def test_pyproject_bounds_libcst_to_the_known_releases():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    lower, upper = re.search(r'"libcst>=(\d+\.\d+),<(\d+\.\d+)"', text).groups()
    known = sorted(locate.KNOWN_LIBCST)
    assert tuple(map(int, lower.split("."))) == known[0]
    newest = known[-1]
    assert tuple(map(int, upper.split("."))) == (newest[0], newest[1] + 1)


TRICKY = (
    '"""Doc\nstring."""\n# a comment\n\nimport os; import sys\n\n\n@decorator(\n    1)\n# between\n@other\n'
    'def f(a,\n      b):\n    return """x\ny"""\n\nx = (\n    1 +\n    2)\ny = 1 \\\n    + 2\n'
    'class C(Base):\n    z = f(1, 2)\n\nif x:\n    f(x)\nelif y:\n    pass\nelse:\n    f(y); f(x)\n'
    '(a) = f(3)\nasync def g():\n    await f(4)\nfor i in range(3): f(i)\n# the end\nf(5)'
)


def test_positions_from_the_statements_cpython_places_are_the_whole_module_positions():
    """With CPython's tree, only the top-level statements holding wanted nodes are generated;
    every node must get the position the whole-module codegen gives it."""
    import ast

    import libcst as cst

    from mlgreenlint.python.bindings import walk

    for text in (TRICKY, TRICKY.replace("\n", "\r\n"), "\n\n" + TRICKY + "\n"):
        module = cst.parse_module(text)
        tree = compile(text, "<t>", "exec", ast.PyCF_ONLY_AST)
        nodes = list(walk(module))[1:]
        full = locate.positions_of(module, nodes)
        together = locate.positions_of(module, nodes, tree)
        assert [together[n] for n in nodes] == [full[n] for n in nodes]
        assert all(locate.positions_of(module, [n], tree)[n] == full[n] for n in nodes[::7])


def test_statements_that_do_not_line_up_with_cpython_fall_back_to_the_whole_module():
    import ast

    import libcst as cst

    module = cst.parse_module("x = 1\ny = f(2)\n")
    call = module.body[1].body[0].value
    other = compile("x = 1\n\n\ny = f(2)\nz = 3\n", "<t>", "exec", ast.PyCF_ONLY_AST)  # one statement more
    assert locate.positions_of(module, [call], other)[call] == locate.positions_of(module, [call])[call]
