"""Where module summaries persist between runs, keyed by module name and content hash."""

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
    """One JSON file per summary under a cache folder; unreadable entries are misses."""

    def __init__(self, root: Path, name: str, claim: Callable[[Path], None] | None = None) -> None:
        self.root = root
        self.folder = root / name
        #: Makes (or checks) the cache folder `root` before the first write; the cache provides it.
        self.claim = claim

    def get(self, key: str) -> dict | None:
        try:
            return json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, key: str, summary: dict) -> None:
        target = self.folder / f"{key}.json"
        if target.exists():  # keyed by content: an existing entry is already right
            return
        try:
            if self.claim is not None:
                self.claim(self.root)  # the cache folder's tag first: `clean` removes only tagged folders
            self.folder.mkdir(parents=True, exist_ok=True)
            write_text(target, json.dumps(summary, sort_keys=True), sweep=False, durable=False)
        except OSError:
            pass
