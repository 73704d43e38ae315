"""The CI gate through the command line: formats, --output, --statistics, baselines, --changed-since.

Every test runs `mlgreenlint check` in a real temporary git repository.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result
from gitrepo import git, isolated_git  # noqa: F401 - isolated_git is an autouse fixture

from mlgreenlint import gate
from mlgreenlint.api import load_rules
from mlgreenlint.cli import main
from mlgreenlint.engine.driver import GL_INTERNAL, GL_PARSE, GL_UNREADABLE
from mlgreenlint.settings import Settings

FINDING = 'from transformers import TrainingArguments\nargs = TrainingArguments(output_dir="o", save_total_limit=2)\n'
CLEAN = 'from transformers import TrainingArguments\nargs = TrainingArguments(output_dir="o", bf16=True, save_total_limit=2)\n'
SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text("utf-8"))




@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    """A committed project with one MP002 finding in train.py (line 2), as the CWD."""
    root = tmp_path / "project"
    root.mkdir()
    (root / ".mlgreenlint.toml").write_text("", encoding="utf-8")
    (root / "train.py").write_text(FINDING, encoding="utf-8")
    (root / "clean.py").write_text(CLEAN, encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    monkeypatch.chdir(root)
    return root


def check(*args: str) -> Result:
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


def reported(result: Result) -> list[tuple[str, int, str]]:
    rows = json.loads(result.stdout)
    return [(f["path"], f["line"], f["rule"]) for f in rows]


# --- formats ----------------------------------------------------------------------------


def test_text(repo):
    result = check()
    assert result.exit_code == 1
    assert "train.py:2:8: MP002 [warning]" in result.stdout
    assert "Found 1 finding" in result.stdout


def test_json(repo):
    result = check("--format", "json")
    assert result.exit_code == 1
    assert reported(result) == [("train.py", 2, "MP002")]


def test_sarif_validates_and_lists_every_enabled_rule(repo):
    result = check("--format", "sarif")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    run = log["runs"][0]
    enabled = sorted(rule.id for rule in load_rules(Settings()) if not rule.opt_in)
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == enabled
    [finding] = run["results"]
    assert finding["ruleId"] == "MP002"
    assert enabled[finding["ruleIndex"]] == "MP002"
    location = finding["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "train.py"
    assert location["region"]["startLine"] == 2


def test_sarif_driver_follows_select(repo):
    log = json.loads(check("--format", "sarif", "--select", "MP").stdout)
    assert {r["id"][:2] for r in log["runs"][0]["tool"]["driver"]["rules"]} == {"MP"}


def test_github(repo):
    result = check("--format", "github")
    assert result.exit_code == 1
    assert result.stdout.startswith("::warning file=train.py,line=2,col=8,endLine=2,")
    assert result.stdout.count("\n") == 1 and "title=MP002::" in result.stdout


def test_markdown(repo):
    result = check("--format", "markdown")
    assert result.exit_code == 1
    assert result.stdout.startswith("## mlgreenlint\n")
    assert "Found **1 finding** in **1 file**" in result.stdout
    assert "| 2:8 | warning | [MP002](" in result.stdout


def test_junit(repo):
    result = check("--format", "junit")
    assert result.exit_code == 1
    suite = ET.fromstring(result.stdout.split("\n", 1)[1]).find("testsuite")
    assert suite.get("failures") == "1"
    assert suite.find("testcase/failure").get("type") == "MP002"


def test_gitlab(repo):
    result = check("--format", "gitlab")
    assert result.exit_code == 1
    [issue] = json.loads(result.stdout)
    assert issue["check_name"] == "MP002"
    assert issue["location"] == {"path": "train.py", "lines": {"begin": 2, "end": 2}}


@pytest.mark.parametrize("fmt", gate.FORMATS)
def test_clean_project_exits_zero_in_every_format(repo, fmt):
    (repo / "train.py").write_text(CLEAN, encoding="utf-8")
    result = check("--format", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "github":
        assert result.stdout == ""
    elif fmt == "sarif":  # rule help texts may name files; the results must be empty
        assert json.loads(result.stdout)["runs"][0]["results"] == []
    else:
        assert result.stdout.endswith("\n") and "train.py" not in result.stdout


@pytest.mark.parametrize("fmt", gate.FORMATS)
def test_output_writes_the_report_to_a_file(repo, fmt):
    expected = check("--format", fmt).stdout
    result = check("--format", fmt, "--output", "report.out")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert (repo / "report.out").read_text("utf-8") == expected
    assert not [p.name for p in repo.iterdir() if p.name.endswith(".tmp")]


def test_statistics_replace_the_report_json_for_json(repo):
    assert check("--statistics").stdout == "1\tMP002\t[ ] hf-training-args-fp32\n"
    assert check("--format", "sarif", "--statistics").stdout == check("--statistics").stdout
    rows = json.loads(check("--format", "json", "--statistics").stdout)
    assert rows == [{"code": "MP002", "name": "hf-training-args-fp32", "count": 1, "fixable": False}]


def test_exit_zero_and_fail_on(repo):
    assert check("--exit-zero").exit_code == 0
    assert check("--fail-on", "error").exit_code == 0
    assert check("--fail-on", "info").exit_code == 1


# --- baselines --------------------------------------------------------------------------


def test_baseline_workflow(repo):
    result = check("--write-baseline", "baseline.json")
    assert result.exit_code == 0
    assert result.stdout == "Wrote 1 finding to baseline baseline.json.\n"
    assert [e["rule"] for e in json.loads((repo / "baseline.json").read_text("utf-8"))["entries"]] == ["MP002"]

    result = check("--baseline", "baseline.json")
    assert result.exit_code == 0, result.output
    assert "All checks passed" in result.stdout
    assert "1 finding in the baseline not shown." in result.stdout

    # A line added above moves the finding: it is still the recorded one.
    (repo / "train.py").write_text("import os\n" + FINDING, encoding="utf-8")
    assert check("--baseline", "baseline.json", "--format", "json").stdout.strip() == "[]"

    # A new finding is reported, and only it.
    (repo / "train.py").write_text("import os\n" + FINDING + 'more = TrainingArguments(output_dir="p", save_total_limit=1)\n', encoding="utf-8")
    result = check("--baseline", "baseline.json", "--format", "json")
    assert result.exit_code == 1
    assert reported(result) == [("train.py", 4, "MP002")]
    assert result.stderr == ""


def test_baseline_counts_identical_findings(repo):
    check("--write-baseline", "baseline.json")
    (repo / "train.py").write_text(FINDING + FINDING.splitlines()[1] + "\n", encoding="utf-8")
    result = check("--baseline", "baseline.json", "--format", "json")
    assert reported(result) == [("train.py", 3, "MP002")]


def test_stale_entries_are_listed_and_can_fail_the_run(repo):
    check("--write-baseline", "baseline.json")
    fingerprint = json.loads((repo / "baseline.json").read_text("utf-8"))["entries"][0]["fingerprint"]
    (repo / "train.py").write_text(CLEAN, encoding="utf-8")

    result = check("--baseline", "baseline.json")
    assert result.exit_code == 0
    assert result.stderr == f"stale baseline entry: train.py MP002 {fingerprint}\n"

    result = check("--baseline", "baseline.json", "--fail-on-stale-baseline")
    assert result.exit_code == 1
    assert f"stale baseline entry: train.py MP002 {fingerprint}" in result.stderr
    assert check("--baseline", "baseline.json", "--fail-on-stale-baseline", "--exit-zero").exit_code == 0


def test_deleted_file_makes_its_entries_stale(repo):
    check("--write-baseline", "baseline.json")
    (repo / "train.py").unlink()
    result = check("--baseline", "baseline.json", "--fail-on-stale-baseline")
    assert result.exit_code == 1
    assert "stale baseline entry: train.py MP002" in result.stderr


def test_entries_of_files_not_linted_are_not_stale(repo):
    # pre-commit passes only the staged files: the other entries are neither matched nor stale.
    check("--write-baseline", "baseline.json")
    result = check("--baseline", "baseline.json", "--fail-on-stale-baseline", "clean.py")
    assert result.exit_code == 0
    assert result.stderr == ""


def test_baseline_and_stale_flag_from_configuration(repo):
    (repo / "ci").mkdir()
    check("--write-baseline", "ci/baseline.json")
    (repo / ".mlgreenlint.toml").write_text(
        '[tool.mlgreenlint]\nbaseline = "ci/baseline.json"\nfail-on-stale-baseline = true\n', encoding="utf-8"
    )
    assert check().exit_code == 0
    assert check("--no-baseline").exit_code == 1
    (repo / "train.py").write_text(CLEAN, encoding="utf-8")
    result = check()
    assert result.exit_code == 1
    assert "stale baseline entry: train.py MP002" in result.stderr
    assert check("--no-baseline").exit_code == 0
    settings = json.loads(check("--show-settings").stdout)
    assert settings["fail-on-stale-baseline"] is True
    assert settings["baseline"] == str(repo / "ci" / "baseline.json")


def test_write_baseline_ignores_the_configured_baseline(repo):
    check("--write-baseline", "baseline.json")
    (repo / ".mlgreenlint.toml").write_text('baseline = "baseline.json"\n', encoding="utf-8")
    (repo / "new.py").write_text(FINDING, encoding="utf-8")
    assert check("--write-baseline", "baseline.json").stdout == "Wrote 2 findings to baseline baseline.json.\n"


def test_configuration_key_is_validated(repo):
    (repo / ".mlgreenlint.toml").write_text('fail-on-stale-baseline = "yes"\n', encoding="utf-8")
    result = check()
    assert result.exit_code == 2
    assert "fail-on-stale-baseline" in result.stderr


def test_missing_and_invalid_baseline_are_errors(repo):
    result = check("--baseline", "nope.json")
    assert result.exit_code == 2
    assert "baseline nope.json does not exist" in result.stderr and "--write-baseline nope.json" in result.stderr
    (repo / "bad.json").write_text("{", encoding="utf-8")
    result = check("--baseline", "bad.json")
    assert result.exit_code == 2
    assert "invalid baseline bad.json" in result.stderr


def test_usage_errors(repo):
    result = check("--fail-on-stale-baseline")
    assert result.exit_code == 2 and "needs --baseline" in result.stderr
    result = check("--write-baseline", "b.json", "--changed-since", "HEAD")
    assert result.exit_code == 2 and "cannot be combined" in result.stderr
    assert not (repo / "b.json").exists()


# --- changed lines ----------------------------------------------------------------------


def test_changed_since_reports_only_changed_lines_and_new_files(repo):
    # The committed finding in train.py is not reported.
    result = check("--changed-since", "HEAD")
    assert result.exit_code == 0
    assert "All checks passed" in result.stdout
    assert "1 finding on lines unchanged since HEAD not shown." in result.stdout

    # A modified line that now has a finding is reported; an untracked new file is too.
    (repo / "clean.py").write_text(CLEAN.replace(", bf16=True", ""), encoding="utf-8")
    (repo / "new_job.py").write_text("# a new training job\n" + FINDING, encoding="utf-8")
    result = check("--changed-since", "HEAD", "--format", "json")
    assert result.exit_code == 1
    assert reported(result) == [("clean.py", 2, "MP002"), ("new_job.py", 3, "MP002")]

    # Committed since the ref: still counted, the ref decides.
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "more")
    assert reported(check("--changed-since", "HEAD~1", "--format", "json")) == [
        ("clean.py", 2, "MP002"), ("new_job.py", 3, "MP002")]
    assert check("--changed-since", "HEAD", "--format", "json").stdout.strip() == "[]"


def test_changed_since_in_every_format(repo):
    (repo / "fresh.py").write_text(FINDING, encoding="utf-8")
    for fmt in gate.FORMATS:
        result = check("--changed-since", "HEAD", "--format", fmt)
        assert result.exit_code == 1
        out = result.stdout
        if fmt == "sarif":  # rule help texts may name files: look at the results only
            out = json.dumps(json.loads(out)["runs"][0]["results"])
        assert "fresh.py" in out and "train.py" not in out, fmt


def test_file_level_findings_count_when_their_file_changed(repo):
    broken = "from transformers import (TrainingArguments\nx = 1\ny = 2\n# tail\n"
    (repo / "broken.py").write_text(broken, encoding="utf-8")
    git(repo, "add", "broken.py")
    git(repo, "commit", "-q", "-m", "broken")
    [(path, line, rule)] = [r for r in reported(check("--format", "json")) if r[0] == "broken.py"]
    assert rule == GL_PARSE and line != 4
    assert check("--changed-since", "HEAD", "--format", "json").stdout.strip() == "[]"
    # Editing the last line (not the line GL001 points at) brings the file-level finding back.
    (repo / "broken.py").write_text(broken.replace("# tail", "# tail, edited"), encoding="utf-8")
    assert reported(check("--changed-since", "HEAD", "--format", "json")) == [("broken.py", line, GL_PARSE)]


def test_file_level_rules_are_the_engines_whole_file_diagnostics():
    assert gate.FILE_LEVEL_RULES == {GL_PARSE, GL_UNREADABLE, GL_INTERNAL}


def test_baseline_applies_before_changed_since(repo):
    check("--write-baseline", "baseline.json")
    (repo / "train.py").write_text("import os\n" + FINDING, encoding="utf-8")  # moved, on unchanged lines
    (repo / "clean.py").write_text(CLEAN.replace(", bf16=True", ""), encoding="utf-8")  # new, on a changed line
    result = check("--baseline", "baseline.json", "--changed-since", "HEAD", "--format", "json")
    assert reported(result) == [("clean.py", 2, "MP002")]
    # Stale entries are judged on all findings, whatever --changed-since hides.
    (repo / "train.py").write_text(CLEAN, encoding="utf-8")
    result = check("--baseline", "baseline.json", "--changed-since", "HEAD", "--fail-on-stale-baseline")
    assert result.exit_code == 1
    assert "stale baseline entry: train.py MP002" in result.stderr


def test_changed_since_outside_a_repository_is_an_error(tmp_path, monkeypatch):
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "train.py").write_text(FINDING, encoding="utf-8")
    monkeypatch.chdir(plain)
    result = check("--changed-since", "HEAD")
    assert result.exit_code == 2
    assert "--changed-since needs a git repository" in result.stderr
    assert str(plain.resolve()) in result.stderr


def test_changed_since_on_a_path_outside_the_repository_is_an_error(repo, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "train.py").write_text(FINDING, encoding="utf-8")
    result = check("--changed-since", "HEAD", str(outside))
    assert result.exit_code == 2
    assert f"{outside} is not in the git repository at {repo.resolve()}" in result.stderr


def test_changed_since_unknown_ref(repo):
    result = check("--changed-since", "no-such-branch")
    assert result.exit_code == 2
    assert "unknown git ref 'no-such-branch'" in result.stderr


# --- gate helpers -----------------------------------------------------------------------


def test_held_back_wording():
    outcome = gate.Outcome([], baselined=2, unchanged=1)
    assert gate.held_back(outcome, "main") == "2 findings in the baseline and 1 on lines unchanged since main not shown."
    assert gate.held_back(gate.Outcome([], unchanged=3), "HEAD") == "3 findings on lines unchanged since HEAD not shown."
    assert gate.held_back(gate.Outcome([]), None) == ""


def test_in_scope(tmp_path):
    checked = ["src/a.py"]
    assert gate.in_scope("src/a.py", checked, [Path("src/a.py")], tmp_path)
    assert not gate.in_scope("src/b.py", checked, [Path("src/a.py")], tmp_path)
    assert gate.in_scope("src/gone.py", checked, [Path("src")], tmp_path)
    assert gate.in_scope("src/gone.py", checked, [Path(".")], tmp_path)
    assert not gate.in_scope("srcx/gone.py", checked, [Path("src")], tmp_path)
    assert not gate.in_scope("../other/x.py", checked, [Path(".")], tmp_path)
