"""The command line a ruff user expects (issue 18): errors for missing paths, standard input,
ruff's option names, statistics, case-insensitive ids, "did you mean" for configuration keys."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from mlgreenlint.cli import main

FP32_ARGS = 'from transformers import TrainingArguments\nargs = TrainingArguments(output_dir="o", save_total_limit=2)\n'
ACC_NO = 'from accelerate import Accelerator\nacc = Accelerator(mixed_precision="no")\n'


def rules_of(result) -> list[str]:
    return [row["rule"] for row in json.loads(result.stdout)]


# --- 1. missing paths and standard input ----------------------------------------------

def test_a_missing_path_fails_the_run_naming_it(project):
    project.write("train.py", FP32_ARGS)
    result = project.run("check", "does_not_exist/", "train.py", "gone.py")
    assert result.exit_code == 2
    assert "does_not_exist: no such file or folder" in result.stderr and "gone.py" in result.stderr
    assert "All checks passed" not in result.output


def test_a_missing_path_is_an_error_even_with_exit_zero(project):
    assert project.run("check", "-e", "missing.py").exit_code == 2


def test_dash_reads_standard_input_as_the_named_file(project):
    runner = CliRunner()
    result = runner.invoke(main, ["check", "-", "--stdin-filename", "pkg/train.py", "--output-format", "json"],
                           input=FP32_ARGS)
    assert result.exit_code == 1
    [finding] = json.loads(result.stdout)
    assert (finding["path"], finding["line"], finding["rule"]) == ("pkg/train.py", 2, "MP002")
    # Without a name, standard input is Python.
    assert runner.invoke(main, ["check", "-", "-q"], input=FP32_ARGS).stdout.startswith("stdin.py:2:8: MP002")
    clean = runner.invoke(main, ["check", "-"], input="x = 1\n")
    assert clean.exit_code == 0 and "All checks passed (1 file checked)." in clean.stdout


def test_stdin_filename_decides_the_kind_and_per_file_ignores(project):
    project.write("pyproject.toml", '[tool.mlgreenlint.per-file-ignores]\n"scripts/*" = ["MP"]\n')
    runner = CliRunner()
    ignored = runner.invoke(main, ["check", "-", "--stdin-filename", "scripts/t.py"], input=FP32_ARGS)
    assert ignored.exit_code == 0
    as_yaml = runner.invoke(main, ["check", "-", "--stdin-filename", "notes.txt"], input=FP32_ARGS)
    assert as_yaml.exit_code == 0  # not a linted kind of file: nothing applies


def test_dash_with_other_paths_or_a_stray_stdin_filename_is_a_usage_error(project):
    project.write("a.py", "x = 1\n")
    assert project.run("check", "-", "a.py").exit_code == 2
    assert project.run("check", "a.py", "--stdin-filename", "b.py").exit_code == 2


# --- 5. statistics ------------------------------------------------------------------------

def test_statistics_sorted_by_count_with_fixable_mark(project):
    project.write("a.py", FP32_ARGS)
    project.write("b.py", FP32_ARGS)
    project.write("c.py", ACC_NO)
    result = project.run("check", "--statistics")
    # Both rules' fixes are unsafe: fixable (`[*]`) only when the run would apply them.
    assert result.stdout == "2\tMP002\t[ ] hf-training-args-fp32\n1\tMP004\t[ ] accelerate-mixed-precision-disabled\n"
    assert result.exit_code == 1
    unsafe = project.run("check", "--statistics", "--unsafe-fixes")
    assert unsafe.stdout == "2\tMP002\t[*] hf-training-args-fp32\n1\tMP004\t[*] accelerate-mixed-precision-disabled\n"


# --- 6. ruff's option names -----------------------------------------------------------------

def test_output_format_alias_config_and_environment(project, monkeypatch):
    project.write("train.py", FP32_ARGS)
    assert rules_of(project.run("check", "--output-format", "json")) == ["MP002"]
    assert rules_of(project.run("check", "--format", "json")) == ["MP002"]
    project.write("pyproject.toml", '[tool.mlgreenlint]\noutput-format = "json"\n')
    assert rules_of(project.run("check")) == ["MP002"]
    monkeypatch.setenv("MLGREENLINT_OUTPUT_FORMAT", "github")
    assert project.run("check").stdout.startswith("::warning file=train.py")  # env beats the file
    assert project.run("check", "--output-format", "text").stdout.startswith("train.py:2:8")  # flag beats env
    monkeypatch.setenv("MLGREENLINT_OUTPUT_FORMAT", "yaml")
    assert project.run("check").exit_code == 2


def test_output_format_in_config_is_validated_with_a_suggestion(project):
    project.write("pyproject.toml", '[tool.mlgreenlint]\noutput-format = "jsn"\n')
    result = project.run("check")
    assert result.exit_code == 2 and "tool.mlgreenlint.output-format" in result.stderr


def test_output_file_and_its_aliases(project):
    project.write("train.py", FP32_ARGS)
    for flag in ("--output-file", "--output", "-o"):
        result = project.run("check", "--output-format", "json", flag, "report.json")
        assert result.exit_code == 1 and result.stdout == ""
        assert [r["rule"] for r in json.loads((project.root / "report.json").read_text())] == ["MP002"]


def test_color_always_never_and_no_color(project, monkeypatch):
    project.write("train.py", FP32_ARGS)
    assert "\x1b[" in project.run("check", "--color", "always").stdout
    assert "\x1b[" not in project.run("check", "--color", "never").stdout
    assert "\x1b[" not in project.run("check").stdout  # auto, and the runner is no terminal
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" in project.run("check", "--color", "always").stdout  # an explicit flag wins
    assert project.run("check", "--color", "sometimes").exit_code == 2


def test_exit_zero_short_flag(project):
    project.write("train.py", FP32_ARGS)
    assert project.run("check", "-e").exit_code == 0
    assert project.run("check").exit_code == 1


def test_exclude_extend_exclude_and_per_file_ignores_flags(project):
    project.write("legacy/old.py", FP32_ARGS)
    project.write("train.py", FP32_ARGS)
    project.write("build/gen.py", FP32_ARGS)
    files = project.run("check", "--show-files").stdout.split()
    assert files == ["legacy/old.py", "train.py"]  # build/ is excluded by default
    assert project.run("check", "--show-files", "--extend-exclude", "legacy").stdout.split() == ["train.py"]
    # --exclude replaces the default list, so build/ comes back.
    assert project.run("check", "--show-files", "--exclude", "legacy,x").stdout.split() == ["build/gen.py", "train.py"]
    result = project.run("check", "--output-format", "json", "--per-file-ignores", "legacy/*:mp002")
    assert [r["path"] for r in json.loads(result.stdout)] == ["train.py"]
    assert project.run("check", "--per-file-ignores", "no-codes").exit_code == 2
    assert project.run("check", "--per-file-ignores", "x/*:ZZ9").exit_code == 2


def test_cache_dir_flag_and_environment(project, monkeypatch):
    project.write("train.py", FP32_ARGS)
    assert project.run("check", "--cache-dir", "elsewhere").exit_code == 1
    assert (project.root / "elsewhere").is_dir() and not (project.root / ".mlgreenlint_cache").exists()
    monkeypatch.setenv("MLGREENLINT_CACHE_DIR", "from-env")
    assert project.run("check").exit_code == 1
    assert (project.root / "from-env").is_dir()


def test_show_files_lists_and_checks_nothing(project):
    project.write("b.py", FP32_ARGS)
    project.write("a/c.yaml", "x: 1\n")
    project.write("notes.txt", "")
    result = project.run("check", "--show-files")
    assert result.exit_code == 0 and result.stdout == "a/c.yaml\nb.py\n"


# --- 4. links -----------------------------------------------------------------------------

def test_show_links_and_verbose_print_each_rule_link_once(project):
    project.write("a.py", FP32_ARGS)
    project.write("b.py", FP32_ARGS)
    link = "MP002: https://github.com/mlgreenlint/mlgreenlint/blob/main/docs/rules/MP002-hf-training-args-fp32.md"
    assert project.run("check", "--show-links").stdout.count(link) == 1
    assert project.run("check", "-v").stdout.count(link) == 1
    assert "https://" not in project.run("check").stdout
    [row, _] = json.loads(project.run("check", "--output-format", "json").stdout)
    assert row["url"] == link.split(": ", 1)[1]


# --- 8. case-insensitive ids --------------------------------------------------------------

def test_suppression_ids_are_case_insensitive(project):
    project.write("train.py", FP32_ARGS.rstrip("\n") + "  # mlgreenlint: ignore[mp002]\n")
    result = project.run("check", "--output-format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    project.write("train.py", "# mlgreenlint: ignore-file[mp]\n" + FP32_ARGS)
    assert json.loads(project.run("check", "--output-format", "json").stdout) == []
    project.write("train.py", "x = 1  # mlgreenlint: ignore[zz001]\n")
    [row] = json.loads(project.run("check", "--output-format", "json").stdout)
    assert row["rule"] == "GL002" and "'zz001'" in row["message"]


def test_configuration_ids_are_case_insensitive(project):
    project.write("train.py", FP32_ARGS)
    project.write("pyproject.toml", '[tool.mlgreenlint]\nignore = ["mp002"]\n')
    assert project.run("check").exit_code == 0
    project.write("pyproject.toml", '[tool.mlgreenlint.per-file-ignores]\n"train.py" = ["Mp"]\n')
    assert project.run("check").exit_code == 0


# --- 10. one fingerprint per finding across formats -----------------------------------------

def test_json_sarif_and_gitlab_carry_the_same_fingerprint(project):
    project.write("a.py", FP32_ARGS + FP32_ARGS.splitlines()[1] + "\n")
    project.write("b.py", FP32_ARGS)
    from_json = [r["fingerprint"] for r in json.loads(project.run("check", "--output-format", "json").stdout)]
    sarif = json.loads(project.run("check", "--output-format", "sarif").stdout)
    from_sarif = [r["partialFingerprints"]["mlgreenlint/v1"] for r in sarif["runs"][0]["results"]]
    from_gitlab = [i["fingerprint"] for i in json.loads(project.run("check", "--output-format", "gitlab").stdout)]
    assert len(from_json) == 3 and len(set(from_json)) == 3
    assert from_json == from_sarif == from_gitlab
    assert {len(f) for f in from_json} == {64}


# --- 12. "did you mean" for configuration keys ---------------------------------------------

@pytest.mark.parametrize(("table", "key", "suggestion"), [
    ('[tool.mlgreenlint]\nselct = ["MP"]\n', "tool.mlgreenlint.selct", "did you mean 'select'?"),
    ('[tool.mlgreenlint]\nextend-exclud = ["x"]\n', "tool.mlgreenlint.extend-exclud", "did you mean 'extend-exclude'?"),
    ('[tool.mlgreenlint.rules.CK002]\nmin-save-step = 5\n', "tool.mlgreenlint.rules.CK002.min-save-step",
     "did you mean 'min-save-steps'?"),
    ('[tool.mlgreenlint]\nignore = ["MP0002"]\n', "tool.mlgreenlint.ignore", ""),
])
def test_configuration_typos_get_a_suggestion(project, table, key, suggestion):
    project.write("pyproject.toml", table)
    result = project.run("check")
    assert result.exit_code == 2 and key in result.stderr and suggestion in result.stderr


def test_a_key_with_nothing_close_gets_no_guess(project):
    project.write("pyproject.toml", '[tool.mlgreenlint]\nzzzzzz = 1\n')
    result = project.run("check")
    assert result.exit_code == 2 and "unknown key" in result.stderr and "did you mean" not in result.stderr


# --- 3. validate-rules catches what would break or mislead `check` ------------------------

from tests.test_cli import CUSTOM_RULE  # noqa: E402 -- one example rule for the CLI tests


def test_validate_rules_rejects_a_built_in_id(project):
    project.write("policy/MP001-fp32-training-loop.toml",
                  CUSTOM_RULE.replace('"CO001"', '"MP001"').replace('"CO"', '"MP"')
                  .replace('"launch-without-precision"', '"fp32-training-loop"').replace("CO001", "MP001"))
    result = project.run("validate-rules", "policy")
    assert result.exit_code == 2
    assert "MP001-fp32-training-loop.toml at id: MP001 is a built-in rule id; choose another" in result.stderr
    project.write("pyproject.toml", '[tool.mlgreenlint]\nrule-paths = ["policy"]\n')
    assert "is a built-in rule id" in project.run("check").stderr  # the same words `check` stops with


@pytest.mark.parametrize(("message", "extra", "problem"), [
    ("launch() must pass precision, not {valeu}", "", "placeholder {valeu} is never filled"),
    ("launch() passes {value}", "", "placeholder {value} is never filled"),  # no `report`: no value
    ("{call} must pass precision={", "", "message is not a valid template"),
])
def test_validate_rules_rejects_placeholders_nothing_fills(project, message, extra, problem):
    project.write("policy/CO001-launch-without-precision.toml",
                  CUSTOM_RULE.replace('message = "launch() must pass precision="', f'message = "{message}"'))
    result = project.run("validate-rules", "policy")
    assert result.exit_code == 2 and "CO001-launch-without-precision.toml at message: " + problem in result.stderr


def test_validate_rules_accepts_placeholders_the_match_fills(project):
    rule = CUSTOM_RULE.replace('message = "launch() must pass precision="',
                               'message = "{call}() sets {keyword}={value}; pass precision= (over {limit})"')
    rule = rule.replace('where = [ { keyword = "precision", present = false } ]',
                        'where = [ { keyword = "precision", present = false } ]\nreport = "mode"')
    rule = rule.replace("[docs]", '[options.limit]\ntype = "integer"\ndefault = 3\ndescription = "d"\n\n[docs]')
    project.write("policy/CO001-launch-without-precision.toml", rule)
    result = project.run("validate-rules", "policy")
    assert result.exit_code == 0, result.output
    project.write("pyproject.toml", '[tool.mlgreenlint]\nrule-paths = ["policy"]\n')
    project.write("job.py", "import corp.train as ct\nct.launch(m, mode='fast')\n")
    assert "train.launch() sets 'mode'='fast'; pass precision= (over 3)" in project.run("check").stdout


def test_output_format_choices_are_the_formats(project):
    from mlgreenlint import gate
    from mlgreenlint.settings import _schema

    assert tuple(_schema()["properties"]["output-format"]["enum"]) == gate.FORMATS


# --- 2. a broken Python file no rule reaches is named under -v ------------------------------

def test_verbose_names_each_python_file_no_parser_saw(project):
    project.write("broken.py", "def f(:\n    pass\n")
    project.write("fine.py", "x = 1\n")
    project.write("train.py", "import torch\ndef f(:\n    loss.backward()\n")
    result = project.run("check", "-v", "--output-format", "json")
    # A file some rule's tokens reach is parsed, and its syntax error is GL001.
    assert [(r["path"], r["rule"]) for r in json.loads(result.stdout)] == [("train.py", "GL001")]
    notes = [line for line in result.stderr.splitlines() if "not parsed" in line]
    assert notes == [f"note: {name}: not parsed (no enabled rule's tokens occur in it), so its syntax was not checked"
                     for name in ("broken.py", "fine.py")]
    assert "not parsed" not in project.run("check").stderr


# --- 10. JUnit fails only what fails the gate ------------------------------------------------

def test_junit_findings_below_fail_on_pass_with_output(project):
    import xml.etree.ElementTree as ET

    project.write("train.py", FP32_ARGS)  # MP002, a warning
    project.write("loader.py", "import torch\nfrom torch.utils.data import DataLoader\n"
                               "loader = DataLoader(ds)\nmodel.cuda()\nfor x in loader:\n    loss(x).backward()\n")

    def cases(*args):
        root = ET.fromstring(project.run("check", "--output-format", "junit", *args).stdout)
        suite = root.find("testsuite")
        return suite.get("failures"), {c.get("name").split()[0]: ("failure" if c.find("failure") is not None
                                                                else "out" if c.find("system-out") is not None
                                                                else "pass") for c in suite.iter("testcase")}

    failures, by_rule = cases()
    assert by_rule["MP002"] == "failure"
    below = [rule for rule, kind in by_rule.items() if kind == "out"]
    assert below and all(r != "MP002" for r in below)  # info findings pass, shown as output
    assert failures == str(sum(kind == "failure" for kind in by_rule.values()))
    failures, by_rule = cases("--fail-on", "error")
    assert failures == "0" and "failure" not in by_rule.values()


# --- 12. the README's usage block lists every command ---------------------------------------

def test_readme_usage_block_names_every_command():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    usage = readme[readme.index("## Usage"):]
    block = usage[usage.index("```"):usage.index("```", usage.index("```") + 3)]
    missing = [name for name in sorted(main.commands) if f"mlgreenlint {name}" not in block]
    assert not missing, f"commands missing from the README's usage block: {missing}"
