"""Impact facts: each rule's measured multiplier, declared once in its rule file and published by every format."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlgreenlint.cli import main
from mlgreenlint.formats import impact
from mlgreenlint.ruleset import rulebook

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo"
RULES = rulebook.load_paths([rulebook.builtin_rules_dir()])
WITH_IMPACT = [r for r in RULES if r.impact is not None]


def _figures(text: str) -> set[float]:
    """Every `6.1x` / `1.10x` multiplier a text states."""
    return {float(m) for m in re.findall(r"(\d+(?:\.\d+)?)x\b", text)}


def test_the_measured_rules_state_a_multiplier():
    assert {r.id for r in WITH_IMPACT} >= {"MP001", "MP002", "CK001", "CK002", "CW001", "CW002", "CW003", "CW004", "CW006"}
    # Rules whose docs give no measured or cited multiplier must not get one.
    assert not {r.id for r in WITH_IMPACT} & {"CK003", "CW005", "ET001", "ET002", "RG001", "RG002", "GL001"}


@pytest.mark.parametrize("rule", WITH_IMPACT, ids=lambda r: r.id)
def test_multiplier_is_the_one_the_rule_docs_and_energy_md_state(rule):
    figure = rule.impact["multiplier"]
    assert figure in _figures(rule.docs["why"]), f"{rule.id}: {figure}x is not in docs.why"
    if rule.impact["kind"] == "measured":
        assert rule.impact["source"] == "docs/energy.md"
        energy = (ROOT / "docs" / "energy.md").read_text(encoding="utf-8")
        assert figure in _figures(energy), f"{rule.id}: {figure}x is not a figure of docs/energy.md"


def test_statement_reads_as_the_measurement():
    mp001 = next(r for r in RULES if r.id == "MP001")
    assert impact.facts(mp001)["statement"] == (
        "strict fp32 (TF32 off) used 6.1x the GPU energy per training step of bf16 autocast "
        "(measured on one NVIDIA H200, 163M-parameter GPT training step)")


def test_rule_file_impact_is_validated(tmp_path):
    source = next(rulebook.builtin_rules_dir().glob("MP001-*.toml")).read_text(encoding="utf-8")
    bad = tmp_path / "MP001-fp32-training-loop.toml"
    bad.write_text(source.replace('kind = "measured"', 'kind = "guessed"'), encoding="utf-8")
    errors = rulebook.check_files([bad])
    assert errors and "impact/kind" in str(errors[0])


def _run(*args: str, cwd: Path = DEMO) -> str:
    import os

    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args), catch_exceptions=False).output
    finally:
        os.chdir(old)


def test_rules_json_carries_impact():
    rows = {r["id"]: r for r in json.loads(_run("rules", "--format", "json"))}
    assert rows["CW001"]["impact"]["multiplier"] == 1.55
    assert rows["CW001"]["impact"]["source"] == "docs/energy.md"
    assert rows["ET001"]["impact"] is None


def test_json_and_sarif_findings_carry_impact():
    findings = json.loads(_run("check", "--isolated", "--no-cache", "--format", "json", "."))
    by_rule = {f["rule"]: f for f in findings}
    assert by_rule["MP001"]["impact"]["multiplier"] == 6.1
    assert by_rule["CK001"]["impact"]["multiplier"] == 12.6
    assert by_rule["ET001"]["impact"] is None
    sarif = json.loads(_run("check", "--isolated", "--no-cache", "--format", "sarif", "."))
    results = sarif["runs"][0]["results"]
    mp001 = next(r for r in results if r["ruleId"] == "MP001")
    assert mp001["properties"]["impact"]["statement"].startswith("strict fp32 (TF32 off) used 6.1x")
    assert all("properties" not in r for r in results if r["ruleId"] == "ET001")
    rules = {d["id"]: d for d in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["CK002"]["properties"]["impact"]["multiplier"] == 12.6


def test_explain_and_the_rule_page_state_the_impact_and_its_source():
    from mlgreenlint.formats.text import rule_page

    mp001 = next(r for r in RULES if r.id == "MP001")
    sentence = impact.facts(mp001)["statement"] + "; source: docs/energy.md."
    assert f"Impact: {sentence}" in _run("explain", "MP001", "--isolated")
    assert f"**Impact:** {sentence}" in rule_page(mp001)
    assert f"**Impact:** {sentence}" in (ROOT / "docs" / "rules" / "MP001-fp32-training-loop.md").read_text("utf-8")
    et001 = next(r for r in RULES if r.id == "ET001")
    assert "Impact:" not in _run("explain", "ET001", "--isolated") and "Impact:" not in rule_page(et001)
