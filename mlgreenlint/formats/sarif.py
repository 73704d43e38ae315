"""SARIF 2.1.0, as GitHub code scanning and other SARIF consumers read it."""

from __future__ import annotations

import json
from urllib.parse import quote

from mlgreenlint.fingerprints import unique_fingerprints
from mlgreenlint.escape import json_text
from mlgreenlint.formats import impact
from mlgreenlint.model import Finding, Fix, Rule, Severity, Span

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/mlgreenlint/mlgreenlint"
FINGERPRINT_KEY = "mlgreenlint/v1"
SRCROOT = "%SRCROOT%"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _help(rule: Rule) -> dict:
    what, why = _text(rule.docs.get("what")), _text(rule.docs.get("why"))
    text = "\n\n".join(part for part in (what, why) if part) or rule.summary
    markdown = [part for part in (what, why) if part] or [rule.summary]
    for key, title in (("bad", "Flagged"), ("good", "Preferred")):
        example = _text(rule.docs.get(key))
        if example:
            markdown.append(f"{title}:\n\n```\n{example}\n```")
    markdown.append(f"[Documentation]({rule.help_uri})")
    return {"text": text, "markdown": "\n\n".join(markdown)}


def _descriptor(rule: Rule) -> dict:
    descriptor = {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _text(rule.docs.get("what")) or rule.summary},
        "help": _help(rule),
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": sorted({"sustainability", rule.family} - {""})},
    }
    if (facts := impact.facts(rule)) is not None:
        descriptor["properties"]["impact"] = facts
    return descriptor


def _region(span: Span) -> dict:
    return {
        "startLine": span.line,
        "startColumn": span.column,
        "endLine": span.end_line,
        "endColumn": span.end_column,
    }


def _location(path: str) -> dict:
    return {"uri": quote(path.encode("utf-8", "surrogateescape"), safe="/"), "uriBaseId": SRCROOT}


def _fix(path: str, fix: Fix) -> dict:
    return {
        "description": {"text": fix.title},
        "artifactChanges": [
            {
                "artifactLocation": _location(path),
                "replacements": [
                    {"deletedRegion": _region(edit.span), "insertedContent": {"text": edit.replacement}}
                    for edit in fix.edits
                ],
            }
        ],
        "properties": {"safe": fix.safe},
    }


def _result(finding: Finding, index: int, fingerprint: str, facts: dict | None) -> dict:
    result = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [
            {"physicalLocation": {"artifactLocation": _location(finding.path), "region": _region(finding.span)}}
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    if finding.fix is not None and finding.fix.edits:
        result["fixes"] = [_fix(finding.path, finding.fix)]
    if facts is not None:
        result["properties"] = {"impact": facts}
    return result


def render(findings: list[Finding], rules: list[Rule], *, tool_version: str) -> str:
    """The SARIF log: every given rule's metadata, then the findings as results."""
    ordered = sorted(findings, key=Finding.sort_key)
    descriptors = {rule.id: _descriptor(rule) for rule in rules}
    for finding in ordered:
        descriptors.setdefault(finding.rule, {"id": finding.rule})
    ids = sorted(descriptors)
    index = {rule_id: position for position, rule_id in enumerate(ids)}
    impacts = impact.by_rule(rules)
    results = [
        _result(finding, index[finding.rule], fingerprint, impacts.get(finding.rule))
        for finding, fingerprint in zip(ordered, unique_fingerprints(ordered))
    ]
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mlgreenlint",
                        "version": tool_version,
                        "informationUri": INFORMATION_URI,
                        "rules": [descriptors[rule_id] for rule_id in ids],
                    }
                },
                "originalUriBaseIds": {
                    SRCROOT: {"description": {"text": "The directory mlgreenlint was run from."}}
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json_text(json.dumps(log, indent=2, ensure_ascii=False)) + "\n"
