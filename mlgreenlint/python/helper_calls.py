"""What the repository helpers a file calls do: the names they reference and the calls they
make every time they run. A mixin of `FileContext`; the repository pass answers through the
typed `Repository` seam."""

from __future__ import annotations

from dataclasses import replace
from functools import cached_property

from mlgreenlint.match.names import names_match
from mlgreenlint.python import bindings
from mlgreenlint.python.frames import innermost_def, innermost_loop
from mlgreenlint.python.values import CallSite


class HelperCalls:
    """Names and calls reached through helpers, in other modules and in this file."""

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
        if not site.names:
            return []
        if site.names[0].startswith(self.facts.module_name + "."):
            return self._local_helper_calls(site)
        if self.repo is None:
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

    def _local_helper_calls(self, site: CallSite) -> list[tuple[CallSite, str]]:
        """The calls a function of this file makes every time it runs (not in its own loops,
        not under its own frequency guard), seen at the call `site`: `save_ckpt(...)` in a loop."""
        resolved = bindings.resolve(site.node.func, site.record.scope)
        local = resolved.local if resolved is not None else None
        if not isinstance(local, bindings.FunctionBinding) or site.method:
            return []
        note = f"{local.node.name.value}() in this file"
        return [(replace(inner, node=site.node, record=site.record, origin=inner), note)
                for inner in self._unconditional_calls.get(id(local.node), ())]

    @cached_property
    def _unconditional_calls(self) -> dict[int, list[CallSite]]:
        """Function node id -> its calls that run every time it does (not in its own loops, not guarded)."""
        out: dict[int, list[CallSite]] = {}
        for inner in self.sites:
            frame = innermost_def(inner.record.frame)
            if frame is None or innermost_loop(inner.record.frame) is not None or self.guarded(inner.record.frame, frame):
                continue
            out.setdefault(id(frame.node), []).append(inner)
        return out
