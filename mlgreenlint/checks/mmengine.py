"""MMEngine / OpenMMLab Python configs: the config a file builds, its `_base_` files merged in.

An MMEngine config is a Python file of module-level assignments (`optim_wrapper = dict(...)`).
`mmengine.Config` merges it over the files its `_base_` names, or the modules it star-imports
inside `with read_base():`: dicts merge key by key, `_delete_=True` replaces, anything else is
overwritten (`Config._merge_a_into_b`, mmengine/config/config.py). A key may therefore be
written in one file and take effect in another. The files are read with CPython's `ast`;
nothing is executed, and the checks are source-only (`FileCheck.source_only`): a config no
other rule may fire on is linted without libcst. A base outside the repository (`mmdet::...`, an installed package) makes
every key it could supply unknown, and unknown keys never report.

A finding lands in the file that writes the deciding key, so a base config shared by fifty
children is reported once, in the base.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from mlgreenlint.match.predicates import Hit
from mlgreenlint.model import Rule, Span
from mlgreenlint.python.seams import SourceFile


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


#: A value the file computes, or that a base outside the repository may supply.
UNKNOWN = _Unknown()
#: Names whose assignment marks a file as an MMEngine config (with no def or class at the top).
CONFIG_NAMES = frozenset({"optim_wrapper", "default_hooks", "train_cfg", "param_scheduler", "_base_"})
#: Bases followed at most this deep (configs nest three or four levels).
MAX_DEPTH = 8


@dataclass
class Config:
    """A merged config: plain values (dicts, lists, literals, UNKNOWN), and for the linted file
    where each key path it writes sits (`spans[("default_hooks", "checkpoint", "interval")]`).

    `complete` is False when a base could not be read: an absent key may then be set there."""

    values: dict
    spans: dict[tuple[str, ...], Span] = field(default_factory=dict)
    complete: bool = True
    #: What the bases alone merge to, and what the linted file alone writes.
    inherited: dict = field(default_factory=dict)
    own: dict = field(default_factory=dict)

    def get(self, *path: str, default=None):
        """The merged value at `path`; `default` when absent from a complete config, else UNKNOWN."""
        node = self.values
        for key in path:
            if not isinstance(node, dict):
                return UNKNOWN
            if key not in node:
                return default if self.complete else UNKNOWN
            node = node[key]
        return node

    def written(self, *path: str) -> Span | None:
        """Where the linted file writes `path` (its key), or None."""
        return self.spans.get(path)


def load(ctx: SourceFile) -> Config | None:
    """The merged config of the linted file; None when it is not an MMEngine config."""
    tree = _parse(ctx.text)
    if tree is None or not _is_config(tree):
        return None
    spans: dict[tuple[str, ...], Span] = {}
    own, bases = _module(tree, ctx.rel or ctx.path, _Positions(ctx.text, spans))
    config = Config({}, spans)
    seen = {ctx.rel} if ctx.rel else set()
    for base in bases:
        _merge(config.values, _load_base(ctx, base, seen, 1, config))
    config.inherited, config.own = config.values, own
    config.values = _merged(own, config.values)
    return config


def _load_base(ctx: SourceFile, rel: str | None, seen: set, depth: int, config: Config) -> dict:
    """A base file's merged values; marks `config` incomplete when it cannot be read."""
    text = ctx.repo.text(rel, consumer=ctx.rel) if ctx.repo is not None and rel and depth <= MAX_DEPTH and rel not in seen else None
    module = _base_module(rel, text) if text is not None else None
    if module is None:
        config.complete = False
        return {}
    own, bases = module
    merged: dict = {}
    for base in bases:
        _merge(merged, _load_base(ctx, base, seen | {rel}, depth + 1, config))
    return _merged(own, merged)


@lru_cache(maxsize=1024)
def _base_module(rel: str, text: str) -> tuple[dict, list[str | None]] | None:
    """A base file's own values and bases, read once per process: a base such as
    `_base_/default_runtime.py` is shared by hundreds of configs. Merging copies, never changes them."""
    tree = _parse(text)
    return None if tree is None else _module(tree, rel, None)


def _parse(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _is_config(tree: ast.Module) -> bool:
    """Module-level assignments only (imports and `with read_base():` allowed), one of them a
    name MMEngine reads; a module defining functions or classes is code, not a config."""
    names = set()
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return False
        if isinstance(stmt, ast.Assign):
            names.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
        elif isinstance(stmt, ast.With) and _read_base(stmt):
            names.add("_base_")
    return bool(names & CONFIG_NAMES)


def _read_base(stmt: ast.With) -> bool:
    return any(isinstance(i.context_expr, ast.Call) and isinstance(i.context_expr.func, ast.Name)
               and i.context_expr.func.id == "read_base" for i in stmt.items)


class _Positions:
    """Records the key spans of the linted file (1-based columns in characters, not bytes)."""

    def __init__(self, text: str, spans: dict) -> None:
        self.lines = text.splitlines()
        self.spans = spans

    def column(self, line: int, byte_offset: int) -> int:
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "replace")) + 1

    def record(self, path: tuple[str, ...], node: ast.AST, length: int | None = None) -> None:
        column = self.column(node.lineno, node.col_offset)
        if length is None:
            end = self.column(node.end_lineno, node.end_col_offset)
            self.spans[path] = Span(node.lineno, column, node.end_lineno, end)
        else:
            self.spans[path] = Span(node.lineno, column, node.lineno, column + length)


def _module(tree: ast.Module, rel: str, positions: _Positions | None) -> tuple[dict, list[str | None]]:
    """A module's own assignments, and its bases (None for one that cannot be located)."""
    reader = _Reader(positions)
    bases: list[str | None] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name = stmt.targets[0].id
            if positions is not None:
                positions.record((name,), stmt.targets[0])
            value = reader.value(stmt.value, (name,))
            if name == "_base_":
                bases.extend(_base_paths(value, rel))
            else:
                reader.scope[name] = value
        elif isinstance(stmt, ast.With) and _read_base(stmt):
            bases.extend(_imported_base(s, rel) for s in stmt.body if isinstance(s, ast.ImportFrom))
        elif isinstance(stmt, ast.ImportFrom):
            reader.imported.update(a.asname or a.name for a in stmt.names)
        elif not isinstance(stmt, (ast.Import, ast.Pass)) and not _docstring(stmt):
            # `optim_wrapper.update(...)`, `default_hooks.checkpoint.interval = 5`, an `if`:
            # every name such a statement mentions may change in a way this reader does not follow.
            for node in ast.walk(stmt):
                if isinstance(node, ast.Name):
                    reader.scope[node.id] = UNKNOWN
    return reader.scope, bases


def _docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)


@dataclass
class _Reader:
    """Values of one module's assignments, in order."""

    positions: _Positions | None
    scope: dict = field(default_factory=dict)
    imported: set = field(default_factory=set)

    def value(self, node: ast.expr, path: tuple[str, ...]):
        """A literal, dict, list or class name as the config holds it; UNKNOWN for anything computed."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
                and isinstance(node.operand.value, (int, float)) and not isinstance(node.operand.value, bool):
            return -node.operand.value
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict" and not node.args:
            return self._mapping([(kw.arg, kw, len(kw.arg or ""), kw.value) for kw in node.keywords], path)
        if isinstance(node, ast.Dict):
            return self._mapping([(k.value if isinstance(k, ast.Constant) and isinstance(k.value, str) else None, k, None, v)
                                  for k, v in zip(node.keys, node.values)], path)
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self.value(e, ()) for e in node.elts]
        if isinstance(node, ast.Name):
            # A name bound earlier in the file is copied; an imported one is a class that
            # new-style configs write as a type (`type=AmpOptimWrapper`), compared by name.
            if node.id in self.scope:
                return self.scope[node.id]
            return _ClassName(node.id) if node.id in self.imported else UNKNOWN
        return UNKNOWN

    def _mapping(self, items, path: tuple[str, ...]):
        out: dict = {}
        for key, node, length, value in items:
            if key is None:
                return UNKNOWN  # dict(**other), a computed key: keys this reader cannot list
            if self.positions is not None and path:
                self.positions.record((*path, key), node, length)
            out[key] = self.value(value, (*path, key) if path else ())
        return out


class _ClassName(str):
    """A class referred to by name (new-style configs): equal to the registry name it has."""


def _base_paths(value, rel: str) -> list[str | None]:
    written = [value] if isinstance(value, str) else value if isinstance(value, list) else [UNKNOWN]
    return [_relative(w, rel) if isinstance(w, str) and not isinstance(w, _ClassName) else None for w in written]


def _relative(written: str, rel: str) -> str | None:
    """A `_base_` path relative to the file; None for another package's (`mmdet::...`) or one
    that leaves the repository."""
    if "::" in written or posixpath.isabs(written):
        return None
    path = posixpath.normpath(posixpath.join(posixpath.dirname(rel), written))
    return None if path.startswith("..") else path


def _imported_base(stmt: ast.ImportFrom, rel: str) -> str | None:
    """The file of `from ..._base_.x import *` inside `with read_base():` (relative imports only)."""
    if not stmt.level or not stmt.module:
        return None
    folder = posixpath.dirname(rel)
    for _ in range(stmt.level - 1):
        folder = posixpath.dirname(folder)
    return _relative(stmt.module.replace(".", "/") + ".py", posixpath.join(folder, "x.py"))


def _merge(into: dict, other: dict) -> None:
    """Merge `other` over `into` in place (later bases win, as in mmengine)."""
    into.update(_merged(other, into))


def _merged(child, base):
    """`child` written over `base`, MMEngine's way."""
    if not isinstance(child, dict):
        return child
    if not isinstance(base, dict) or child.get("_delete_") is True:
        return {k: v for k, v in child.items() if k != "_delete_"}
    out = dict(base)
    for key, value in child.items():
        if key != "_delete_":
            out[key] = _merged(value, base.get(key))
    return out


def _name(value) -> str | None:
    """A registry type's name (`'mmengine.AmpOptimWrapper'` and a class named so alike)."""
    return value.rsplit(".", 1)[-1] if isinstance(value, str) else None


#: Optimizer wrappers that train in full precision (mmengine/optim/optimizer/optimizer_wrapper.py).
FP32_WRAPPERS = frozenset({"OptimWrapper"})
_AMP_NAME = re.compile(r"(^|[-_.])amp([-_.]|$)", re.IGNORECASE)


def fp32_optim_wrapper(ctx: SourceFile, rule: Rule, options: dict) -> Iterator[Hit]:
    """MP007: the file writes an `optim_wrapper` that resolves to the plain `OptimWrapper`."""
    if _AMP_NAME.search(posixpath.basename(ctx.path)):
        return  # OpenMMLab names configs run with `tools/train.py --amp` so (`*-amp-coslr-*.py`)
    config = load(ctx)
    if config is None or config.written("optim_wrapper") is None:
        return
    wrapper = config.get("optim_wrapper")
    if not isinstance(wrapper, dict):
        return
    constructor = _name(wrapper.get("constructor", "DefaultOptimWrapperConstructor"))
    if constructor is None or "Multi" in constructor:
        return  # several optimizers (GANs) with a wrapper each, or a computed constructor
    # Only MMEngine's own constructor is known to default the type to OptimWrapper.
    kind = config.get("optim_wrapper", "type",
                      default="OptimWrapper" if constructor == "DefaultOptimWrapperConstructor" else UNKNOWN)
    if _name(kind) not in FP32_WRAPPERS:
        return
    at = config.written("optim_wrapper", "type")
    replaced = isinstance(config.own["optim_wrapper"], dict) and config.own["optim_wrapper"].get("_delete_") is True
    if at is None and "optim_wrapper" in config.inherited and not replaced:
        return  # a base file writes the optim_wrapper this one extends, and is reported there
    why = "type='OptimWrapper'" if at is not None else "no type, so OptimWrapper"
    yield Hit(at or config.written("optim_wrapper"),
              f"MMEngine config trains in fp32 (optim_wrapper: {why}): "
              "use type='AmpOptimWrapper' with dtype='bfloat16' (or launch with --amp)")


def checkpoint_interval(ctx: SourceFile, rule: Rule, options: dict) -> Iterator[Hit]:
    """CK012: `default_hooks.checkpoint` saving by iteration (`by_epoch=False`) every fewer
    than `min-save-steps` iterations, reported at the key this file writes."""
    config = load(ctx)
    hook = ("default_hooks", "checkpoint")
    if config is None or config.written("default_hooks") is None or not isinstance(config.get(*hook), dict):
        return
    # CheckpointHook(interval=-1, by_epoch=True, max_keep_ckpts=-1): mmengine/hooks/checkpoint_hook.py
    if config.get(*hook, "by_epoch", default=True) is not False:
        return
    interval = config.get(*hook, "interval", default=-1)
    if not _count(interval) or not 1 <= interval < options["min-save-steps"]:
        return
    max_iters = config.get("train_cfg", "max_iters")
    if _count(max_iters) and max_iters <= interval:
        return
    at = config.written(*hook, "interval") or config.written(*hook, "by_epoch")
    if at is None:
        return
    keep = config.get(*hook, "max_keep_ckpts", default=-1)
    kept = " and keeps every one (max_keep_ckpts unset)" if _count(keep, negative=True) and keep < 0 else ""
    yield Hit(at, f"MMEngine config saves a checkpoint every {interval} iterations "
                  f"(default_hooks.checkpoint, by_epoch=False){kept}: raise interval"
                  f" to {options['min-save-steps']} or more")


def _count(value, negative: bool = False) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and (negative or value >= 0)
