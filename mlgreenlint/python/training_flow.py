"""Where a call's result and a `with` block lead: into training, elsewhere, or out of sight.

A mixin of `FileContext` for the data-flow questions of rules (`wraps`, `feeds`): which local
functions, loops and `with` blocks train, and where a value is used in its own scope.
"""

from __future__ import annotations

from functools import cached_property

import libcst as cst

from mlgreenlint.python import bindings
from mlgreenlint.python.bindings import Frame, expression_words
from mlgreenlint.python.frames import frames as _frames
from mlgreenlint.python.values import CallSite


class TrainingFlow:
    """Which blocks, loops and local functions train, and what a call's result feeds."""

    def wraps_training(self, site: CallSite) -> bool:
        """The call opens a `with` block whose body trains (directly or through a local function)."""
        frame = self._with_items.get(id(site.node))
        return frame is not None and id(frame) in self._training_withs

    @cached_property
    def _with_items(self) -> dict[int, Frame]:
        return {id(item.item): frame for frame in self.facts.withs for item in getattr(frame.node, "items", ())}

    @cached_property
    def _training_withs(self) -> set[int]:
        """`with` frames (by id) whose body trains, not counting nested function bodies.

        Training inside a loop that stops after a step count written in the code
        (`if step >= 10: break`, `for _ in range(5): train_step()`) is a short probe, not
        a training run, so the blocks around that loop do not count.
        """
        out: set[int] = set()
        for site in self.sites:
            if self.is_training_call(site):
                for f in _frames(site.record.frame):
                    if f.kind == "def" or (f.kind == "loop" and self._fixed_count(f)):
                        break
                    if f.kind == "with":
                        out.add(id(f))
        return out

    def _fixed_count(self, loop: Frame) -> bool:
        """A loop that stops after a number of iterations written as a literal."""
        node = loop.node
        if isinstance(node, cst.For) and id(node) in self.batch_loops and _literal_range(node.iter):
            return True
        for stmt in getattr(getattr(node, "body", None), "body", ()):
            if isinstance(stmt, cst.If) and _only_break(stmt.body) and any(
                isinstance(n, cst.Comparison) and any(_is_int_expr(c.comparator) for c in n.comparisons)
                for n in bindings.walk(stmt.test)
            ):
                return True
        return False

    def is_training_call(self, site: CallSite) -> bool:
        """A backward pass, optimizer step, fit/train, or a call of a local function that does one."""
        if self.is_step(site) or self.is_fit(site):
            return True
        name = _local_callee(site.node)
        return name is not None and name in self._training_functions

    @cached_property
    def _training_functions(self) -> set[str]:
        """Names of local functions that train, directly or by calling one another."""
        direct: dict[str, set[str]] = {}
        trains: set[str] = set()
        for site in self.sites:
            owner = next((f.node.name.value for f in _frames(site.record.frame) if f.kind == "def"), None)
            if owner is None:
                continue
            if self.is_step(site) or self.is_fit(site):
                trains.add(owner)
            callee = _local_callee(site.node)
            if callee is not None:
                direct.setdefault(owner, set()).add(callee)
        changed = True
        while changed:
            changed = False
            for owner, callees in direct.items():
                if owner not in trains and callees & trains:
                    trains.add(owner)
                    changed = True
        return trains

    def feeds(self, site: CallSite) -> str:
        """Where the call's result is used in its own scope, directly or through a name it is assigned to.

        "training" when a loop over it, or a function of this file it is passed to, trains;
        "other" when such loops or functions exist and none trains; "unseen" otherwise
        (returned, or passed to code elsewhere).
        """
        uses = [id(f) in self._training_loops for f in self._loops_over_node.get(id(site.node), ())]
        for name, scope in self._assigned_names.get(id(site.node), ()):
            uses.extend(id(f) in self._training_loops
                        for f in self._loops_over_name.get(name, ()) if self._scope_of(f) is scope)
            # Passed to a function of this file: it trains or it does not.
            uses.extend(callee in self._training_functions
                        for callee, arg_scope in self._local_calls_with.get(name, ()) if arg_scope is scope)
        if not uses:
            return "unseen"
        return "training" if any(uses) else "other"

    @cached_property
    def _local_calls_with(self) -> dict[str, list[tuple[str, bindings.Scope]]]:
        """Name -> (local function, calling scope) for every `f(..., name, ...)` of a function defined here."""
        local = {f.node.name.value for f in self.facts.functions}
        out: dict[str, list[tuple[str, bindings.Scope]]] = {}
        for record in self.facts.calls:
            callee = _local_callee(record.node)
            if callee in local:
                for arg in record.node.args:
                    if isinstance(arg.value, cst.Name):
                        out.setdefault(arg.value.value, []).append((callee, record.scope))
        return out

    @cached_property
    def _assigned_names(self) -> dict[int, list[tuple[str, bindings.Scope]]]:
        """Value node id -> the names (and their scope) it is assigned to with a plain `name = value`."""
        out: dict[int, list[tuple[str, bindings.Scope]]] = {}
        for scope in (self.facts.scope, *(f.scope for f in self.facts.functions)):
            for name, binds in scope.bindings.items():
                for b in binds:
                    if isinstance(b, bindings.AssignBinding) and not b.unpacked:
                        out.setdefault(id(b.value), []).append((name, scope))
        return out

    @cached_property
    def _loops_over_name(self) -> dict[str, list[Frame]]:
        out: dict[str, list[Frame]] = {}
        for frame in self.facts.loops:
            if isinstance(frame.node, cst.For):
                for word in set(expression_words(frame.node.iter)):
                    out.setdefault(word, []).append(frame)
        return out

    @cached_property
    def _loops_over_node(self) -> dict[int, list[Frame]]:
        out: dict[int, list[Frame]] = {}
        for frame in self.facts.loops:
            if isinstance(frame.node, cst.For):
                for node in bindings.walk(frame.node.iter):
                    if isinstance(node, cst.Call):
                        out.setdefault(id(node), []).append(frame)
        return out

    def _scope_of(self, frame: Frame) -> bindings.Scope:
        for f in _frames(frame.parent):
            if f.kind == "def":
                return self._function_scopes.get(id(f.node), self.facts.scope)
        return self.facts.scope

    @cached_property
    def _function_scopes(self) -> dict[int, bindings.Scope]:
        return {id(f.node): f.scope for f in self.facts.functions}

    @cached_property
    def _training_loops(self) -> set[int]:
        """Loops (frame ids) whose body runs a training call, not counting nested function bodies."""
        out: set[int] = set()
        for site in self.sites:
            if self.is_training_call(site):
                for f in _frames(site.record.frame):
                    if f.kind == "def":
                        break
                    if f.kind == "loop":
                        out.add(id(f))
        return out


def _local_callee(node) -> str | None:
    """`f(...)` or `self.f(...)`: the name of a function that may be defined in this file."""
    if not isinstance(node, cst.Call):
        return None
    func = node.func
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"):
        return func.attr.value
    return None

def _literal_range(node) -> bool:
    """`range(5)`, `range(0, 10)`: a count written in the code."""
    return (isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "range"
            and bool(node.args) and all(_is_int_expr(a.value) for a in node.args))


def _is_int_expr(node) -> bool:
    """An integer literal, or arithmetic on integer literals: `10`, `(1 + 1 + 3) * 2`."""
    if isinstance(node, cst.Integer):
        return True
    if isinstance(node, cst.BinaryOperation):
        return _is_int_expr(node.left) and _is_int_expr(node.right)
    return False


def _only_break(suite) -> bool:
    body = suite.body if isinstance(suite, cst.IndentedBlock) else [suite]
    smalls = [s for stmt in body for s in getattr(stmt, "body", [stmt])]
    return bool(smalls) and all(isinstance(s, cst.Break) for s in smalls)
