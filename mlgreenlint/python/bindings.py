"""One read-only walk over a libcst module: scopes, imports, bindings and every call with its context.

libcst's own visitor rebuilds nodes and its QualifiedNameProvider costs about ten times the
parse (see docs/performance.md), so the walk reads node fields directly and resolves
imports with a small table of its own.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import lru_cache

import libcst as cst

from mlgreenlint.aliases import canonical
from mlgreenlint.python.imports import import_base
from mlgreenlint.python.scopes import (
    PARAM,
    RESOLVE_DEPTH,
    AssignBinding,
    CallRecord,
    ClassBinding,
    FileFacts,
    Frame,
    FunctionBinding,
    ImportBinding,
    Scope,
    Store,
)
from mlgreenlint.python.vocabulary import SELF_RETURNING

__all__ = ["PARAM", "AssignBinding", "CallRecord", "ClassBinding", "FileFacts", "Frame", "FunctionBinding",
           "ImportBinding", "Resolved", "Scope", "Store", "children", "class_bases", "collect", "dotted_name",
           "expression_words", "resolve", "walk"]


_SKIP_FIELD = re.compile(
    r"whitespace|comma|semicolon|lpar|rpar|lbracket|rbracket|lbrace|rbrace|colon|^dot$|equal|"
    r"star_tok|header|footer|leading_lines|lines_after|newline|indent|operator|^quote$|prefix|"
    r"^default_comma|^arrow|^asynchronous$"
)


@lru_cache(maxsize=None)
def _child_fields(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if not _SKIP_FIELD.search(f.name))


def walk(node):
    """Every node below `node` (itself first), reading node fields directly: no visitor, no copies."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(children(current))


def children(node) -> list:
    """The child nodes of `node`, field by field, whitespace and punctuation tokens left out."""
    out = []
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            out.append(value)
        elif isinstance(value, (list, tuple)):
            out.extend(v for v in value if isinstance(v, cst.CSTNode))
    return out


def dotted_name(node: cst.CSTNode) -> str | None:
    """`a.b.c` for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def collect(module: cst.Module, module_name: str = "") -> FileFacts:
    facts = FileFacts(module=module, module_name=module_name, scope=Scope("module", None, module_name))
    _Walker(facts).block(module.body, facts.scope, None)
    return facts


class _Walker:
    def __init__(self, facts: FileFacts):
        self.facts = facts
        self.line: cst.SimpleStatementLine | None = None

    # statements ---------------------------------------------------------------
    def block(self, body, scope: Scope, frame: Frame | None) -> None:
        for stmt in body:
            self.stmt(stmt, scope, frame)

    def stmt(self, node, scope: Scope, frame: Frame | None) -> None:
        if isinstance(node, cst.SimpleStatementLine):
            self.line = node
            for small in node.body:
                self.small(small, scope, frame)
            self.line = None
        elif isinstance(node, cst.FunctionDef):
            self.function(node, scope, frame)
        elif isinstance(node, cst.ClassDef):
            self.klass(node, scope, frame)
        elif isinstance(node, cst.If):
            self.if_(node, scope, frame)
        elif isinstance(node, (cst.For, cst.While)):
            self.loop(node, scope, frame)
        elif isinstance(node, cst.With):
            inner = Frame("with", node, frame)
            self.facts.withs.append(inner)
            for item in node.items:
                self.expr(item.item, scope, frame)
                if not isinstance(item.item, cst.Call):
                    self.facts.references.append((item.item, scope))
                if item.asname is not None:
                    self.target(item.asname.name, item.item, scope, unpacked=False)
            self.body(node.body, scope, inner)
        elif isinstance(node, (cst.Try, cst.TryStar)):
            inner = Frame("try", node, frame)
            self.body(node.body, scope, inner)
            for handler in node.handlers:
                if handler.type is not None:
                    self.expr(handler.type, scope, frame)
                self.body(handler.body, scope, Frame("except", handler, inner))
            for extra in (node.orelse, node.finalbody):
                if extra is not None:
                    self.body(extra.body, scope, inner)
        else:
            self.generic(node, scope, frame)

    def body(self, suite, scope: Scope, frame: Frame | None) -> None:
        if isinstance(suite, cst.IndentedBlock):
            self.block(suite.body, scope, frame)
        else:  # SimpleStatementSuite: `if x: a(); b()`
            for small in suite.body:
                self.small(small, scope, frame)

    def small(self, node, scope: Scope, frame: Frame | None) -> None:
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = dotted_name(alias.name) or ""
                if alias.asname is not None:
                    scope.bind(alias.asname.name.value, ImportBinding(full))
                else:
                    head = full.split(".")[0]
                    scope.bind(head, ImportBinding(head))
        elif isinstance(node, cst.ImportFrom):
            base = self.from_module(node)
            if base is None or isinstance(node.names, cst.ImportStar):
                return
            for alias in node.names:
                name = alias.name.value if isinstance(alias.name, cst.Name) else dotted_name(alias.name)
                local = alias.asname.name.value if alias.asname is not None else name
                scope.bind(local, ImportBinding(f"{base}.{name}" if base else name))
        elif isinstance(node, cst.Assign):
            self.expr(node.value, scope, frame)
            for target in node.targets:
                self.target(target.target, node.value, scope, unpacked=False, frame=frame)
        elif isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self.expr(node.value, scope, frame)
                self.target(node.target, node.value, scope, unpacked=False, frame=frame)
        elif isinstance(node, cst.AugAssign):
            self.expr(node.value, scope, frame)
            self.target(node.target, node.value, scope, unpacked=True)
        elif isinstance(node, cst.Del):
            for target in _del_targets(node.target):
                self.mutates(target)
            self.generic(node, scope, frame)
        elif isinstance(node, cst.Global):
            scope.globals_.update(n.name.value for n in node.names)
        else:
            self.generic(node, scope, frame)

    def from_module(self, node: cst.ImportFrom) -> str | None:
        module = dotted_name(node.module) if node.module is not None else ""
        return import_base(self.facts.module_name, len(node.relative), module)

    def target(self, target, value, scope: Scope, *, unpacked: bool, frame: Frame | None = None) -> None:
        if isinstance(target, cst.Name):
            # `global P` in a function rebinds the module's P: the module constant is no longer one value.
            owner = self.facts.scope if target.value in scope.globals_ else scope
            owner.bind(target.value, AssignBinding(value, scope, unpacked))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                inner = element.value
                if isinstance(inner, cst.StarredElement):
                    inner = inner.value
                self.target(inner, value, scope, unpacked=True)
        else:
            if isinstance(target, cst.Attribute):
                self.mutates(target)  # `cfg.x = ...`: the instance's fields are no longer its defaults
                if not unpacked and isinstance(target.value, cst.Attribute):
                    self.facts.field_stores.append(Store(target, value, scope, frame))
            if isinstance(target, cst.Subscript):
                self.mutates(target)
                if not unpacked:
                    self.facts.stores.append(Store(target, value, scope, frame))
            self.expr(target, scope, None)

    def mutates(self, node) -> None:
        """The container named at the base of `node` (`d`, `d["a"]`, `cfg.x`) is changed in place."""
        while isinstance(node, (cst.Subscript, cst.Attribute)):
            node = node.value
        if isinstance(node, cst.Name):
            self.facts.scope.mutated.add(node.value)

    def function(self, node: cst.FunctionDef, scope: Scope, frame: Frame | None) -> None:
        for decorator in node.decorators:
            self.expr(decorator.decorator, scope, frame)
            if not isinstance(decorator.decorator, cst.Call):
                self.facts.references.append((decorator.decorator, scope))
        qualname = f"{scope.name}.{node.name.value}" if scope.name else node.name.value
        inner_scope = Scope("function", scope, qualname)
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            inner_scope.params.add(param.name.value)
            if param.default is not None:
                self.expr(param.default, scope, frame)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                inner_scope.params.add(star.name.value)
        binding = FunctionBinding(node, qualname, inner_scope)
        scope.bind(node.name.value, binding)
        self.facts.functions.append(binding)
        self.body(node.body, inner_scope, Frame("def", node, frame))

    def klass(self, node: cst.ClassDef, scope: Scope, frame: Frame | None) -> None:
        for base in node.bases:
            self.expr(base.value, scope, frame)
        qualname = f"{scope.name}.{node.name.value}" if scope.name else node.name.value
        inner_scope = Scope("class", scope, qualname)
        binding = ClassBinding(node, qualname, scope)
        scope.bind(node.name.value, binding)
        self.facts.classes.append(binding)
        self.body(node.body, inner_scope, Frame("class", node, frame))

    def if_(self, node: cst.If, scope: Scope, frame: Frame | None) -> None:
        self.expr(node.test, scope, frame)
        if frame is None and _is_main_guard(node.test):
            self.facts.has_main_guard = True
        self.body(node.body, scope, Frame("if", node, frame))
        orelse = node.orelse
        if isinstance(orelse, cst.If):
            self.if_(orelse, scope, Frame("else", node, frame))
        elif isinstance(orelse, cst.Else):
            self.body(orelse.body, scope, Frame("else", node, frame))

    def loop(self, node, scope: Scope, frame: Frame | None) -> None:
        if isinstance(node, cst.For):
            self.expr(node.iter, scope, frame)
            self.target(node.target, node.iter, scope, unpacked=True)
        else:
            self.expr(node.test, scope, frame)
        inner = Frame("loop", node, frame)
        self.facts.loops.append(inner)
        self.body(node.body, scope, inner)
        if node.orelse is not None:
            self.body(node.orelse.body, scope, frame)

    # expressions --------------------------------------------------------------
    def expr(self, node, scope: Scope, frame: Frame | None) -> None:
        for current in walk(node):
            if isinstance(current, cst.Call):
                self.facts.calls.append(CallRecord(current, scope, frame, self.line))
                func = current.func
                if isinstance(func, cst.Attribute) and func.attr.value in _MUTATORS:
                    self.mutates(func.value)
            elif isinstance(current, cst.NamedExpr) and isinstance(current.target, cst.Name):
                scope.bind(current.target.value, AssignBinding(current.value, scope))

    def generic(self, node, scope: Scope, frame: Frame | None) -> None:
        # Statements without their own handling (return, expression, match, del, ...):
        # walk their expressions, and any nested block with the same scope.
        if isinstance(node, cst.Match):
            self.expr(node.subject, scope, frame)
            for case in node.cases:
                self.body(case.body, scope, Frame("if", node, frame))
            return
        self.expr(node, scope, frame)


_MUTATORS = frozenset({
    "update", "setdefault", "pop", "popitem", "clear", "append", "extend", "insert", "remove", "__setitem__",
})


def _del_targets(target):
    if isinstance(target, (cst.Tuple, cst.List)):
        return [e.value for e in target.elements]
    return [target] if isinstance(target, cst.Subscript) else []


def _is_main_guard(test) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    left, right = test.left, test.comparisons[0].comparator
    names = {dotted_name(left), dotted_name(right)}
    strings = {getattr(x, "value", "").strip("'\"") for x in (left, right) if isinstance(x, cst.SimpleString)}
    return "__name__" in names and "__main__" in strings


def expression_words(node):
    """Identifiers and string contents of an expression, as written: what a condition or argument is about."""
    for current in walk(node):
        if isinstance(current, cst.Name):  # attribute names are Name nodes too
            yield current.value
        elif isinstance(current, cst.SimpleString):
            value = current.evaluated_value
            if isinstance(value, str):
                yield value


# name resolution ----------------------------------------------------------------

@dataclass(frozen=True)
class Resolved:
    """What an expression names: a qualified name, and whether it is an instance of it."""

    qualname: str
    instance: bool = False
    local: object | None = None  # FunctionBinding / ClassBinding for code in this module
    #: Reached through an instance (`args.lr` of `args = parser.parse_args()`): a runtime
    #: attribute, named for matching method calls but never a constant.
    member: bool = False


def resolve(node, scope: Scope, depth: int = 0, active: frozenset = frozenset()) -> Resolved | None:
    """Resolve a Name/Attribute/Call-chain to the canonical qualified name it refers to.

    `active` holds the names being resolved further up: a name met again inside its own
    resolution (`df = df.withColumn(...)` rebinding) adds nothing and resolves to None, which
    keeps chains of rebindings linear instead of exponential.
    """
    if depth > RESOLVE_DEPTH:
        return None
    if isinstance(node, cst.Name):
        found = scope.lookup(node.value)
        if found is None:
            return None
        owner, bindings = found
        key = (id(owner), node.value)
        if key in active:
            return None
        active = active | {key}
        first = _resolve_binding(bindings[0], depth, active)
        for binding in bindings[1:]:
            if _resolve_binding(binding, depth, active) != first:
                return None
        return first
    if isinstance(node, cst.Attribute):
        base = resolve(node.value, scope, depth + 1, active)
        if base is None:
            return None
        return Resolved(canonical(f"{base.qualname}.{node.attr.value}"), member=base.instance or base.member)
    if isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in SELF_RETURNING:
            # `model.cuda()` is `model` (nn.Module returns itself): `YOLO(...).cuda().train()` is YOLO's.
            base = resolve(func.value, scope, depth + 1, active)
            return None if base is None else dataclasses.replace(base, instance=True)
        callee = resolve(func, scope, depth + 1, active)
        if callee is None or callee.instance:
            return None
        if isinstance(callee.local, FunctionBinding):
            return None
        return Resolved(callee.qualname, instance=True, local=callee.local)
    return None


def _resolve_binding(binding, depth: int, active: frozenset = frozenset()) -> Resolved | None:
    if isinstance(binding, ImportBinding):
        return Resolved(canonical(binding.qualname))
    if isinstance(binding, FunctionBinding):
        return Resolved(binding.qualname, local=binding)
    if isinstance(binding, ClassBinding):
        return Resolved(binding.qualname, local=binding)
    if isinstance(binding, AssignBinding):
        if binding.unpacked:
            return None
        value = binding.value
        if isinstance(value, (cst.Name, cst.Attribute, cst.Call)):
            return resolve(value, binding.scope, depth + 1, active)
    return None


def class_bases(binding: ClassBinding, depth: int = 0) -> list[str]:
    """Canonical qualified names of a local class's bases, transitively through local classes."""
    names: list[str] = []
    if depth > 10:
        return names
    for base in binding.node.bases:
        resolved = resolve(base.value, binding.scope)
        if resolved is None:
            continue
        names.append(resolved.qualname)
        if isinstance(resolved.local, ClassBinding):
            names.extend(class_bases(resolved.local, depth + 1))
    return names
