"""Scopes, bindings and name resolution on libcst (mlgreenlint/python/bindings.py)."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from mlgreenlint.python import bindings


def _facts(code: str, module: str = "pkg.train"):
    return bindings.collect(cst.parse_module(textwrap.dedent(code)), module)


def _callees(code: str, module: str = "pkg.train") -> dict[str, str | None]:
    """Each call's source text -> the qualified name it resolves to (None: unknown)."""
    facts = _facts(code, module)
    out = {}
    for record in facts.calls:
        resolved = bindings.resolve(record.node.func, record.scope)
        out[cst.Module(body=[]).code_for_node(record.node.func)] = resolved.qualname if resolved else None
    return out


@pytest.mark.parametrize(("code", "callee", "expected"), [
    ("import torch\ntorch.save(m, 'x')\n", "torch.save", "torch.save"),
    ("import torch.optim as o\no.AdamW(p)\n", "o.AdamW", "torch.optim.AdamW"),
    ("from .utils import save\nsave()\n", "save", "pkg.utils.save"),
    # Re-exports are canonical: pytorch_lightning is lightning.pytorch.
    ("import pytorch_lightning as pl\npl.Trainer()\n", "pl.Trainer", "lightning.pytorch.Trainer"),
    ("from accelerate import Accelerator\na = Accelerator()\na.save_state('x')\n", "a.save_state",
     "accelerate.Accelerator.save_state"),
    ("from torch import save\ns = save\ns(m)\n", "s", "torch.save"),
    # A parameter shadows the import: it resolves to nothing.
    ("import torch\ndef f(torch):\n    torch.save(m)\n", "torch.save", None),
    # Two bindings that disagree resolve to nothing.
    ("import torch, numpy\nx = torch\nx = numpy\nx.save(m)\n", "x.save", None),
    # A rebinding from itself (`x = x.permute(...)`) is no name, not a longer one.
    ("import torch\nx = torch.zeros(1)\nx = x.permute(0)\nx.cuda()\n", "x.cuda", None),
    ("def helper():\n    pass\nhelper()\n", "helper", "pkg.train.helper"),
    # nn.Module's cuda/to/half return the module: the chain names the model's own method.
    ("from ultralytics import YOLO\nYOLO('y').cuda().to(0).train()\n", "YOLO('y').cuda().to(0).train",
     "ultralytics.YOLO.train"),
    ("from ultralytics import YOLO\nm = YOLO('y').half()\nm.train()\n", "m.train", "ultralytics.YOLO.train"),
    # Other methods still name their result by the call (`view` returns a new tensor).
    ("import torch\ntorch.zeros(1).view(1).cuda()\n", "torch.zeros(1).view(1).cuda", "torch.zeros.view.cuda"),
])
def test_resolve(code, callee, expected):
    assert _callees(code)[callee] == expected


def test_class_bases_are_followed_through_local_classes():
    facts = _facts("""
        from transformers import TrainingArguments
        class Base(TrainingArguments):
            pass
        class Args(Base):
            pass
    """)
    args = next(c for c in facts.classes if c.node.name.value == "Args")
    assert bindings.class_bases(args) == ["pkg.train.Base", "transformers.TrainingArguments"]


def test_the_walk_records_frames_stores_and_the_main_guard():
    facts = _facts("""
        import os
        os.environ["HF_HOME"] = "/tmp"
        cfg = {}
        cfg["a"] = 1
        def main():
            for batch in loader:
                with ctx():
                    if step % 10 == 0:
                        save()
        if __name__ == "__main__":
            main()
    """)
    assert facts.has_main_guard
    assert [cst.Module(body=[]).code_for_node(s.target) for s in facts.stores] == ['os.environ["HF_HOME"]', 'cfg["a"]']
    assert "cfg" in facts.scope.mutated
    save = next(r for r in facts.calls if cst.Module(body=[]).code_for_node(r.node.func) == "save")
    assert [f.kind for f in save.frame.chain()] == ["if", "with", "loop", "def"]
    assert len(facts.loops) == 1 and len(facts.withs) == 1
    assert [f.qualname for f in facts.functions] == ["pkg.train.main"]


def test_dotted_name_and_expression_words():
    expr = cst.parse_expression('args.run_name or "debug-run"')
    assert bindings.dotted_name(cst.parse_expression("a.b.c")) == "a.b.c"
    assert bindings.dotted_name(cst.parse_expression("a().b")) is None
    assert sorted(bindings.expression_words(expr)) == ["args", "debug-run", "run_name"]
