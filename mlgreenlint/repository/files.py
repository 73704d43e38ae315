"""The repository's files: paths, module lookup, bounded reads, and what each verdict read.

Every read on behalf of a linted file (its *consumer*) records the file and its content
hash, so a cached result can be invalidated when a file it depends on changes
(`dependencies`, `still_valid`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from mlgreenlint.globs import path_matches
from mlgreenlint.limits import read_source
from mlgreenlint.python.imports import facts_module

_MAX_BYTES = 2 * 1024 * 1024
#: Characters of repository text kept for the run (launch files, helpers, configs are asked
#: for again and again); beyond it a file is read again when asked, never held.
_TEXT_BUDGET = 64 * 1024 * 1024
#: Dependency key prefixes for what was looked for and not found (recorded with an empty hash):
#: a module name no repository file provides, a repository file that does not exist.
NO_MODULE = "<no module>"
NO_FILE = "<no file>"
#: Files that make a folder a project of its own (globs): its pins and modules are its own.
PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", "requirements*.txt")


@dataclass
class RepoFiles:
    """Files under `root` by repository-relative path and by module name."""

    root: Path
    cwd: Path
    excludes: tuple[str, ...] = ()
    _kept: dict[str, bool] = field(default_factory=dict)
    _rels: dict[str, str | None] = field(default_factory=dict)
    _modules: dict[str, str | None] = field(default_factory=dict)
    _folders: dict[str, bool] = field(default_factory=dict)
    _hashes: dict[str, str] = field(default_factory=dict)
    _texts: dict[str, str | None] = field(default_factory=dict)
    _kept_chars: int = 0
    _deps: dict[str, dict[str, str]] = field(default_factory=dict)
    #: The file being linted (repository-relative) and the module names it looked for in vain.
    _current: str | None = None
    _missing: dict[str, set[str]] = field(default_factory=dict)
    _projects: dict[str, str | None] = field(default_factory=dict)

    # paths -------------------------------------------------------------------------
    def kept(self, rel: str) -> bool:
        """Inside the repository, an existing file, and not excluded by the settings."""
        if rel not in self._kept:
            self._kept[rel] = (not rel.startswith("../") and (self.root / rel).is_file()
                               and not any(path_matches(rel, glob) for glob in self.excludes))
        return self._kept[rel]

    def rel(self, display: str) -> str | None:
        """Repository-relative path of a display path (relative to the working folder)."""
        if display in self._rels:
            return self._rels[display]
        path = Path(display)
        absolute = path if path.is_absolute() else self.cwd / path
        try:
            found: str | None = absolute.resolve().relative_to(self.root).as_posix()
        except (ValueError, OSError):
            found = None
        self._rels[display] = found
        return found

    # modules -----------------------------------------------------------------------
    def module_path(self, name: str) -> str | None:
        """The file of a repository module (`utils.carbon` -> `utils/carbon.py`, also under `src/`)."""
        if name not in self._modules:
            stem = name.replace(".", "/")
            found = None
            parent = name.rpartition(".")[0]
            # `pkg.mod.Class` cannot be a module when no folder `pkg/mod` exists.
            if stem and not stem.startswith("/") and (not parent or self._holds_modules(parent)):
                found = self._module_under(("", "src/", "lib/"), stem)
            self._modules[name] = found
        if self._modules[name] is None and self._current is not None:
            local = self._project_module(self._current, name)
            if local is not None:
                return local
            # Negative dependency: adding this module later must invalidate the cached result.
            self._missing.setdefault(self._current, set()).add(name)
        return self._modules[name]

    def _project_module(self, current: str, name: str) -> str | None:
        """A module beside the importing file or in its project: `python train.py` puts the
        script's folder first on sys.path, and a monorepo project runs from its own root."""
        stem = name.replace(".", "/")
        if current.startswith(("/", "../")) or not stem or stem.startswith("/"):
            return None
        folders = {str(PurePosixPath(current).parent), self.project(current)} - {None, "", "."}
        return self._module_under(tuple(f"{f}/" for f in sorted(folders)), stem)

    def _module_under(self, bases: tuple[str, ...], stem: str) -> str | None:
        for base in bases:
            for candidate in (f"{base}{stem}.py", f"{base}{stem}/__init__.py"):
                if self.kept(candidate):
                    return candidate
        return None

    def project(self, rel: str) -> str | None:
        """The nearest project folder of a file below the root (repository-relative): the closest
        folder with a pyproject.toml, setup.py, setup.cfg or requirements*.txt; None for the root."""
        folder = str(PurePosixPath(rel).parent)
        chain = []
        while folder not in ("", ".") and folder not in self._projects:
            chain.append(folder)
            path = self.root / folder
            if any(next(path.glob(marker), None) is not None for marker in PROJECT_MARKERS):
                self._projects[folder] = folder
                break
            folder = str(PurePosixPath(folder).parent)
        found = self._projects.get(folder)
        for seen in chain:
            self._projects[seen] = found
        return found

    def begin(self, display: str) -> None:
        """The file about to be linted: module look-ups until the next `begin` are its own."""
        self._current = self.rel(display) or display

    def _holds_modules(self, name: str) -> bool:
        """Some folder (at the root, under src/ or lib/) could hold the submodules of `name`."""
        if name not in self._folders:
            stem = name.replace(".", "/")
            parent = name.rpartition(".")[0]
            self._folders[name] = (not stem.startswith("/") and (not parent or self._holds_modules(parent))
                                   and any((self.root / base / stem).is_dir() for base in ("", "src", "lib")))
        return self._folders[name]

    def module_name(self, display: str) -> str | None:
        rel = self.rel(display)
        if rel is None or not rel.endswith(".py"):
            return None
        # The name other modules import it by: src/pkg/mod.py is `pkg.mod`.
        return facts_module(rel) or None

    # contents ----------------------------------------------------------------------
    def text(self, rel: str, *, consumer: str | None = None) -> str | None:
        self.depend(consumer, rel)
        return self.peek(rel)

    def peek(self, rel: str) -> str | None:
        """A file's text without recording a dependency (decoded leniently), read and hashed
        once per run: the first read is the content every verdict of the run sees."""
        if rel in self._texts:
            return self._texts[rel]
        data = self.read(rel)
        text = None
        if data is not None:
            if rel not in self._hashes:
                self._hashes[rel] = hashlib.sha256(data).hexdigest()
            text = data.decode("utf-8", "replace")
        if text is None or self._kept_chars + len(text) <= _TEXT_BUDGET:
            self._texts[rel] = text
            self._kept_chars += len(text or "")
        return text

    def read(self, rel: str) -> bytes | None:
        """A repository file's bytes, or None when it is missing, unreadable, too large or not a
        regular file (a FIFO or a committed link to /dev/zero named `run.sh` must not block or
        fill memory)."""

        data = read_source(self.root / rel, _MAX_BYTES)
        return data if isinstance(data, bytes) else None

    def digest(self, rel: str) -> str | None:
        """The content hash of a file read in this run."""
        return self._hashes.get(rel)

    def set_digest(self, rel: str, digest: str) -> None:
        self._hashes[rel] = digest

    # dependencies ------------------------------------------------------------------
    def depend(self, consumer: str | None, rel: str) -> None:
        """Record that a verdict about `consumer` read `rel`."""
        if consumer is None:
            return
        if rel not in self._hashes:
            self.peek(rel)
        if rel in self._hashes:
            self._deps.setdefault(consumer, {})[rel] = self._hashes[rel]

    def depend_on(self, consumer: str | None, key: str, digest: str) -> None:
        """Record a dependency on something other than one file's content (the set of launch
        files, a file looked for in vain)."""
        if consumer is not None:
            self._deps.setdefault(consumer, {})[key] = digest

    def dependencies(self, display: str) -> dict[str, str]:
        """Files (repository-relative) whose content a file's findings depend on, with their hashes.

        A cache entry for `display` is valid only while each of these hashes is unchanged.
        """
        own = self.rel(display) or display
        deps = dict(self._deps.get(own, {}))
        deps.update((NO_MODULE + name, "") for name in self._missing.get(own, ()))
        return deps

    def still_valid(self, deps: dict[str, str], digests: dict[str, Callable[[], str]]) -> bool:
        """Whether every dependency still has the recorded hash; `digests` computes the
        current hash of the keys that are not files."""
        current, self._current = self._current, None  # these look-ups are no file's own
        try:
            return self._unchanged(deps, digests)
        finally:
            self._current = current

    def _unchanged(self, deps: dict[str, str], digests: dict[str, Callable[[], str]]) -> bool:
        for rel, digest in deps.items():
            if rel in digests:
                if digests[rel]() != digest:
                    return False
            elif rel.startswith(NO_MODULE):
                if self.module_path(rel[len(NO_MODULE):]) is not None:
                    return False
            elif rel.startswith(NO_FILE):
                if self.kept(rel[len(NO_FILE):]):
                    return False
            elif self.peek(rel) is None or self._hashes.get(rel) != digest:
                return False
        return True
