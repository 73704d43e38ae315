"""What the Python analysis asks of the repository pass, as Protocols.

The repository pass (`repository.index.RepoIndex`) sits above `python/`: it summarises
modules with this analysis. The analysis asks it questions through these Protocols and never
imports it. Every question names its `consumer`, the file whose findings depend on the
answer, so a cached result can be invalidated when a file it read changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from mlgreenlint.match.files import LaunchSource


class ModuleSource(Protocol):
    """Repository modules by dotted name, and their text: what the helper sketches read."""

    def module_path(self, name: str) -> str | None:
        """The repository-relative file of a module (`utils.carbon` -> `utils/carbon.py`), or None."""
        ...

    def text(self, rel: str, *, consumer: str | None = None) -> str | None: ...


class SourceFile(Protocol):
    """What a source-only file check reads (`checks.FileCheck.source_only`): the file's text and
    place, and the repository's files. A `FileContext` is one; so is the engine's record of a
    file it did not parse with libcst."""

    path: str
    text: str

    @property
    def rel(self) -> str | None: ...

    @property
    def repo(self) -> ModuleSource | None: ...


class Repository(ModuleSource, LaunchSource, Protocol):
    """What a Python file's analysis (`FileContext`, the screen) asks of the repository pass."""

    def may_step(self, qualname: str, *, consumer: str | None = None) -> bool:
        """A cheap necessary condition: `reach(qualname)` may find a function that steps."""
        ...

    def may_reference(self, qualname: str, patterns: Sequence[str], *, consumer: str | None = None) -> bool:
        """A cheap necessary condition: `reach(qualname)` may find a reference matching `patterns`."""
        ...

    def reach(self, qualname: str, *, consumer: str | None = None) -> list[tuple[str, str, dict]]:
        """The function and the repository functions it calls, transitively: (path, name, summary)."""
        ...

    def function(self, qualname: str, *, consumer: str | None = None) -> tuple[str, dict] | None:
        """(module path, function summary) of a repository function."""
        ...

    def constant(self, qualname: str, *, consumer: str | None = None) -> object:
        """The value of a module-level constant of the repository (`values.MISSING` when not one)."""
        ...
