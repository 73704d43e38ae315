"""Inline SVG and table charts for the HTML report: no script, no external reference."""

from __future__ import annotations

from html import escape

ROW, LABEL, BAR, GAP = 28, 165, 300, 40


def bar_chart(rows: list[tuple[str, int]], *, title: str, chart_id: str) -> str:
    """Horizontal bars, one per (label, count), each labelled with its count in text."""
    peak = max((count for _, count in rows), default=0) or 1
    height = ROW * len(rows) + 8
    parts = [f'<svg class="bars" viewBox="0 0 {LABEL + BAR + GAP} {height}" width="100%" role="img" '
             f'aria-labelledby="{chart_id}-t" preserveAspectRatio="xMinYMin meet">'
             f'<title id="{chart_id}-t">{escape(title)}</title>']
    for index, (label, count) in enumerate(rows):
        y = index * ROW + 4
        width = max(2, round(BAR * count / peak)) if count else 0
        parts.append(
            f'<g><text class="bl" x="{LABEL - 10}" y="{y + 18}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="bar" x="{LABEL}" y="{y + 4}" width="{width}" height="{ROW - 10}" rx="3"/>'
            f'<text class="bv" x="{LABEL + width + 8}" y="{y + 18}">{count}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def heat_level(count: int, peak: int) -> int:
    """0 for none, then 1..4 by share of the busiest cell (the number is always printed too)."""
    if count <= 0 or peak <= 0:
        return 0
    return min(4, 1 + (4 * count - 1) // peak)


def heat_table(rows: list[tuple[str, list[int]]], columns: list[str], *, caption: str) -> str:
    """A table of counts whose cells are shaded by level; row and column totals included."""
    peak = max((n for _, counts in rows for n in counts), default=0)
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in columns)
    out = [f'<table class="heat"><caption>{escape(caption)}</caption>'
           f'<thead><tr><th scope="col">directory</th>{head}<th scope="col">total</th></tr></thead><tbody>']
    for label, counts in rows:
        cells = "".join(f'<td class="h{heat_level(n, peak)}">{n or "·"}</td>' for n in counts)
        out.append(f'<tr><th scope="row"><code>{escape(label)}</code></th>{cells}<td class="tot">{sum(counts)}</td></tr>')
    out.append("</tbody></table>")
    return "".join(out)
