"""Mixed-precision checks that look at a whole training loop or script rather than one call."""

from __future__ import annotations

import re
from collections.abc import Iterator

import libcst as cst

from mlgreenlint.fixes import python_edits
from mlgreenlint.match.predicates import FixSpec, Hit, format_message
from mlgreenlint.model import Rule
from mlgreenlint.python import bindings
from mlgreenlint.python.context import FileContext
from mlgreenlint.python.vocabulary import KERAS_COMPILE, KERAS_FIT

# Accelerators visible in the file; without one the loop runs on the CPU, where
# mixed precision buys little (catalogue 1.8, trap 1).
_ACCELERATOR = re.compile(r"\b(cuda|gpus?|xla|tpu|mps)\b|\btorch\.accelerator\b", re.I)


def fp32_training_loop(ctx: FileContext, rule: Rule, options: dict) -> Iterator[Hit]:
    """Report the first hand-written batch loop of a GPU script that never lowers precision."""
    if not ctx.batch_loops or not _ACCELERATOR.search(ctx.text):
        return
    first = next(f for f in ctx.facts.loops if id(f.node) in ctx.batch_loops)
    yield Hit(_header(first.node), format_message(rule.message, options))


def _header(node):
    """Report at the loop's target/test expression: one line, not the whole loop body."""
    return node.iter if isinstance(node, cst.For) else node.test


def keras_fit_without_policy(ctx: FileContext, rule: Rule, options: dict) -> Iterator[Hit]:
    """Report the first `model.fit(...)` of a Keras script that compiles a model and sets no policy."""
    if KERAS_COMPILE not in ctx.methods:
        return
    if not {"keras", "tensorflow", "tf_keras"} & {n.split(".")[0] for n in ctx.own_referenced}:
        return
    for site in ctx.sites:
        if site.method == KERAS_FIT and (not site.names or site.names[0].startswith("keras.")):
            yield Hit(site.node, format_message(rule.message, options), _policy_fix(ctx))
            return


def _policy_fix(ctx: FileContext) -> FixSpec | None:
    """`<keras>.mixed_precision.set_global_policy("mixed_bfloat16")` after the leading imports,
    so it runs before any model is built; spelt through the module's own `keras` or
    `tensorflow` import (none: no fix)."""
    module = ctx.facts.module
    for name in _imported_names(module):
        found = bindings.resolve(cst.Name(name), ctx.facts.scope)
        if found is None or found.instance or found.local is not None:
            continue
        prefix = name if found.qualname in ("keras", "tensorflow.keras", "tf_keras") \
            else f"{name}.keras" if found.qualname == "tensorflow" else None
        if prefix:
            call = f'{prefix}.mixed_precision.set_global_policy("mixed_bfloat16")'
            return FixSpec(((module, python_edits.insert_after_imports(module, call)),))
    return None


def _imported_names(module: cst.Module) -> Iterator[str]:
    """Names the module's top-level `import` statements bind, in order."""
    for line in module.body:
        for statement in line.body if isinstance(line, cst.SimpleStatementLine) else ():
            if isinstance(statement, cst.Import) or (isinstance(statement, cst.ImportFrom) and not isinstance(statement.names, cst.ImportStar)):
                for alias in statement.names:
                    bound = alias.asname.name if alias.asname is not None else alias.name
                    yield python_edits.code(bound).split(".")[0]
