"""The records of one read of a Python module: scopes and what their names are bound to,
the statements around each call (frames), calls, subscript stores, and the file's facts.

`bindings.collect` fills them from a libcst module; nothing here imports libcst.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst

#: How many aliases deep a name is resolved (`bindings.resolve`, and the sketch's superset of it).
RESOLVE_DEPTH = 20


@dataclass(eq=False)
class Scope:
    """A module, function or class body: what its names are bound to."""

    kind: str
    parent: Scope | None
    name: str = ""
    bindings: dict[str, list] = field(default_factory=dict)
    params: set[str] = field(default_factory=set)
    globals_: set[str] = field(default_factory=set)
    #: Module scope only: qualified name -> value of a constant in another module (the repository pass).
    external: object | None = None
    #: Module scope only: names whose container is changed in place anywhere in the file
    #: (`d[k] = v`, `del d[k]`, `d.update(...)`, `xs.append(...)`), so their literal is not their value.
    mutated: set[str] = field(default_factory=set)

    def bind(self, name: str, value) -> None:
        self.bindings.setdefault(name, []).append(value)

    def lookup(self, name: str) -> tuple[Scope, list] | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.params and scope.kind == "function":
                return scope, [PARAM]
            if name in scope.bindings:
                return scope, scope.bindings[name]
            scope = scope.parent
            # Class bodies do not enclose the functions defined in them.
            while scope is not None and scope.kind == "class" and self.kind == "function":
                scope = scope.parent
        return None


class _Param:
    def __repr__(self) -> str:
        return "PARAM"


PARAM = _Param()


@dataclass(frozen=True)
class ImportBinding:
    qualname: str


@dataclass(frozen=True)
class FunctionBinding:
    node: cst.FunctionDef
    qualname: str
    scope: Scope


@dataclass(frozen=True)
class ClassBinding:
    node: cst.ClassDef
    qualname: str
    scope: Scope


@dataclass(frozen=True)
class AssignBinding:
    value: cst.BaseExpression
    scope: Scope
    #: For `a, b = ...` and loop targets: the value is not the name's own.
    unpacked: bool = False


@dataclass(eq=False)
class Frame:
    """An enclosing statement: for, while, with, if (body), else, def, class, try, except (a handler)."""

    kind: str
    node: cst.CSTNode
    parent: Frame | None

    def chain(self):
        frame: Frame | None = self
        while frame is not None:
            yield frame
            frame = frame.parent


@dataclass(eq=False)
class CallRecord:
    node: cst.Call
    scope: Scope
    frame: Frame | None
    #: The simple statement line the call is on (for its comments); None in compound headers.
    line: cst.SimpleStatementLine | None = None


@dataclass(eq=False)
class Store:
    """An assignment to a subscript, `target[key] = value` (such as `os.environ["X"] = "y"`), or
    to an attribute of an attribute, `recipe.log.ckpt.save_top_k = -1` (`FileFacts.field_stores`)."""

    target: cst.Subscript | cst.Attribute
    value: cst.BaseExpression
    scope: Scope
    frame: Frame | None


@dataclass(eq=False)
class FileFacts:
    module: cst.Module
    module_name: str
    scope: Scope
    calls: list[CallRecord] = field(default_factory=list)
    stores: list[Store] = field(default_factory=list)
    #: Assignments to `name.a.b` and deeper attribute paths (fields of configured objects).
    field_stores: list[Store] = field(default_factory=list)
    #: Names used as decorators or `with` targets without a call (`@track_emissions`).
    references: list[tuple[cst.BaseExpression, Scope]] = field(default_factory=list)
    functions: list[FunctionBinding] = field(default_factory=list)
    classes: list[ClassBinding] = field(default_factory=list)
    loops: list[Frame] = field(default_factory=list)
    #: Frames of `with` blocks, in source order.
    withs: list[Frame] = field(default_factory=list)
    has_main_guard: bool = False
