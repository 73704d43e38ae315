"""The HTML sustainability report: content, escaping, baseline counts, no external reference, and scale."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from html_checks import DEMO, demo_report, read, text_references

from mlgreenlint.cli import main
from mlgreenlint.formats import html, snippets
from mlgreenlint.model import Edit, Finding, Fix, Severity, Span
from mlgreenlint.ruleset import rulebook

EXPECTED = [tuple(x) for x in json.loads((DEMO / "expected-findings.json").read_text(encoding="utf-8"))]
RULES = list(rulebook.load_builtin())


@pytest.fixture(scope="module")
def demo_page(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("report") / "report.html"
    assert f"Wrote {out}." in demo_report(out)
    return out.read_text(encoding="utf-8")


def test_check_format_html_writes_the_same_page(demo_page, tmp_path, monkeypatch):
    monkeypatch.chdir(DEMO)
    out = tmp_path / "check.html"
    result = CliRunner().invoke(main, ["check", ".", "--isolated", "--no-cache", "--format", "html", "--output", str(out)])
    assert result.exit_code == 1, result.output
    assert out.read_text(encoding="utf-8") == demo_page


def test_every_demo_finding_is_on_the_page(demo_page):
    page = read(demo_page)
    assert not page.errors
    assert sorted((path, line, rule) for path, line, rule in page.findings) == sorted(EXPECTED)


def test_headline_counts_and_chart(demo_page):
    assert '<span class="num">14</span> <span class="lbl">findings</span>' in demo_page
    assert '<span class="num">12</span> <span class="lbl">rules fired</span>' in demo_page
    assert '<span class="num">10</span> <span class="lbl">▲ warning</span>' in demo_page
    assert '<span class="num">4</span> <span class="lbl">● info</span>' in demo_page
    labels = read(demo_page).chart_labels
    assert labels[:2] == ["MP mixed precision", "CK checkpointing"] and "RG cloud region" in labels
    # The chart's numbers are in a table too.
    assert '<tr><th scope="row">CK checkpointing</th><td class="z">0</td><td>4</td><td class="z">0</td><td class="tot">4</td></tr>' in demo_page


def test_directory_heat_table_and_top_files(demo_page):
    assert '<th scope="row"><code>configs</code></th>' in demo_page
    assert '<a href="#file-4"><code>finetune.py</code></a>' in demo_page


def test_measured_cost_and_source_come_from_the_rule_files(demo_page):
    assert ("strict fp32 (TF32 off) used 6.1x the GPU energy per training step of bf16 autocast "
            "(measured on one NVIDIA H200, 163M-parameter GPT training step)") in demo_page
    assert "Measured cost: <b>12.6x</b>" in demo_page
    assert "Source: docs/energy.md (measured)" in demo_page
    # ET001 states no figure of its own: none is shown.
    assert '<tr id="r-ET001">' in demo_page
    assert "no measured figure for this rule" in demo_page


def test_code_excerpt_fix_diff_and_regions(demo_page):
    assert '<mark><i>30</i>&gt; ' in demo_page  # train.py:30, CK001's torch.save
    assert '<ins><i></i>+     trainer = L.Trainer(max_epochs=50, accelerator="gpu", devices=2, precision="bf16-mixed"' in demo_page
    assert '<tr class="flagged"><td>aws</td><td><code>ap-south-1</code></td><td>Mumbai</td><td>653</td>' in demo_page
    assert '<tr class="suggested"><td>aws</td><td><code>me-central-1</code></td>' in demo_page


def test_fallback_region_gets_its_lower_carbon_peers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("launch.py").write_text('from google.cloud import aiplatform\naiplatform.init(project="p")\n'
                                 'job = aiplatform.CustomTrainingJob(display_name="x", script_path="t.py", container_uri="c")\n'
                                 "job.run()\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["report", ".", "--isolated", "--no-cache", "-o", "r.html"])
    page = Path("r.html").read_text(encoding="utf-8")
    assert read(page).findings == [("launch.py", 2, "RG001")], result.output
    assert '<tr class="flagged"><td>gcp</td><td><code>us-central1</code></td><td>Iowa</td><td>413</td>' in page
    assert page.count('<tr class="suggested"><td>gcp</td>') == 1 and page.count('<tr class="alternative"><td>gcp</td>') == 2


def test_self_contained_no_external_reference(demo_page):
    page = read(demo_page)
    assert page.external == []
    assert text_references(demo_page) == []
    assert "<script" not in demo_page.lower()


def test_reference_scanner_catches_what_it_must():
    bad = ('<html><head><link rel="stylesheet" href="https://cdn.example.com/x.css"><style>body{background:url(x.png)}'
           '</style></head><body><img src="//cdn.example.com/a.png"><a href="https://example.com">x</a>'
           '<a href="#ok">ok</a></body></html>')
    found = read(bad).external
    assert len([e for e in found if "href" in e or "src" in e]) == 3
    assert "url()/@import in <style>" in found and "<img>" in found and "<link>" in found
    assert text_references(bad)


def test_headings_nest_and_charts_have_text(demo_page):
    import re

    levels = [int(n) for n in re.findall(r"<h([1-6])\b", demo_page)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels
    assert demo_page.count("<table") == demo_page.count("<caption>")
    assert demo_page.count("<svg") == demo_page.count("<title id=")


def test_light_dark_and_print_styles(demo_page):
    assert "@media (prefers-color-scheme:dark)" in demo_page
    assert "@media print" in demo_page
    assert '<meta name="color-scheme" content="light dark">' in demo_page


def _finding(path="a.py", line=2, rule="MP001", message="m", fix=None, severity=Severity.WARNING):
    return Finding(rule, path, Span(line, 1, line, 5), message, severity, fix)


def test_untrusted_text_is_escaped(tmp_path):
    (tmp_path / "<evil>.py").write_text("x = 1\n</pre><script>alert(1)</script>\n", encoding="utf-8")
    page = html.render([_finding("<evil>.py", 2, message="<script>alert(2)</script> https://evil.example")],
                       RULES, tool_version="<v>", files=1, sources=snippets.Sources(str(tmp_path)))
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;evil&gt;.py" in page
    reader = read(page)
    assert not reader.errors and reader.external == []
    assert reader.findings == [("<evil>.py", 2, "MP001")]


def test_unreadable_source_still_lists_the_finding(tmp_path):
    page = html.render([_finding("gone.py", 7)], RULES, tool_version="0", files=1, sources=snippets.Sources(str(tmp_path)))
    assert read(page).findings == [("gone.py", 7, "MP001")]
    assert '<pre class="code"' not in page


def test_no_findings_page(tmp_path):
    page = html.render([], RULES, tool_version="0", files=3)
    assert "No findings: all 3 files checked passed every enabled rule." in page
    assert not read(page).errors


def test_fix_diff_applies_every_edit():
    lines = ["a = f(x, precision=32)", "b = 2"]
    fix = Fix("t", (Edit(Span(1, 20, 1, 22), '"bf16-mixed"'), Edit(Span(1, 7, 1, 8), "y")))
    diff = snippets.fix_diff(lines, fix)
    assert [(d.mark, d.text) for d in diff] == [("-", lines[0]), ("+", 'a = f(y, precision="bf16-mixed")')]
    assert snippets.fix_diff(lines, Fix("t", (Edit(Span(5, 1, 5, 2), "z"),))) == []


def test_excerpt_marks_the_flagged_lines_and_stays_in_the_file():
    lines = ["l1", "l2", "l3"]
    assert [(x.number, x.mark) for x in snippets.excerpt(lines, Span(1, 1, 1, 2))] == [(1, ">"), (2, " ")]
    assert [(x.number, x.mark) for x in snippets.excerpt(lines, Span(3, 1, 3, 2))] == [(2, " "), (3, ">")]
    assert snippets.excerpt(lines, Span(9, 1, 9, 2)) == []


def test_baseline_counts_new_fixed_unchanged(tmp_path, monkeypatch):
    repo = tmp_path / "demo"
    shutil.copytree(DEMO, repo)
    monkeypatch.chdir(repo)
    runner = CliRunner()
    assert runner.invoke(main, ["check", ".", "--isolated", "--no-cache", "--write-baseline", "base.json"]).exit_code == 0
    (repo / "configs" / "ds_zero2.json").unlink()  # MP006 fixed
    (repo / "configs" / "ds_zero3.json").write_text(json.dumps({"zero_optimization": {"stage": 3},
                                                                "train_batch_size": 8}), encoding="utf-8")
    result = runner.invoke(main, ["report", ".", "--isolated", "--no-cache", "--baseline", "base.json", "-o", "r.html"])
    page = (repo / "r.html").read_text(encoding="utf-8")
    assert result.exit_code == 1, result.output
    assert '<span class="num">1</span> <span class="lbl">new (reported)</span>' in page
    assert '<span class="num">13</span> <span class="lbl">unchanged (in the baseline, not shown)</span>' in page
    assert '<span class="num">1</span> <span class="lbl">fixed (baseline entries no longer found)</span>' in page
    assert read(page).findings == [("configs/ds_zero3.json", 1, "MP006")]


def test_ten_thousand_findings_stay_a_few_megabytes(tmp_path):
    source = "".join(f"    value_{n} = model(batch)  # a realistic line of training code, number {n}\n" for n in range(60))
    findings = []
    for file_index in range(250):
        path = f"pkg{file_index % 25}/module_{file_index}.py"
        (tmp_path / path).parent.mkdir(exist_ok=True)
        (tmp_path / path).write_text(source, encoding="utf-8")
        for n in range(40):
            rule = ("MP001", "CK001", "CW003", "ET001")[n % 4]
            findings.append(_finding(path, n + 10, rule, f"synthetic finding {n} of {path}: a message of usual length"))
    assert len(findings) == 10_000
    page = html.render(findings, RULES, tool_version="0", files=250, sources=snippets.Sources(str(tmp_path)))
    size = len(page.encode("utf-8"))
    assert size < 6 * 1024 * 1024, f"{size:,} bytes"
    assert page.count("<details ") == 250 and " open>" not in page  # collapsed per file
    assert 'id="f10000"' in page
    assert len(read(page).findings) == 10_000
