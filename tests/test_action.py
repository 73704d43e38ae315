"""The composite GitHub Action: its shape, and its shell steps run locally as a runner would.

`uses:` steps (setup-python, upload-sarif) cannot run here; the emulator records what
they would receive. The install step is replaced by the mlgreenlint of this test run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))
STEPS = ACTION["runs"]["steps"]
SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text("utf-8"))
FINDING = 'from transformers import TrainingArguments\nargs = TrainingArguments(output_dir="o", save_total_limit=2)\n'
CLEAN = 'from transformers import TrainingArguments\nargs = TrainingArguments(output_dir="o", bf16=True, save_total_limit=2)\n'

_CONTEXT = r"(inputs\.[a-z-]+|steps\.[a-z-]+\.outputs\.[a-z-]+|github\.action_path)"
_EXPRESSION = re.compile(r"\$\{\{\s*" + _CONTEXT + r"\s*\}\}")
_TERM = re.compile(_CONTEXT + r"\s*(==|!=)\s*'([^']*)'")


@dataclass
class Runner:
    """Just enough of the Actions runner for this composite action's steps."""

    workspace: Path
    inputs: dict[str, str]
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    used: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    logs: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)

    def value(self, path: str) -> str:
        if path == "github.action_path":
            return str(ROOT)
        parts = path.split(".")
        if parts[0] == "inputs":
            return self.inputs[parts[1]]
        return self.outputs.get(parts[1], {}).get(parts[3], "")

    def expand(self, text: str) -> str:
        return _EXPRESSION.sub(lambda m: self.value(m[1]), str(text))

    def condition(self, expression: str | None) -> bool:
        if expression is None:
            return True
        terms = [t.strip() for t in expression.split("&&")]
        results = []
        for term in terms:
            match = _TERM.fullmatch(term)
            assert match, f"the emulator does not understand `if: {expression}`; keep conditions simple"
            equal = self.value(match[1]) == match[3]
            results.append(equal if match[2] == "==" else not equal)
        return all(results)

    def run(self) -> int:
        temp = self.workspace.parent / "runner-temp"
        temp.mkdir(exist_ok=True)
        summary = temp / "summary.md"
        for number, step in enumerate(STEPS):
            if not self.condition(step.get("if")):
                continue
            if "uses" in step:
                self.used.append((step["uses"], {k: self.expand(v) for k, v in step.get("with", {}).items()}))
                continue
            step_id = step.get("id", f"step-{number}")
            if step_id == "install":  # this test run's own mlgreenlint stands in for the pip install
                self.outputs[step_id] = {"exe": str(Path(sys.executable).with_name("mlgreenlint"))}
                continue
            output_file = temp / f"output-{number}"
            output_file.write_text("")
            script = temp / f"step-{number}.sh"
            script.write_text(step["run"])
            env = dict(os.environ, RUNNER_TEMP=str(temp), GITHUB_OUTPUT=str(output_file),
                       GITHUB_STEP_SUMMARY=str(summary), GITHUB_WORKSPACE=str(self.workspace))
            env.update({k: self.expand(v) for k, v in step.get("env", {}).items()})
            process = subprocess.run([step["shell"], "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                                     cwd=self.workspace, env=env, capture_output=True, text=True)
            self.logs[step_id] = process
            self.outputs[step_id] = dict(
                line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line
            )
            if process.returncode != 0:
                return process.returncode
        return 0

    @property
    def summary(self) -> str:
        path = self.workspace.parent / "runner-temp" / "summary.md"
        return path.read_text("utf-8") if path.exists() else ""


def defaults(**overrides: str) -> dict[str, str]:
    values = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    values.update(overrides)
    return values


@pytest.fixture
def workspace(tmp_path, monkeypatch) -> Path:
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text("[user]\n\tname = test\n\temail = test@example.invalid\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    root = tmp_path / "workspace"
    root.mkdir()
    (root / ".mlgreenlint.toml").write_text("", encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True, capture_output=True)
    return root


def test_shape():
    assert ACTION["runs"]["using"] == "composite"
    ids = [step.get("id") for step in STEPS]
    text = (ROOT / "action.yml").read_text("utf-8")
    for name in re.findall(r"inputs\.([a-z-]+)", text):
        assert name in ACTION["inputs"], name
    for step_id in re.findall(r"steps\.([a-z-]+)\.", text):
        assert step_id in ids, step_id
    for step in STEPS:
        assert ("uses" in step) != ("run" in step)
        if "run" in step:
            assert step["shell"] == "bash"
            assert "${{" not in step["run"], "pass expressions through env:, never into the script"
    uses = [step["uses"] for step in STEPS if "uses" in step]
    assert uses == ["actions/setup-python@v6", "github/codeql-action/upload-sarif@v4"]


def test_scripts_use_the_canonical_flag_names():
    """The action spells `check`'s options as the CLI's help lists them first (`--output-format`,
    not the `--format` alias), so it keeps working when the aliases go."""
    from mlgreenlint.cli import check

    canonical = {}
    for param in check.params:
        names = [o for o in param.opts + param.secondary_opts if o.startswith("--")]
        canonical.update({name: names[0] for name in names})
    used = {flag for step in STEPS if "run" in step
            for flag in re.findall(r"(?<![\w-])--[a-z][a-z-]*", step["run"]) if flag in canonical}
    assert {"--output-format", "--output-file", "--exit-zero"} <= used
    assert {flag: canonical[flag] for flag in used if canonical[flag] != flag} == {}


@pytest.mark.parametrize("step", [s for s in STEPS if "run" in s], ids=lambda s: s["name"])
def test_scripts_parse(step, tmp_path):
    script = tmp_path / "step.sh"
    script.write_text(step["run"])
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0


def test_finding_uploads_annotates_summarises_and_fails(workspace):
    (workspace / "train.py").write_text(FINDING, encoding="utf-8")
    runner = Runner(workspace, defaults())
    assert runner.run() == 1
    assert runner.outputs["check"] == {"exit-code": "1", "sarif-file": "mlgreenlint.sarif"}
    log = json.loads((workspace / "mlgreenlint.sarif").read_text("utf-8"))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["MP002"]
    assert runner.used == [
        ("actions/setup-python@v6", {"python-version": "3.12"}),
        ("github/codeql-action/upload-sarif@v4", {"sarif_file": "mlgreenlint.sarif", "category": "mlgreenlint"}),
    ]
    assert runner.logs["step-3"].stdout.startswith("::warning file=train.py,line=2,")
    assert "| 2:8 | warning | [MP002](" in runner.summary
    assert "::error title=mlgreenlint::mlgreenlint found problems (exit 1)" in runner.logs["step-6"].stdout


def test_clean_code_passes(workspace):
    (workspace / "train.py").write_text(CLEAN, encoding="utf-8")
    runner = Runner(workspace, defaults())
    assert runner.run() == 0
    assert runner.outputs["check"]["exit-code"] == "0"
    assert runner.logs["step-3"].stdout == ""
    assert "No findings." in runner.summary
    assert "step-6" not in runner.logs


def test_inputs_paths_args_and_switches(workspace):
    (workspace / "src").mkdir()
    (workspace / "src" / "train.py").write_text(FINDING, encoding="utf-8")
    (workspace / "other.py").write_text(FINDING, encoding="utf-8")
    inputs = dict(upload="false", annotations="false", summary="false",
                  **{"python-version": "", "sarif-file": "out/report.sarif"})
    runner = Runner(workspace, defaults(paths="src", args="--fail-on error --show-links", **inputs))
    (workspace / "out").mkdir()
    assert runner.run() == 0
    assert runner.used == []
    assert set(runner.logs) == {"check"}
    results = json.loads((workspace / "out" / "report.sarif").read_text("utf-8"))["runs"][0]["results"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results] == ["src/train.py"]
    # `*.py` is not glob-expanded: a path that does not exist fails the run (exit 2) naming it.
    runner = Runner(workspace, defaults(paths="src *.py", args="--fail-on error", **inputs))
    assert runner.run() != 0
    assert runner.outputs["check"]["exit-code"] == "2"
    assert "*.py: no such file or folder" in runner.logs["check"].stderr


def test_tool_error_stops_the_action(workspace):
    (workspace / ".mlgreenlint.toml").write_text('fail-on = "sometimes"\n', encoding="utf-8")
    runner = Runner(workspace, defaults())
    assert runner.run() == 2
    assert "::error title=mlgreenlint::mlgreenlint could not run (exit 2)" in runner.logs["check"].stdout
    assert runner.used == [("actions/setup-python@v6", {"python-version": "3.12"})]


def test_fail_false_reports_without_failing(workspace):
    (workspace / "train.py").write_text(FINDING, encoding="utf-8")
    runner = Runner(workspace, defaults(fail="false"))
    assert runner.run() == 0
    assert runner.outputs["check"]["exit-code"] == "1"
