"""Identities of findings that survive lines moving: the engine stamps each finding with a
fingerprint of its flagged code (`fingerprinted`); baselines and output formats compare them."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

from mlgreenlint.model import Finding


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def fingerprinted(findings: list[Finding], text: str) -> list[Finding]:
    """The findings of one file, each with a hash of rule, path and the flagged line's text
    (whitespace runs as one space), numbered among identical lines."""
    if not findings:
        return findings  # most files: skip splitting the text into lines
    lines = text.splitlines()
    seen: Counter[str] = Counter()
    out = []
    for f in findings:
        code = lines[f.span.line - 1] if 0 < f.span.line <= len(lines) else ""
        base = f"{f.rule}\0{f.path}\0{' '.join(code.split())}"
        out.append(replace(f, fingerprint=hashlib.sha256(f"{base}\0{seen[base]}".encode("utf-8", "surrogateescape")).hexdigest()[:16]))
        seen[base] += 1
    return out


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
