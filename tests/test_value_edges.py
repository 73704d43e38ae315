"""Value resolution edge cases (issue 9): what folds to a value and what deliberately stays unknown."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from mlgreenlint.python import bindings
from mlgreenlint.python.values import UNKNOWN, CallValue, Symbol, call_site


def probe(code: str):
    """The CallSite of the last `probe(...)` call in the code."""
    module = cst.parse_module(textwrap.dedent(code))
    facts = bindings.collect(module, "example")
    record = [r for r in facts.calls if isinstance(r.node.func, cst.Name) and r.node.func.value == "probe"][-1]
    return call_site(record, ("probe",), None)


def value(code: str, keyword: str = "x"):
    site = probe(code)
    arg = site.argument(keyword)
    return "ABSENT" if arg is None else arg.value


@pytest.mark.parametrize("code, expected", [
    # module constants and function-local assignments
    ('P = "32-true"\nprobe(x=P)', "32-true"),
    ('def f():\n    p = "bf16-mixed"\n    probe(x=p)', "bf16-mixed"),
    ('P = "a"\ndef f():\n    probe(x=P)', "a"),
    # dict literals, dict(...) calls, ** inside both, nested merges
    ('BASE = {"x": 1}\nprobe(**BASE)', 1),
    ('BASE = dict(x=2, y=3)\nprobe(**BASE)', 2),
    ('A = {"x": 1}\nB = dict(**A, y=2)\nprobe(**B)', 1),
    ('A = {"x": 1}\nB = {**A, "x": 5}\nprobe(**B)', 5),
    ('A = dict(x=1)\nB = dict(A, x=7)\nprobe(**B)', 7),
    ('A = {"x": 1}\nB = {**A}\nC = {**B, "y": 0}\nprobe(**C)', 1),
    ('probe(x={"a": {"b": True}})', {"a": {"b": True}}),
    # reassignment that agrees everywhere stays known
    ('if c:\n    P = "no"\nelse:\n    P = "no"\nprobe(x=P)', "no"),
    # imported names are symbols, not values
    ('import torch\nprobe(x=torch.bfloat16)', Symbol("torch.bfloat16")),
    # f-strings and negatives
    ('probe(x=-3)', -3),
])
def test_resolved(code, expected):
    assert value(code) == expected


@pytest.mark.parametrize("code", [
    # reassignment in branches that disagrees
    'if c:\n    P = "no"\nelse:\n    P = "bf16"\nprobe(x=P)',
    'P = "no"\nfor i in range(3):\n    P = "bf16"\nprobe(x=P)',
    # augmented assignment
    'P = 1\nP += 1\nprobe(x=P)',
    # a global rebound inside a function
    'P = "no"\ndef g():\n    global P\n    P = "bf16"\nprobe(x=P)',
    # tuple unpacking and loop targets
    'a, P = ("x", "no")\nprobe(x=P)',
    'for P in ("no", "bf16"):\n    probe(x=P)',
    '[P] = ["no"]\nprobe(x=P)',
    # class attributes are not followed
    'class C:\n    P = "no"\nprobe(x=C.P)',
    'class C:\n    P = "no"\n    def m(self):\n        probe(x=self.P)',
    # values from outside the analysed code
    'def f(p):\n    probe(x=p)',
    'def f(p="no"):\n    probe(x=p)',
    'probe(x=args.precision)',
    'import os\nprobe(x=os.environ["P"])',
    'import os\nprobe(x=os.environ.get("P", "no"))',
    'import json\ncfg = json.load(open("c.json"))\nprobe(x=cfg["p"])',
    'cfg = yaml.safe_load(f)\nprobe(x=cfg["precision"])',
    # computed
    'probe(x="a" if c else "b")',
    'probe(x=f())',
    'D = {"y": 1}\nprobe(x=D["y"])',
])
def test_unknown(code):
    result = value(code)
    # A call's value (os.environ.get(...), f()) is kept as the call, which no literal test matches.
    assert result is UNKNOWN or isinstance(result, CallValue), result


def test_a_global_agreeing_with_the_module_constant_stays_known():
    assert value('P = "no"\ndef g():\n    global P\n    P = "no"\nprobe(x=P)') == "no"


def test_call_values_are_unknown_to_negative_tests():
    from mlgreenlint.match.predicates import Evaluator

    site = probe('import os\nprobe(accelerator=os.environ.get("ACC", "gpu"))')
    ev = Evaluator(None, {}, None)
    assert ev.predicate({"keyword": "accelerator", "not-in": ["cpu"]}, site) is None
    assert ev.predicate({"keyword": "accelerator", "in": ["cpu"]}, site) is False


def test_unresolved_double_star_hides_absent_keywords():
    site = probe("probe(output_dir='o', **vars(args))")
    assert site.open_kwargs and site.argument("bf16") is None and site.may_hide()


def test_unresolved_dict_call_with_unknown_star_is_unknown():
    site = probe("BASE = dict(**load(), x=1)\nprobe(**BASE)")
    assert site.open_kwargs


def test_double_star_through_a_merged_dict_keeps_absent_keys_absent():
    site = probe('BASE = dict(output_dir="o", per_device_train_batch_size=8)\nprobe(**BASE, num_train_epochs=3)')
    assert not site.open_kwargs
    assert site.argument("fp16") is None and site.argument("bf16") is None
    assert site.argument("num_train_epochs").value == 3
