"""Baselines: record today's findings so that only new ones are reported.

An entry is keyed by rule, path and the fingerprint of the flagged code, never by
line number, so it survives edits above the finding. Identical findings in a file
need one entry each. Entries nothing matches any more are stale: the baseline can
only shrink.
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mlgreenlint import atomic
from mlgreenlint.escape import json_text
from mlgreenlint.fingerprints import code_fingerprint
from mlgreenlint.model import Finding

VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be read or does not have the expected shape."""


@dataclass(frozen=True, order=True)
class BaselineEntry:
    """One recorded finding; `message` is for readers of the file and is not matched."""

    path: str
    rule: str
    fingerprint: str
    message: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.rule, self.path, self.fingerprint)

    @classmethod
    def of(cls, finding: Finding) -> BaselineEntry:
        return cls(finding.path, finding.rule, code_fingerprint(finding), finding.message)

    def to_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "path": self.path, "fingerprint": self.fingerprint, "message": self.message}


@dataclass(frozen=True)
class Baseline:
    """The entries of a baseline file, sorted."""

    entries: tuple[BaselineEntry, ...]

    def counts(self) -> Counter[tuple[str, str, str]]:
        return Counter(entry.key for entry in self.entries)


def dumps(findings: Iterable[Finding]) -> str:
    """The baseline file text for `findings`: sorted, deterministic JSON."""
    entries = sorted(BaselineEntry.of(f) for f in findings)
    data = {"version": VERSION, "tool": "mlgreenlint", "entries": [e.to_dict() for e in entries]}
    return json_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)) + "\n"


def write(path: str | os.PathLike[str], findings: Iterable[Finding]) -> None:
    """Record `findings` in `path`, atomically."""
    atomic.write_text(path, dumps(findings))


def _entry(raw: object, position: int) -> BaselineEntry:
    if not isinstance(raw, dict):
        raise ValueError(f"entry {position} is not an object")
    values = {}
    for field in ("rule", "path", "fingerprint"):
        value = raw.get(field)
        if not isinstance(value, str) or not value:
            raise ValueError(f"entry {position} needs a non-empty string {field!r}")
        values[field] = value
    message = raw.get("message", "")
    if not isinstance(message, str):
        raise ValueError(f"entry {position}: 'message' must be a string")
    return BaselineEntry(values["path"], values["rule"], values["fingerprint"], message)


def parse(text: str) -> Baseline:
    """Parse baseline file text; raises ValueError describing what is wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object with 'version' and 'entries'")
    version = data.get("version")
    if version != VERSION or isinstance(version, bool):
        raise ValueError(f"unsupported version {version!r} (expected {VERSION})")
    entries = data.get("entries")
    if not isinstance(entries, list):
        raise ValueError("'entries' must be a list")
    return Baseline(tuple(sorted(_entry(raw, n) for n, raw in enumerate(entries, 1))))


def load(path: str | os.PathLike[str]) -> Baseline:
    """Read the baseline file at `path`; raises BaselineError naming the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BaselineError(f"cannot read baseline {os.fspath(path)}: {error}") from None
    try:
        return parse(text)
    except ValueError as error:
        raise BaselineError(f"invalid baseline {os.fspath(path)}: {error}") from None


def apply(baseline: Baseline, findings: Iterable[Finding]) -> tuple[list[Finding], list[BaselineEntry]]:
    """Split off the findings the baseline does not cover, and the entries nothing matched.

    Identical findings are matched by count: in order of position, the first as many
    as the baseline has entries are covered, the rest are new.
    """
    allowance = baseline.counts()
    by_key: defaultdict[tuple[str, str, str], list[BaselineEntry]] = defaultdict(list)
    for entry in baseline.entries:
        by_key[entry.key].append(entry)
    new = []
    for finding in sorted(findings, key=Finding.sort_key):
        key = BaselineEntry.of(finding).key
        if allowance[key] > 0:
            allowance[key] -= 1
        else:
            new.append(finding)
    stale = sorted(entry for key, left in allowance.items() if left > 0 for entry in by_key[key][-left:])
    return new, stale
