"""Training questions on an `ast` sketch: necessary conditions of what `FileContext` decides.

Each function answers True whenever the libcst analysis could (it over-approximates), from
the same words (`vocabulary`) the analysis judges by.
"""

from __future__ import annotations

import ast

from mlgreenlint.python.sketch import Call, Sketch, dotted, unchained
from mlgreenlint.python.vocabulary import (
    BACKWARD,
    FIT_METHODS,
    GRAD_CALLS,
    KERAS_COMPILE,
    KERAS_FIT,
    KERAS_ROOTS,
    NEMO_LAST_NAMES,
    NEMO_ROOTS,
    OPTIMIZER_MODULE,
    OPTIMIZER_NAME,
    RUNNER_NAME,
    RUNNER_ROOTS,
    STEP,
    STEP_HOOKS,
    TRAINER_NAME,
    TRAINING_CLASS,
    last,
)

_GRADS = frozenset(map(last, GRAD_CALLS))


def may_train(sk: Sketch) -> bool:
    """`FileContext.training`: a step, a fit or train call, jax.grad, or a helper that steps
    (any call of a script, module-level calls of a library module)."""
    return any(trains(sk, c, helpers=sk.main_guard or c.owner is None) for c in sk.calls)


def trains(sk: Sketch, call: Call, *, helpers: bool = True) -> bool:
    return (is_step(sk, call) or may_fit(sk, call) or bool(sk.expr_terminals(call.func) & _GRADS)
            or may_launch_nemo(sk, call) or (helpers and sk.helper_steps(call)))


def may_launch_nemo(sk: Sketch, call: Call) -> bool:
    """`FileContext.nemo_launch`: a call named like a NeMo training function or a NeMo-Run
    launch, in a file that imports NeMo or NeMo-Run, whose qualified name may be under them."""
    func = call.func
    names = {func.attr} if isinstance(func, ast.Attribute) else sk.expr_terminals(func)
    if not names & NEMO_LAST_NAMES or not any(
            q.split(".", 1)[0] in NEMO_ROOTS for quals in sk.imports.values() for q in quals):
        return False
    quals = sk.qualified(func)
    if quals is None:
        return True
    if not quals:
        # A name the sketch cannot follow but the analysis may (`with run.Experiment() as exp`).
        return dotted(func)[0] in sk.stored
    return any(q.split(".", 1)[0] in NEMO_ROOTS for q in quals)


def entry_trains(sk: Sketch) -> bool:
    """A call that runs when the file is executed trains (`reach.reachable_sites`)."""
    return any(trains(sk, c) for c in reachable(sk))


def reachable(sk: Sketch) -> list[Call]:
    """Calls in module-level code and in the local functions it may reach, as `reachable_sites`."""
    by_owner: dict[int | None, list[Call]] = {}
    for call in sk.calls:
        by_owner.setdefault(call.owner, []).append(call)
    reached: set[int | None] = {None}
    todo: list[int | None] = [None]
    while todo:
        for call in by_owner.get(todo.pop(), ()):
            for target in _call_targets(sk, call):
                if target not in reached:
                    reached.add(target)
                    todo.append(target)
    return [c for c in sk.calls if c.owner in reached]


def _call_targets(sk: Sketch, call: Call):
    node = call.node
    for expr in (node.func, *node.args, *(k.value for k in node.keywords)):
        if isinstance(expr, ast.Attribute):
            yield from sk.functions.get(expr.attr, ())
        elif isinstance(expr, ast.Name):
            for name in sk.name_terminals(expr.id):
                yield from sk.functions.get(name, ())
                if expr is node.func:
                    yield from sk.class_functions.get(name, ())


def is_step(sk: Sketch, call: Call) -> bool:
    """`FileContext.is_step` without helpers: backward, or step on an optimizer or a scaler."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in (BACKWARD, STEP):
        return False
    if func.attr == BACKWARD:
        return True
    words, quals = _receiver_words(sk, func.value), sk.qualified(func)
    if words is None or quals is None:
        return True
    return any(OPTIMIZER_NAME.search(w) or w.startswith(OPTIMIZER_MODULE) for w in words | quals)


def may_fit(sk: Sketch, call: Call) -> bool:
    """`FileContext.is_fit`: `.fit()`/`.train()` on something named like a trainer, or Keras."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in FIT_METHODS:
        return False
    if func.attr == KERAS_FIT and KERAS_COMPILE in sk.methods and sk.words & KERAS_ROOTS:
        return True
    if func.attr == "train" and sk.words & RUNNER_ROOTS and any(RUNNER_NAME.search(w) for w in sk.words):
        return True
    words = _receiver_words(sk, func.value)
    return words is None or any(TRAINER_NAME.search(w) or TRAINING_CLASS.fullmatch(w) for w in words)


def _receiver_words(sk: Sketch, receiver: ast.expr) -> set[str] | None:
    """Names a method's receiver may be known by: as written, imported, or the class it was
    built from; None when it may be known by any."""
    receiver = unchained(receiver)
    if isinstance(receiver, ast.Call):
        receiver = receiver.func
    root, rest = dotted(receiver)
    if root is None:
        return {"?"}  # unknown: matches nothing the analysis could resolve either
    quals = sk.qualified(receiver)
    if quals is None:
        return None
    words = {".".join((root, *rest)), *quals}
    if not rest:
        words |= sk.name_terminals(root)
        # An instance: `t = Trainer(...)` makes `t.train()` a `Trainer.train` call.
        for value in _values(sk, root):
            if isinstance(value, ast.Call):
                built = sk.qualified(value.func)
                if built is None:
                    return None
                words |= sk.expr_terminals(value.func) | built
    return words


def _values(sk: Sketch, name: str) -> list[ast.expr]:
    """Expressions assigned to a name, through name-to-name aliases."""
    out, seen, todo = [], set(), [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for value in map(unchained, sk.assigned.get(current, ())):
            out.append(value)
            if isinstance(value, ast.Name):
                todo.append(value.id)
    return out


def stepping(sk: Sketch) -> bool:
    """Some local function may be a step function (`FileContext._step_functions`)."""
    if "stepping" not in sk.memo:
        sk.memo["stepping"] = any(is_step(sk, c) or (sk.main_guard and c.owner is not None and sk.helper_steps(c))
                                  for c in sk.calls)
    return sk.memo["stepping"]


def batch_loops(sk: Sketch) -> set[int]:
    """Loops that may run a training step (`FileContext.batch_loops`)."""
    if "batch_loops" not in sk.memo:
        loops: set[int] = set()
        for call in sk.calls:
            if not call.loops:
                continue
            loop = call.loops[-1]
            if (is_step(sk, call)
                    or (stepping(sk) and isinstance(call.func, ast.Name) and call.func.id in sk.defs)
                    or (sk.loop_headers.get(loop) and sk.helper_steps(call))):
                loops.add(loop)
        sk.memo["batch_loops"] = loops
    return sk.memo["batch_loops"]


def in_batch_loop(sk: Sketch) -> list[Call]:
    """Calls inside a loop that may be a batch loop (`FileContext.in_batch_loop`)."""
    batch = batch_loops(sk)
    return [c for c in sk.calls if batch.intersection(c.loops)]


def in_step(sk: Sketch) -> list[Call]:
    """`FileContext.in_step`: in a batch loop, or the body of a step function or a
    framework hook (`training_step`) outside its own loops."""
    out = in_batch_loop(sk)
    if stepping(sk) or sk.defs & STEP_HOOKS:
        out += [c for c in sk.calls if c.owner is not None and not c.loops]
    return out


