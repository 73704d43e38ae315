"""A content-addressed cache of per-file results, safe under concurrent runs.

Layout: `<cache dir>/<run key[:16]>/<key[:2]>/<key>.json`, where the run key hashes
everything that decides a file's result besides its own bytes (tool build, parser build,
the compiled Job: enabled rules with their content, options and severities, known ids,
per-file ignores, version pins) and the key hashes the display path and the bytes.
Entries are written by atomic rename, so a reader sees a whole entry or none; an entry
that cannot be read or decoded is a miss and is overwritten. Files with findings are
cached too.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import os
import sys
from importlib.machinery import PathFinder
from pathlib import Path

from mlgreenlint import __version__
from mlgreenlint.model import Edit, FileResult, Finding, Fix, Severity, Span

DIR_NAME = ".mlgreenlint_cache"
#: Bump when the entry layout changes.
FORMAT = 1
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by mlgreenlint.\n"
_PACKAGE_DIR = Path(__file__).resolve().parent


class Cache:
    """Per-file results of one configuration; `get` / `put` by display path and bytes."""

    def __init__(self, root: Path, run_key: str):
        self.root = root
        self.run_key = run_key
        self.folder = root / run_key[:16]
        self._made: set[str] = set()

    @staticmethod
    def key(path: str, data: bytes) -> str:
        h = hashlib.sha256(path.encode("utf-8", "surrogateescape"))
        h.update(b"\0")
        h.update(data)
        return h.hexdigest()

    def get(self, path: str, data: bytes) -> FileResult | None:
        return self.get_key(path, self.key(path, data))

    def put(self, path: str, data: bytes, result: FileResult) -> None:
        self.put_key(path, self.key(path, data), result)

    def get_key(self, path: str, key: str, still_valid=None) -> FileResult | None:
        """The stored result, unless a repository file it depended on has changed since."""
        try:
            raw = (self.folder / key[:2] / f"{key}.json").read_bytes()
            entry = json.loads(raw)
            if entry["format"] != FORMAT or entry["path"] != path:
                return None
            deps = entry.get("deps") or {}
            if deps and (still_valid is None or not still_valid(deps)):
                return None
            return FileResult(path, [_finding(f) for f in entry["findings"]], list(entry["notes"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # missing, partial, corrupted or foreign: a miss

    def put_key(self, path: str, key: str, result: FileResult, deps: dict[str, str] | None = None) -> None:
        """Store a result; `deps` are the repository files (and hashes) its findings depend on."""
        from mlgreenlint import (
            atomic,  # tempfile and random: only runs that write pay for them
        )

        entry = {"format": FORMAT, "path": path, "notes": result.notes, "deps": deps or {},
                 "findings": [f.to_dict() for f in result.findings]}
        shard = key[:2]
        try:
            if shard not in self._made:
                self._prepare(shard)
            atomic.write_text(self.folder / shard / f"{key}.json", json.dumps(entry, separators=(",", ":")),
                              durable=False)
        except OSError:
            pass  # a read-only or full disk costs speed, never a run

    def _prepare(self, shard: str) -> None:
        from mlgreenlint import atomic

        if not self._made:
            self.root.mkdir(parents=True, exist_ok=True)
            for name, text in (("CACHEDIR.TAG", _TAG), (".gitignore", "# Created by mlgreenlint.\n*\n")):
                if not (self.root / name).exists():
                    atomic.write_text(self.root / name, text, durable=False)
        (self.folder / shard).mkdir(parents=True, exist_ok=True)
        self._made.add(shard)


def cache_dir(settings) -> Path:
    """The configured `cache-dir`, else `.mlgreenlint_cache` beside the configuration (or in the CWD)."""
    return Path(settings.cache_dir) if settings.cache_dir is not None else Path(settings.root) / DIR_NAME


def open_cache(settings, job) -> Cache:
    return Cache(cache_dir(settings), run_key(job))


def clean(root: Path) -> bool:
    """Remove a cache folder; refuses a folder mlgreenlint did not create. False when absent."""
    if not root.exists():
        return False
    try:
        ours = (root / "CACHEDIR.TAG").read_text(encoding="utf-8") == _TAG
    except (OSError, UnicodeDecodeError):
        ours = False
    if not ours:
        raise OSError(f"{root} has no mlgreenlint CACHEDIR.TAG; not removing it")
    import shutil

    shutil.rmtree(root)
    return True


def run_key(job) -> str:
    """Hash of everything besides a file's bytes that decides its result."""
    parts = {
        "format": FORMAT,
        "tool": __version__,
        "build": _build_fingerprint(),
        "python": sys.version,
        "libcst": _libcst_fingerprint(),
        "job": _canonical(job),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, separators=(",", ":")).encode("utf-8", "surrogateescape")).hexdigest()


def _build_fingerprint() -> list:
    """Names, sizes and mtimes of the package's modules: a development checkout changes it."""
    out = []
    for folder, dirs, files in os.walk(_PACKAGE_DIR):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                st = os.stat(os.path.join(folder, name))
                out.append([os.path.relpath(os.path.join(folder, name), _PACKAGE_DIR), st.st_size, st.st_mtime_ns])
    return out


def _libcst_fingerprint() -> str:
    """libcst's version file, read without importing libcst (which costs about 140 ms)."""
    spec = PathFinder.find_spec("libcst")
    if spec is None or not spec.origin:
        return ""
    folder = Path(spec.origin).parent
    try:
        return (folder / "_version.py").read_text(encoding="utf-8")
    except OSError:
        st = Path(spec.origin).stat()
        return f"{spec.origin}:{st.st_size}:{st.st_mtime_ns}"


def _canonical(value):
    """A JSON-ready, order-independent form of a Job and everything in it."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Fields left out of comparison (a Job's repository index) are not part of the key.
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value) if f.compare}
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((_canonical(v) for v in value), key=repr)
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value) if not isinstance(value, os.PathLike) else os.fspath(value)


def _finding(d: dict) -> Finding:
    fix = None
    if d["fix"] is not None:
        edits = tuple(Edit(_span(e), e["replacement"]) for e in d["fix"]["edits"])
        fix = Fix(d["fix"]["title"], edits, d["fix"]["safe"])
    return Finding(d["rule"], d["path"], _span(d), d["message"], Severity.parse(d["severity"]), fix, d["fingerprint"])


def _span(d: dict) -> Span:
    values = (d["line"], d["column"], d["end_line"], d["end_column"])
    if not all(type(v) is int for v in values):
        raise TypeError("span of an entry is not four integers")
    return Span(*values)
