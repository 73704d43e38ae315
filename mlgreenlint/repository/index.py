"""The repository pass: helpers in other modules, and which launch commands run a script.

`RepoIndex` is what the engine, the analysis and the checks ask about the repository
around a linted file. It answers from three parts, each built lazily:

* `files.RepoFiles`: paths, module lookup (root-relative and `src/`- or `lib/`-relative),
  bounded reads, and the files each verdict read (`dependencies`, `still_valid`), so a
  cached result is invalidated when a file it depends on changes;
* `helpers.HelperIndex`: module summaries on demand (`summaries.py`), the functions a
  helper reaches and module constants;
* `launches.LaunchIndex`: launch commands (`launch.py`), scanned the first time a rule
  asks about launches.

Rules reach it only through `FileContext`, the `launched-with` predicate and
`checks/by_launch.py`, never through special cases in the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from mlgreenlint.repository.files import NO_FILE, NO_MODULE, RepoFiles
from mlgreenlint.repository.helpers import REACH_DEPTH, HelperIndex
from mlgreenlint.repository.launch import ConfigRef, Launch
from mlgreenlint.repository.launches import LAUNCHES, LaunchIndex
from mlgreenlint.repository.pins import read_pins
from mlgreenlint.repository.stores import DirectoryStore, MemoryStore, SummaryStore
from mlgreenlint.versions import Versions

__all__ = ["LAUNCHES", "NO_FILE", "NO_MODULE", "REACH_DEPTH", "DirectoryStore", "MemoryStore", "RepoIndex", "SummaryStore", "find_root"]


def find_root(start: Path, settings_root: Path | None = None) -> Path:
    """Nearest folder at or above `start` with `.git` or `pyproject.toml`, or the settings root."""
    start = start.resolve()
    if start.is_file():
        start = start.parent
    for folder in (start, *start.parents):
        if (folder / ".git").exists() or (folder / "pyproject.toml").is_file():
            return folder
        if settings_root is not None and folder == settings_root.resolve():
            return folder
    return start


@dataclass
class RepoIndex:
    """Repository files by path and module, launch commands, and summaries on demand."""

    root: Path
    cwd: Path
    excludes: tuple[str, ...] = ()
    store: SummaryStore = field(default_factory=MemoryStore)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._project_pins: dict[str, Versions] = {}
        self.files = RepoFiles(self.root, self.cwd, self.excludes)
        self.helpers = HelperIndex(self.files, self.store, self.notes)
        self.launch_index = LaunchIndex(self.files, self.notes, self.store)

    @classmethod
    def build(cls, root: Path, cwd: Path, *, excludes: tuple[str, ...] = (), store: SummaryStore | None = None) -> RepoIndex:
        """An index of the repository at `root`. Nothing is listed or read until a rule asks."""
        return cls(root.resolve(), cwd.resolve(), tuple(excludes), store or MemoryStore())

    # files and modules ---------------------------------------------------------------
    def rel(self, display: str) -> str | None:
        """Repository-relative path of a display path (relative to the working folder)."""
        return self.files.rel(display)

    def module_path(self, name: str) -> str | None:
        """The file of a repository module (`utils.carbon` -> `utils/carbon.py`, also under `src/`)."""
        return self.files.module_path(name)

    def module_name(self, display: str) -> str | None:
        """The name other modules import a linted file by, when it is in the repository."""
        return self.files.module_name(display)

    def text(self, rel: str, *, consumer: str | None = None) -> str | None:
        return self.files.text(rel, consumer=consumer)

    def config(self, rel: str, *, consumer: str | None = None) -> dict | None:
        """A JSON / YAML / TOML config of the repository as plain data; None when unreadable
        or not one mapping (read by the same positioned parser as the linted configs)."""
        from mlgreenlint.configs import document

        text = self.files.text(rel, consumer=consumer)
        return None if text is None else document.mapping(text, document.format_of(rel))

    def begin(self, display: str) -> None:
        """The file about to be linted: module look-ups until the next `begin` are its own."""
        self.files.begin(display)

    def dependencies(self, display: str) -> dict[str, str]:
        """Files (repository-relative) whose content a file's findings depend on, with their hashes."""
        return self.files.dependencies(display)

    def still_valid(self, deps: dict[str, str]) -> bool:
        """Whether every file a cached result depended on still has the recorded content hash."""
        return self.files.still_valid(deps, {LAUNCHES: self.launch_index.digest})

    # projects ------------------------------------------------------------------------
    def project(self, rel: str) -> str | None:
        return self.files.project(rel)

    def versions(self, rel: str, base: Versions, *, consumer: str | None = None) -> Versions:
        """The pins a file runs with: its nearest project's first, then the repository's (`base`).

        Examples and monorepo projects pin their own versions (`examples/sft/requirements.txt`).
        """
        folder = self.project(rel)
        if folder is None:
            return base
        if folder not in self._project_pins:
            own = read_pins(self.root / folder)
            pins = {k: replace(p, source=f"{folder}/{p.source}") for k, p in own.pins.items()}
            self._project_pins[folder] = Versions(pins=pins, notes=[f"{folder}/{n}" for n in own.notes],
                                                  sources=[f"{folder}/{s}" for s in own.sources],
                                                  cpu_wheels=own.cpu_wheels and f"{folder}/{own.cpu_wheels}")
        own = self._project_pins[folder]
        for source in own.sources:
            self.files.depend(consumer, source)
        if not own.pins and own.cpu_wheels is None:
            return base
        return Versions(pins=base.pins | own.pins, notes=base.notes, sources=own.sources + base.sources,
                        cpu_wheels=own.cpu_wheels or base.cpu_wheels)

    def cpu_instance(self, rel: str, *, consumer: str | None = None) -> str | None:
        """The CPU instance type every cloud job that runs the script asks for (see `cloud_jobs`)."""
        from mlgreenlint.repository import cloud_jobs

        return cloud_jobs.cpu_instance(self.files, rel, consumer)

    # helpers -------------------------------------------------------------------------
    def set_targets(self, paths: list[Path]) -> None:
        self.helpers.set_targets(paths)

    def wants_summary(self, display: str) -> bool:
        return self.helpers.wants_summary(display)

    def record(self, display: str, summary: dict) -> None:
        self.helpers.record(display, summary)

    def take_parse(self, display: str, text: str):
        return self.helpers.take_parse(display, text)

    def summary(self, rel: str, *, consumer: str | None = None) -> dict | None:
        return self.helpers.summary(rel, consumer=consumer)

    def function(self, qualname: str, *, consumer: str | None = None) -> tuple[str, dict] | None:
        return self.helpers.function(qualname, consumer=consumer)

    def reach(self, qualname: str, *, consumer: str | None = None, depth: int = REACH_DEPTH) -> list[tuple[str, str, dict]]:
        return self.helpers.reach(qualname, consumer=consumer, depth=depth)

    def may_step(self, qualname: str, *, consumer: str | None = None) -> bool:
        return self.helpers.may_step(qualname, consumer=consumer)

    def may_reference(self, qualname: str, patterns: tuple[str, ...], *, consumer: str | None = None) -> bool:
        return self.helpers.may_reference(qualname, patterns, consumer=consumer)

    def constant(self, qualname: str, *, consumer: str | None = None, depth: int = 0):
        return self.helpers.constant(qualname, consumer=consumer, depth=depth)

    # launches ------------------------------------------------------------------------
    @property
    def launch_files(self) -> list[str]:
        """Shell scripts, Makefiles, Dockerfiles, job specs of the repository, listed on first use."""
        return self.launch_index.launch_files

    def launches_of(self, rel: str, *, consumer: str | None = None) -> list[Launch]:
        """Launches that run the script `rel`."""
        return self.launch_index.of(rel, consumer=consumer)

    def launches_with(self, rel: str, *, consumer: str | None = None) -> list[tuple[Launch, ConfigRef]]:
        """Launches that pass the config file `rel`."""
        return self.launch_index.passing(rel, consumer=consumer)

    def resolve_path(self, written: str, folder: str) -> str | None:
        return self.launch_index.resolve_path(written, folder)
