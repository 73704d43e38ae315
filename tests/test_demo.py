"""The bundled example repository produces exactly the findings it documents."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from mlgreenlint.cli import main

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo"


def test_demo_findings_match_the_documented_list(monkeypatch):
    monkeypatch.chdir(DEMO)
    result = CliRunner().invoke(main, ["check", ".", "--format", "json", "--isolated", "--no-cache"])
    assert result.exit_code == 1, result.output
    found = [[f["path"], f["line"], f["rule"]] for f in json.loads(result.stdout)]
    expected = json.loads((DEMO / "expected-findings.json").read_text(encoding="utf-8"))
    assert found == expected
