"""The token prefilter and the cache never change a finding; start-up imports stay light."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlgreenlint import api, testing
from mlgreenlint.engine import driver
from mlgreenlint.ruleset import rulebook
from mlgreenlint.settings import Settings

RULES = [r for r in rulebook.load_builtin() if testing.cases(r)]
CASES = [case for rule in RULES for case in testing.cases(rule)]


def _all_rules_job(prefilter: bool) -> driver.Job:
    settings = Settings()
    return dataclasses.replace(api.make_job(settings, rulebook.load_builtin()), prefilter=prefilter)


def _dicts(findings) -> list[dict]:
    return [f.to_dict() for f in findings]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_example_findings_do_not_depend_on_the_prefilter(case):
    path = case.example.get("path", "example.py")
    code = case.example["code"]
    with_filter = driver.lint_text(path, code, _all_rules_job(True))
    without = driver.lint_text(path, code, _all_rules_job(False))
    assert _dicts(with_filter.findings) == _dicts(without.findings)
    # The rule's own examples also hold without the prefilter.
    outcome = testing.run_case(case)
    assert outcome.ok, outcome.detail


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_routing_never_skips_a_file_the_engine_would_parse(case):
    """`may_parse` over-approximates: whenever the engine runs a Python rule, it says yes."""
    path = case.example.get("path", "example.py")
    code = case.example["code"]
    job = _all_rules_job(True)
    if path.endswith(driver.PYTHON_SUFFIXES) and driver.python_rules(path, code, job):
        assert driver.may_parse(path, code.encode("utf-8"), job)


def test_examples_through_the_cli_pipeline_with_and_without_prefilter_and_cache(tmp_path, monkeypatch):
    """Every example as a file of one tree: no prefilter, prefilter, cold cache, warm cache."""
    tree = tmp_path / "tree"
    for i, case in enumerate(CASES):
        name = case.example.get("path", "example.py")
        target = tree / f"case{i:03d}" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(case.example["code"], encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = Settings(root=tmp_path, cache_dir=tmp_path / "cache")

    def run(*, cache: bool, prefilter: bool, jobs: int = 1) -> list[dict]:
        if prefilter:
            monkeypatch.delenv(api.NO_PREFILTER_ENV, raising=False)
        else:
            monkeypatch.setenv(api.NO_PREFILTER_ENV, "1")
        return _dicts(api.lint_paths([Path("tree")], settings, cache=cache, jobs=jobs).findings)

    reference = run(cache=False, prefilter=False)
    assert reference, "the invalid examples produce findings"
    assert run(cache=False, prefilter=True) == reference
    assert run(cache=True, prefilter=True) == reference  # cold: fills the cache
    assert run(cache=True, prefilter=True) == reference  # warm: every file from the cache
    assert run(cache=True, prefilter=False) == reference
    assert run(cache=False, prefilter=True, jobs=2) == reference


def test_prefilter_can_be_switched_off_by_environment(monkeypatch):
    monkeypatch.setenv(api.NO_PREFILTER_ENV, "1")
    assert api.make_job(Settings(), rulebook.load_builtin()).prefilter is False
    monkeypatch.setenv(api.NO_PREFILTER_ENV, "0")
    assert api.make_job(Settings(), rulebook.load_builtin()).prefilter is True


_PROBE = """
import sys
from mlgreenlint.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("IMPORTED", " ".join(sorted(m for m in ("libcst", "jsonschema", "yaml") if m in sys.modules)))
"""


def _imported(tmp_path: Path, *args: str) -> set[str]:
    env = {k: v for k, v in os.environ.items() if k != api.NO_PREFILTER_ENV}
    proc = subprocess.run([sys.executable, "-c", _PROBE, *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=True)
    line = next(line for line in proc.stdout.splitlines() if line.startswith("IMPORTED"))
    return set(line.split()[1:])


def test_a_file_no_rule_can_match_is_linted_without_libcst_or_jsonschema(tmp_path):
    (tmp_path / "util.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.mlgreenlint]\nselect = ["MP"]\nexclude = ["build"]\n')
    assert _imported(tmp_path, "check", "util.py", "--no-cache") == set()


def test_a_file_that_may_match_imports_libcst_but_not_jsonschema(tmp_path):
    (tmp_path / "train.py").write_text("from transformers import TrainingArguments\n"
                                       "args = TrainingArguments(output_dir='out')\n", encoding="utf-8")
    assert _imported(tmp_path, "check", "train.py", "--no-cache") == {"libcst"}


def test_a_file_that_names_an_api_without_calling_it_is_screened_without_libcst(tmp_path):
    """The token is there (an import, a docstring), but no call can match: the `ast` screen decides."""
    (tmp_path / "train.py").write_text('"""Build TrainingArguments(output_dir=...) and call trainer.train()."""\n'
                                       "from transformers import TrainingArguments\n", encoding="utf-8")
    assert _imported(tmp_path, "check", "train.py", "--no-cache") == set()


def test_an_invalid_configuration_still_gets_the_jsonschema_message(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.mlgreenlint]\nselect = ["m-p"]\n')
    proc = subprocess.run([sys.executable, "-m", "mlgreenlint", "check", "--no-cache", "."], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "tool.mlgreenlint.select.0" in proc.stderr and "does not match" in proc.stderr


def test_a_deepspeed_config_alone_is_linted_without_libcst(tmp_path):
    (tmp_path / "ds_config.json").write_text('{"train_micro_batch_size_per_gpu": 8, "fp16": {"enabled": false}}\n',
                                             encoding="utf-8")
    assert "libcst" not in _imported(tmp_path, "check", "ds_config.json", "--no-cache")


# Module-level code that trains through a repository helper, with no `__main__` block ---------------
LOOP = """
def run(model, optimizer, loader):
    for batch in loader:
        model(batch).backward()
        optimizer.step()
"""


def _lint_repo(root: Path, prefilter: bool, *paths: str):
    job = _all_rules_job(prefilter)
    return _dicts(api.lint_paths([root / p for p in paths], Settings(root=root), cwd=root, job=job, jobs=1).findings)


@pytest.mark.parametrize("caller", [
    "from pkg.loop import run\n\nrun(model, optimizer, loader)\n",
    "from pkg import loop\n\nloop.run(model, optimizer, loader)\n",
    "import pkg.loop as training\n\nresult = training.run(model, optimizer, loader)\n",
    "from .loop import run\n\nrun(model, optimizer, loader)\n",
])
def test_module_level_training_through_a_repository_helper_is_judged_with_the_prefilter(tmp_path, caller):
    from repo_helpers import write_repo

    root = write_repo(tmp_path, {"pkg/__init__.py": "", "pkg/loop.py": LOOP, "pkg/go.py": caller})
    with_prefilter = _lint_repo(root, True, "pkg/go.py")
    assert with_prefilter == _lint_repo(root, False, "pkg/go.py")
    assert "ET001" in {f["rule"] for f in with_prefilter}


@pytest.mark.parametrize("text", [
    "from pkg.loop import run\n\n\ndef later():\n    run(model, optimizer, loader)\n",  # nothing runs at import
    "from torch import manual_seed\n\nmanual_seed(0)\n",  # not a repository module
])
def test_library_modules_without_module_level_repository_calls_skip_the_script_rules(tmp_path, text):
    from repo_helpers import write_repo

    root = write_repo(tmp_path, {"pkg/__init__.py": "", "pkg/loop.py": LOOP, "pkg/lib.py": text})
    job = _all_rules_job(True)
    api.prepare(job, Settings(root=root), root, root, [])
    assert "ET001" not in {a.id for a in driver.python_rules("pkg/lib.py", text, job)}
