"""The context-key table: a key's sketch test keeps every call where its exact test holds.

The screen drops a rule when no call of the sketch may satisfy the pattern's context keys,
so for each key (and each `inside` value) the calls the exact test accepts on libcst must be
among the calls the sketch test keeps on `ast`. Each call of the samples has its own method name.
"""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from mlgreenlint.python import bindings, context_keys
from mlgreenlint.python.context import FileContext
from mlgreenlint.python.sketch import parse, sketch

SAMPLES = {
    "batch-loop": """
        import torch
        model = Net()
        for epoch in range(3):
            log.a_epoch()
            for batch in loader:
                loss = model(batch)
                loss.backward()
                optimizer.step()
                if step % 100 == 0:
                    log.b_guarded()
                log.c_every_step()
        log.d_after()
    """,
    "step-function": """
        def train_step(batch):
            loss = model(batch)
            loss.backward()
            optimizer.step()
            log.e_in_step()
            for x in y:
                log.f_loop_in_step()

        def main():
            for batch in loader:
                train_step(batch)
                log.g_in_loop()
            log.h_in_main()

        if __name__ == "__main__":
            main()
    """,
    "lightning-hook": """
        class Module(LightningModule):
            def training_step(self, batch, idx):
                log.i_in_hook()
                with torch.no_grad():
                    log.j_in_with()
                return loss
        log.k_module_level()
    """,
}


def _calls(code: str):
    code = textwrap.dedent(code)
    ctx = FileContext("m.py", code, bindings.collect(cst.parse_module(code), "m"))
    sk = sketch(parse(code), "m")
    return ctx, sk


def _name(func) -> str:
    return func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "?")


def _ast_name(func) -> str:
    return getattr(func, "attr", None) or getattr(func, "id", "?")


PATTERNS = [{"inside": value} for value in context_keys.INSIDE] + [
    {"unguarded": True}, {"unconditional": True}, {"not-inside-with": ["torch.no_grad"]},
    {"not-inside-if": "step"}, {"not-inside-def": "train"}, {"wraps": "training"},
    {"feeds": ["training"]}, {"not-commented": "noqa"},
    {"inside": "batch-loop", "unguarded": True}, {"inside": "step", "unconditional": True},
]


@pytest.mark.parametrize("sample", sorted(SAMPLES))
@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()))
def test_the_sketch_keeps_every_call_the_exact_test_accepts(sample, pattern):
    ctx, sk = _calls(SAMPLES[sample])
    exact = {_name(site.node.func) for site in ctx.sites if context_keys.holds(pattern, site, ctx)}
    kept = {_ast_name(call.func) for call in context_keys.placed(pattern, sk)}
    assert exact <= kept


def test_inside_narrows_where_the_file_says_so():
    ctx, sk = _calls(SAMPLES["batch-loop"])
    exact = {_name(s.node.func) for s in ctx.sites if context_keys.holds({"inside": "batch-loop"}, s, ctx)}
    assert {"c_every_step", "b_guarded"} <= exact and not {"a_epoch", "d_after"} & exact
    guarded = {_name(s.node.func) for s in ctx.sites
               if context_keys.holds({"inside": "batch-loop", "unguarded": True}, s, ctx)}
    assert "c_every_step" in guarded and "b_guarded" not in guarded
    kept = {_ast_name(c.func) for c in context_keys.placed({"inside": "batch-loop"}, sk)}
    assert "d_after" not in kept and "a_epoch" not in kept


def test_keys_about_where_a_call_runs_follow_helpers():
    assert context_keys.through_helpers({"inside": "batch-loop"})
    assert context_keys.through_helpers({"unguarded": True})
    assert not context_keys.through_helpers({"feeds": ["training"]})
