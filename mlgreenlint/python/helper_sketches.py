"""What a repository function and the functions it reaches may do, from `ast` sketches of
the modules `RepoIndex.reach` would summarise with libcst, followed as deep.

The repository pass asks these first (`may_step`, `may_reference`), so that most helpers
are never parsed with libcst. Like the screen, they over-approximate: a function whose
calls resolve to too many names to list may do anything.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from mlgreenlint.match.names import names_match
from mlgreenlint.python.imports import facts_module
from mlgreenlint.python.seams import ModuleSource
from mlgreenlint.python.sketch import Call, parse, sketch
from mlgreenlint.python.sketch_training import trains

#: A module `ast` cannot read: libcst may still, so anything may be in it.
_UNKNOWN = object()
#: (trains itself, names it refers to; None when they are too many to list)
Function = tuple[bool, "set[str] | None"]


class HelperSketches:
    def __init__(self, repo: ModuleSource, depth: int):
        self.repo = repo
        self.depth = depth
        #: module path -> {function qualname: Function}, None (no such file) or unknown
        self._modules: dict[str, dict[str, Function] | None | object] = {}
        #: qualname -> (may step, the module names it looked up, the modules it read): the
        #: prefilter asks about the same helpers for many files
        self._steps: dict[str, tuple[bool, list[str], list[str]]] = {}

    def steps(self, qualname: str, consumer: str | None) -> bool:
        if qualname not in self._steps:
            looked: list[str] = []
            read: list[str] = []
            self._steps[qualname] = (self._any(qualname, None, lambda trains, refs: trains, (looked, read)),
                                     looked, read)
        answer, looked, read = self._steps[qualname]
        # The answer depends on these for this file too: modules found or not, their contents.
        for name in looked:
            self.repo.module_path(name)
        for rel in read:
            self.repo.text(rel, consumer=consumer)
        return answer

    def references(self, qualname: str, patterns: Sequence[str], consumer: str | None) -> bool:
        return self._any(qualname, consumer, lambda trains, refs: names_match(refs, patterns))

    def _any(self, qualname: str, consumer: str | None, test, trail: tuple[list, list] | None = None) -> bool:
        seen: set[str] = set()
        frontier = [(qualname, 0)]
        while frontier:
            name, level = frontier.pop(0)
            if name in seen or level > self.depth:
                continue
            seen.add(name)
            found = self._function(name, consumer, trail)
            if found is _UNKNOWN:
                return True
            if found is None:
                continue
            trains_itself, refs = found
            if refs is None or test(trains_itself, refs):
                return True
            frontier.extend((ref, level + 1) for ref in refs)
        return False

    def _function(self, qualname: str, consumer: str | None, trail: tuple[list, list] | None = None):
        """As `RepoIndex.function`: the function's (trains, refs), None, or unknown. `trail`
        collects the module names looked up and the modules read."""
        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            name = ".".join(parts[:cut])
            rel = self.repo.module_path(name)
            if trail is not None:
                trail[0].append(name)
            if rel is None:
                continue
            table = self._module(rel, consumer)
            if trail is not None:
                trail[1].append(rel)
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
    tree = parse(text)
    if tree is None:
        return _UNKNOWN  # libcst may still read it
    sk = sketch(tree, facts_module(rel))
    owned: dict[int | None, list[Call]] = {}
    for call in sk.calls:
        owned.setdefault(call.owner, []).append(call)
    table: dict[str, Function] = {}
    for node_id, qual in sk.def_quals.items():
        calls = owned.get(node_id, [])
        trains_itself = any(trains(sk, c, helpers=False) for c in calls)
        refs: set[str] | None = set()
        for expr in [c.func for c in calls] + [e for e, owner in sk.references if owner == node_id]:
            quals = sk.qualified(expr)
            if quals is None:
                refs = None
                break
            refs |= quals
            # `self.run_step()`: the class's own method, as the summaries follow it.
            if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id == "self":
                refs.add(f"{qual.rsplit('.', 1)[0]}.{expr.attr}")
        before = table.get(qual, (False, set()))  # a function defined twice: both bodies
        merged = None if refs is None or before[1] is None else before[1] | refs
        table[qual] = (before[0] or trains_itself, merged)
    return table
