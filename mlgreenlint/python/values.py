"""Constant folding, one level deep: what a Python expression evaluates to, when the file says.

Literals resolve through module constants, function-local assignments, dict literals,
`dict(...)` calls and `**` unpacking. Parameters, attributes of runtime objects
(`args.x`), `os.environ` and anything computed stay UNKNOWN, and an unknown value never
produces a finding.
"""

from __future__ import annotations

import ast
from dataclasses import replace

import libcst as cst

from mlgreenlint.match.names import Symbol, names_match
from mlgreenlint.match.sites import UNKNOWN, Arg, CallSite, CallValue, Template
from mlgreenlint.python import bindings
from mlgreenlint.python.bindings import AssignBinding, ImportBinding, Scope
from mlgreenlint.python.vocabulary import DEFERRED_CALLS


_EMPTY_MODULE = cst.Module(body=[])


class SourceArg(Arg):
    """An argument written in Python: a libcst node whose value is folded on first use."""

    __slots__ = ("scope", "_done")

    def __init__(self, node, scope: Scope | None = None, value=UNKNOWN, done: bool = False):
        super().__init__(node, value)
        self.scope = scope
        self._done = done

    @classmethod
    def known(cls, node, value) -> SourceArg:
        return cls(node, None, value, True)

    @property
    def value(self):
        if not self._done:
            self._value = evaluate(self.node, self.scope)
            self._done = True
        return self._value

    @property
    def expression(self):
        return self.node.value if isinstance(self.node, cst.Arg) else self.node

    def literal(self) -> cst.SimpleString | None:
        """The string literal this argument's value is written as (see `string_literal`)."""
        return string_literal(self.expression, self.scope)

    def source(self) -> str | None:
        return _EMPTY_MODULE.code_for_node(self.node) if isinstance(self.node, cst.CSTNode) else None


class SourceCallSite(CallSite):
    """A call written in Python: absent keywords may take a default its repository class declares."""

    def declared_default(self, keyword: str):
        """The default a local dataclass being called declares for an absent keyword (a
        `TrainingArguments` subclass overriding `save_steps`); None when it declares none."""
        if self.record is None or not isinstance(self.node, cst.Call):
            return None
        resolved = bindings.resolve(self.node.func, self.record.scope)
        if resolved is None or resolved.instance or not isinstance(resolved.local, bindings.ClassBinding):
            return None
        default = _field_default(resolved.local, keyword)
        return None if default is None else evaluate(default, resolved.local.scope)


def call_site(record: bindings.CallRecord, names: tuple[str, ...], method: str | None, depth: int = 0) -> CallSite:
    """The call's arguments; `**mapping` is folded at `depth` so `x = f(**x)` cannot recurse forever."""
    node = record.node
    keywords: dict[str, Arg] = {}
    positional: list[Arg] = []
    open_kwargs = open_args = False
    for arg in node.args:
        if arg.star == "**":
            mapping = evaluate(arg.value, record.scope, depth + 1)
            if isinstance(mapping, dict):
                for key, value in mapping.items():
                    keywords[key] = SourceArg.known(arg.value, value)
            else:
                open_kwargs = True
        elif arg.star == "*":
            open_args = True
        elif arg.keyword is not None:
            keywords[arg.keyword.value] = SourceArg(arg, record.scope)
        else:
            positional.append(SourceArg(arg, record.scope))
    return SourceCallSite(names, method, keywords, positional, open_kwargs, open_args, node, record)


_CONSTANTS = {"True": True, "False": False, "None": None}
_MAX_DEPTH = 12


def evaluate(node, scope: Scope | None, depth: int = 0):
    """The value of an expression, or UNKNOWN."""
    if isinstance(node, cst.Arg):
        node = node.value
    if depth > _MAX_DEPTH or scope is None and not isinstance(node, _LITERALS):
        return UNKNOWN
    if isinstance(node, cst.SimpleString):
        return node.evaluated_value
    if isinstance(node, cst.ConcatenatedString):
        left, right = evaluate(node.left, scope, depth + 1), evaluate(node.right, scope, depth + 1)
        return _joined(left, right) if isinstance(left, str) and isinstance(right, str) else UNKNOWN
    if isinstance(node, cst.FormattedString):
        return Template(
            "".join(p.value if isinstance(p, cst.FormattedStringText) else "{}" for p in node.parts)
        )
    if isinstance(node, (cst.Integer, cst.Float)):
        return ast.literal_eval(node.value)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return _joined(evaluate(node.left, scope, depth + 1), evaluate(node.right, scope, depth + 1))
    if isinstance(node, cst.Imaginary):
        return UNKNOWN
    if isinstance(node, cst.UnaryOperation):
        inner = evaluate(node.expression, scope, depth + 1)
        if isinstance(node.operator, cst.Minus) and _is_number(inner):
            return -inner
        if isinstance(node.operator, cst.Plus) and _is_number(inner):
            return inner
        if isinstance(node.operator, cst.Not) and inner is not UNKNOWN and _is_plain(inner):
            return not inner
        return UNKNOWN
    if isinstance(node, cst.Name):
        if node.value in _CONSTANTS and scope.lookup(node.value) is None:
            return _CONSTANTS[node.value]
        return _from_name(node, scope, depth)
    if isinstance(node, cst.Attribute):
        # Attributes of local classes and functions (class attributes) are not followed.
        base = bindings.resolve(node.value, scope)
        if base is not None and base.instance and isinstance(base.local, bindings.ClassBinding):
            return _instance_field(node, scope, depth)
        if base is None or base.instance or base.local is not None:
            return UNKNOWN
        resolved = bindings.resolve(node, scope)
        if resolved is not None and not resolved.instance and not resolved.member and resolved.local is None:
            return _imported(resolved.qualname, scope)
        return UNKNOWN
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        items = []
        for element in node.elements:
            if isinstance(element, cst.StarredElement):
                inner = evaluate(element.value, scope, depth + 1)
                if not isinstance(inner, (list, tuple)):
                    return UNKNOWN
                items.extend(inner)
            else:
                items.append(evaluate(element.value, scope, depth + 1))
        return tuple(items) if isinstance(node, cst.Tuple) else items
    if isinstance(node, cst.Dict):
        return _dict_literal(node, scope, depth)
    if isinstance(node, cst.Call):
        return _call_value(node, scope, depth)
    return UNKNOWN


def alternatives(arg: Arg) -> list:
    """The values an argument may take: each branch of a conditional expression
    (`"wandb" if use_wandb else None`), else its one value."""
    node = arg.expression if isinstance(arg, SourceArg) else None
    if not isinstance(node, cst.IfExp):
        return [arg.value]
    out, todo = [], [node]
    while todo:
        expr = todo.pop()
        if isinstance(expr, cst.IfExp):
            todo.extend((expr.orelse, expr.body))
        else:
            out.append(evaluate(expr, arg.scope))
    return out


def _instance_field(node: cst.Attribute, scope: Scope, depth: int):
    """`cfg.x` where `cfg = Cfg(...)` is bound once to a local dataclass that the file never
    changes (`cfg.x = ...`): the keyword the call passes, else the field's default."""
    if not isinstance(node.value, cst.Name) or node.value.value in _module(scope).mutated:
        return UNKNOWN
    found = scope.lookup(node.value.value)
    binds = found[1] if found else ()
    if len(binds) != 1 or not isinstance(binds[0], AssignBinding) or binds[0].unpacked \
            or not isinstance(binds[0].value, cst.Call):
        return UNKNOWN
    call, attr = binds[0].value, node.attr.value
    if any(a.star or a.keyword is None for a in call.args):
        return UNKNOWN  # positional or unpacked arguments: which field they fill is not followed
    passed = next((a.value for a in call.args if a.keyword.value == attr), None)
    if passed is not None:
        return evaluate(passed, binds[0].scope, depth + 1)
    resolved = bindings.resolve(call.func, binds[0].scope)
    cls = resolved.local if resolved is not None else None
    default = _field_default(cls, attr) if isinstance(cls, bindings.ClassBinding) else None
    return UNKNOWN if default is None else evaluate(default, cls.scope, depth + 1)


def _field_default(cls: bindings.ClassBinding, attr: str, depth: int = 0):
    """The default expression of a dataclass field, looked up through local base classes."""
    if depth > 10 or not any(_is_dataclass(d.decorator, cls.scope) for d in cls.node.decorators):
        return None
    for stmt in cls.node.body.body if isinstance(cls.node.body, cst.IndentedBlock) else ():
        for small in getattr(stmt, "body", ()) if isinstance(stmt, cst.SimpleStatementLine) else ():
            if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.target.value == attr:
                value = small.value
                if isinstance(value, cst.Call) and _is_field(value.func, cls.scope):
                    value = next((a.value for a in value.args if a.keyword and a.keyword.value == "default"), None)
                return value
    for base in cls.node.bases:
        resolved = bindings.resolve(base.value, cls.scope)
        if resolved is not None and isinstance(resolved.local, bindings.ClassBinding):
            return _field_default(resolved.local, attr, depth + 1)
    return None


def _is_dataclass(decorator, scope: Scope) -> bool:
    resolved = bindings.resolve(decorator.func if isinstance(decorator, cst.Call) else decorator, scope)
    return resolved is not None and resolved.qualname.endswith("dataclass")


def _is_field(func, scope: Scope) -> bool:
    resolved = bindings.resolve(func, scope)
    return resolved is not None and resolved.qualname.endswith("dataclasses.field")


def _joined(left, right):
    """`a + b` for strings; an unknown side next to a string is a formatted-in part, as in an f-string."""
    if isinstance(left, str) and isinstance(right, str):
        return (Template if isinstance(left, Template) or isinstance(right, Template) else str)(left + right)
    if isinstance(left, str) or isinstance(right, str):
        return Template((left if isinstance(left, str) else "{}") + (right if isinstance(right, str) else "{}"))
    return UNKNOWN


_LITERALS = (cst.SimpleString, cst.Integer, cst.Float, cst.ConcatenatedString)


def string_literal(node, scope: Scope | None, depth: int = 0) -> cst.SimpleString | None:
    """The one string literal an expression's value comes from, following names as `evaluate` does.

    A fix that changes the value edits this node: the argument itself, or the module constant
    it names. None for anything computed, reassigned or unpacked.
    """
    if isinstance(node, cst.SimpleString):
        return node
    if not isinstance(node, cst.Name) or scope is None or depth > _MAX_DEPTH:
        return None
    found = scope.lookup(node.value)
    if found is None or len(found[1]) != 1:
        return None
    binding = found[1][0]
    if isinstance(binding, AssignBinding) and not binding.unpacked:
        return string_literal(binding.value, binding.scope, depth + 1)
    return None


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_plain(value) -> bool:
    return isinstance(value, (bool, int, float, str, type(None)))


def _from_name(node: cst.Name, scope: Scope, depth: int):
    found = scope.lookup(node.value)
    if found is None:
        return UNKNOWN
    _, bindings = found
    if len(bindings) != 1:
        # Reassigned names are unknown unless every assignment agrees.
        values = [_binding_value(b, node, depth, scope) for b in bindings]
        if any(v is UNKNOWN for v in values):
            return UNKNOWN
        first = values[0]
        value = first if all(_same(first, v) for v in values[1:]) else UNKNOWN
    else:
        value = _binding_value(bindings[0], node, depth, scope)
    if isinstance(value, (dict, list)) and node.value in _module(scope).mutated:
        return UNKNOWN  # `kw = {}` then `kw["x"] = ...`: the literal is not what the name holds
    return value


def _module(scope: Scope) -> Scope:
    while scope.parent is not None:
        scope = scope.parent
    return scope


def _same(a, b) -> bool:
    try:
        return type(a) is type(b) and a == b
    except Exception:
        return False


def _binding_value(binding, node: cst.Name, depth: int, scope: Scope):
    if isinstance(binding, AssignBinding) and not binding.unpacked:
        return evaluate(binding.value, binding.scope, depth + 1)
    if isinstance(binding, ImportBinding):
        return _imported(bindings.canonical(binding.qualname), scope)
    return UNKNOWN


MISSING = object()


def _imported(qualname: str, scope: Scope):
    """A constant of another repository module (`from config import PRECISION`), else a symbol."""
    root = scope
    while root.parent is not None:
        root = root.parent
    if root.external is not None:
        value = root.external(qualname)
        if value is not MISSING:
            return value
    return Symbol(qualname)


def _dict_literal(node: cst.Dict, scope: Scope, depth: int):
    result = {}
    for element in node.elements:
        if isinstance(element, cst.StarredDictElement):
            inner = evaluate(element.value, scope, depth + 1)
            if not isinstance(inner, dict):
                return UNKNOWN
            result.update(inner)
            continue
        key = evaluate(element.key, scope, depth + 1)
        if not isinstance(key, str):
            return UNKNOWN
        result[key] = evaluate(element.value, scope, depth + 1)
    return result


def _call_value(node: cst.Call, scope: Scope, depth: int):
    resolved = bindings.resolve(node.func, scope)
    if isinstance(node.func, cst.Name) and node.func.value == "dict" and scope.lookup("dict") is None:
        return _dict_call(node, scope, depth)
    if resolved is None:
        return UNKNOWN
    if resolved.qualname == "os.path.join" and node.args and all(not a.star and a.keyword is None for a in node.args):
        # A path whose last part is a string: the directory parts are formatted in.
        parts = [evaluate(a.value, scope, depth + 1) for a in node.args]
        if not isinstance(parts[-1], str):
            return UNKNOWN
        joined = "/".join(p if isinstance(p, str) else "{}" for p in parts)
        return joined if all(isinstance(p, str) and not isinstance(p, Template) for p in parts) else Template(joined)
    names = (resolved.qualname,)
    if isinstance(resolved.local, bindings.ClassBinding):
        names = names + tuple(bindings.class_bases(resolved.local))
    record = bindings.CallRecord(node, scope, None)
    site = call_site(record, names, None, depth)
    # `strategy=run.Config(nl.MegatronStrategy, ...)` is the strategy it builds.
    return CallValue(deferred(site) or site)


def deferred(site: CallSite) -> CallSite | None:
    """`run.Config(Cls, k=v)` as the call `Cls(k=v)` it stands for (same node and record);
    None when the site is no deferred call or its target cannot be resolved."""
    if not site.positional or not names_match(site.names[:1], DEFERRED_CALLS):
        return None
    target = bindings.resolve(site.positional[0].expression, site.record.scope)
    if target is None or target.instance:
        return None
    names = (target.qualname,)
    if isinstance(target.local, bindings.ClassBinding):
        names += tuple(bindings.class_bases(target.local))
    return replace(site, names=names, method=None, positional=site.positional[1:])


def _dict_call(node: cst.Call, scope: Scope, depth: int):
    result: dict = {}
    for arg in node.args:
        if arg.star == "**" or (arg.keyword is None and not arg.star):
            inner = evaluate(arg.value, scope, depth + 1)
            if not isinstance(inner, dict):
                return UNKNOWN
            result.update(inner)
        elif arg.keyword is not None:
            result[arg.keyword.value] = evaluate(arg.value, scope, depth + 1)
        else:
            return UNKNOWN
    return result
