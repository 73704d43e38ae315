"""A cheap screen before the libcst parse: which rules could fire on a file at all.

libcst parses about eight times slower than CPython's own `ast`, and most files that pass the
byte-level token prefilter name an API only in a docstring or a comment. So a file that
passes it is parsed with `ast` first, and one walk records a `Sketch`: what each call may
resolve to (its last name, through imports, assignments and local subclasses), which loops
may be batch loops, and which calls may reach a repository helper. A rule is kept when its
declared match could hold on the sketch; libcst parses the file only when a rule is kept.

The screen over-approximates (a kept rule may still find nothing) and must never drop a rule
that the full analysis would fire: every question here is a necessary condition of what
`pyfacts`, `pycontext` and the checks decide. The benchmark compares the findings with and
without it (`MLGREENLINT_NO_PREFILTER=1` turns off the token prefilter and the screen), and
tests/test_prescreen.py, the rule examples and a fuzz property compare the same.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import cached_property, lru_cache

from mlgreenlint.aliases import canonical, exact_aliases
from mlgreenlint.model import Rule

# The words pycontext judges by, kept here so that the screen and the analysis share them.
#: Loop headers worth asking repository helpers about.
DATA_LOOP = re.compile(r"batch|load|data|epoch|step|sample|train|iter|\bdl\b|\bds\b|range", re.I)
#: Names of trainers, whose `.fit()`/`.train()` trains.
TRAINER_NAME = re.compile(r"trainer$", re.I)
OPTIMIZER_NAME = re.compile(r"(^|[._])(optim|optimi[sz]er|opt|scaler)s?$", re.I)
_STEPS = frozenset({"backward", "step"})
_FITS = frozenset({"fit", "train"})
_GRADS = frozenset({"grad", "value_and_grad"})
_LOOPS = frozenset({ast.For, ast.AsyncFor, ast.While})
#: Node classes the walk records something of (all others: only their children).
_SPECIAL = frozenset({ast.Name, ast.Subscript, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, *_LOOPS,
                      ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.NamedExpr, ast.With,
                      ast.AsyncWith, ast.keyword, ast.arg, ast.Constant})


@dataclass
class Call:
    node: ast.Call
    #: Loops around the call inside its innermost function, innermost last (ids).
    loops: tuple[int, ...]
    #: The innermost function (node id) whose body holds the call; None at module level.
    owner: int | None = None

    @property
    def func(self) -> ast.expr:
        return self.node.func


@dataclass
class Sketch:
    """What one `ast` walk tells about a file, for the screen."""

    calls: list[Call] = field(default_factory=list)
    #: Attribute and name words anywhere (`environ`, `putenv`, imported names).
    words: set[str] = field(default_factory=set)
    defs: set[str] = field(default_factory=set)
    #: Loop id -> whether its header reads like a data or step loop (`for batch in loader`).
    loop_headers: dict[int, bool] = field(default_factory=dict)
    #: Local name -> qualified names it is bound to by imports.
    imports: dict[str, set[str]] = field(default_factory=dict)
    #: Local name -> expressions assigned to it (aliases such as `T = pl.Trainer`).
    assigned: dict[str, list[ast.expr]] = field(default_factory=dict)
    #: Local class -> its base expressions.
    classes: dict[str, list[ast.expr]] = field(default_factory=dict)
    main_guard: bool = False
    #: Names bound other than by imports, defs and classes (assignment, loop and `with` targets...).
    stored: set[str] = field(default_factory=set)
    #: Parameter names: they shadow imports, and resolve to nothing themselves.
    params: set[str] = field(default_factory=set)
    #: String constants and keyword names (environment variable names among them).
    strings: set[str] = field(default_factory=set)
    #: Containers assigned to under a computed key (`os.environ[name] = ...`).
    keyed_stores: list[ast.expr] = field(default_factory=list)
    top_classes: set[str] = field(default_factory=set)
    class_defs: dict[str, int] = field(default_factory=dict)
    star_import: bool = False
    #: Function node id -> its qualified name; local name -> qualified names of its defs and classes.
    def_quals: dict[int, str] = field(default_factory=dict)
    local_quals: dict[str, set[str]] = field(default_factory=dict)
    #: Names used without a call that the repository pass follows (decorators, `with` items), by owner.
    references: list[tuple[ast.expr, int | None]] = field(default_factory=list)
    #: Function name -> node ids, class name -> ids of every function inside it.
    functions: dict[str, list[int]] = field(default_factory=dict)
    class_functions: dict[str, list[int]] = field(default_factory=dict)
    #: qualified name -> whether that repository function may run a training step (`RepoIndex.may_step`).
    steps: object = None
    _helper_steps: dict[str, bool] = field(default_factory=dict)
    module: str = ""
    repo_module: object = None
    launched: object = None
    _helpers: dict[int, tuple[str, ...]] = field(default_factory=dict)
    _modules: dict[str, bool] = field(default_factory=dict)
    _terminal_cache: dict[str, set[str]] = field(default_factory=dict)
    _head_cache: dict[str, set[str]] = field(default_factory=dict)
    _by_name: dict[str, list[Call]] | None = None
    _exact: dict[int, tuple[str, ...] | None] = field(default_factory=dict)
    _batch: set[int] | None = None

    def by_name(self) -> dict[str, list[Call]]:
        """Calls by every last name and method name they may have."""
        if self._by_name is None:
            self._by_name = {}
            for call in self.calls:
                names = set(self.expr_terminals(call.func))
                if isinstance(call.func, ast.Attribute):
                    names.add(call.func.attr)
                for name in names:
                    self._by_name.setdefault(name, []).append(call)
        return self._by_name

    @cached_property
    def methods(self) -> set[str]:
        return {c.func.attr for c in self.calls if isinstance(c.func, ast.Attribute)}

    # Flow-insensitive name resolution: a superset of what `pyfacts.resolve` finds.

    def name_terminals(self, name: str, depth: int = 0) -> set[str]:
        """Last names a local name may stand for: itself, what it imports, aliases and bases."""
        if name in self._terminal_cache:
            return self._terminal_cache[name]
        found = self._terminal_cache[name] = {name}  # placed first: cycles (`a = b; b = a`) end here
        if depth > _DEPTH:
            return found
        for qual in self.imports.get(name, ()):
            found.add(qual.rsplit(".", 1)[-1])
        for value in self.assigned.get(name, ()):
            found |= self.expr_terminals(value, depth + 1)
        for base in self.classes.get(name, ()):
            found |= self.expr_terminals(base, depth + 1)
        return found

    def expr_terminals(self, node: ast.expr, depth: int = 0) -> set[str]:
        if isinstance(node, ast.Name):
            return self.name_terminals(node.id, depth)
        if isinstance(node, ast.Attribute):
            return {node.attr}
        return set()

    def heads(self, name: str, depth: int = 0) -> set[str]:
        """Qualified names a local name may stand for through imports and aliases."""
        if name in self._head_cache:
            return self._head_cache[name]
        found = self._head_cache[name] = set(self.imports.get(name, ())) | self.local_quals.get(name, set())
        if depth <= _DEPTH:
            # A local class also stands for its bases (`site.names` lists them).
            for value in (*self.assigned.get(name, ()), *self.classes.get(name, ())):
                # `t = Trainer(...)` names an instance by its class, as pyfacts does.
                root, rest = _dotted(value.func if isinstance(value, ast.Call) else value)
                if root is not None:
                    found |= {".".join((h, *rest)) for h in self.heads(root, depth + 1)}
        return found

    def qualified(self, node: ast.expr) -> set[str]:
        root, rest = _dotted(node)
        if root is None:
            return set()
        quals = set()
        for head in self.heads(root):
            raw = stepwise = canonical(head)
            for part in rest:  # pyfacts canonicalises at every attribute
                raw, stepwise = f"{raw}.{part}", canonical(f"{stepwise}.{part}")
            quals |= {raw, canonical(raw), stepwise}
        return quals

    def bound(self, name: str) -> bool:
        return name in self.imports or name in self.stored or name in self.defs or self.star_import

    def exact(self, node: ast.expr, depth: int = 0) -> set[str] | None:
        """Every qualified name `pyfacts` may give the expression, or None when it may give others."""
        root, rest = _dotted(node)
        if root is None:
            return None
        if not self.bound(root):
            return set()  # a parameter, a builtin or a typo: resolves to nothing
        if self.only_imported(node):
            return self.qualified(node)
        if rest or root not in self.top_classes or self.class_defs[root] != 1 or root in self.imports \
                or root in self.stored or root in self.functions or depth > _DEPTH:
            return None
        # A module-level class: its own name and its bases' (`class A(TrainingArguments)`).
        found = {f"{self.module}.{root}"}
        for base in self.classes[root]:
            inner = self.exact(base, depth + 1)
            if inner is None:
                return None
            found |= inner
        return found

    def exact_names(self, call: Call) -> tuple[str, ...] | None:
        """Every qualified name a call may have, when they are known exactly (see `exact`)."""
        key = id(call)
        if key not in self._exact:
            found = self.exact(call.func)
            self._exact[key] = None if found is None else tuple(sorted(found))
        return self._exact[key]

    def certain_name(self, node: ast.expr) -> str | None:
        """The one qualified name `pyfacts.resolve` gives the expression, when it is certain:
        its root is bound by a single import and nothing else in the file."""
        root, rest = _dotted(node)
        if not self.only_imported(node) or self.star_import or len(self.imports[root]) != 1:
            return None
        name = canonical(next(iter(self.imports[root])))
        for part in rest:
            name = canonical(f"{name}.{part}")
        return name

    def only_imported(self, node: ast.expr) -> bool:
        """The expression's root name is bound by imports alone, so its qualified names are exact."""
        root, _ = _dotted(node)
        return (root is not None and root in self.imports and root not in self.stored and root not in self.defs
                and root not in self.params)

    def helper_steps(self, call: Call) -> bool:
        """The call may reach a repository function that runs a training step."""
        helpers = self.helpers(call)
        if not helpers:
            return False
        if self.steps is None:
            return True
        known = self._helper_steps
        for qualname in helpers:
            if qualname not in known:
                known[qualname] = self.steps(qualname)
            if known[qualname]:
                return True
        return False

    def helpers(self, call: Call) -> tuple[str, ...]:
        """Qualified names under which the call may reach a function of another repository module."""
        if self.repo_module is None:
            return ()
        found = self._helpers.get(id(call))
        if found is None:
            found = self._helpers[id(call)] = tuple(
                q for q in sorted(self.qualified(call.func)) if self._in_repo(q))
        return found

    def _in_repo(self, qualname: str) -> bool:
        if qualname.startswith(self.module + "."):
            return False
        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            prefix = ".".join(parts[:cut])
            if prefix not in self._modules:
                self._modules[prefix] = self.repo_module(prefix) is not None
            if self._modules[prefix]:
                return True
        return False


def parse(text: str) -> ast.Module | None:
    """CPython's tree of the file, or None when CPython does not accept it (libcst decides then)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return compile(text, "<mlgreenlint>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None


def sketch(tree: ast.Module, module: str, repo_module=None, steps=None, launched=None) -> Sketch:
    """One walk over `tree`.

    `repo_module(name)` tells whether a dotted name is a repository module,
    `steps(qualname)` whether a repository function may run a training step, and
    `launched()` whether some launch command of the repository runs this file.
    """
    out = Sketch(steps=steps, module=module, repo_module=repo_module, launched=launched)
    out.main_guard = any(_is_main_guard(s) for s in tree.body)
    # (node, loops around it in its function, its function, the classes around it, its scope's name)
    stack: list[tuple[ast.AST, tuple[int, ...], int | None, tuple[str, ...], str]] = [(tree, (), None, (), module)]
    words = out.words
    while stack:
        node, loops, owner, classes, scope = stack.pop()
        cls = node.__class__
        if cls is ast.Call:
            out.calls.append(Call(node, loops, owner))
        elif cls is ast.Attribute:
            words.add(node.attr)
        elif cls not in _SPECIAL:
            pass
        elif cls is ast.Name:  # a root or a lone child; names under other nodes are handled below
            words.add(node.id)
            if node.ctx.__class__ is not ast.Load:
                out.stored.add(node.id)
            continue
        elif cls is ast.Subscript:
            if node.ctx.__class__ is ast.Store and node.slice.__class__ is not ast.Constant:
                out.keyed_stores.append(node.value)
        elif cls is ast.FunctionDef or cls is ast.AsyncFunctionDef:
            # Decorators and defaults run where the def is; the body is a frame of its own.
            out.defs.add(node.name)
            out.functions.setdefault(node.name, []).append(id(node))
            qual = out.def_quals[id(node)] = f"{scope}.{node.name}"
            out.local_quals.setdefault(node.name, set()).add(qual)
            for name in classes:
                out.class_functions.setdefault(name, []).append(id(node))
            out.references.extend((d, owner) for d in node.decorator_list if not isinstance(d, ast.Call))
            body = {id(s) for s in node.body}
            for child in ast.iter_child_nodes(node):
                stack.append((child, (), id(node), classes, qual) if id(child) in body
                             else (child, loops, owner, classes, scope))
            continue
        elif cls is ast.ClassDef:
            out.classes.setdefault(node.name, []).extend(node.bases)
            out.defs.add(node.name)
            out.class_defs[node.name] = out.class_defs.get(node.name, 0) + 1
            if owner is None and not classes:
                out.top_classes.add(node.name)
            qual = f"{scope}.{node.name}"
            out.local_quals.setdefault(node.name, set()).add(qual)
            body = {id(s) for s in node.body}
            for child in ast.iter_child_nodes(node):
                stack.append((child, loops, owner, (*classes, node.name), qual) if id(child) in body
                             else (child, loops, owner, classes, scope))
            continue
        elif cls in _LOOPS:
            header = (node.target, node.iter) if cls is not ast.While else (node.test,)
            out.loop_headers[id(node)] = any(DATA_LOOP.search(w) for part in header for w in _words(part))
            # The header runs outside the loop; only the body and else are inside it.
            for part in header:
                stack.append((part, loops, owner, classes, scope))
            inner = (*loops, id(node))
            for child in (*node.body, *node.orelse):
                stack.append((child, inner, owner, classes, scope))
            continue
        elif cls is ast.Import or cls is ast.ImportFrom:
            out.star_import |= _bind_imports(node, module, out.imports, words)
            continue
        elif cls is ast.Assign or cls is ast.AnnAssign or cls is ast.NamedExpr:
            targets = node.targets if cls is ast.Assign else [node.target]
            if node.value is not None:
                for target in targets:
                    if target.__class__ is ast.Name:
                        out.assigned.setdefault(target.id, []).append(node.value)
        elif cls is ast.With or cls is ast.AsyncWith:
            out.references.extend((item.context_expr, owner) for item in node.items
                                  if not isinstance(item.context_expr, ast.Call))
        elif cls is ast.keyword:
            if node.arg:
                words.add(node.arg)
                out.strings.add(node.arg)
        elif cls is ast.arg:
            out.params.add(node.arg)
        elif cls is ast.Constant:
            if node.value.__class__ is str and len(node.value) < 256:
                out.strings.add(node.value)
            continue
        # Children, with the commonest leaves (names and constants) handled without a push.
        for field_name in _child_fields(node.__class__):
            value = getattr(node, field_name, None)
            for child in (value if value.__class__ is list else (value,)):
                cls = child.__class__
                if cls is ast.Name:
                    words.add(child.id)
                    if child.ctx.__class__ is not ast.Load:
                        out.stored.add(child.id)
                elif cls is ast.Constant:
                    if child.value.__class__ is str and len(child.value) < 256:
                        out.strings.add(child.value)
                elif isinstance(child, ast.AST):
                    stack.append((child, loops, owner, classes, scope))
    return out


_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(cls: type) -> tuple[str, ...]:
    """The fields of a node class that may hold nodes worth visiting (not `ctx` or `op`)."""
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = _FIELDS[cls] = tuple(f for f in cls._fields if f not in ("ctx", "op", "ops", "type_comment", "kind"))
    return fields


def _is_main_guard(node: ast.stmt) -> bool:
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare) or len(node.test.comparators) != 1:
        return False
    sides = (node.test.left, node.test.comparators[0])
    return (any(isinstance(x, ast.Name) and x.id == "__name__" for x in sides)
            and any(isinstance(x, ast.Constant) and x.value == "__main__" for x in sides))


def _words(node: ast.AST):
    """The names in an expression as libcst has them: names, attributes, keywords, lambda parameters."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            yield sub.id
        elif isinstance(sub, ast.Attribute):
            yield sub.attr
        elif isinstance(sub, (ast.keyword, ast.arg)) and sub.arg:
            yield sub.arg


def import_base(module: str, level: int, name: str) -> str | None:
    """The module a `from` import names, relative ones resolved against `module` (package
    modules are named `pkg.__init__`); None when the dots climb above the top package.
    pyfacts resolves imports with it too."""
    if not level:
        return name
    package = module.split(".")[:-1]
    up = level - 1
    if up > len(package):
        return None
    return ".".join([*package[: len(package) - up], *([name] if name else [])])


def _bind_imports(node, module: str, imports: dict[str, set[str]], words: set[str]) -> bool:
    """Record what an import binds; True for `from m import *`."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            words.update(alias.name.split("."))
            if alias.asname:
                imports.setdefault(alias.asname, set()).add(alias.name)
            else:
                head = alias.name.split(".")[0]
                imports.setdefault(head, set()).add(head)
        return False
    base = import_base(module, node.level, node.module or "")
    if base is None:
        return any(alias.name == "*" for alias in node.names)
    words.update(base.split("."))
    for alias in node.names:
        words.add(alias.name)
        if alias.name != "*":
            imports.setdefault(alias.asname or alias.name, set()).add(f"{base}.{alias.name}" if base else alias.name)
    return any(alias.name == "*" for alias in node.names)


_DEPTH = 20


def _dotted(node: ast.expr) -> tuple[str | None, tuple[str, ...]]:
    """`a.b.c` -> ("a", ("b", "c")); calls in the chain name their callee (`Foo().run`: Foo.run)."""
    parts = []
    while isinstance(node, (ast.Attribute, ast.Call)):
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
        node = node.value if isinstance(node, ast.Attribute) else node.func
    if isinstance(node, ast.Name):
        return node.id, tuple(reversed(parts))
    return None, ()


# The screen ----------------------------------------------------------------------------------


def may_fire(rule: Rule, sk: Sketch, versions=None) -> bool:
    """Whether the full analysis could report `rule` on the sketched file (over-approximated);
    `versions`: the repository's pinned versions (`version` predicates), when known."""
    match = rule.match
    if match.get("scope") == "training" and not _may_train(sk):
        return False
    check = match.get("check")
    if check is not None and _CHECK_SCREENS.get(check, _always)(sk):
        return True
    return any(_pattern_may(p, sk, versions) for p in match.get("python", ()))


def _always(sk: Sketch) -> bool:
    return True


def _may_train(sk: Sketch) -> bool:
    """`FileContext.training`: a step, a fit or train call, jax.grad, or a helper that steps
    (any call of a script, module-level calls of a library module)."""
    return any(_trains(sk, c, helpers=sk.main_guard or c.owner is None) for c in sk.calls)


def _trains(sk: Sketch, call: Call, *, helpers: bool = True) -> bool:
    return (_is_step(sk, call) or _may_fit(sk, call) or bool(sk.expr_terminals(call.func) & _GRADS)
            or (helpers and sk.helper_steps(call)))


def _entry_trains(sk: Sketch) -> bool:
    """ET001's check: a call that runs when the file is executed trains (`checks.reach`)."""
    return any(_trains(sk, c) for c in _reachable(sk))


def _reachable(sk: Sketch) -> list[Call]:
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


def _is_step(sk: Sketch, call: Call) -> bool:
    """`FileContext.is_step` without helpers: backward, or step on an optimizer or a scaler."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in _STEPS:
        return False
    if func.attr == "backward":
        return True
    words = _receiver_words(sk, func.value) | sk.qualified(func)
    return any(OPTIMIZER_NAME.search(w) or w.startswith("torch.optim.") for w in words)


def _may_fit(sk: Sketch, call: Call) -> bool:
    """`FileContext.is_fit`: `.fit()`/`.train()` on something named like a trainer, or Keras."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in _FITS:
        return False
    if func.attr == "fit" and "compile" in sk.methods and sk.words & {"keras", "tensorflow"}:
        return True
    receiver = func.value.func if isinstance(func.value, ast.Call) else func.value
    return any(TRAINER_NAME.search(w) for w in _receiver_words(sk, receiver))


def _receiver_words(sk: Sketch, receiver: ast.expr) -> set[str]:
    """Names a method's receiver may be known by: as written, imported, or the class it was built from."""
    if isinstance(receiver, ast.Call):
        receiver = receiver.func
    root, rest = _dotted(receiver)
    if root is None:
        return {"?"}  # unknown: matches nothing the analysis could resolve either
    words = {".".join((root, *rest)), *sk.qualified(receiver)}
    if not rest:
        words |= sk.name_terminals(root)
        # An instance: `t = Trainer(...)` makes `t.train()` a `Trainer.train` call.
        for value in _values(sk, root):
            if isinstance(value, ast.Call):
                words |= sk.expr_terminals(value.func) | sk.qualified(value.func)
    return words


def _values(sk: Sketch, name: str) -> list[ast.expr]:
    """Expressions assigned to a name, through name-to-name aliases."""
    out, seen, todo = [], set(), [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for value in sk.assigned.get(current, ()):
            out.append(value)
            if isinstance(value, ast.Name):
                todo.append(value.id)
    return out


def _stepping(sk: Sketch) -> bool:
    """Some local function may be a step function (`FileContext._step_functions`)."""
    return any(_is_step(sk, c) or (sk.main_guard and c.owner is not None and sk.helper_steps(c)) for c in sk.calls)


def _batch_loops(sk: Sketch) -> set[int]:
    """Loops that may run a training step (`FileContext.batch_loops`)."""
    if sk._batch is None:
        sk._batch = _find_batch_loops(sk)
    return sk._batch


def _find_batch_loops(sk: Sketch) -> set[int]:
    stepping = _stepping(sk)
    loops: set[int] = set()
    for call in sk.calls:
        if not call.loops:
            continue
        loop = call.loops[-1]
        if (_is_step(sk, call)
                or (stepping and isinstance(call.func, ast.Name) and call.func.id in sk.defs)
                or (sk.loop_headers.get(loop) and sk.helper_steps(call))):
            loops.add(loop)
    return loops


_CONTEXT_KEYS = ("inside", "unguarded", "not-inside-with")


def _pattern_may(pattern: dict, sk: Sketch, versions) -> bool:
    if "env" in pattern:
        return bool(sk.strings & set(pattern["env"])) or _computed_env_names(sk)
    placed = _placed(pattern.get("inside"), sk)
    if not placed:
        return False
    ids = {id(c) for c in placed}
    where = pattern.get("where", ())
    if any(id(c) in ids and _targets(pattern, c, sk) and _where_may(where, c, versions)
           for c in _target_candidates(pattern, sk)):
        return True
    # Patterns about where a call runs also fire at a call of a repository helper that makes it.
    return any(k in pattern for k in _CONTEXT_KEYS) and any(sk.helpers(c) for c in placed)


def _where_may(where, call: Call, versions) -> bool:
    """False when a predicate of the pattern is certainly false for this call: a `version`
    (exact), or whether a keyword is passed (`present`) when the call hides no `**` mapping."""
    for pred in where:
        if "version" in pred:
            if versions is not None and not versions.holds(pred["version"]):
                return False
        elif "present" in pred and "keyword" in pred and "default" not in pred and "." not in pred["keyword"]:
            passed = _passed(call.node, pred["keyword"], pred.get("position"))
            if passed is not None and passed != pred["present"]:
                return False
    return True


def _passed(node: ast.Call, keyword: str, position: int | None) -> bool | None:
    """Whether the call passes the argument (`CallSite.argument`), or None when `**`/`*` may hide it."""
    if any(k.arg == keyword for k in node.keywords):
        return True
    if any(k.arg is None for k in node.keywords):
        return None  # `**mapping`: pyfacts may fold its keys
    if position is not None:
        positional = [a for a in node.args if not isinstance(a, ast.Starred)]
        if position < len(positional):
            return True
        if len(positional) < len(node.args):
            return None  # `*args` may hide it
    return False


def _placed(inside: str | None, sk: Sketch) -> list[Call]:
    """The calls whose place fits a pattern's `inside` (`pyrules._context_holds`)."""
    if inside in ("batch-loop", "step"):
        batch = _batch_loops(sk)
        out = [c for c in sk.calls if batch.intersection(c.loops)]
        if inside == "step" and (_stepping(sk) or "training_step" in sk.defs):
            # The body of a step function or a framework hook, outside its own loops.
            out += [c for c in sk.calls if c.owner is not None and not c.loops]
        return out
    if inside == "loop":
        return [c for c in sk.calls if c.loops]
    if inside == "function":
        return [c for c in sk.calls if c.owner is not None]
    return sk.calls


def _target_candidates(pattern: dict, sk: Sketch) -> list[Call]:
    """Calls whose last name or method could match the pattern's target (an index look-up)."""
    index = sk.by_name()
    names = set(pattern.get("method", ()))
    for glob in _terminal_globs(tuple(pattern.get("call", ()))):
        if any(c in glob for c in "*?["):
            names.update(n for n in index if fnmatchcase(n, glob))
        else:
            names.add(glob)
    return [c for n in names for c in index.get(n, ())]


def _computed_env_names(sk: Sketch) -> bool:
    """Some environment variable is set under a name that is not a string literal (`pyenv`)."""
    if any("environ" in sk.expr_terminals(target) for target in sk.keyed_stores):
        return True
    for call in sk.calls:
        func, node = call.func, call.node
        if "putenv" in sk.expr_terminals(func) or (isinstance(func, ast.Attribute) and func.attr in ("setdefault", "__setitem__")
                                          and "environ" in sk.expr_terminals(func.value)):
            if not node.args or not isinstance(node.args[0], ast.Constant):
                return True
        elif isinstance(func, ast.Attribute) and func.attr == "update" and "environ" in sk.expr_terminals(func.value):
            if any(k.arg is None for k in node.keywords) or any(
                    not isinstance(a, ast.Dict) or not all(isinstance(k, ast.Constant) for k in a.keys) for a in node.args):
                return True
    return False


def _targets(pattern: dict, call: Call, sk: Sketch) -> bool:
    methods = pattern.get("method")
    if methods and isinstance(call.func, ast.Attribute) and call.func.attr in methods:
        return True
    names = pattern.get("call")
    if not names:
        return False
    exact = sk.exact_names(call)
    if exact is not None:
        return _names_match(exact, tuple(names))
    globs = _terminal_globs(tuple(names))
    return any(fnmatchcase(t, glob) for t in sk.expr_terminals(call.func) for glob in globs)


def _names_match(quals: tuple[str, ...], patterns: tuple[str, ...]) -> bool:
    """As `matcher.names_match`, without importing libcst."""
    return any(q == p or fnmatchcase(q, p) for p in map(canonical, patterns) for q in quals)


@lru_cache(maxsize=256)
def _terminal_globs(patterns: tuple[str, ...]) -> tuple[str, ...]:
    """Globs the last name a call is written with must match for its qualified name to match."""
    out = []
    for pattern in patterns:
        full = canonical(pattern)
        out.append(_last_glob(full))
        # Re-exports that canonicalise to the pattern under another last name.
        out.extend(alias.rsplit(".", 1)[-1] for alias, target in exact_aliases()
                   if target == full or fnmatchcase(target, full))
    return tuple(dict.fromkeys(out))


def _last_glob(pattern: str) -> str:
    if "?" in pattern or "[" in pattern:
        return "*"
    if "*" in pattern:
        suffix = pattern.rsplit("*", 1)[1]
        return suffix.rsplit(".", 1)[1] if "." in suffix else "*" + suffix
    return pattern.rsplit(".", 1)[-1]


#: The callees of checks/by_launch.py (PARSER, ACCELERATOR), without importing it (it imports libcst).
PARSERS = ("transformers.HfArgumentParser", "trl.TrlParser")
ACCELERATORS = ("accelerate.Accelerator",)

_CHECK_SCREENS = {
    # MP001: a batch loop (the accelerator test is the check's own).
    "fp32-training-loop": lambda sk: bool(_batch_loops(sk)),
    "keras-fit-without-mixed-policy": lambda sk: {"fit", "compile"} <= sk.methods,
    "training-without-emissions-tracking": lambda sk: _entry_trains(sk) and not _hf_script_unlaunched(sk),
    "hf-argparser-launch": lambda sk: _calls_any(sk, PARSERS) and _launched(sk),
    "accelerate-launch": lambda sk: _calls_any(sk, ACCELERATORS),
}


def _launched(sk: Sketch) -> bool:
    return sk.launched is None or bool(sk.launched())


def _hf_script_unlaunched(sk: Sketch) -> bool:
    """ET001 leaves a script that reads its arguments with an HF parser to its launches, and
    says nothing when none is known (`emissions._hf_reports_or_unknown`)."""
    return not _launched(sk) and any(
        (name := sk.certain_name(c.func)) is not None and _names_match((name,), PARSERS) for c in sk.calls)


def _calls_any(sk: Sketch, patterns: tuple[str, ...]) -> bool:
    return any(_targets({"call": patterns, "subclasses": True}, c, sk) for c in sk.calls)


class HelperSketches:
    """What a repository function and the functions it reaches may do, from `ast` sketches of
    the modules `RepoIndex.reach` would summarise with libcst, followed as deep."""

    def __init__(self, repo, depth: int):
        self.repo = repo
        self.depth = depth
        #: module path -> {function qualname: (trains itself, names it refers to)}, or None / unknown
        self._modules: dict[str, dict[str, tuple[bool, set[str]]] | None | object] = {}

    def steps(self, qualname: str, consumer: str | None) -> bool:
        return self._any(qualname, consumer, lambda trains, refs: trains)

    def references(self, qualname: str, patterns: tuple[str, ...], consumer: str | None) -> bool:
        return self._any(qualname, consumer, lambda trains, refs: _names_match(tuple(refs), patterns))

    def _any(self, qualname: str, consumer: str | None, test) -> bool:
        seen: set[str] = set()
        frontier = [(qualname, 0)]
        while frontier:
            name, level = frontier.pop(0)
            if name in seen or level > self.depth:
                continue
            seen.add(name)
            found = self._function(name, consumer)
            if found is _UNKNOWN:
                return True
            if found is None:
                continue
            trains, refs = found
            if test(trains, refs):
                return True
            frontier.extend((ref, level + 1) for ref in refs)
        return False

    def _function(self, qualname: str, consumer: str | None):
        """As `RepoIndex.function`: the function's (trains, refs), None, or unknown."""
        from mlgreenlint.repository.index import facts_module

        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            rel = self.repo.module_path(".".join(parts[:cut]))
            if rel is None:
                continue
            table = self._module(rel, consumer)
            if table is None or table is _UNKNOWN:
                return table
            return table.get(f"{facts_module(rel)}.{'.'.join(parts[cut:])}")
        return None

    def _module(self, rel: str, consumer: str | None):
        text = self.repo.text(rel, consumer=consumer)
        if rel not in self._modules:
            self._modules[rel] = None if text is None else _functions(text, rel)
        return self._modules[rel]


def _functions(text: str, rel: str):
    """{qualname: (runs a step or fit itself, names it refers to)} of a module, or unknown."""
    from mlgreenlint.repository.index import facts_module

    tree = parse(text)
    if tree is None:
        return _UNKNOWN  # libcst may still read it
    sk = sketch(tree, facts_module(rel))
    owned: dict[int | None, list[Call]] = {}
    for call in sk.calls:
        owned.setdefault(call.owner, []).append(call)
    table: dict[str, tuple[bool, set[str]]] = {}
    for node_id, qual in sk.def_quals.items():
        calls = owned.get(node_id, [])
        trains = any(_trains(sk, c, helpers=False) for c in calls)
        refs = {q for c in calls for q in sk.qualified(c.func)}
        refs |= {q for expr, owner in sk.references if owner == node_id for q in sk.qualified(expr)}
        before = table.get(qual, (False, set()))  # a function defined twice: both bodies
        table[qual] = (before[0] or trains, before[1] | refs)
    return table


_UNKNOWN = object()
