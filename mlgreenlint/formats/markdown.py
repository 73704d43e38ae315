"""A Markdown summary for a pull request comment or `$GITHUB_STEP_SUMMARY`."""

from __future__ import annotations

import re
from collections import Counter
from itertools import groupby

from mlgreenlint.escape import printable
from mlgreenlint.formats import snippets
from mlgreenlint.model import Finding, Rule, Severity

SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.INFO)
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#])")


def escape(text: str) -> str:
    """Make `text` render literally, inside a table cell or a heading."""
    return _SPECIAL.sub(r"\\\1", printable(" ".join(text.split())))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _counts(findings: list[Finding]) -> list[str]:
    counts = Counter((f.family, f.severity) for f in findings)
    families = sorted({f.family for f in findings})
    lines = [
        "| Family | " + " | ".join(s.label.capitalize() for s in SEVERITIES) + " | Total |",
        "|---|" + "---:|" * (len(SEVERITIES) + 1),
    ]
    for family in families:
        row = [counts[family, s] for s in SEVERITIES]
        lines.append(f"| {escape(family)} | " + " | ".join(map(str, row)) + f" | {sum(row)} |")
    totals = [sum(counts[f, s] for f in families) for s in SEVERITIES]
    lines.append("| **Total** | " + " | ".join(f"**{n}**" for n in totals) + f" | **{sum(totals)}** |")
    return lines


def _rule_link(rule_id: str, rules: dict[str, Rule]) -> str:
    rule = rules.get(rule_id)
    if rule is None:
        return escape(rule_id)
    return f"[{escape(rule_id)}]({rule.help_uri} \"{escape(rule.name)}\")"


def _file_section(path: str, findings: list[Finding], rules: dict[str, Rule], sources: snippets.Sources) -> list[str]:
    lines = [f"### {escape(printable(path))}", "", "| Line | Severity | Rule | Message |", "|---:|---|---|---|"]
    for f in findings:
        fixable = " (fixable)" if f.fix is not None else ""
        lines.append(
            f"| {f.span.line}:{f.span.column} | {f.severity.label} | {_rule_link(f.rule, rules)} "
            f"| {escape(f.message)}{fixable} |"
        )
    lines.append("")
    for f in findings:
        lines += _suggestion(f, sources.lines(path))
    return lines


def _suggestion(finding: Finding, source: list[str] | None) -> list[str]:
    """The finding's fix as a collapsed diff (`mlgreenlint check --fix` applies it)."""
    diff = snippets.fix_diff(source, finding.fix) if finding.fix is not None and source is not None else []
    if not diff:
        return []
    flag = "--fix" if finding.fix.safe else "--fix --unsafe-fixes"
    fence = "~~~~" if any("```" in line.text for line in diff) else "```"
    return [f"<details><summary>Suggested change for line {finding.span.line} ({escape(finding.rule)}, "
            f"applied by <code>{flag}</code>): {escape(finding.fix.title)}</summary>", "", f"{fence}diff",
            *(f"{line.mark}{line.text}" for line in diff), fence, "", "</details>", ""]


def render(findings: list[Finding], rules: list[Rule], *, tool_version: str,
           sources: snippets.Sources | None = None) -> str:
    """Counts per family and severity, then the findings grouped by file with rule links and
    suggested changes (`sources` reads the files, by default from the working directory)."""
    sources = sources or snippets.Sources()
    ordered = sorted(findings, key=Finding.sort_key)
    lines = ["## mlgreenlint", ""]
    if not ordered:
        return "\n".join(lines + ["No findings.", "", f"<sub>mlgreenlint {escape(tool_version)}</sub>", ""])
    files = len({f.path for f in ordered})
    fixable = sum(f.fix is not None for f in ordered)
    lines += [
        f"Found **{_plural(len(ordered), 'finding')}** in **{_plural(files, 'file')}** ({fixable} fixable).",
        "",
        *_counts(ordered),
        "",
    ]
    by_id = {rule.id: rule for rule in rules}
    for path, group in groupby(ordered, key=lambda f: f.path):
        lines += _file_section(path, list(group), by_id, sources)
    lines += [f"<sub>mlgreenlint {escape(tool_version)}</sub>", ""]
    return "\n".join(lines)
