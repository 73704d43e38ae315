"""What rules ask of a Python file: call sites by name, repository helpers, training steps
and batch loops; guards (`guards.py`), data flow (`training_flow.py`) and what repository
helpers do (`helper_calls.py`) are mixed in."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import libcst as cst

from mlgreenlint.match.names import names_match
from mlgreenlint.python import bindings, environ, recipes
from mlgreenlint.python.bindings import CallRecord, FileFacts, Frame, dotted_name
from mlgreenlint.python.frames import frames as _frames
from mlgreenlint.python.frames import innermost_def, innermost_loop
from mlgreenlint.python.guards import Guards, names_in
from mlgreenlint.python.helper_calls import HelperCalls
from mlgreenlint.python.seams import Repository
from mlgreenlint.python.training_flow import TrainingFlow
from mlgreenlint.python.values import CallSite, CallValue, call_site, deferred
from mlgreenlint.python.vocabulary import (
    BACKWARD,
    CALLBACK_BASES,
    DATA_LOOP,
    DEFERRED_CALLS,
    FIT_METHODS,
    GRAD_CALLS,
    KERAS_COMPILE,
    KERAS_FIT,
    KERAS_ROOTS,
    MMENGINE_RUNNER,
    NEMO_LAST_NAMES,
    NEMO_RECIPES,
    NEMO_RUN_CLI,
    NEMO_RUN_EXPERIMENT,
    NEMO_RUN_TASK,
    NEMO_TRAIN_CALLS,
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
from mlgreenlint.versions import Versions

__all__ = ["FileContext", "innermost_def", "innermost_loop"]


@dataclass(eq=False)
class FileContext(Guards, TrainingFlow, HelperCalls):
    """A parsed Python file and the facts rules query, computed once and on demand."""

    path: str
    text: str
    facts: FileFacts
    versions: Versions = field(default_factory=Versions)
    #: The repository pass (`repository.index.RepoIndex`) and this file's repository-relative path, when known.
    repo: Repository | None = None
    rel: str | None = None

    @cached_property
    def sites(self) -> list[CallSite]:
        """Every call with a resolvable callee or a method name."""
        out = []
        for record in self.facts.calls:
            names, method = self._callee(record)
            if names or method:
                out.append(call_site(record, names, method))
            deferred_site = deferred(out[-1]) if names else None
            if deferred_site is not None:
                out.append(deferred_site)
        return out

    def _callee(self, record: CallRecord) -> tuple[tuple[str, ...], str | None]:
        func = record.node.func
        method = func.attr.value if isinstance(func, cst.Attribute) else None
        resolved = bindings.resolve(func, record.scope)
        if resolved is None:
            return (), method
        names = (resolved.qualname,)
        if isinstance(resolved.local, bindings.ClassBinding):
            names += tuple(bindings.class_bases(resolved.local))
        return names, method

    @cached_property
    def recipe_sites(self) -> list[CallSite]:
        """Fields of NeMo 2.0 recipes set by assignment, as calls (see `recipes.py`)."""
        return recipes.recipe_sites(self.facts.field_stores)

    @cached_property
    def env_sites(self) -> list[CallSite]:
        """Environment variables the file sets, as call sites (see `environ.py`)."""
        return environ.env_sites(self.facts.stores, self.sites)

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
        # Local wrappers of repository step helpers count in scripts (a __main__ block) only.
        helpers = self.facts.has_main_guard
        for site in self.sites:
            if self.is_step(site, helpers=helpers):
                for frame in _frames(site.record.frame):
                    if frame.kind == "loop":
                        break
                    if frame.kind == "def":
                        names.add(frame.node.name.value)
                        break
        return names

    def is_step(self, site: CallSite, *, helpers: bool = True) -> bool:
        if site.method == BACKWARD:
            return True
        if site.method == STEP:
            receiver = dotted_name(site.node.func.value) or ""
            return bool(OPTIMIZER_NAME.search(receiver)) or any(n.startswith(OPTIMIZER_MODULE) for n in site.names)
        # A repository helper that runs the step (`train_step(...)` from another module).
        if not helpers or not site.names or self.repo is None:
            return False
        name = site.names[0]
        return self.repo.may_step(name, consumer=self.rel) and any(s["steps"] for _, _, s in self.helpers(name))

    @cached_property
    def training(self) -> bool:
        """The file trains: a backward pass, an optimizer step, or a trainer's fit/train."""
        for site in self.sites:
            if self.in_callback(site):
                continue
            if self.is_step(site, helpers=False) or self.is_fit(site):
                return True
            if any(n in GRAD_CALLS for n in site.names):
                return True
        # Only then ask the repository pass (which may summarise other modules): for a script
        # (a __main__ block) every call, for a library module only its module-level code.
        script = self.facts.has_main_guard
        return any(self.is_step(site) for site in self.sites
                   if site.names and (script or innermost_def(site.record.frame) is None))

    def in_callback(self, site: CallSite) -> bool:
        """The call is in a method of a framework callback class (`CALLBACK_BASES`)."""
        frame = next((f for f in _frames(site.record.frame) if f.kind == "class"), None)
        return frame is not None and id(frame.node) in self.callback_classes

    @cached_property
    def callback_classes(self) -> set[int]:
        """Node ids of the local classes that derive from a framework callback class."""
        return {id(c.node) for c in self.facts.classes if names_match(tuple(bindings.class_bases(c)), CALLBACK_BASES)}

    def is_fit(self, site: CallSite) -> bool:
        """A trainer's fit/train (or a compiled Keras model's fit), or a NeMo 2.0 launch."""
        if self.nemo_launch(site) is not None:
            return True
        if site.method not in FIT_METHODS:
            return False
        owners = [n.rsplit(".", 1)[0] for n in site.names]
        if any(TRAINER_NAME.search(o) for o in owners):
            return True
        if any(TRAINING_CLASS.fullmatch(o) for o in owners):
            return not (any(MMENGINE_RUNNER.match(o) for o in owners) and self._runners_step_nothing)
        receiver = site.node.func.value
        name = dotted_name(receiver) or (dotted_name(receiver.func) if isinstance(receiver, cst.Call) else "") or ""
        if TRAINER_NAME.search(name):
            return True
        if site.method == "train" and RUNNER_NAME.search(name) and self._uses(RUNNER_ROOTS):
            return not self._runners_step_nothing
        # Keras: model.fit on a model the file compiles.
        return site.method == KERAS_FIT and KERAS_COMPILE in self.methods and self._uses(KERAS_ROOTS)

    @cached_property
    def _runners_step_nothing(self) -> bool:
        """Every MMEngine `Runner(...)` of the file gets a model of a local class whose
        `train_step` does nothing: OpenMMLab's `vis_scheduler.py` runs one to plot a schedule."""
        runners = [s for s in self.sites if s.names and MMENGINE_RUNNER.fullmatch(s.names[0])]
        return bool(runners) and all(self._empty_train_step(s.argument("model")) for s in runners)

    def _empty_train_step(self, arg) -> bool:
        value = arg.value if arg is not None else None
        if not isinstance(value, CallValue) or not value.site.names:
            return False
        cls = next((c for c in self.facts.classes if c.qualname == value.site.names[0]), None)
        step = next((f for f in getattr(cls.node.body, "body", ()) if isinstance(f, cst.FunctionDef)
                     and f.name.value == "train_step"), None) if cls is not None else None
        return step is not None and all(_does_nothing(line) for line in step.body.body)

    def _uses(self, roots: frozenset[str]) -> bool:
        """The file refers to one of these top-level packages."""
        return bool(roots & {n.split(".")[0] for n in self.own_referenced})

    def nemo_launch(self, site: CallSite) -> str | None:
        """How the call trains with NeMo 2.0, or None: "call" for an API training function called
        (`llm.pretrain(...)`, not `run.Partial(llm.pretrain, ...)`, which only configures it) or
        run as a command line (`run.cli.main(llm.finetune)`); "task" for a NeMo-Run task run
        (`run.run(recipe)`, an Experiment's `run()`) in a file that configures a NeMo training
        function or recipe. A literal `dryrun=True` runs nothing."""
        names = site.names
        if not names or last(names[0]) not in NEMO_LAST_NAMES:
            return None
        if not (names_match(names, NEMO_TRAIN_CALLS) or names[0] in (NEMO_RUN_TASK, NEMO_RUN_EXPERIMENT, NEMO_RUN_CLI)):
            return None
        if names[0] == NEMO_RUN_CLI:
            fn = site.positional[0] if site.positional else None
            target = bindings.resolve(fn.expression, site.record.scope) if fn is not None else None
            return "call" if target is not None and names_match((target.qualname,), NEMO_TRAIN_CALLS) else None
        if names[0] not in (NEMO_RUN_TASK, NEMO_RUN_EXPERIMENT):
            written = bindings.resolve(site.node.func, site.record.scope)
            return "call" if written is None or not names_match((written.qualname,), DEFERRED_CALLS) else None
        dryrun = site.argument("dryrun", 4 if names[0] == NEMO_RUN_TASK else None)
        if dryrun is not None and dryrun.value is True:
            return None
        return "task" if names_match(tuple(self.own_referenced), NEMO_TRAIN_CALLS + NEMO_RECIPES) else None

    @cached_property
    def batch_loops(self) -> set[int]:
        """Loops (by node id) that run one training step per iteration."""
        loops = set()
        for site in self.sites:
            loop = innermost_loop(site.record.frame)
            if loop is None or id(loop.node) in loops:
                continue
            # Repository helpers are asked only in loops that look like data or step loops.
            if self.is_step(site, helpers=_data_loop(loop.node)) or (
                isinstance(site.node.func, cst.Name) and site.node.func.value in self._step_functions
            ):
                loops.add(id(loop.node))
        return loops

    def in_batch_loop(self, frame: Frame | None) -> Frame | None:
        for f in _frames(frame):
            if f.kind == "def":
                return None
            if f.kind == "loop" and id(f.node) in self.batch_loops:
                return f
        return None

    def in_step(self, frame: Frame | None) -> Frame | None:
        """The batch loop, or the function run once per step, that the frame is in."""
        loop = self.in_batch_loop(frame)
        if loop is not None:
            return loop
        for f in _frames(frame):
            if f.kind == "loop":
                return None
            if f.kind == "def":
                name = f.node.name.value
                return f if name in self._step_functions or name in STEP_HOOKS else None
        return None


def _does_nothing(statement) -> bool:
    """`pass`, `...` or a docstring: a statement (or a line of small ones) with no effect."""
    small = getattr(statement, "body", None) if isinstance(statement, cst.SimpleStatementLine) else [statement]
    return isinstance(small, (list, tuple)) and all(
        isinstance(s, cst.Pass) or (isinstance(s, cst.Expr) and isinstance(s.value, (cst.SimpleString, cst.Ellipsis)))
        for s in small)


def _data_loop(node) -> bool:
    """`for batch in loader`, `for step in range(n)`, `while step < max_steps`: worth asking helpers."""
    header = (node.target, node.iter) if isinstance(node, cst.For) else (node.test,)
    return any(DATA_LOOP.search(n) for part in header for n in names_in(part))
