"""Which call sites of a file run when it is executed: module-level code and the local
functions and classes it reaches, through calls or functions passed as arguments."""

from __future__ import annotations

import libcst as cst

from mlgreenlint.python import bindings
from mlgreenlint.python.bindings import ClassBinding, FunctionBinding
from mlgreenlint.python.context import FileContext
from mlgreenlint.python.values import CallSite


def owner(site: CallSite) -> cst.FunctionDef | None:
    """The innermost function whose body holds the call, or None at module (or class body) level."""
    frame = site.record.frame
    while frame is not None:
        if frame.kind == "def":
            return frame.node
        frame = frame.parent
    return None


def reachable_sites(ctx: FileContext) -> list[CallSite]:
    """Call sites that run when the file is executed as a script, in file order."""
    by_owner: dict[int, list[CallSite]] = {}
    for site in ctx.sites:
        node = owner(site)
        by_owner.setdefault(id(node) if node is not None else 0, []).append(site)
    methods: dict[str, list[FunctionBinding]] = {}
    for binding in ctx.facts.functions:
        if binding.scope.parent is not None and binding.scope.parent.kind == "class":
            methods.setdefault(binding.node.name.value, []).append(binding)

    reached: set[int] = {0}
    todo = [0]
    while todo:
        for site in by_owner.get(todo.pop(), ()):
            for target in _targets(site, ctx, methods):
                if id(target) not in reached:
                    reached.add(id(target))
                    todo.append(id(target))
    return [s for s in ctx.sites if id(owner(s)) in reached or owner(s) is None]


def _targets(site: CallSite, ctx: FileContext, methods: dict[str, list[FunctionBinding]]):
    """Function nodes a call may run: the callee, functions passed to it, methods by name."""
    scope = site.record.scope
    exprs = [site.node.func, *(arg.value for arg in site.node.args)]
    for expr in exprs:
        if not isinstance(expr, (cst.Name, cst.Attribute)):
            continue
        resolved = bindings.resolve(expr, scope)
        local = resolved.local if resolved is not None else None
        if isinstance(local, FunctionBinding):
            yield local.node
        elif isinstance(local, ClassBinding) and expr is site.node.func and id(local.node) not in ctx.callback_classes:
            # A framework callback's hooks run inside a trainer's fit, not when it is built.
            prefix = local.qualname + "."
            yield from (b.node for b in ctx.facts.functions if b.qualname.startswith(prefix))
    # `self.run()` / `obj.train_epoch()` on an unresolved receiver: any local method of that name.
    if site.method and not site.names:
        yield from (b.node for b in methods.get(site.method, ()))
