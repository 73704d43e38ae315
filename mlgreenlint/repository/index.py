"""The repository pass: helpers in other modules, and which launch commands run a script.

`RepoIndex` finds a repository module by probing its path when a call names it, asks for
its summary (`summary.py`: computed from the parse the engine already made, or from one
parse on demand, and cached by content hash), and scans launch files (`launch.py`) the
first time a rule asks about launches. Rules reach it only through `FileContext`, the
`launched-with` predicate and `checks/by_launch.py`, never through special cases in the
engine.

Module names come from paths relative to the repository root, and relative to its `src/`
(or `lib/`) folder. Every lookup records the file it consulted and its content hash, so a
cached result of the linted file can be invalidated when a file it depends on changes
(`RepoIndex.dependencies`, `RepoIndex.still_valid`).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from mlgreenlint.configs import document
from mlgreenlint.python.imports import facts_module
from mlgreenlint.repository import launch as launch_mod
from mlgreenlint.repository.launch import Launch
from mlgreenlint.repository.summaries import (
    SUMMARY_VERSION,
    DirectoryStore,
    MemoryStore,
    SummaryStore,
    summarise,
    summarise_source,
)

__all__ = ["DirectoryStore", "MemoryStore", "RepoIndex", "SummaryStore", "find_root", "summarise"]

_MAX_BYTES = 2 * 1024 * 1024
#: How many calls deep helpers are followed.
REACH_DEPTH = 3
_KEEP_PARSES = 256
_MAX_WALK = 20000
#: Dependency key standing for the set of launch files and their contents.
LAUNCHES = "<launch files>"
#: Dependency key prefixes for what was looked for and not found (recorded with an empty hash):
#: a module name no repository file provides, a repository file that does not exist.
NO_MODULE = "<no module>"
NO_FILE = "<no file>"


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
    #: Repository-relative paths of the files this run lints.
    targets: set[str] = field(default_factory=set)
    _modules: dict[str, str | None] = field(default_factory=dict)
    _kept: dict[str, bool] = field(default_factory=dict)
    _launch_files: list[str] | None = None
    _launches: list[Launch] | None = None
    _summaries: dict[str, dict | None] = field(default_factory=dict)
    _hashes: dict[str, str] = field(default_factory=dict)
    _deps: dict[str, dict[str, str]] = field(default_factory=dict)
    _rels: dict[str, str | None] = field(default_factory=dict)
    _parses: dict[str, tuple[str, object]] = field(default_factory=dict)
    _helper_sketches: object | None = None
    _folders: dict[str, bool] = field(default_factory=dict)
    #: The file being linted (repository-relative) and the module names it looked for in vain.
    _current: str | None = None
    _missing: dict[str, set[str]] = field(default_factory=dict)

    # construction ------------------------------------------------------------------
    @classmethod
    def build(cls, root: Path, cwd: Path, *, excludes: tuple[str, ...] = (), store: SummaryStore | None = None) -> RepoIndex:
        """An index of the repository at `root`. Nothing is listed or read until a rule asks."""
        return cls(root.resolve(), cwd.resolve(), tuple(excludes), store or MemoryStore())

    def kept(self, rel: str) -> bool:
        """Inside the repository, an existing file, and not excluded by the settings."""
        if rel not in self._kept:
            from mlgreenlint.globs import path_matches

            self._kept[rel] = (not rel.startswith("../") and (self.root / rel).is_file()
                               and not any(path_matches(rel, glob) for glob in self.excludes))
        return self._kept[rel]

    def module_path(self, name: str) -> str | None:
        """The file of a repository module (`utils.carbon` -> `utils/carbon.py`, also under `src/`)."""
        if name not in self._modules:
            stem = name.replace(".", "/")
            found = None
            parent = name.rpartition(".")[0]
            # `pkg.mod.Class` cannot be a module when no folder `pkg/mod` exists.
            if stem and not stem.startswith("/") and (not parent or self._holds_modules(parent)):
                for base in ("", "src/", "lib/"):
                    for candidate in (f"{base}{stem}.py", f"{base}{stem}/__init__.py"):
                        if self.kept(candidate):
                            found = candidate
                            break
                    if found:
                        break
            self._modules[name] = found
        if self._modules[name] is None and self._current is not None:
            # Negative dependency: adding this module later must invalidate the cached result.
            self._missing.setdefault(self._current, set()).add(name)
        return self._modules[name]

    def begin(self, display: str) -> None:
        """The file about to be linted: module look-ups until the next `begin` are its own."""
        self._current = self.rel(display) or display

    @property
    def launch_files(self) -> list[str]:
        """Shell scripts, Makefiles, Dockerfiles, job specs of the repository, listed on first use."""
        if self._launch_files is None:
            self._launch_files = sorted(_list_launch_files(self.root, self.excludes, self.notes))
        return self._launch_files

    @property
    def launches(self) -> list[Launch]:
        """Every launch command of the repository, scanned on first use."""
        if self._launches is None:
            from mlgreenlint.limits import AnalysisTimeout

            found: list[Launch] = []
            for rel in self.launch_files:
                text = self._text(rel)
                if not text:
                    continue
                try:
                    found.extend(launch_mod.scan(rel, text, self.resolve_path))
                except AnalysisTimeout:
                    raise  # the linted file's deadline: scan again for the next file
                except Exception as exc:  # a launch file we cannot read is no evidence, never an error
                    self.notes.append(f"{rel}: launch commands not read ({type(exc).__name__})")
            self._launches = found
        return self._launches

    def resolve_path(self, written: str, folder: str) -> str | None:
        """A path as written in a command, relative to the launch file's folder or the root."""
        try:
            return self._resolve_path(written, folder)
        except (OSError, ValueError):
            return None

    def _resolve_path(self, written: str, folder: str) -> str | None:
        written = written.strip().strip("\"'")
        if not written or written.startswith(("$", "~")):
            return None
        candidates = []
        if written.startswith("/"):
            try:
                candidates.append(Path(written).resolve().relative_to(self.root).as_posix())
            except ValueError:
                return None
        else:
            for base in ([folder] if folder else []) + [""] + (["src"] if not written.startswith("src/") else []):
                candidates.append(os.path.normpath(f"{base}/{written}" if base else written).replace(os.sep, "/"))
        for rel in candidates:
            if self.kept(rel):
                return rel
        return None

    # paths -------------------------------------------------------------------------
    def _holds_modules(self, name: str) -> bool:
        """Some folder (at the root, under src/ or lib/) could hold the submodules of `name`."""
        if name not in self._folders:
            stem = name.replace(".", "/")
            parent = name.rpartition(".")[0]
            self._folders[name] = (not stem.startswith("/") and (not parent or self._holds_modules(parent))
                                   and any((self.root / base / stem).is_dir() for base in ("", "src", "lib")))
        return self._folders[name]

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

    def wants_summary(self, display: str) -> bool:
        rel = self.rel(display)
        return rel is not None and self._summaries.get(rel) is None

    def module_name(self, display: str) -> str | None:
        rel = self.rel(display)
        if rel is None or not rel.endswith(".py"):
            return None
        # The name other modules import it by: src/pkg/mod.py is `pkg.mod`.
        return facts_module(rel) or None

    # summaries ---------------------------------------------------------------------
    def record(self, display: str, summary: dict) -> None:
        """The engine hands over the summary of a file it just parsed: no second parse."""
        rel = self.rel(display)
        if rel is not None:
            self._parses.pop(rel, None)
        if rel is None or rel in self._summaries and self._summaries[rel] is not None:
            return
        self._summaries[rel] = summary
        if self._text(rel) is not None:
            self.store.put(_key(self._hashes[rel], summary.get("module", "")), summary)

    def summary(self, rel: str, *, consumer: str | None = None) -> dict | None:
        if rel not in self._summaries:
            self._summaries[rel] = self._summarise(rel)
        self._depend(consumer, rel)
        return self._summaries[rel]

    def _summarise(self, rel: str) -> dict | None:
        if not rel.endswith(".py") or not self.kept(rel):
            return None
        data = self._read(rel)
        if data is None:
            return None
        digest = hashlib.sha256(data).hexdigest()
        self._hashes[rel] = digest
        module = facts_module(rel)
        key = _key(digest, module)
        cached = self.store.get(key)
        if cached is not None:
            return cached
        keep = None
        if rel in self.targets and len(self._parses) < _KEEP_PARSES:
            # The run will lint this file later: keep the parse so it is not parsed twice.
            def keep(text: str, tree: object) -> None:
                self._parses[rel] = (text, tree)
        from mlgreenlint.limits import AnalysisTimeout

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

    def set_targets(self, paths: list[Path]) -> None:
        """The files this run lints: parses made for their summaries are kept for their lint."""
        for path in paths:
            try:
                self.targets.add(path.resolve().relative_to(self.root).as_posix())
            except (ValueError, OSError):
                continue

    def take_parse(self, display: str, text: str):
        """The parse made for a summary of this file, when its text is the one being linted."""
        rel = self.rel(display)
        kept = self._parses.pop(rel, None) if rel is not None else None
        return kept[1] if kept is not None and kept[0] == text else None

    def function(self, qualname: str, *, consumer: str | None = None) -> tuple[str, dict] | None:
        """(module path, function summary) of an in-repository function, by qualified name."""
        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            rel = self.module_path(".".join(parts[:cut]))
            if rel is None:
                continue
            summary = self.summary(rel, consumer=consumer)
            if summary is None:
                return None
            own = f"{summary['module']}.{'.'.join(parts[cut:])}"
            found = summary["functions"].get(own)
            return (rel, found) if found is not None else None
        return None

    # Cheap necessary conditions on `reach`, judged on `ast` sketches of the modules it would
    # summarise with libcst: asked first, so that most helpers are never parsed with libcst.
    def may_step(self, qualname: str, *, consumer: str | None = None) -> bool:
        """Whether `reach(qualname)` may find a function that steps."""
        return self._sketches().steps(qualname, consumer)

    def may_reference(self, qualname: str, patterns: tuple[str, ...], *, consumer: str | None = None) -> bool:
        """Whether `reach(qualname)` may find a function referencing a name that matches `patterns`."""
        return self._sketches().references(qualname, patterns, consumer)

    def _sketches(self):
        if self._helper_sketches is None:
            from mlgreenlint.python.helper_sketches import HelperSketches

            self._helper_sketches = HelperSketches(self, REACH_DEPTH)
        return self._helper_sketches

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

    def constant(self, qualname: str, *, consumer: str | None = None, depth: int = 0):
        """The value of a module-level constant of the repository (values.MISSING when not one).

        A module variable that is not one constant value is UNKNOWN; re-exports are followed.
        """
        from mlgreenlint.python.values import MISSING, UNKNOWN, Symbol

        parts = qualname.split(".")
        module = self.module_path(".".join(parts[:-1])) if len(parts) > 1 else None
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

    # launches ----------------------------------------------------------------------
    def launches_of(self, rel: str, *, consumer: str | None = None) -> list[Launch]:
        found = [launch for launch in self.launches if launch.script == rel]
        self._depend_on_launches(consumer)
        # HfArgumentParser reads `<script>.args` beside the script (look_for_args_file=True).
        args_file = rel[:-3] + ".args" if rel.endswith(".py") else ""
        if args_file and self.kept(args_file):
            text = self.text(args_file, consumer=consumer) or ""
            found.append(launch_mod.from_arguments(f"{args_file}:1", rel, text, self.resolve_path))
        elif args_file and consumer is not None:
            self._deps.setdefault(consumer, {})[NO_FILE + args_file] = ""
        return found

    def launches_with(self, rel: str, *, consumer: str | None = None) -> list[tuple[Launch, launch_mod.ConfigRef]]:
        """Launches that pass the config file `rel`."""
        out = [(launch, ref) for launch in self.launches for ref in launch.configs if ref.found and ref.path == rel]
        self._depend_on_launches(consumer)
        return out

    def _depend_on_launches(self, consumer: str | None) -> None:
        """A verdict from launch commands depends on every launch file: one may be added or edited."""
        if consumer is not None:
            self._deps.setdefault(consumer, {})[LAUNCHES] = self._launch_digest()

    def _launch_digest(self) -> str:
        h = hashlib.sha256()
        for rel in sorted(self.launch_files):
            self._text(rel)
            h.update(f"{rel}\0{self._hashes.get(rel, '')}\0".encode("utf-8", "surrogateescape"))
        return h.hexdigest()

    def text(self, rel: str, *, consumer: str | None = None) -> str | None:
        self._depend(consumer, rel)
        return self._text(rel)

    def config(self, rel: str, *, consumer: str | None = None) -> dict | None:
        """A JSON / YAML / TOML config of the repository as plain data; None when unreadable
        or not one mapping (read by the same positioned parser as the linted configs)."""
        text = self.text(rel, consumer=consumer)
        return None if text is None else document.mapping(text, document.format_of(rel))

    def _text(self, rel: str) -> str | None:
        data = self._read(rel)
        if data is None:
            return None
        self._hashes.setdefault(rel, hashlib.sha256(data).hexdigest())
        return data.decode("utf-8", "replace")

    def _read(self, rel: str) -> bytes | None:
        """A repository file's bytes, or None when it is missing, unreadable or too large."""
        path = self.root / rel
        try:
            if path.stat().st_size > _MAX_BYTES:
                return None
            return path.read_bytes()
        except OSError:
            return None

    def _depend(self, consumer: str | None, rel: str) -> None:
        if consumer is None:
            return
        if rel not in self._hashes:
            self._text(rel)
        if rel in self._hashes:
            self._deps.setdefault(consumer, {})[rel] = self._hashes[rel]

    def dependencies(self, display: str) -> dict[str, str]:
        """Files (repository-relative) whose content a file's findings depend on, with their hashes.

        A cache entry for `display` is valid only while each of these hashes is unchanged.
        """
        own = self.rel(display) or display
        deps = dict(self._deps.get(own, {}))
        deps.update((NO_MODULE + name, "") for name in self._missing.get(own, ()))
        return deps


    def still_valid(self, deps: dict[str, str]) -> bool:
        """Whether every file a cached result depended on still has the recorded content hash."""
        current, self._current = self._current, None  # these look-ups are no file's own
        try:
            return self._unchanged(deps)
        finally:
            self._current = current

    def _unchanged(self, deps: dict[str, str]) -> bool:
        for rel, digest in deps.items():
            if rel == LAUNCHES:
                if self._launch_digest() != digest:
                    return False
            elif rel.startswith(NO_MODULE):
                if self.module_path(rel[len(NO_MODULE):]) is not None:
                    return False
            elif rel.startswith(NO_FILE):
                if self.kept(rel[len(NO_FILE):]):
                    return False
            elif self._text(rel) is None or self._hashes.get(rel) != digest:
                return False
        return True


def _key(digest: str, module: str) -> str:
    return hashlib.sha256(f"{SUMMARY_VERSION}\0{module}\0{digest}".encode("utf-8", "surrogateescape")).hexdigest()[:32]


def _list_launch_files(root: Path, excludes: tuple[str, ...], notes: list[str], limit: int = _MAX_WALK):
    """Launch files of the repository (git-listed when it is a work tree), minus excludes.

    Outside a work tree the walk stops after `limit` entries, with a note: a file linted
    outside any repository must not walk a whole home folder.
    """
    from mlgreenlint.discovery import git_names
    from mlgreenlint.globs import path_matches

    def kept(rel: str) -> bool:
        return not any(path_matches(rel, glob) for glob in excludes)

    listed = git_names(root)
    if listed is not None:
        yield from (rel for rel in listed if launch_mod.is_launch_file(rel) and kept(rel))
        return
    seen = 0
    for folder, dirs, files in os.walk(root, followlinks=False):
        seen += len(dirs) + len(files)
        if seen > limit:
            notes.append(f"{root}: not a repository; launch commands searched in its first {limit} entries only")
            return
        base = Path(folder)
        prefix = base.relative_to(root).as_posix()
        prefix = "" if prefix == "." else prefix + "/"
        dirs[:] = sorted(d for d in dirs if kept(prefix + d))
        for name in sorted(files):
            rel = prefix + name
            if launch_mod.is_launch_file(rel) and kept(rel):
                yield rel
