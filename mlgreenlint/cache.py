"""A content-addressed cache of per-file results, safe under concurrent runs.

Layout: `<cache dir>/<run key[:16]>/<key[:2]>/<key>.json`, where the run key hashes
everything that decides a file's result besides its own bytes (tool build, parser build,
the compiled Job: enabled rules with their content, options and severities, known ids,
per-file ignores, version pins) and the key hashes the display path and the bytes.
Entries are written by atomic rename, so a reader sees a whole entry or none. Each entry
starts with the SHA-256 of its JSON and every field is type-checked on reading: an entry
that is missing, partial, corrupted (a flipped bit) or foreign is a miss and is
overwritten. Files with findings are cached too; results that depend on the machine's
load (a timeout) are not cached at all (`FileResult.cacheable`).

The folder holds only what the cache writes: CACHEDIR.TAG, a `.gitignore`, run-key
folders of two-hex shards of entries, `repo-summaries/` and atomic-write temporaries.
`clean` deletes it only when that is all it holds, and never follows a symbolic link. The
least recently written run-key folders beyond `KEEP_RUNS` are evicted.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import os
import re
import sys
from importlib.machinery import PathFinder
from pathlib import Path

from mlgreenlint import __version__, atomic
from mlgreenlint.errors import SettingsError
from mlgreenlint.model import CellSpan, Edit, FileResult, Finding, Fix, Rule, Severity, Span
from mlgreenlint.ruleset import rulebook

DIR_NAME = ".mlgreenlint_cache"
#: Bump when the entry layout changes.
FORMAT = 3
#: Run-key folders (configurations, tool builds) kept; older ones are removed when a run writes.
KEEP_RUNS = 8
SUMMARIES = "repo-summaries"
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by mlgreenlint.\n"
_GITIGNORE = "# Created by mlgreenlint.\n*\n"
_PACKAGE_DIR = Path(__file__).resolve().parent
_TEMPORARY = re.compile(r"\..+\.\d+\..+\.tmp")
_RUN = re.compile(r"[0-9a-f]{16}")
_SHARD = re.compile(r"[0-9a-f]{2}")
_ENTRY = re.compile(r"[0-9a-f]{64}\.json")
_SUMMARY = re.compile(r"[0-9a-f]{32}\.json")


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
            digest, _, body = raw.partition(b"\n")
            if hashlib.sha256(body).hexdigest().encode() != digest:
                return None
            entry = json.loads(body)
            if entry["format"] != FORMAT or entry["path"] != path:
                return None
            deps = _strings(entry["deps"])
            if deps and (still_valid is None or not still_valid(deps)):
                return None
            notes = entry["notes"]
            if type(notes) is not list or not all(type(n) is str for n in notes):
                raise TypeError("notes")
            return FileResult(path, [_finding(f) for f in entry["findings"]], notes)
        except Exception:  # noqa: BLE001 -- missing, partial, corrupted or foreign: a miss, never a failed run
            return None

    def put_key(self, path: str, key: str, result: FileResult, deps: dict[str, str] | None = None) -> None:
        """Store a result; `deps` are the repository files (and hashes) its findings depend on."""

        entry = {"format": FORMAT, "path": path, "notes": result.notes, "deps": deps or {},
                 "findings": [f.to_dict() for f in result.findings]}
        body = json.dumps(entry, separators=(",", ":")).encode()  # ASCII: surrogates are \\u escapes
        shard = key[:2]
        try:
            if shard not in self._made:
                self._prepare(shard)
            # No sweep: it would list the shard folder on every write; clean and eviction tidy up.
            atomic.write_bytes(self.folder / shard / f"{key}.json", hashlib.sha256(body).hexdigest().encode()
                               + b"\n" + body, sweep=False, durable=False)
        except OSError:
            pass  # a read-only or full disk costs speed, never a run

    def _prepare(self, shard: str) -> None:
        if not self._made:
            claim(self.root)
            self.folder.mkdir(exist_ok=True)
            os.utime(self.folder)  # most recently written: the last to be evicted
            _evict(self.root, keep=self.folder.name)
        (self.folder / shard).mkdir(exist_ok=True)
        self._made.add(shard)


def claim(root: Path) -> None:
    """Create the cache folder with its tag, or check an existing one is the cache's own.

    A folder that exists, is not empty and has no tag is someone else's (`cache-dir = "src"`):
    nothing is written into it, least of all a `.gitignore` that would hide its files.
    """

    if root.is_symlink():
        raise OSError(f"{root} is a symbolic link; the cache does not write through links")
    try:
        root.mkdir(parents=True)
    except FileExistsError:
        if not _tagged(root) and any(True for _ in os.scandir(root)):
            raise OSError(f"{root} is not empty and not an mlgreenlint cache") from None
    for name, text in (("CACHEDIR.TAG", _TAG), (".gitignore", _GITIGNORE)):
        if not (root / name).exists():
            atomic.write_text(root / name, text, sweep=False, durable=False)


def _evict(root: Path, keep: str) -> None:
    """Remove the least recently written run-key folders beyond KEEP_RUNS."""
    import shutil

    runs = []
    for entry in os.scandir(root):
        if _RUN.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False) and entry.name != keep:
            runs.append((entry.stat(follow_symlinks=False).st_mtime, entry.path))
    for _, path in sorted(runs, reverse=True)[KEEP_RUNS - 1:]:
        shutil.rmtree(path, ignore_errors=True)


def cache_dir(settings) -> Path:
    """The configured `cache-dir`, else `.mlgreenlint_cache` beside the configuration (or in the CWD).

    A cache folder that is the project's folder or holds it (`cache-dir = "."`) is refused:
    its `.gitignore` would hide the project and `clean` would delete it.
    """
    folder = Path(settings.cache_dir) if settings.cache_dir is not None else Path(settings.root) / DIR_NAME
    resolved = Path(os.path.realpath(folder))
    for project in {Path(os.path.realpath(settings.root)), Path(os.path.realpath(Path.cwd()))}:
        if project == resolved or project.is_relative_to(resolved):
            raise SettingsError(settings.origin("cache-dir")[0], settings.origin("cache-dir")[1],
                                f"{folder} holds the project; the cache needs a folder of its own")
    return folder


def open_cache(settings, job) -> Cache:
    return Cache(cache_dir(settings), run_key(job))


def clean(root: Path) -> bool:
    """Remove a cache folder holding only what the cache writes; False when absent.

    Refuses (OSError naming the first foreign path) a symbolic link, a folder without the
    cache's tag, and a folder holding anything the cache does not write; nothing is
    removed then. Links inside are removed as links, never followed.
    """
    if not os.path.lexists(root):
        return False
    if root.is_symlink():
        raise OSError(f"{root} is a symbolic link; not removing it")
    if not _tagged(root):
        raise OSError(f"{root} has no mlgreenlint CACHEDIR.TAG; not removing it")
    foreign = _foreign(root)
    if foreign is not None:
        raise OSError(f"{root} holds {foreign}, which the cache did not write; not removing it")
    import shutil

    shutil.rmtree(root)
    return True


def _tagged(root: Path) -> bool:
    try:
        return (root / "CACHEDIR.TAG").read_text(encoding="utf-8") == _TAG
    except (OSError, UnicodeDecodeError):
        return False


def _foreign(root: Path) -> str | None:
    """The first path under `root` the cache's layout does not account for, or None."""
    def walk(folder: Path, layout: list[tuple[re.Pattern, list | None]]) -> str | None:
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            name = entry.name
            is_dir = entry.is_dir(follow_symlinks=False)
            if _TEMPORARY.fullmatch(name) and entry.is_file(follow_symlinks=False):
                continue
            for pattern, inner in layout:
                if pattern.fullmatch(name) and (is_dir if inner is not None else entry.is_file(follow_symlinks=False)):
                    if inner is not None and (found := walk(Path(entry.path), inner)) is not None:
                        return found
                    break
            else:
                return os.path.join(folder, name)
        return None

    files = [(_ENTRY, None)]
    return walk(root, [
        (re.compile(r"CACHEDIR\.TAG|\.gitignore"), None),
        (_RUN, [(_SHARD, files)]),
        (re.compile(re.escape(SUMMARIES)), [(_SUMMARY, None)]),
    ])


def run_key(job) -> str:
    """Hash of everything besides a file's bytes that decides its result."""
    builtin_digest, builtin = rulebook.builtin_identity()
    parts = {
        "format": FORMAT,
        "tool": __version__,
        "build": _build_fingerprint(),
        "python": sys.version,
        "libcst": _libcst_fingerprint(),
        "builtin-rules": builtin_digest,
        "job": _canonical(job, builtin),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, separators=(",", ":")).encode("utf-8", "surrogateescape")).hexdigest()


def _build_fingerprint() -> list:
    """Names, sizes and mtimes of the package's modules: a development checkout changes it."""
    out = []

    def walk(folder: str, prefix: str) -> None:
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    walk(entry.path, f"{prefix}{entry.name}/")
            elif entry.name.endswith(".py"):
                st = entry.stat()
                out.append([prefix + entry.name, st.st_size, st.st_mtime_ns])

    walk(str(_PACKAGE_DIR), "")
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


def _canonical(value, builtin: dict[str, Rule]):
    """A JSON-ready, order-independent form of a Job and everything in it; a loaded built-in
    rule (`builtin`, by id) is its id, since the run key holds the digest of what they are built from."""
    if isinstance(value, Rule) and builtin.get(value.id) is value:
        return f"built-in {value.id}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Fields left out of comparison (a Job's repository index) are not part of the key.
        return {f.name: _canonical(getattr(value, f.name), builtin) for f in dataclasses.fields(value) if f.compare}
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, dict):
        return {str(k): _canonical(v, builtin) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((_canonical(v, builtin) for v in value), key=repr)
    if isinstance(value, (list, tuple)):
        return [_canonical(v, builtin) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value) if not isinstance(value, os.PathLike) else os.fspath(value)


def _strings(value) -> dict[str, str]:
    if type(value) is not dict or not all(type(k) is str and type(v) is str for k, v in value.items()):
        raise TypeError("not a table of strings")
    return value


def _text(value) -> str:
    if type(value) is not str:
        raise TypeError("not a string")
    return value


def _finding(d: dict) -> Finding:
    """A finding as stored; TypeError or ValueError on any field of the wrong type."""
    fix = None
    if d["fix"] is not None:
        edits = tuple(Edit(_span(e), _text(e["replacement"])) for e in d["fix"]["edits"])
        if type(d["fix"]["safe"]) is not bool:
            raise TypeError("fix.safe is not a boolean")
        fix = Fix(_text(d["fix"]["title"]), edits, d["fix"]["safe"])
    fingerprint = d["fingerprint"]
    if fingerprint is not None:
        _text(fingerprint)
    cell = None
    span = _span(d)
    if "cell" in d:
        if type(d["cell"]) is not int:
            raise TypeError("cell is not an integer")
        cell = CellSpan(d["cell"], span)
        span = _span({key.removeprefix("file_"): d[key] for key in ("file_line", "file_column", "file_end_line",
                                                                     "file_end_column")})
    return Finding(_text(d["rule"]), _text(d["path"]), span, _text(d["message"]),
                   Severity.parse(_text(d["severity"])), fix, fingerprint, cell)


def _span(d: dict) -> Span:
    values = (d["line"], d["column"], d["end_line"], d["end_column"])
    if not all(type(v) is int for v in values):
        raise TypeError("span of an entry is not four integers")
    return Span(*values)
