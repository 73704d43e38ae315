"""GitHub Actions workflow commands, which the runner turns into annotations."""

from __future__ import annotations

from mlgreenlint.escape import printable
from mlgreenlint.model import Finding, Rule, Severity

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message (the part after `::`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command property value (`file=`, `title=`, ...)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _properties(finding: Finding) -> list[tuple[str, str]]:
    span = finding.span
    props = [("file", printable(finding.path)), ("line", str(span.line))]
    if span.end_line == span.line:
        end_column = max(span.column, span.end_column - 1)
        props += [("col", str(span.column)), ("endLine", str(span.end_line)), ("endColumn", str(end_column))]
    else:
        props += [("endLine", str(span.end_line))]
    props.append(("title", finding.rule))
    return props


def command(finding: Finding) -> str:
    """One `::level prop=value,...::message` line."""
    props = ",".join(f"{key}={escape_property(value)}" for key, value in _properties(finding))
    return f"::{COMMANDS[finding.severity]} {props}::{escape_data(finding.message)}"


def render(findings: list[Finding], rules: list[Rule], *, tool_version: str) -> str:
    """One workflow command per finding; columns only for single-line spans, as GitHub requires."""
    return "".join(command(finding) + "\n" for finding in sorted(findings, key=Finding.sort_key))
