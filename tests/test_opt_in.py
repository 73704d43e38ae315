"""Opt-in rules run only when selected by their full id; CK002 says when every checkpoint is also kept."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from mlgreenlint.cli import main

ARGS = """from transformers import TrainingArguments

frequent = TrainingArguments(output_dir="o", save_steps=20, bf16=True)
limited = TrainingArguments(output_dir="o", save_steps=20, save_total_limit=2, bf16=True)
unknown = TrainingArguments(output_dir="o", save_steps=20, save_total_limit=limit, bf16=True)
default_cadence = TrainingArguments(output_dir="o", bf16=True)
"""


def run(tmp_path, monkeypatch, *extra):
    (tmp_path / "train.py").write_text(ARGS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "train.py", "--isolated", "--no-cache", "--format", "json", *extra])
    return [(f["rule"], f["line"], f["message"]) for f in json.loads(result.stdout)]


@pytest.mark.parametrize("extra, on", [
    ((), False), (("--select", "ALL"), False), (("--select", "CK"), False),
    (("--extend-select", "CK003"), True), (("--select", "ck003"), True),
])
def test_ck003_runs_only_when_named(tmp_path, monkeypatch, extra, on):
    lines = [line for rule, line, _ in run(tmp_path, monkeypatch, *extra) if rule == "CK003"]
    assert lines == ([3, 6] if on else [])


def test_ck002_folds_unbounded_retention_into_its_message(tmp_path, monkeypatch):
    found = {line: message for rule, line, message in run(tmp_path, monkeypatch) if rule == "CK002"}
    assert sorted(found) == [3, 4, 5]
    assert "keeps every one" in found[3] and "save_total_limit" in found[3]
    assert "keeps every one" not in found[4] and "keeps every one" not in found[5]
