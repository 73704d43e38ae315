"""Constant folding: values that cannot be known stay UNKNOWN, and folding always terminates."""

from __future__ import annotations

import libcst as cst

from mlgreenlint.python import bindings
from mlgreenlint.python.context import FileContext
from mlgreenlint.python.values import UNKNOWN


def sites(code: str) -> dict[str, object]:
    """The value of keyword `x` at each call of `f` (UNKNOWN when `**` may pass it), by first argument."""
    ctx = FileContext("m.py", code, bindings.collect(cst.parse_module(code)))
    out = {}
    for site in ctx.sites:
        if site.names and site.names[0] == "mod.f":
            arg = site.argument("x")
            if arg is not None:
                out[site.positional[0].value] = arg.value
            else:
                out[site.positional[0].value] = UNKNOWN if site.may_hide() else "absent"
    return out


def test_a_name_unpacked_into_its_own_call_does_not_recurse_forever():
    code = '''
from mod import f

class Item:
    pass

for item in items:
    item = Item(**item)
f("a", **item)
'''
    assert sites(code) == {"a": UNKNOWN}


def test_containers_changed_in_place_are_unknown():
    code = '''
from mod import f

kw = {}
kw["x"] = 1
f("subscript", **kw)

upd = {"y": 2}
upd.update(x=3)
f("update", **upd)

def setup():
    later["x"] = 4

later = {}
f("in-a-function", **later)

items = []
items.append(5)
f("list", x=items)

fixed = {"x": 6}
f("untouched", **fixed)
'''
    values = sites(code)
    assert values.pop("untouched") == 6
    assert values == {"subscript": UNKNOWN, "update": UNKNOWN, "in-a-function": UNKNOWN, "list": UNKNOWN}


def test_rebinding_chains_resolve_in_linear_time():
    import signal

    lines = ["import pyspark", "df = pyspark.sql.SparkSession.builder.getOrCreate().read.json(p)"]
    lines += [f"df = df.withColumn('c{i}', col)" for i in range(60)]
    lines += ["from mod import f", "f('chain', x=df.count())", "model = make()", "model = model.cuda()"]
    code = "\n".join(lines) + "\n"

    def hang(*_):
        raise TimeoutError("name resolution is exponential in the number of rebindings")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(10)
    try:
        ctx = FileContext("m.py", code, bindings.collect(cst.parse_module(code)))
        names = {site.names[0] for site in ctx.sites if site.names}
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert "mod.f" in names
    # Rebinding a name to a call on itself leaves it unresolved, as before.
    assert not any(n.endswith(".withColumn") or n.endswith(".cuda") for n in names)
