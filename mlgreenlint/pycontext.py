"""What rules ask of a Python file: call sites by name, training context, batch loops, guards."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import libcst as cst

from mlgreenlint import pyenv, pyfacts
from mlgreenlint.pyfacts import CallRecord, FileFacts, Frame, dotted_name
from mlgreenlint.values import CallSite, call_site
from mlgreenlint.versions import Versions

_OPTIMIZER_NAME = re.compile(r"(^|[._])(optim|optimi[sz]er|opt|scaler)s?$", re.I)
_TRAINER_NAME = re.compile(r"trainer$", re.I)
# Guards are judged by the words of the names in the condition, so `accelerator` is not `acc`.
_GUARD_WORD = re.compile(
    r"best|metrics?|scores?|loss(es)?|acc|accuracy|improv\w*|time|elapsed|interval|last|final|"
    r"should|save|saving|ckpt|checkpoint|patience|plateau",
    re.I,
)
_RANK_NAME = re.compile(
    r"rank|main_process|is_main|master|local_process|world_process_zero|process_index|global_zero|"
    r"local_zero|is_primary|is_chief",
    re.I,
)
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_TIME_CALLS = ("time.time", "time.monotonic", "time.perf_counter", "datetime.datetime.now")


@dataclass(eq=False)
class FileContext:
    """A parsed Python file and the facts rules query, computed once and on demand."""

    path: str
    text: str
    facts: FileFacts
    versions: Versions = field(default_factory=Versions)

    @cached_property
    def sites(self) -> list[CallSite]:
        out = []
        for record in self.facts.calls:
            names, method = self._callee(record)
            if names or method:
                out.append(call_site(record, names, method))
        return out

    def _callee(self, record: CallRecord) -> tuple[tuple[str, ...], str | None]:
        func = record.node.func
        method = func.attr.value if isinstance(func, cst.Attribute) else None
        resolved = pyfacts.resolve(func, record.scope)
        if resolved is None:
            return (), method
        names = (resolved.qualname,)
        if isinstance(resolved.local, pyfacts.ClassBinding):
            names += tuple(pyfacts.class_bases(resolved.local))
        return names, method

    @cached_property
    def env_sites(self) -> list[CallSite]:
        """Environment variables the file sets, as call sites (see `pyenv`)."""
        return pyenv.env_sites(self.facts.stores, self.sites)

    @cached_property
    def referenced(self) -> set[str]:
        """Qualified names the file calls, decorates with or enters with `with`."""
        names = {n for site in self.sites for n in site.names}
        for expr, scope in self.facts.references:
            resolved = pyfacts.resolve(expr, scope)
            if resolved is not None:
                names.add(resolved.qualname)
        return names

    @cached_property
    def methods(self) -> set[str]:
        return {site.method for site in self.sites if site.method}

    @cached_property
    def _step_functions(self) -> set[str]:
        """Local functions that run one backward pass or optimizer step per call.

        A function that loops over batches itself (`def train(model, loader)`) is an epoch
        function: the loop that calls it is an epoch loop, not a batch loop.
        """
        names = set()
        for site in self.sites:
            if self.is_step(site):
                for frame in _frames(site.record.frame):
                    if frame.kind == "loop":
                        break
                    if frame.kind == "def":
                        names.add(frame.node.name.value)
                        break
        return names

    def is_step(self, site: CallSite) -> bool:
        if site.method == "backward":
            return True
        if site.method == "step":
            receiver = dotted_name(site.node.func.value) or ""
            return bool(_OPTIMIZER_NAME.search(receiver)) or any(n.startswith("torch.optim.") for n in site.names)
        return False

    @cached_property
    def training(self) -> bool:
        """The file trains: a backward pass, an optimizer step, or a trainer's fit/train."""
        for site in self.sites:
            if self.is_step(site) or self.is_fit(site):
                return True
            if any(n in ("jax.grad", "jax.value_and_grad") for n in site.names):
                return True
        return False

    def is_fit(self, site: CallSite) -> bool:
        if site.method not in ("fit", "train"):
            return False
        if any(_TRAINER_NAME.search(n.rsplit(".", 1)[0]) for n in site.names):
            return True
        receiver = site.node.func.value
        name = dotted_name(receiver) or (dotted_name(receiver.func) if isinstance(receiver, cst.Call) else "") or ""
        if _TRAINER_NAME.search(name):
            return True
        # Keras: model.fit on a model the file compiles.
        return site.method == "fit" and "compile" in self.methods and bool(
            {"keras", "tensorflow"} & {n.split(".")[0] for n in self.referenced}
        )

    @cached_property
    def batch_loops(self) -> set[int]:
        """Loops (by node id) that run one training step per iteration."""
        loops = set()
        for site in self.sites:
            steps = self.is_step(site) or (
                isinstance(site.node.func, cst.Name) and site.node.func.value in self._step_functions
            )
            if steps:
                loop = innermost_loop(site.record.frame)
                if loop is not None:
                    loops.add(id(loop.node))
        return loops

    def in_batch_loop(self, frame: Frame | None) -> Frame | None:
        for f in _frames(frame):
            if f.kind == "def":
                return None
            if f.kind == "loop" and id(f.node) in self.batch_loops:
                return f
        return None

    def guarded(self, frame: Frame | None, stop: Frame | None) -> bool:
        """An `if` (or its `else`) between the call and `stop` limits how often the call runs."""
        for f in _frames(frame):
            if f is stop:
                break
            if f.kind in ("if", "else") and isinstance(f.node, cst.If) and self.is_frequency_guard(f.node.test):
                return True
        return stop is not None and self._continue_guard(stop.node)

    def is_frequency_guard(self, test) -> bool:
        """`step % N`, a time call, `i == len(loader) - 1`, or a best-metric / save-decision name.

        A rank check alone (`accelerator.is_main_process`, `rank == 0`) does not change how
        often a save runs, so it is not a guard.
        """
        for node in _walk(test):
            if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
                return True
            if isinstance(node, cst.Call):
                callee = pyfacts.resolve(node.func, self.facts.scope)
                if callee is not None and callee.qualname in _TIME_CALLS:
                    return True
            if isinstance(node, cst.Comparison) and _once_comparison(node):
                return True
        return any(_guard_name(n) for n in _names(test))

    def _continue_guard(self, loop) -> bool:
        """`if step % N: continue` at the top of a loop body guards what follows."""
        body = getattr(loop.body, "body", ())
        for stmt in body:
            if isinstance(stmt, cst.If) and _only_continue(stmt.body):
                for node in _walk(stmt.test):
                    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
                        return True
        return False

    def inside_with(self, frame: Frame | None, names: set[str]) -> bool:
        for f in _frames(frame):
            if f.kind == "with":
                for item in f.node.items:
                    expr = item.item.func if isinstance(item.item, cst.Call) else item.item
                    resolved = pyfacts.resolve(expr, self.facts.scope)
                    if resolved is not None and resolved.qualname in names:
                        return True
        return False


def _frames(frame: Frame | None):
    return frame.chain() if frame is not None else ()


def innermost_loop(frame: Frame | None) -> Frame | None:
    for f in _frames(frame):
        if f.kind == "def":
            return None
        if f.kind == "loop":
            return f
    return None


def _guard_name(name: str) -> bool:
    if _RANK_NAME.search(name):
        return False
    return any(_GUARD_WORD.fullmatch(w) for w in _WORD.findall(name))


def _once_comparison(node: cst.Comparison) -> bool:
    """`step == last_step`: true on one iteration. Rank and string comparisons are not."""
    if not any(isinstance(c.operator, cst.Equal) for c in node.comparisons):
        return False
    sides = [node.left, *(c.comparator for c in node.comparisons)]
    if any(isinstance(s, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)) for s in sides):
        return False
    return not any(_RANK_NAME.search(n) for n in _names(node))


def _only_continue(suite) -> bool:
    body = suite.body if isinstance(suite, cst.IndentedBlock) else [suite]
    for stmt in body:
        smalls = stmt.body if isinstance(stmt, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) else [stmt]
        if not all(isinstance(s, cst.Continue) for s in smalls):
            return False
    return True


def _walk(node):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        for name in pyfacts._child_fields(type(current)):
            value = getattr(current, name)
            if isinstance(value, cst.CSTNode):
                stack.append(value)
            elif isinstance(value, (list, tuple)):
                stack.extend(v for v in value if isinstance(v, cst.CSTNode))


def _names(node):
    for current in _walk(node):
        if isinstance(current, cst.Name):
            yield current.value
        elif isinstance(current, cst.Attribute):
            yield current.attr.value
