"""Where module summaries and launch-file scans persist between runs, keyed by content hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from mlgreenlint.atomic import write_text

#: Bumped whenever what a summary holds changes, so older cached summaries are misses.
SUMMARY_VERSION = "2"


def summary_key(digest: str, module: str) -> str:
    """The store key of a module's summary: its name and its content hash."""
    return hashlib.sha256(f"{SUMMARY_VERSION}\0{module}\0{digest}".encode("utf-8", "surrogateescape")).hexdigest()[:32]


#: Bumped whenever what a launch scan records changes.
LAUNCH_SCAN_VERSION = "1"


def launch_scan_key(digest: str, rel: str) -> str:
    """The store key of a launch file's scan: its path (commands resolve paths from its
    folder) and its content hash."""
    return hashlib.sha256(f"launches {LAUNCH_SCAN_VERSION}\0{rel}\0{digest}".encode("utf-8", "surrogateescape")
                          ).hexdigest()[:32]


class SummaryStore(Protocol):
    """Where summaries persist between runs (the per-file cache provides one)."""

    def get(self, key: str) -> dict | None: ...

    def put(self, key: str, summary: dict) -> None: ...


class MemoryStore:
    def __init__(self) -> None:
        self.data: dict[str, dict] = {}

    def get(self, key: str) -> dict | None:
        return self.data.get(key)

    def put(self, key: str, summary: dict) -> None:
        self.data[key] = summary


class DirectoryStore:
    """One JSON file per entry under a cache folder: its SHA-256 on the first line, then the
    JSON. Unreadable entries, and entries that fail their checksum, are misses."""

    def __init__(self, root: Path, name: str, claim: Callable[[Path], None] | None = None) -> None:
        self.root = root
        self.folder = root / name
        #: Makes (or checks) the cache folder `root` before the first write; the cache provides it.
        self.claim = claim
        #: Keys whose entry exists but is damaged: the next `put` replaces it.
        self._damaged: set[str] = set()

    def get(self, key: str) -> dict | None:
        try:
            digest, _, body = (self.folder / f"{key}.json").read_bytes().partition(b"\n")
        except OSError:
            return None
        try:
            if hashlib.sha256(body).hexdigest().encode() != digest:
                raise ValueError("checksum")
            value = json.loads(body)
            if not isinstance(value, dict):
                raise ValueError("not an object")
        except ValueError:
            self._damaged.add(key)
            return None
        return value

    def put(self, key: str, summary: dict) -> None:
        target = self.folder / f"{key}.json"
        if key not in self._damaged and target.exists():  # keyed by content: an existing entry is already right
            return
        try:
            if self.claim is not None:
                self.claim(self.root)  # the cache folder's tag first: `clean` removes only tagged folders
            self.folder.mkdir(parents=True, exist_ok=True)
            body = json.dumps(summary, sort_keys=True)  # ASCII: surrogates are \u escapes
            write_text(target, hashlib.sha256(body.encode()).hexdigest() + "\n" + body, sweep=False, durable=False)
        except OSError:
            pass
