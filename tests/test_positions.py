"""Finding positions: the early-stopping codegen gives exactly libcst's PositionProvider spans."""

from __future__ import annotations

import random
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from mlgreenlint import testing
from mlgreenlint.engine.locate import positions_of as _positions
from mlgreenlint.python import bindings
from mlgreenlint.ruleset import rulebook

DEMO = sorted((Path(__file__).parent.parent / "examples" / "demo").rglob("*.py"))
EXAMPLES = [case.example["code"] for rule in rulebook.load_builtin() for case in testing.cases(rule)
            if case.example.get("path", "example.py").endswith(".py")]
TRICKY = '''
@decorator(
    arg=1,
)
class A(Base):  # comment
    """Doc."""

    def f(self, x: int = 1, *args, **kw) -> None:
        if x:  pass
        elif y: return
        else:
            for i in range(3): print(i); print(i + 1)
        with open("f") as fh, ctx() as c:
            y = [z async for z in g()] if x else {k: v for k, v in kw.items()}
        try:
            pass
        except (ValueError, TypeError) as exc:
            raise RuntimeError() from exc
        finally:
            lambda q: q(*args, key=x)
        z = f"{x!r:>{width}} {y}"
    # trailing comment
'''


def _sources():
    yield "tricky", TRICKY
    for path in DEMO:
        yield path.name, path.read_text(encoding="utf-8")
    yield from ((f"example{i}", code) for i, code in enumerate(EXAMPLES[::7]))


@pytest.mark.parametrize(("name", "code"), list(_sources()), ids=lambda v: v if isinstance(v, str) and len(v) < 40 else "")
def test_positions_match_libcst(name, code):
    try:
        module = cst.parse_module(code)
    except cst.ParserSyntaxError:
        pytest.skip("not Python")
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    nodes = [n for n in bindings.walk(module) if n in expected]
    rng = random.Random(name)
    for node in rng.sample(nodes, min(25, len(nodes))):
        assert _positions(module, [node])[node] == expected[node]
    several = rng.sample(nodes, min(5, len(nodes)))
    found = _positions(module, several)
    assert all(found[n] == expected[n] for n in several)
