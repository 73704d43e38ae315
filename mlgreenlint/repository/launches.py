"""Which launch commands of the repository run a script or pass a config (see launch.py).

Launch files are listed once per run (git names only the files the launch pathspecs select),
read and hashed once, and scanned once per content: a scan is stored by the file's path and
content hash with every path question it asked and the answer it got, and reused by a later
run only when each question still gets the same answer (a script added or removed changes
what a command runs).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from mlgreenlint.discovery import git_names
from mlgreenlint.globs import path_matches
from mlgreenlint.limits import AnalysisTimeout
from mlgreenlint.repository import launch as launch_mod
from mlgreenlint.repository.files import NO_FILE, RepoFiles
from mlgreenlint.repository.launch import LAUNCH_PATHSPECS, ConfigRef, Launch
from mlgreenlint.repository.stores import MemoryStore, SummaryStore, launch_scan_key

_MAX_WALK = 20000
#: Dependency key standing for the set of launch files and their contents.
LAUNCHES = "<launch files>"


class LaunchIndex:
    """Shell scripts, Makefiles, Dockerfiles and job specs, listed and scanned on first use."""

    def __init__(self, files: RepoFiles, notes: list[str], store: SummaryStore | None = None) -> None:
        self.files = files
        self.notes = notes
        self.store = store if store is not None else MemoryStore()
        self._files: list[str] | None = None
        self._launches: list[Launch] | None = None
        self._digest: str | None = None

    @property
    def launch_files(self) -> list[str]:
        if self._files is None:
            self._files = sorted(_list_launch_files(self.files.root, self.files.excludes, self.notes))
        return self._files

    @property
    def launches(self) -> list[Launch]:
        """Every launch command of the repository."""
        if self._launches is None:
            found: list[Launch] = []
            for rel in self.launch_files:
                text = self.files.peek(rel)
                if not text:
                    continue
                try:
                    found.extend(self._scan(rel, text))
                except AnalysisTimeout:
                    raise  # the linted file's deadline: scan again for the next file
                except Exception as exc:  # a launch file we cannot read is no evidence, never an error
                    self.notes.append(f"{rel}: launch commands not read ({type(exc).__name__})")
            self._launches = found
        return self._launches

    def _scan(self, rel: str, text: str) -> list[Launch]:
        """The launches of one file: the stored scan of this content when every path it
        resolved still resolves alike, else a new scan (then stored)."""
        key = launch_scan_key(self.files.digest(rel) or "", rel)
        stored = _decode(self.store.get(key))
        if stored is not None and all(self.resolve_path(w, f) == found for w, f, found in stored[0]):
            return stored[1]
        asked: dict[tuple[str, str], str | None] = {}

        def resolve(written: str, folder: str) -> str | None:
            if (written, folder) not in asked:
                asked[written, folder] = self.resolve_path(written, folder)
            return asked[written, folder]

        launches = launch_mod.scan(rel, text, resolve)
        self.store.put(key, _encode(asked, launches))
        return launches

    def resolve_path(self, written: str, folder: str) -> str | None:
        """A path as written in a command, relative to the launch file's folder, its project folder or the root."""
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
                candidates.append(Path(written).resolve().relative_to(self.files.root).as_posix())
            except ValueError:
                return None
        else:
            # The launch file's folder, its project folder (`cd projects/a && bash scripts/run.sh`
            # runs `python train.py` from projects/a), then the root.
            project = self.files.project(f"{folder}/_") if folder else None
            bases = ([folder] if folder else []) + ([project] if project and project != folder else [])
            for base in bases + [""] + (["src"] if not written.startswith("src/") else []):
                candidates.append(os.path.normpath(f"{base}/{written}" if base else written).replace(os.sep, "/"))
        for rel in candidates:
            if self.files.kept(rel):
                return rel
        return None

    def of(self, rel: str, *, consumer: str | None = None) -> list[Launch]:
        """Launches that run the script `rel`."""
        found = [launch for launch in self.launches if launch.script == rel]
        self._depend(consumer)
        # HfArgumentParser reads `<script>.args` beside the script (look_for_args_file=True).
        args_file = rel[:-3] + ".args" if rel.endswith(".py") else ""
        if args_file and self.files.kept(args_file):
            text = self.files.text(args_file, consumer=consumer) or ""
            found.append(launch_mod.from_arguments(f"{args_file}:1", rel, text, self.resolve_path))
        elif args_file:
            self.files.depend_on(consumer, NO_FILE + args_file, "")
        return found

    def passing(self, rel: str, *, consumer: str | None = None) -> list[tuple[Launch, ConfigRef]]:
        """Launches that pass the config file `rel`."""
        out = [(launch, ref) for launch in self.launches for ref in launch.configs if ref.found and ref.path == rel]
        self._depend(consumer)
        return out

    def _depend(self, consumer: str | None) -> None:
        """A verdict from launch commands depends on every launch file: one may be added or edited."""
        if consumer is not None:
            self.files.depend_on(consumer, LAUNCHES, self.digest())

    def digest(self) -> str:
        """One hash over the launch files' names and contents (computed once per run)."""
        if self._digest is None:
            h = hashlib.sha256()
            for rel in self.launch_files:
                self.files.peek(rel)
                h.update(f"{rel}\0{self.files.digest(rel) or ''}\0".encode("utf-8", "surrogateescape"))
            self._digest = h.hexdigest()
        return self._digest


def _encode(asked: dict[tuple[str, str], str | None], launches: list[Launch]) -> dict:
    return {"asked": [[w, f, found] for (w, f), found in asked.items()],
            "launches": [{"source": x.source, "launcher": x.launcher, "script": x.script, "wrapper": x.wrapper,
                          "flags": x.flags, "configs": [[c.role, c.path, c.found] for c in x.configs]}
                         for x in launches]}


def _decode(entry: dict | None) -> tuple[list[tuple[str, str, str | None]], list[Launch]] | None:
    """A stored scan, or None when it is absent or not exactly the shape `_encode` writes."""
    if entry is None:
        return None
    try:
        asked = [(w, f, found) for w, f, found in entry["asked"]]
        if not all(type(w) is str and type(f) is str and (found is None or type(found) is str)
                   for w, f, found in asked):
            return None
        launches = []
        for x in entry["launches"]:
            texts = [x["source"], x["launcher"], x["script"], x["wrapper"]]
            flags, configs = x["flags"], [(role, path, found) for role, path, found in x["configs"]]
            if (not all(type(t) is str for t in texts) or type(flags) is not dict
                    or not all(type(k) is str and type(v) is str for k, v in flags.items())
                    or not all(type(r) is str and type(p) is str and type(b) is bool for r, p, b in configs)):
                return None
            launches.append(Launch(*texts[:3], [ConfigRef(*c) for c in configs], dict(flags), texts[3]))
        return asked, launches
    except (KeyError, TypeError, ValueError):
        return None


def _list_launch_files(root: Path, excludes: tuple[str, ...], notes: list[str], limit: int = _MAX_WALK):
    """Launch files of the repository (git-listed when it is a work tree), minus excludes.

    Outside a work tree the walk stops after `limit` entries, with a note: a file linted
    outside any repository must not walk a whole home folder.
    """

    def kept(rel: str) -> bool:
        return not any(path_matches(rel, glob) for glob in excludes)

    listed = git_names(root, LAUNCH_PATHSPECS)
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
