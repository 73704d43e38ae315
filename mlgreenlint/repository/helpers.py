"""Functions and constants of other repository modules, from their summaries.

A module is summarised from the parse the engine already made (`record`), from the
summary store, or from one parse on demand (`summaries.py`, imported only then: it
needs libcst). Cheap `ast` sketches (`python/screen.py`) answer first whether following
a helper could matter at all, so most helpers are never parsed with libcst.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from mlgreenlint.limits import AnalysisTimeout
from mlgreenlint.python.imports import facts_module
from mlgreenlint.repository.files import RepoFiles
from mlgreenlint.repository.stores import SummaryStore, summary_key

#: How many calls deep helpers are followed.
REACH_DEPTH = 3
_KEEP_PARSES = 256


class HelperIndex:
    """Module summaries on demand, and the questions rules ask of them."""

    def __init__(self, files: RepoFiles, store: SummaryStore, notes: list[str]) -> None:
        self.files = files
        self.store = store
        self.notes = notes
        #: Repository-relative paths of the files this run lints.
        self.targets: set[str] = set()
        self._summaries: dict[str, dict | None] = {}
        self._parses: dict[str, tuple[str, object]] = {}
        self._sketches = None

    # the engine's handover -----------------------------------------------------------
    def set_targets(self, paths: list[Path]) -> None:
        """The files this run lints: parses made for their summaries are kept for their lint."""
        for path in paths:
            try:
                self.targets.add(path.resolve().relative_to(self.files.root).as_posix())
            except (ValueError, OSError):
                continue

    def wants_summary(self, display: str) -> bool:
        rel = self.files.rel(display)
        return rel is not None and self._summaries.get(rel) is None

    def record(self, display: str, summary: dict) -> None:
        """The engine hands over the summary of a file it just parsed: no second parse."""
        rel = self.files.rel(display)
        if rel is not None:
            self._parses.pop(rel, None)
        if rel is None or rel in self._summaries and self._summaries[rel] is not None:
            return
        self._summaries[rel] = summary
        if self.files.peek(rel) is not None:
            self.store.put(summary_key(self.files.digest(rel), summary.get("module", "")), summary)

    def take_parse(self, display: str, text: str):
        """The parse made for a summary of this file, when its text is the one being linted."""
        rel = self.files.rel(display)
        kept = self._parses.pop(rel, None) if rel is not None else None
        return kept[1] if kept is not None and kept[0] == text else None

    # summaries -----------------------------------------------------------------------
    def summary(self, rel: str, *, consumer: str | None = None) -> dict | None:
        if rel not in self._summaries:
            self._summaries[rel] = self._summarise(rel)
        self.files.depend(consumer, rel)
        return self._summaries[rel]

    def _summarise(self, rel: str) -> dict | None:
        if not rel.endswith(".py") or not self.files.kept(rel):
            return None
        data = self.files.read(rel)
        if data is None:
            return None
        digest = hashlib.sha256(data).hexdigest()
        self.files.set_digest(rel, digest)
        module = facts_module(rel)
        key = summary_key(digest, module)
        cached = self.store.get(key)
        if cached is not None:
            return cached
        keep = None
        if rel in self.targets and len(self._parses) < _KEEP_PARSES:
            # The run will lint this file later: keep the parse so it is not parsed twice.
            def keep(text: str, tree: object) -> None:
                self._parses[rel] = (text, tree)
        from mlgreenlint.repository.summaries import summarise_source

        try:
            summary = summarise_source(data, module, keep)
        except AnalysisTimeout:
            raise  # the linted file's deadline: summarise again for the next file
        except Exception as exc:  # a helper we cannot summarise is unknown, never an error
            self.notes.append(f"{rel}: not summarised ({type(exc).__name__})")
            return None
        if summary is not None:
            self.store.put(key, summary)
        return summary

    # questions -----------------------------------------------------------------------
    def function(self, qualname: str, *, consumer: str | None = None) -> tuple[str, dict] | None:
        """(module path, function summary) of an in-repository function, by qualified name."""
        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            rel = self.files.module_path(".".join(parts[:cut]))
            if rel is None:
                continue
            summary = self.summary(rel, consumer=consumer)
            if summary is None:
                return None
            own = f"{summary['module']}.{'.'.join(parts[cut:])}"
            found = summary["functions"].get(own)
            return (rel, found) if found is not None else None
        return None

    def reach(self, qualname: str, *, consumer: str | None = None, depth: int = REACH_DEPTH) -> list[tuple[str, str, dict]]:
        """The function and the in-repository functions it calls, transitively: (path, name, summary)."""
        out: list[tuple[str, str, dict]] = []
        seen: set[str] = set()
        frontier = [(qualname, 0)]
        while frontier:
            name, level = frontier.pop(0)
            if name in seen or level > depth:
                continue
            seen.add(name)
            found = self.function(name, consumer=consumer)
            if found is None:
                continue
            rel, summary = found
            out.append((rel, name, summary))
            frontier.extend((ref, level + 1) for ref in summary["refs"])
        return out

    # Cheap necessary conditions on `reach`, judged on `ast` sketches of the modules it would
    # summarise with libcst: asked first, so that most helpers are never parsed with libcst.
    def may_step(self, qualname: str, *, consumer: str | None = None) -> bool:
        """Whether `reach(qualname)` may find a function that steps."""
        return self._sketch().steps(qualname, consumer)

    def may_reference(self, qualname: str, patterns: tuple[str, ...], *, consumer: str | None = None) -> bool:
        """Whether `reach(qualname)` may find a function referencing a name that matches `patterns`."""
        return self._sketch().references(qualname, patterns, consumer)

    def _sketch(self):
        if self._sketches is None:
            from mlgreenlint.python.helper_sketches import HelperSketches

            self._sketches = HelperSketches(self.files, REACH_DEPTH)
        return self._sketches

    def constant(self, qualname: str, *, consumer: str | None = None, depth: int = 0):
        """The value of a module-level constant of the repository (values.MISSING when not one).

        A module variable that is not one constant value is UNKNOWN; re-exports are followed.
        """
        from mlgreenlint.python.values import MISSING, UNKNOWN, Symbol

        parts = qualname.split(".")
        module = self.files.module_path(".".join(parts[:-1])) if len(parts) > 1 else None
        if module is None:
            return MISSING
        summary = self.summary(module, consumer=consumer)
        if summary is None:
            return UNKNOWN
        entry = summary.get("constants", {}).get(parts[-1])
        if entry is None:
            return UNKNOWN if parts[-1] in summary.get("variables", ()) else MISSING
        if "alias" in entry:
            if depth >= 5:
                return UNKNOWN
            found = self.constant(entry["alias"], consumer=consumer, depth=depth + 1)
            return Symbol(entry["alias"]) if found is MISSING else found
        return entry["value"]
