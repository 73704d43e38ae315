"""GitLab Code Quality report (a subset of the Code Climate issue format)."""

from __future__ import annotations

import json

from mlgreenlint.fingerprints import unique_fingerprints
from mlgreenlint.escape import json_text
from mlgreenlint.model import Finding, Rule, Severity

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def _issue(finding: Finding, fingerprint: str) -> dict:
    return {
        "type": "issue",
        "check_name": finding.rule,
        "description": f"{finding.rule}: {finding.message}",
        "categories": ["Performance"],
        "severity": SEVERITIES[finding.severity],
        "fingerprint": fingerprint,
        "location": {
            "path": finding.path,
            "lines": {"begin": finding.span.line, "end": max(finding.span.line, finding.span.end_line)},
        },
    }


def render(findings: list[Finding], rules: list[Rule], *, tool_version: str) -> str:
    """A JSON list of issues with a fingerprint unique per finding and stable across line moves."""
    ordered = sorted(findings, key=Finding.sort_key)
    issues = [_issue(f, fp) for f, fp in zip(ordered, unique_fingerprints(ordered))]
    return json_text(json.dumps(issues, indent=2, ensure_ascii=False)) + "\n"
