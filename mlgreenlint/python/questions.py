"""What the `ast` screen asks the repository pass about one file, with the answers kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlgreenlint.python.seams import Repository


@dataclass
class RepositoryQuestions:
    """What the screen asks the repository pass about one file (`rel`), answers kept: is a
    dotted name a module, may a repository function run a training step, may a launch
    command run this file. Without a repository pass nothing is a module and nothing is launched."""

    source: Repository | None = None
    rel: str | None = None
    _modules: dict[str, bool] = field(default_factory=dict)
    _steps: dict[str, bool] = field(default_factory=dict)

    def is_module(self, name: str) -> bool:
        if name not in self._modules:
            self._modules[name] = self.source is not None and self.source.module_path(name) is not None
        return self._modules[name]

    def may_step(self, qualname: str) -> bool:
        if self.source is None:
            return True
        if qualname not in self._steps:
            self._steps[qualname] = bool(self.source.may_step(qualname, consumer=self.rel))
        return self._steps[qualname]

    def runs_file(self) -> bool:
        """Some launch command of the repository runs the file."""
        return (self.source is not None and self.rel is not None
                and bool(self.source.launches_of(self.rel, consumer=self.rel)))
