"""Identities of findings that survive lines moving, shared by baselines and output formats."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable

from mlgreenlint.model import Finding


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def code_fingerprint(finding: Finding) -> str:
    """The engine's fingerprint of the flagged code, or a hash of rule, path and message."""
    if finding.fingerprint:
        return finding.fingerprint
    return _digest("fallback", finding.rule, finding.path, finding.message)[:32]


def identity(finding: Finding) -> tuple[str, str, str]:
    """What makes two findings "the same" across runs: rule, path and code fingerprint."""
    return (finding.rule, finding.path, code_fingerprint(finding))


def unique_fingerprints(findings: Iterable[Finding]) -> list[str]:
    """One fingerprint per finding, unique within the run and independent of line numbers.

    Findings with the same identity are told apart by their order of occurrence, so
    the list must be in a stable order (the usual path, line, column order).
    """
    seen: Counter[tuple[str, str, str]] = Counter()
    result = []
    for finding in findings:
        key = identity(finding)
        result.append(_digest("v1", *key, str(seen[key])))
        seen[key] += 1
    return result
