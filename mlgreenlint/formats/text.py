"""Render findings as text or JSON, and the rule list as a table, JSON or Markdown."""

from __future__ import annotations

import json
from collections import Counter

import click

from mlgreenlint.escape import printable
from mlgreenlint.fingerprints import unique_fingerprints
from mlgreenlint.formats import impact
from mlgreenlint.model import Finding, Rule, Severity

_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def text(findings: list[Finding], *, files: int, colour: bool, quiet: bool = False) -> str:
    lines = []
    for f in findings:
        where = f"{printable(f.path)}:{place(f)}:"
        rule = f"{f.rule} [{f.severity.label}]"
        if colour:
            where = click.style(where, bold=True)
            rule = click.style(rule, fg=_COLOURS[f.severity])
        lines.append(f"{where} {rule} {f.message}")
    if not quiet:
        lines.append(summary(findings, files))
    return "\n".join(lines)


def place(f: Finding) -> str:
    """`line:column`, or `cell N:line:column` in a notebook (ruff's spelling)."""
    if f.cell is not None:
        return f"cell {f.cell.cell}:{f.cell.span.line}:{f.cell.span.column}"
    return f"{f.span.line}:{f.span.column}"


def summary(findings: list[Finding], files: int) -> str:
    if not findings:
        return f"All checks passed ({files} file{'s' if files != 1 else ''} checked)."
    in_files = len({f.path for f in findings})
    # What is fixable depends on the run's fix settings: the caller adds that sentence.
    return (
        f"Found {len(findings)} finding{'s' if len(findings) != 1 else ''}"
        f" in {in_files} file{'s' if in_files != 1 else ''}"
        f" ({files} checked)."
    )


def statistics_rows(findings: list[Finding], rules: list[Rule], applies=None) -> list[dict]:
    """Counts per rule, most frequent first (ruff's `--statistics`): code, name, count, fixable
    (`applies(finding)`: the run would apply its fix; default: it has one)."""
    names = {r.id: r.name for r in rules}
    counts = Counter(f.rule for f in findings)
    fixable = {f.rule for f in findings if (applies(f) if applies else f.fix is not None)}
    return [{"code": rule, "name": names.get(rule, ""), "count": n, "fixable": rule in fixable}
            for rule, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def statistics(rows: list[dict]) -> str:
    """`    3\tMP002\t[ ] hf-training-args-fp32` per rule; `[*]` marks a rule with fixes."""
    width = max((len(str(r["count"])) for r in rows), default=1)
    return "\n".join(f"{r['count']:>{width}}\t{r['code']}\t[{'*' if r['fixable'] else ' '}] {r['name']}" for r in rows)


def links(findings: list[Finding], rules: list[Rule]) -> str:
    """Each reported rule's documentation link, once, in id order."""
    uris = {r.id: r.help_uri for r in rules}
    return "\n".join(f"{rule}: {uris[rule]}" for rule in sorted({f.rule for f in findings}) if rule in uris)


def json_findings(findings: list[Finding], rules: list[Rule] = ()) -> str:
    """One object per finding with its rule's impact facts (or null), `url` (the rule's docs) and
    `fingerprint` (the one SARIF and GitLab carry for it)."""

    uris = {r.id: r.help_uri for r in rules}
    ordered = sorted(findings, key=Finding.sort_key)
    impacts = impact.by_rule(list(rules))
    rows = [impact.finding_dict(f, impacts) | {"fingerprint": fp, "url": uris.get(f.rule)}
            for f, fp in zip(ordered, unique_fingerprints(ordered))]
    return json.dumps(rows, indent=2, sort_keys=True)


def rule_rows(rules: list[Rule]) -> list[dict]:
    return [
        {"id": r.id, "name": r.name, "family": r.family, "severity": r.severity.label,
         "summary": r.summary, "options": sorted(r.options), "builtin": r.builtin, "help_uri": r.help_uri,
         "impact": impact.facts(r), "fix": r.fix["safety"] if r.fix else None}
        for r in sorted(rules, key=lambda r: r.id)
    ]


def rules_table(rules: list[Rule]) -> str:
    rows = rule_rows(rules)
    width = max((len(r["name"]) for r in rows), default=4)
    return "\n".join(f"{r['id']}  {r['name']:<{width}}  {r['severity']:<7}  {r['summary']}" for r in rows)


def rules_markdown(rules: list[Rule]) -> str:
    lines = ["| id | name | severity | fix | what it flags |", "|---|---|---|---|---|"]
    for r in rule_rows(rules):
        summary_text = r["summary"].replace("|", "\\|")
        lines.append(f"| [{r['id']}](docs/rules/{r['id']}-{r['name']}.md) | `{r['name']}` | {r['severity']} "
                     f"| {r['fix'] or ''} | {summary_text} |")
    return "\n".join(lines)


#: How a rule's docs say that it offers no automatic fix, and why.
NO_FIX = "No automatic fix: "


def fixes_markdown(rules: list[Rule]) -> str:
    """Each rule's autofix and safety class, or why it has none (tool notices left out)."""
    lines = ["| rule | autofix | safety |", "|---|---|---|"]
    for rule in rules:
        if rule.match.get("tool"):
            continue
        if rule.fix:
            lines.append(f"| {rule.id} `{rule.name}` | {rule.fix['title']} | {rule.fix['safety']} |")
        else:
            reason = rule.docs.get("fix", "").partition(NO_FIX)[2] or "none declared"
            lines.append(f"| {rule.id} `{rule.name}` | none: {reason} | |")
    return "\n".join(lines)


def explain(rule: Rule, *, severity: Severity, options: dict, notes: list[str]) -> str:
    """The long form of a rule: what, why, examples, options, references."""
    docs = rule.docs
    out = [f"{rule.id} {rule.name} ({rule.family}, {severity.label})", "", docs["what"].strip(), "",
           "Why it matters", "", docs["why"].strip(), *_impact(rule, "Impact: "), "", "Flagged:", "", _indent(docs["bad"]), "",
           "Use instead:", "", _indent(docs["good"])]
    if rule.fix:
        out += ["", f"Autofix ({fix_safety(rule)}): {rule.fix['title']}.", "", rule.fix.get("note", "").strip()]
        if docs.get("fixed"):
            out += ["", _indent(fix_diff(docs["bad"], docs["fixed"]))]
    if rule.options:
        out += ["", "Options:"]
        for name, spec in sorted(rule.options.items()):
            out.append(f"  {name} ({spec['type']}, default {json.dumps(spec['default'])}, now {json.dumps(options.get(name))}): {spec['description']}")
    if docs.get("known-problems"):
        out += ["", "Known problems:", "", docs["known-problems"].strip()]
    if notes:
        out += ["", "Versions:"] + [f"  {n}" for n in notes]
    if docs.get("references"):
        out += ["", "References:"] + [f"  - {ref}" for ref in docs["references"]]
    out += ["", f"Rule file: {rule.source}"]
    return "\n".join(out)


def _impact(rule: Rule, label: str) -> list[str]:
    """A paragraph with the rule's impact figure and its source, as the reports state it; none without one."""
    facts = impact.facts(rule)
    return ["", label + impact.sourced(facts) + "."] if facts else []


def fix_safety(rule: Rule) -> str:
    if rule.fix["safety"] == "safe":
        return "safe: applied by `--fix`"
    return "unsafe: applied by `--fix --unsafe-fixes`"


def fix_diff(before: str, after: str) -> str:
    """The lines a fix changes, as `-` / `+` lines with the unchanged lines around them."""
    import difflib

    lines = difflib.unified_diff(before.strip("\n").splitlines(), after.strip("\n").splitlines(), lineterm="", n=1)
    return "\n".join(line for line in lines if not line.startswith(("---", "+++", "@@")))


def _indent(code: str) -> str:
    return "\n".join("    " + line if line else "" for line in code.rstrip().splitlines())


def rule_page(rule: Rule) -> str:
    """The Markdown page of one rule, as generated into docs/rules/."""
    docs = rule.docs
    lang = "yaml" if docs.get("example-path", "").endswith((".yaml", ".yml")) else "python"
    parts = [
        f"# {rule.id} `{rule.name}`", "",
        f"Family **{rule.family}** · default severity **{rule.severity.label}**"
        + (f" · **opt-in**: runs only when selected by its id (`extend-select = [\"{rule.id}\"]`)" if rule.opt_in else ""), "",
        "## What it flags", "", docs["what"].strip(), "",
        "## Why it wastes energy", "", docs["why"].strip(), *_impact(rule, "**Impact:** "), "",
        "## Example", "", f"```{lang}", docs["bad"].strip("\n"), "```", "",
        "## Use instead", "", f"```{lang}", docs["good"].strip("\n"), "```",
    ]
    if docs.get("fix"):
        parts += ["", "## How to fix", "", docs["fix"].strip()]
    if rule.fix:
        parts += ["", "## Autofix", "", f"**{rule.fix['title']}** ({fix_safety(rule)}). {rule.fix.get('note', '').strip()}"]
        if docs.get("fixed"):
            parts += ["", "```diff", fix_diff(docs["bad"], docs["fixed"]), "```"]
    parts += ["", "## Options", ""]
    if rule.options:
        parts += [f"- `{name}` ({spec['type']}, default `{json.dumps(spec['default'])}`): {spec['description']}"
                  for name, spec in sorted(rule.options.items())]
        parts += ["", f"Set them in `[tool.mlgreenlint.rules.{rule.id}]`."]
    else:
        parts.append("None.")
    if docs.get("known-problems"):
        parts += ["", "## Known problems", "", docs["known-problems"].strip()]
    if docs.get("references"):
        parts += ["", "## References", ""] + [f"- {ref}" for ref in docs["references"]]
    return "\n".join(parts) + "\n"
