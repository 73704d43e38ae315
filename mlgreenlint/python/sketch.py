"""One walk of CPython's `ast` over a file: the `Sketch` the screen judges rules on.

libcst parses about eight times slower than `ast`, and most files that pass the token
prefilter name an API only in a docstring or a comment. One `ast` walk records what each
call may resolve to (through imports, assignments and local subclasses), which loops may be
batch loops, and which calls may reach a repository helper. Name resolution here is
flow-insensitive: a superset of what `bindings.resolve` finds, or None (any name).
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from mlgreenlint.aliases import canonical
from mlgreenlint.python.imports import import_base
from mlgreenlint.python.questions import RepositoryQuestions
from mlgreenlint.python.scopes import RESOLVE_DEPTH
from mlgreenlint.python.vocabulary import DATA_LOOP, DEFERRED_CALLS, NEMO_RECIPE_FIELDS, SELF_RETURNING, last

if TYPE_CHECKING:
    from mlgreenlint.python.seams import Repository

_DEFERRED = frozenset(last(name) for name in DEFERRED_CALLS)
_LOOPS = frozenset({ast.For, ast.AsyncFor, ast.While})
#: Node classes the walk records something of (all others: only their children).
_SPECIAL = frozenset({ast.Name, ast.Subscript, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, *_LOOPS,
                      ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.NamedExpr, ast.With,
                      ast.AsyncWith, ast.keyword, ast.arg, ast.Constant})
#: The most qualified names one local name is followed to; beyond it the name may be anything.
MAX_HEADS = 256


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
    #: Classes whose keywords an assignment to a NeMo recipe field may set (`recipe.log.ckpt.x = 1`).
    recipe_fields: set[str] = field(default_factory=set)
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
    module: str = ""
    repo: RepositoryQuestions = field(default_factory=RepositoryQuestions)
    _terminal_cache: dict[str, set[str]] = field(default_factory=dict)
    _head_cache: dict[str, set[str] | None] = field(default_factory=dict)
    _by_name: dict[str, list[Call]] | None = None
    _exact: dict[int, tuple[str, ...] | None] = field(default_factory=dict)
    _helpers: dict[int, tuple[str, ...] | None] = field(default_factory=dict)
    #: Answers of the screen's training questions, by question (see `sketch_training`).
    memo: dict[str, object] = field(default_factory=dict)

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

    # Flow-insensitive name resolution: a superset of what `bindings.resolve` finds.

    def name_terminals(self, name: str, depth: int = 0) -> set[str]:
        """Last names a local name may stand for: itself, what it imports, aliases and bases."""
        if name in self._terminal_cache:
            return self._terminal_cache[name]
        found = self._terminal_cache[name] = {name}  # placed first: cycles (`a = b; b = a`) end here
        if depth > RESOLVE_DEPTH:
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

    def heads(self, name: str, depth: int = 0) -> set[str] | None:
        """Qualified names a local name may stand for through imports and aliases; None
        when there are more than `MAX_HEADS` (the name may then stand for anything).

        A value that names the name itself (`x = x.permute(0, 2, 1)`) adds nothing:
        `bindings.resolve` gives such a binding no name either, and following it doubles the set.
        """
        if name in self._head_cache:
            return self._head_cache[name]
        found: set[str] | None = set(self.imports.get(name, ())) | self.local_quals.get(name, set())
        self._head_cache[name] = found  # placed first: other cycles end here with what is known so far
        if depth <= RESOLVE_DEPTH:
            # A local class also stands for its bases (`site.names` lists them).
            values = [(v, True) for v in self.assigned.get(name, ())] + [(b, False) for b in self.classes.get(name, ())]
            for value, assigned in values:
                # `t = Trainer(...)` names an instance by its class, as `bindings.resolve` does.
                root, rest = dotted(value)
                if root is None or (assigned and root == name):
                    continue
                inner = self.heads(root, depth + 1)
                if inner is None or len(found) + len(inner) > MAX_HEADS:
                    found = None
                    break
                found |= {".".join((h, *rest)) for h in inner}
        self._head_cache[name] = found
        return found

    def qualified(self, node: ast.expr) -> set[str] | None:
        """Qualified names the expression may have; None when it may have any."""
        root, rest = dotted(node)
        if root is None:
            return set()
        heads = self.heads(root)
        if heads is None:
            return None
        quals = set()
        for head in heads:
            raw = stepwise = canonical(head)
            for part in rest:  # bindings.resolve canonicalises at every attribute
                raw, stepwise = f"{raw}.{part}", canonical(f"{stepwise}.{part}")
            quals |= {raw, canonical(raw), stepwise}
        return quals

    def bound(self, name: str) -> bool:
        return name in self.imports or name in self.stored or name in self.defs or self.star_import

    def exact(self, node: ast.expr, depth: int = 0) -> set[str] | None:
        """Every qualified name `bindings.resolve` may give the expression, or None when it may give others."""
        root, rest = dotted(node)
        if root is None:
            return None
        if not self.bound(root):
            return set()  # a parameter, a builtin or a typo: resolves to nothing
        if self.only_imported(node):
            return self.qualified(node)
        if rest or root not in self.top_classes or self.class_defs[root] != 1 or root in self.imports \
                or root in self.stored or root in self.functions or depth > RESOLVE_DEPTH:
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
        """The one qualified name `bindings.resolve` gives the expression, when it is certain:
        its root is bound by a single import and nothing else in the file."""
        root, rest = dotted(node)
        if not self.only_imported(node) or self.star_import or len(self.imports[root]) != 1:
            return None
        name = canonical(next(iter(self.imports[root])))
        for part in rest:
            name = canonical(f"{name}.{part}")
        return name

    def only_imported(self, node: ast.expr) -> bool:
        """The expression's root name is bound by imports alone, so its qualified names are exact."""
        root, _ = dotted(node)
        return (root is not None and root in self.imports and root not in self.stored and root not in self.defs
                and root not in self.params)

    def helpers(self, call: Call) -> tuple[str, ...] | None:
        """Qualified names under which the call may reach a function of another repository
        module; None when it may reach any."""
        if self.repo.source is None:
            return ()
        key = id(call)
        if key not in self._helpers:
            quals = self.qualified(call.func)
            self._helpers[key] = None if quals is None else tuple(q for q in sorted(quals) if self._in_repo(q))
        return self._helpers[key]

    def helper_steps(self, call: Call) -> bool:
        """The call may reach a repository function that runs a training step."""
        helpers = self.helpers(call)
        if helpers is None:
            return True
        return any(self.repo.may_step(q) for q in helpers)

    def _in_repo(self, qualname: str) -> bool:
        if qualname.startswith(self.module + "."):
            return False
        parts = qualname.split(".")
        return any(self.repo.is_module(".".join(parts[:cut])) for cut in range(len(parts) - 1, 0, -1))


def parse(text: str) -> ast.Module | None:
    """CPython's tree of the file, or None when CPython does not accept it (libcst decides then)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return compile(text, "<mlgreenlint>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None


def sketch(tree: ast.Module, module: str, repo: Repository | None = None, rel: str | None = None) -> Sketch:
    """One walk over `tree` of the module `module`; `repo` answers questions about the file `rel`."""
    out = Sketch(module=module, repo=RepositoryQuestions(repo, rel))
    out.main_guard = any(_is_main_guard(s) for s in tree.body)
    # (node, loops around it in its function, its function, the classes around it, its scope's name)
    stack: list[tuple[ast.AST, tuple[int, ...], int | None, tuple[str, ...], str]] = [(tree, (), None, (), module)]
    words = out.words
    while stack:
        node, loops, owner, classes, scope = stack.pop()
        cls = node.__class__
        if cls is ast.Call:
            out.calls.append(Call(node, loops, owner))
            if node.args and _last_name(node.func) in _DEFERRED:
                # `run.Config(Cls, k=v)` may stand for `Cls(k=v)` (see `FileContext.sites`).
                deferred = ast.Call(node.args[0], node.args[1:], node.keywords)
                out.calls.append(Call(ast.copy_location(deferred, node), loops, owner))
        elif cls is ast.Attribute:
            words.add(node.attr)
            if node.ctx.__class__ is ast.Store:
                field_class = NEMO_RECIPE_FIELDS.get(dotted(node)[1][:-1])
                if field_class is not None:
                    out.recipe_fields.add(field_class)
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


def _last_name(node: ast.expr) -> str | None:
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None


def unchained(node: ast.expr) -> ast.expr:
    """The receiver of a chain of `SELF_RETURNING` calls (`m.cuda().to(d)`: `m`), as `bindings.resolve` sees it."""
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SELF_RETURNING:
        node = node.func.value
    return node


def dotted(node: ast.expr) -> tuple[str | None, tuple[str, ...]]:
    """`a.b.c` -> ("a", ("b", "c")); calls in the chain name their callee (`Foo().run`: Foo.run),
    and `SELF_RETURNING` calls in it are looked through (`Foo().cuda().run`: Foo.run)."""
    parts = []
    node = unchained(node)
    while isinstance(node, (ast.Attribute, ast.Call)):
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = unchained(node.value)
        else:
            node = node.func
    if isinstance(node, ast.Name):
        return node.id, tuple(reversed(parts))
    return None, ()
