"""The sustainability report: one self-contained HTML page (inline CSS and SVG, no script, no URL).

Top to bottom: the headline counts, findings per family (chart and table), a directory x
family heat table, the top files, the rules that fired with their measured cost, then every
finding grouped per file in `<details>`: message, code excerpt, fix as a diff, measured cost,
and for RG findings the rows of the shipped regions table.
"""

from __future__ import annotations

import posixpath
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib.resources import files as package_files
from itertools import groupby

from mlgreenlint.escape import undecodable
from mlgreenlint.formats import charts, impact, region_excerpt, snippets
from mlgreenlint.model import Finding, Rule, Severity
from mlgreenlint.regions.table import grams

FAMILIES = {"MP": "mixed precision", "CK": "checkpointing", "RG": "cloud region", "ET": "emissions tracking",
            "CW": "compute waste", "GL": "tool notices"}
SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.INFO)
#: A shape beside every severity word, so colour is never the only signal.
ICONS = {Severity.ERROR: "✖", Severity.WARNING: "▲", Severity.INFO: "●"}
#: Up to this many findings every file starts expanded and excerpts show a line of context
#: around the flagged ones; above, files start collapsed and excerpts show the flagged lines only,
#: which keeps 10,000 findings to a few MB.
OPEN_LIMIT = 300
TOP_FILES, TOP_DIRECTORIES = 10, 15


@dataclass(frozen=True)
class BaselineCounts:
    """Against the baseline: findings not in it, findings it holds, and its entries nothing matched."""

    new: int
    unchanged: int
    fixed: int


@cache
def _css() -> str:
    return package_files("mlgreenlint.formats").joinpath("report.css").read_text(encoding="utf-8")


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def _severity(severity: Severity) -> str:
    return f'<span class="sev {severity.label}">{ICONS[severity]} {severity.label}</span>'


def _family(code: str) -> str:
    name = FAMILIES.get(code)
    return f"{code} {name}" if name else code


def render(findings: list[Finding], rules: list[Rule], *, tool_version: str, files: int,
           baseline: BaselineCounts | None = None, sources: snippets.Sources | None = None) -> str:
    """The whole page. `sources` reads the flagged files for excerpts (default: from the working directory)."""
    ordered = sorted(findings, key=Finding.sort_key)
    by_id = {rule.id: rule for rule in rules}
    impacts = impact.by_rule(rules)
    sources = sources or snippets.Sources()
    body = [
        _headline(ordered, files, baseline, impacts),
        _families(ordered, by_id),
        _directories(ordered),
        _top_files(ordered),
        _rules_fired(ordered, by_id, impacts),
        _findings(ordered, by_id, impacts, sources),
    ]
    return undecodable(  # a file name that is not UTF-8 is shown with \xNN escapes
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f"<title>mlgreenlint sustainability report</title><style>{_css()}</style></head>\n"
        '<body><a class="skip" href="#findings">Skip to the findings</a><header>'
        "<h1>Sustainability report</h1>"
        f'<p class="sub">mlgreenlint {escape(tool_version)} · training code and ML configs checked for energy '
        "and carbon waste</p>" + _nav(bool(ordered)) + "</header>\n<main>"
        + "\n".join(part for part in body if part)
        + f"</main>\n<footer>{_footer()}</footer></body></html>\n"
    )


def _nav(has_findings: bool) -> str:
    links = [("summary", "Summary"), ("families", "By family"), ("directories", "By directory"),
             ("top-files", "Top files"), ("rules", "Rules and measured cost"), ("findings", "Findings")]
    if not has_findings:
        links = links[:1]
    items = "".join(f'<li><a href="#{anchor}">{text}</a></li>' for anchor, text in links)
    return f'<nav aria-label="Sections"><ul>{items}</ul></nav>'


def _count(value: int) -> str:
    return f"<td>{value}</td>" if value else '<td class="z">0</td>'


def _card(value: int, label: str, extra: str = "") -> str:
    return f'<div class="card{extra}"><span class="num">{value:,}</span> <span class="lbl">{label}</span></div>'


def _costs(findings: list[Finding], impacts: dict[str, dict]) -> str:
    """The distinct measured costs of the habits found, costliest first, with the rules behind each."""
    rules_by_statement: dict[str, list[str]] = defaultdict(list)
    facts_of: dict[str, dict] = {}
    for rule_id in sorted({f.rule for f in findings}):
        if (facts := impacts.get(rule_id)) is not None:
            rules_by_statement[facts["statement"]].append(rule_id)
            facts_of[facts["statement"]] = facts
    if not facts_of:
        return ""
    ranked = sorted(facts_of.values(), key=lambda f: (-f["multiplier"], f["statement"]))
    items = "".join(
        f'<li><strong>{impact.multiplier(f)}</strong> the {escape(f["quantity"])}: {escape(f["habit"])}, against '
        f'{escape(f["baseline"])}<br><span class="src">{escape(impact.provenance(f))} · '
        f'{escape(f["source"])} · found by '
        + ", ".join(f'<a href="#r-{escape(r)}">{escape(r)}</a>' for r in rules_by_statement[f["statement"]]) + "</span></li>"
        for f in ranked)
    return f'<h3>What the habits found here cost</h3><ul class="costs">{items}</ul>'


def _headline(findings: list[Finding], files: int, baseline: BaselineCounts | None, impacts: dict[str, dict]) -> str:
    counts = Counter(f.severity for f in findings)
    fired = len({f.rule for f in findings})
    in_files = len({f.path for f in findings})
    fixable = sum(f.fix is not None for f in findings)
    cards = [_card(files, "files checked"), _card(len(findings), "findings", " total"),
             *(_card(counts[s], f"{ICONS[s]} {s.label}", f" {s.label}" + ("" if counts[s] else " zero"))
               for s in SEVERITIES),
             _card(fired, "rules fired"), _card(in_files, "files with findings"), _card(fixable, "fixable")]
    if findings:
        lead = (f"{_plural(len(findings), 'finding')} in {_plural(in_files, 'file')} of {files:,} checked, "
                f"from {_plural(fired, 'rule')}.")
    else:
        lead = f"No findings: all {_plural(files, 'file')} checked passed every enabled rule."
    out = [f'<section id="summary" aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2>'
           f'<p class="lead">{lead}</p><div class="cards">{"".join(cards)}</div>', _costs(findings, impacts)]
    if baseline is not None:
        out.append(
            '<h3>Against the baseline</h3><div class="cards">'
            + _card(baseline.new, "new (reported)", " new")
            + _card(baseline.unchanged, "unchanged (in the baseline, not shown)")
            + _card(baseline.fixed, "fixed (baseline entries no longer found)", " fixed")
            + "</div>")
    out.append("</section>")
    return "".join(out)


def _families(findings: list[Finding], by_id: dict[str, Rule]) -> str:
    if not findings:
        return ""
    counts = Counter((f.family, f.severity) for f in findings)
    families = sorted({f.family for f in findings} | {r.family for r in by_id.values()},
                      key=lambda fam: (-sum(counts[fam, s] for s in SEVERITIES), fam))
    rows = [(_family(fam), sum(counts[fam, s] for s in SEVERITIES)) for fam in families]
    chart = charts.bar_chart(rows, title="Findings per rule family", chart_id="fam")
    head = "".join(f'<th scope="col">{_severity(s)}</th>' for s in SEVERITIES)
    body = "".join(
        f'<tr><th scope="row">{escape(_family(fam))}</th>'
        + "".join(_count(counts[fam, s]) for s in SEVERITIES)
        + f'<td class="tot">{total}</td></tr>'
        for fam, (_, total) in zip(families, rows))
    return ('<section id="families" aria-labelledby="families-h"><h2 id="families-h">Findings by family</h2>'
            f'<div class="pair"><figure><figcaption>Findings per rule family (the table holds the same numbers)'
            f'</figcaption>{chart}</figure>'
            '<table class="num"><caption>Findings per family and severity</caption>'
            f'<thead><tr><th scope="col">family</th>{head}<th scope="col">total</th></tr></thead>'
            f"<tbody>{body}</tbody></table></div></section>")


def _directory(path: str) -> str:
    return posixpath.dirname(path) or "(top level)"


def _directories(findings: list[Finding]) -> str:
    if not findings:
        return ""
    families = sorted({f.family for f in findings})
    grid: dict[str, Counter] = defaultdict(Counter)
    for f in findings:
        grid[_directory(f.path)][f.family] += 1
    ranked = sorted(grid, key=lambda d: (-sum(grid[d].values()), d))
    rows = [(d, [grid[d][fam] for fam in families]) for d in ranked[:TOP_DIRECTORIES]]
    if rest := ranked[TOP_DIRECTORIES:]:
        rows.append((f"{len(rest)} other directories", [sum(grid[d][fam] for d in rest) for fam in families]))
    table = charts.heat_table(rows, families, caption="Findings per directory and family; darker cells hold more")
    return ('<section id="directories" aria-labelledby="directories-h"><h2 id="directories-h">Where the findings '
            f'are</h2>{table}<p class="note">Families: '
            + ", ".join(f"<b>{fam}</b> {escape(FAMILIES.get(fam, fam))}" for fam in families) + ".</p></section>")


def _file_ids(findings: list[Finding]) -> dict[str, str]:
    return {path: f"file-{index}" for index, path in enumerate(dict.fromkeys(f.path for f in findings), 1)}


def _top_files(findings: list[Finding]) -> str:
    if not findings:
        return ""
    counts = Counter((f.path, f.severity) for f in findings)
    totals = Counter(f.path for f in findings)
    ids = _file_ids(findings)
    ranked = sorted(totals, key=lambda p: (-totals[p], p))[:TOP_FILES]
    head = "".join(f'<th scope="col">{_severity(s)}</th>' for s in SEVERITIES)
    body = "".join(
        f'<tr><th scope="row"><a href="#{ids[p]}"><code>{escape(p)}</code></a></th>'
        + "".join(_count(counts[p, s]) for s in SEVERITIES) + f'<td class="tot">{totals[p]}</td></tr>'
        for p in ranked)
    return ('<section id="top-files" aria-labelledby="top-files-h"><h2 id="top-files-h">Top files</h2>'
            f'<table class="num"><caption>The {len(ranked)} files with the most findings</caption>'
            f'<thead><tr><th scope="col">file</th>{head}<th scope="col">total</th></tr></thead>'
            f"<tbody>{body}</tbody></table></section>")


def _rules_fired(findings: list[Finding], by_id: dict[str, Rule], impacts: dict[str, dict]) -> str:
    if not findings:
        return ""
    counts = Counter(f.rule for f in findings)
    rows = []
    # Costliest habit first: the order a reader deciding what to fix first wants.
    for rule_id in sorted(counts, key=lambda r: (-impacts.get(r, {}).get("multiplier", 0), -counts[r], r)):
        rule = by_id.get(rule_id)
        facts = impacts.get(rule_id)
        cost = (f'<strong>{impact.multiplier(facts)}</strong> {escape(facts["statement"])}'
                f'<br><span class="src">Source: {escape(facts["source"])} ({escape(facts["kind"])})</span>'
                if facts else '<span class="none">no measured figure for this rule</span>')
        name = f"<code>{escape(rule.name)}</code>" if rule else ""
        rows.append(f'<tr id="r-{escape(rule_id)}"><th scope="row">{escape(rule_id)}</th><td>{name}</td>'
                    f'<td>{_severity(rule.severity) if rule else ""}</td><td class="tot">{counts[rule_id]}</td>'
                    f"<td>{cost}</td></tr>")
    return ('<section id="rules" aria-labelledby="rules-h"><h2 id="rules-h">Rules fired and their measured '
            'cost</h2><table class="rules"><caption>Each rule that fired, with the cost of the habit as measured '
            '(docs/energy.md) or cited; nothing is estimated</caption><thead><tr><th scope="col">rule</th>'
            '<th scope="col">name</th><th scope="col">default severity</th><th scope="col">findings</th>'
            f'<th scope="col">measured cost</th></tr></thead><tbody>{"".join(rows)}</tbody></table></section>')


#: The element that marks a flagged, removed or added line (besides its `>`, `-` or `+`).
_LINE_TAGS = {">": "mark", "-": "del", "+": "ins"}


def _code(lines: list[snippets.Line], css: str) -> str:
    out = []
    for line in lines:
        number = "" if line.number is None else str(line.number)
        text = f"<i>{number}</i>{escape(line.mark, quote=False)} {escape(line.text, quote=False)}"
        tag = _LINE_TAGS.get(line.mark)
        out.append(f"<{tag}>{text}</{tag}>" if tag else text)
    return f'<pre class="{css}">' + "\n".join(out) + "</pre>"


def _regions(finding: Finding) -> str:
    rows = region_excerpt.rows(finding)
    if not rows:
        return ""
    body = "".join(
        f'<tr class="{role}"><td>{escape(r.provider)}</td><td><code>{escape(r.region)}</code></td>'
        f"<td>{escape(r.location)}</td><td>{grams(r.intensity)}</td><td>{r.year} {escape(r.source_label)}</td>"
        f"<td>{role}</td></tr>"
        for r, role in rows)
    return ('<table class="reg"><caption>Regions table excerpt (mlgreenlint regions)</caption><thead><tr>'
            '<th scope="col">provider</th><th scope="col">region</th><th scope="col">location</th>'
            '<th scope="col">gCO2e/kWh</th><th scope="col">year, source</th><th scope="col">role</th></tr>'
            f"</thead><tbody>{body}</tbody></table>")


def _finding(finding: Finding, index: int, rule: Rule | None, facts: dict | None, lines: list[str] | None,
             context: int) -> str:
    where = f"line {finding.span.line}:{finding.span.column}"
    name = f' <span class="rn">{escape(rule.name)}</span>' if rule else ""
    out = [f'<article class="f {finding.severity.label}" id="f{index}"><h4>{_severity(finding.severity)} '
           f'<a href="#r-{escape(finding.rule)}">{escape(finding.rule)}</a>{name} '
           f'<span class="loc">{where}</span></h4><p>{escape(finding.message, quote=False)}</p>']
    if lines is not None and (shown := snippets.excerpt(lines, finding.span, context)):
        out.append(_code(shown, "code"))
    if facts:
        label = "Measured cost" if facts["kind"] == "measured" else "Cited cost"
        out.append(f'<p class="cost">{label}: <b>{impact.multiplier(facts)}</b> '
                   f'the {escape(facts["quantity"])} of {escape(facts["baseline"])} · '
                   f'<a href="#r-{escape(finding.rule)}">source: {escape(facts["source"])}</a></p>')
    if finding.fix is not None:
        diff = snippets.fix_diff(lines, finding.fix) if lines is not None else []
        kind = "safe fix" if finding.fix.safe else "suggested fix"
        out.append(f'<div class="fix"><p><b>{kind}:</b> {escape(finding.fix.title)}</p>'
                   + (_code(diff, "diff") if diff else "") + "</div>")
    out.append(_regions(finding))
    out.append("</article>")
    return "".join(out)


def _findings(findings: list[Finding], by_id: dict[str, Rule], impacts: dict[str, dict],
              sources: snippets.Sources) -> str:
    if not findings:
        return ""
    ids = _file_ids(findings)
    opened, context = (" open", snippets.CONTEXT) if len(findings) <= OPEN_LIMIT else ("", 0)
    out = ['<section id="findings" aria-labelledby="findings-h"><h2 id="findings-h">Findings by file</h2>']
    if not opened:
        out.append(f'<p class="note">{len(findings):,} findings: each file is collapsed (open it to read its '
                   "findings) and excerpts show the flagged lines only.</p>")
    index = 0
    for path, group in groupby(findings, key=lambda f: f.path):
        items = list(group)
        counts = Counter(f.severity for f in items)
        tally = " ".join(f'<span class="sev {s.label}">{ICONS[s]} {counts[s]}</span>' for s in SEVERITIES if counts[s])
        lines = sources.lines(path)
        out.append(f'<details id="{ids[path]}"{opened}><summary><h3><code>{escape(path)}</code></h3> '
                   f'<span class="tally">{_plural(len(items), "finding")} {tally}</span></summary>')
        for finding in items:
            index += 1
            out.append(_finding(finding, index, by_id.get(finding.rule), impacts.get(finding.rule), lines, context))
        out.append("</details>")
    out.append("</section>")
    return "".join(out)


def _footer() -> str:
    return ("<p>Measured costs are the project's own measurements in docs/energy.md (GPU energy only, read from "
            "NVML on one NVIDIA H200, PyTorch, a 163M-parameter GPT training step unless the rule says otherwise) "
            "or published figures the rule cites. They describe the habit, not this repository's bill: no kWh or "
            "gCO2e total is estimated. Region intensities come from the shipped regions table "
            "(<code>mlgreenlint regions</code>).</p><p>This page is self-contained: no script, no font or image is fetched.</p>")
