"""The command line, driven through click's runner."""

from __future__ import annotations

import json

from mlgreenlint import __version__

FP32_ARGS = """
from transformers import TrainingArguments
args = TrainingArguments(output_dir="o", save_total_limit=2)
"""
CLEAN = """
from transformers import TrainingArguments
args = TrainingArguments(output_dir="o", bf16=True, save_total_limit=2)
"""


def test_version(project):
    from mlgreenlint import buildinfo

    result = project.run("--version")
    assert result.exit_code == 0
    assert result.output == f"mlgreenlint, version {__version__} (commit {buildinfo.commit()})\n"


def test_clean_project_exits_zero(project):
    project.write("train.py", CLEAN)
    result = project.run("check")
    assert result.exit_code == 0
    assert "All checks passed (1 file checked)." in result.output


def test_finding_exits_one_with_text_output(project):
    project.write("train.py", FP32_ARGS)
    result = project.run("check", ".")
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith("train.py:2:8: MP002 [warning] TrainingArguments trains in fp32")
    assert "Found 1 finding in 1 file (1 checked)." in result.output


def test_json_output_shape_and_order(project):
    project.write("b.py", FP32_ARGS)
    project.write("a/x.py", FP32_ARGS)
    result = project.run("check", "--format", "json")
    data = json.loads(result.output)
    assert [(d["path"], d["line"]) for d in data] == [("a/x.py", 2), ("b.py", 2)]
    assert {"rule", "path", "line", "column", "end_line", "end_column", "severity", "message"} <= set(data[0])


def test_fail_on_and_exit_zero(project):
    project.write("train.py", FP32_ARGS)
    assert project.run("check", "--fail-on", "error").exit_code == 0
    assert project.run("check", "--exit-zero").exit_code == 0
    assert project.run("check", "--fail-on", "info").exit_code == 1


def test_select_and_ignore(project):
    project.write("train.py", FP32_ARGS)
    assert project.run("check", "--ignore", "MP").exit_code == 0
    assert project.run("check", "--select", "GL").exit_code == 0
    assert project.run("check", "--select", "GL", "--extend-select", "MP002").exit_code == 1


def test_unknown_option_value_is_a_usage_error(project):
    assert project.run("check", "--fail-on", "fatal").exit_code == 2
    result = project.run("check", "--select", "ZZ")
    assert result.exit_code == 2 and "unknown rule id or prefix 'ZZ'" in result.output


def test_configuration_from_pyproject(project):
    project.write("train.py", FP32_ARGS)
    project.write("pyproject.toml", """
        [tool.mlgreenlint]
        ignore = ["MP002"]
    """)
    assert project.run("check").exit_code == 0
    assert project.run("check", "--isolated").exit_code == 1
    assert project.run("check", "--select", "MP002").exit_code == 1


def test_per_file_ignores_and_rule_severity(project):
    project.write("scripts/train.py", FP32_ARGS)
    project.write(".mlgreenlint.toml", """
        [per-file-ignores]
        "scripts/*" = ["MP"]
    """)
    assert project.run("check").exit_code == 0
    project.write(".mlgreenlint.toml", """
        [rules.MP002]
        severity = "info"
    """)
    result = project.run("check")
    assert result.exit_code == 0 and "MP002 [info]" in result.output


def test_configuration_errors_name_the_key(project):
    project.write("pyproject.toml", '[tool.mlgreenlint]\nfail-on = "sometimes"\n')
    result = project.run("check")
    assert result.exit_code == 2
    assert "pyproject.toml: tool.mlgreenlint.fail-on:" in result.output
    project.write("pyproject.toml", '[tool.mlgreenlint]\nselect = "MP"\n')
    result = project.run("check")
    assert result.exit_code == 2 and "tool.mlgreenlint.select" in result.output
    project.write("pyproject.toml", '[tool.mlgreenlint.rules.MP002]\nthreshold = 3\n')
    result = project.run("check")
    assert result.exit_code == 2 and "tool.mlgreenlint.rules.MP002.threshold: unknown option" in result.output
    project.write("pyproject.toml", '[tool.mlgreenlint.rules.MP999]\nseverity = "info"\n')
    assert project.run("check").exit_code == 2
    project.write("pyproject.toml", '[tool.mlgreenlint\n')
    result = project.run("check")
    assert result.exit_code == 2 and "invalid TOML" in result.output


def test_show_settings(project):
    project.write("pyproject.toml", '[tool.mlgreenlint]\nignore = ["MP005"]\n')
    result = project.run("check", "--show-settings")
    data = json.loads(result.output)
    assert data["ignore"] == ["MP005"] and "MP005" not in data["active-rules"] and "MP001" in data["active-rules"]
    assert data["source"].endswith("pyproject.toml")


def test_statistics(project):
    project.write("a.py", FP32_ARGS)
    project.write("b.py", FP32_ARGS)
    result = project.run("check", "--statistics")
    # Only the table, as ruff prints it: count, id, fixable mark, name.
    assert result.output == "2\tMP002\t[ ] hf-training-args-fp32\n" and result.exit_code == 1


def test_gitignored_and_default_excluded_paths_are_skipped(project):
    import subprocess

    subprocess.run(["git", "init", "-q"], cwd=project.root, check=True)
    project.write(".gitignore", "generated/\n")
    project.write("generated/train.py", FP32_ARGS)
    project.write(".venv/lib/x.py", FP32_ARGS)
    project.write("src/ok.py", CLEAN)
    result = project.run("check")
    assert result.exit_code == 0, result.output
    assert project.run("check", "generated/train.py").exit_code == 1  # explicit files are always checked


def test_rules_listing(project):
    data = json.loads(project.run("rules", "--format", "json").output)
    ids = [r["id"] for r in data]
    assert ids == sorted(ids) and "MP001" in ids
    assert {"id", "name", "family", "severity", "summary"} <= set(data[0])
    assert "| [MP001]" in project.run("rules", "--format", "markdown").output


def test_explain(project):
    result = project.run("explain", "mp002")
    assert result.exit_code == 0
    assert "6.1x" in result.output and "trl is not pinned: assuming its newest release" in result.output
    assert project.run("explain", "XX001").exit_code == 2


def test_custom_rule_paths(project):
    project.write("policy/CO001-launch-without-precision.toml", CUSTOM_RULE)
    project.write("pyproject.toml", '[tool.mlgreenlint]\nrule-paths = ["policy"]\n')
    project.write("job.py", "import corp.train as ct\nct.launch(model)\n")
    result = project.run("check")
    assert result.exit_code == 1 and "job.py:2:1: CO001 [error] launch() must pass precision=" in result.output
    assert project.run("validate-rules", "policy").exit_code == 0
    tested = project.run("test-rules", "policy")
    assert tested.exit_code == 0 and "4 passed, 0 failed" in tested.output


def test_validate_rules_reports_every_bad_file(project):
    project.write("bad/CO001-a.toml", CUSTOM_RULE.replace('severity = "error"', 'severity = "loud"'))
    project.write("bad/CO002-b.toml", "id = [\n")
    result = project.run("validate-rules", "bad")
    assert result.exit_code == 2
    assert "CO001-a.toml at severity: 'loud' is not one of" in result.output
    assert "CO002-b.toml: invalid TOML" in result.output


def test_test_rules_fails_on_a_wrong_example(project):
    project.write("policy/CO001-launch-without-precision.toml", CUSTOM_RULE.replace("ct.launch(m, precision=p)", "ct.launch(m)"))
    result = project.run("test-rules", "policy")
    assert result.exit_code == 1 and "FAIL CO001-valid-0" in result.output


CUSTOM_RULE = '''
id = "CO001"
name = "launch-without-precision"
family = "CO"
severity = "error"
message = "launch() must pass precision="

[match]
[[match.python]]
call = ["corp.train.launch"]
where = [ { keyword = "precision", present = false } ]

[docs]
what = "Our launcher must be told the precision."
why = "fp32 jobs cost several times the energy."
bad = "import corp.train\\ncorp.train.launch(model)  # expect: CO001\\n"
good = "import corp.train\\ncorp.train.launch(model, precision='bf16')\\n"
references = []

[examples]
invalid = [ { code = "from corp.train import launch as go\\ngo(m)  # expect: CO001\\n" } ]
valid = [ { code = "import corp.train as ct\\nct.launch(m, precision=p)\\n" } ]
'''
