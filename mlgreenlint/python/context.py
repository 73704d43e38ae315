"""What rules ask of a Python file: call sites by name, training context, batch loops, guards."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import libcst as cst

from mlgreenlint.python import bindings, environ
from mlgreenlint.python.bindings import (
    CallRecord,
    FileFacts,
    Frame,
    dotted_name,
    expression_words,
)
from mlgreenlint.match.names import names_match
from mlgreenlint.python.frames import frames as _frames
from mlgreenlint.python.frames import innermost_def, innermost_loop
from mlgreenlint.python.seams import Repository
from mlgreenlint.python.values import CallSite, call_site
from mlgreenlint.python.vocabulary import (
    BACKWARD,
    DATA_LOOP,
    FIT_METHODS,
    GRAD_CALLS,
    KERAS_COMPILE,
    KERAS_FIT,
    KERAS_ROOTS,
    OPTIMIZER_MODULE,
    OPTIMIZER_NAME,
    STEP,
    STEP_HOOKS,
    TRAINER_NAME,
)
from mlgreenlint.versions import Versions

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
    def env_sites(self) -> list[CallSite]:
        """Environment variables the file sets, as call sites (see `pyenv`)."""
        return environ.env_sites(self.facts.stores, self.sites)

    @cached_property
    def own_referenced(self) -> set[str]:
        """Qualified names this file itself calls, decorates with or enters with `with`."""
        names = {n for site in self.sites for n in site.names}
        for expr, scope in self.facts.references:
            resolved = bindings.resolve(expr, scope)
            if resolved is not None:
                names.add(resolved.qualname)
        return names

    def references(self, patterns: tuple[str, ...]) -> bool:
        """The file, or a repository helper it calls, references a name matching `patterns`.

        A tracker started in utils/carbon.py counts for the script calling it. Helpers are
        summarised (parsed with libcst) only when their `ast` sketch may reference one.
        """
        if names_match(tuple(self.own_referenced), patterns):
            return True
        for name in self.own_referenced:
            if self.repo is None or not self.repo.may_reference(name, patterns, consumer=self.rel):
                continue
            if any(names_match(tuple(summary["refs"]), patterns) for _, _, summary in self.helpers(name)):
                return True
        return False

    def helpers(self, name: str) -> list[tuple[str, str, dict]]:
        """In-repository functions reached by calling `name` (in other modules): (path, name, summary)."""
        if self.repo is None or name.startswith(self.facts.module_name + "."):
            return []
        cached = self._helper_cache.get(name)
        if cached is None:
            cached = self._helper_cache[name] = self.repo.reach(name, consumer=self.rel)
        return cached

    @cached_property
    def _helper_cache(self) -> dict:
        return {}

    def helper_calls(self, site: CallSite) -> list[tuple[CallSite, str]]:
        """Calls a repository helper makes every time it runs, seen at the call `site`.

        Each comes with a note naming the helper (`save_ckpt() in utils/io.py`). Calls inside
        the helper's own loops or under its own frequency guard are not included.
        """
        if self.repo is None or not site.names or site.names[0].startswith(self.facts.module_name + "."):
            return []
        if id(site) in self._helper_cache:
            return self._helper_cache[id(site)]
        out: list[tuple[CallSite, str]] = []
        self._helper_cache[id(site)] = out
        seen: set[str] = set()
        stack = [(site.names[0], 0, "")]
        while stack:
            name, depth, chain = stack.pop()
            if name in seen or depth > 3:
                continue
            seen.add(name)
            found = self.repo.function(name, consumer=self.rel)
            if found is None:
                continue
            rel, summary = found
            note = f"{chain}{name.rsplit('.', 1)[-1]}() in {rel}"
            for call in summary["calls"]:
                proxy = CallSite(tuple(call["names"]), call["method"], {}, [], True, True, site.node, site.record)
                out.append((proxy, note))
                if call["names"]:
                    stack.append((call["names"][0], depth + 1, f"{note} -> "))
        return out

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
            if self.is_step(site, helpers=False) or self.is_fit(site):
                return True
            if any(n in GRAD_CALLS for n in site.names):
                return True
        # Only then ask the repository pass (which may summarise other modules): for a script
        # (a __main__ block) every call, for a library module only its module-level code.
        script = self.facts.has_main_guard
        return any(self.is_step(site) for site in self.sites
                   if site.names and (script or innermost_def(site.record.frame) is None))

    def is_fit(self, site: CallSite) -> bool:
        if site.method not in FIT_METHODS:
            return False
        if any(TRAINER_NAME.search(n.rsplit(".", 1)[0]) for n in site.names):
            return True
        receiver = site.node.func.value
        name = dotted_name(receiver) or (dotted_name(receiver.func) if isinstance(receiver, cst.Call) else "") or ""
        if TRAINER_NAME.search(name):
            return True
        # Keras: model.fit on a model the file compiles.
        return site.method == KERAS_FIT and KERAS_COMPILE in self.methods and bool(
            KERAS_ROOTS & {n.split(".")[0] for n in self.own_referenced}
        )

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

    def conditional(self, frame: Frame | None, stop: Frame | None) -> bool:
        """An `if`/`else` branch, `match` case or `except` handler lies between the frame and `stop`.

        A check that only asks which device runs (`if torch.cuda.is_available():`) holds on
        every step of a GPU run, so it is not a condition here.
        """
        for f in _frames(frame):
            if f is stop:
                break
            if f.kind == "except":
                return True
            if f.kind in ("if", "else"):
                test = f.node.test if isinstance(f.node, cst.If) else None
                if not (f.kind == "if" and test is not None and _device_check(test)):
                    return True
        return False

    def comment_matches(self, site: CallSite, pattern: re.Pattern) -> bool:
        """The call's statement carries a comment, trailing or on the lines just above, that the pattern finds."""
        line = getattr(site.record, "line", None)
        if line is None:
            return False
        comments = [el.comment for el in line.leading_lines if el.comment is not None]
        if line.trailing_whitespace.comment is not None:
            comments.append(line.trailing_whitespace.comment)
        return any(pattern.search(c.value) for c in comments)

    def guarded(self, frame: Frame | None, stop: Frame | None) -> bool:
        """An `if` (or its `else`) between the call and `stop` limits how often the call runs."""
        for f in _frames(frame):
            if f is stop:
                break
            if f.kind == "except":  # runs only when something failed
                return True
            if f.kind in ("if", "else") and isinstance(f.node, cst.If) and self.is_frequency_guard(f.node.test):
                return True
        return stop is not None and self._continue_guard(stop.node)

    def is_frequency_guard(self, test) -> bool:
        """`step % N`, a time call, `i == len(loader) - 1`, or a best-metric / save-decision name.

        A rank check alone (`accelerator.is_main_process`, `rank == 0`) does not change how
        often a save runs, so it is not a guard. Memoised per condition: every call under
        one `if` asks the same question.
        """
        memo = self._guard_memo
        if id(test) not in memo:
            memo[id(test)] = self._frequency_guard(test)
        return memo[id(test)]

    @cached_property
    def _guard_memo(self) -> dict[int, bool]:
        return {}

    def _frequency_guard(self, test) -> bool:
        for node in bindings.walk(test):
            if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
                return True
            if isinstance(node, cst.Call):
                callee = bindings.resolve(node.func, self.facts.scope)
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
                for node in bindings.walk(stmt.test):
                    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
                        return True
        return False

    def inside_if_matching(self, frame: Frame | None, pattern: re.Pattern) -> bool:
        """An enclosing `if` (either branch) or `match` tests a name or string the pattern finds: `if args.debug:`."""
        for f in _frames(frame):
            if f.kind in ("if", "else"):
                test = f.node.test if isinstance(f.node, cst.If) else getattr(f.node, "subject", None)
                if test is not None and any(pattern.search(w) for w in expression_words(test)):
                    return True
        return False

    def inside_def_matching(self, frame: Frame | None, pattern: re.Pattern) -> bool:
        """An enclosing function's name matches: `def enable_debugging():`."""
        return any(f.kind == "def" and pattern.search(f.node.name.value) for f in _frames(frame))

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

    def inside_with(self, frame: Frame | None, names: set[str]) -> bool:
        for f in _frames(frame):
            if f.kind == "with":
                for item in f.node.items:
                    expr = item.item.func if isinstance(item.item, cst.Call) else item.item
                    resolved = bindings.resolve(expr, self.facts.scope)
                    if resolved is not None and resolved.qualname in names:
                        return True
        return False


def _data_loop(node) -> bool:
    """`for batch in loader`, `for step in range(n)`, `while step < max_steps`: worth asking helpers."""
    header = (node.target, node.iter) if isinstance(node, cst.For) else (node.test,)
    return any(DATA_LOOP.search(n) for part in header for n in _names(part))


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


_DEVICE_WORD = re.compile(
    r"(?i)torch|self|args|cfg|config|opts?|hparams|type|is_available|device(_type|_count)?|"
    r"(use_|on_|has_)?(cuda|gpu)|cuda:\d+|xpu|mps|npu|n_?gpus?|num_gpus|accelerator"
)


def _device_check(test) -> bool:
    """`torch.cuda.is_available()`, `device.type == "cuda"`, `args.use_gpu`: only asks which device runs."""
    words = list(expression_words(test))
    return bool(words) and all(_DEVICE_WORD.fullmatch(w) for w in words) and any(
        re.search(r"(?i)cuda|gpu|xpu|mps|npu|is_available", w) for w in words
    )


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


def _only_continue(suite) -> bool:
    body = suite.body if isinstance(suite, cst.IndentedBlock) else [suite]
    for stmt in body:
        smalls = stmt.body if isinstance(stmt, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) else [stmt]
        if not all(isinstance(s, cst.Continue) for s in smalls):
            return False
    return True


def _names(node):
    for current in bindings.walk(node):
        if isinstance(current, cst.Name):
            yield current.value
        elif isinstance(current, cst.Attribute):
            yield current.attr.value
