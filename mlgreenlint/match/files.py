"""What the predicate evaluator asks of the file being linted and of the repository pass.

Protocols, so that `match/` names the seams without importing the layers above it: a
Python file is `python.context.FileContext`, a config file `engine.config_patterns.ConfigFile`,
and the repository pass `repository.index.RepoIndex`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from mlgreenlint.versions import Versions


class ConfigReference(Protocol):
    """A config file a launch command passes (`--config_file`, an arguments file)."""

    path: str
    found: bool


class LaunchCommand(Protocol):
    """One command of the repository that runs a script (`repository.launch.Launch`)."""

    flags: dict[str, str]
    wrapper: str

    def config(self, role: str) -> ConfigReference | None: ...


class LaunchSource(Protocol):
    """What the `launched-with` predicate asks of the repository pass."""

    def launches_of(self, rel: str, *, consumer: str | None = None) -> Sequence[LaunchCommand]: ...

    def config(self, rel: str, *, consumer: str | None = None) -> dict | None:
        """A JSON or YAML config of the repository as plain data (an arguments file)."""
        ...

    def cpu_instance(self, rel: str, *, consumer: str | None = None) -> str | None:
        """The CPU instance type every cloud job that runs the script asks for, if any."""
        ...


class LintedFile(Protocol):
    """What file-level predicates ask of any file: a Python file or a config file."""

    text: str
    versions: Versions
    #: Method names the file calls on any object (`file-methods`); empty for a config.
    methods: set[str]

    def references(self, patterns: Sequence[str]) -> bool:
        """The file calls, decorates with or enters one of these qualified names (globs allowed)."""
        ...


class PythonFile(LintedFile, Protocol):
    """What site predicates (`file-has`, `launched-with`) ask of a Python file."""

    rel: str | None
    repo: LaunchSource | None

    @property
    def sites(self) -> list: ...

    @property
    def env_sites(self) -> list: ...

    @property
    def recipe_sites(self) -> list: ...
