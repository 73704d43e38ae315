"""The result cache: hits, misses on every input that matters, corruption, concurrency, clean."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlgreenlint import api, cache, cli
from mlgreenlint.engine import driver
from mlgreenlint.model import FileResult
from mlgreenlint.ruleset import rulebook
from mlgreenlint.settings import Settings

BAD = 'from transformers import TrainingArguments\n\nargs = TrainingArguments(output_dir="out")\n'
CLEAN = "def add(a, b):\n    return a + b\n"


@pytest.fixture
def tree(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(api.NO_PREFILTER_ENV, raising=False)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text(BAD, encoding="utf-8")
    (tmp_path / "src" / "util.py").write_text(CLEAN, encoding="utf-8")
    return tmp_path


@pytest.fixture
def linted(monkeypatch) -> list[str]:
    """Paths the engine actually linted (cache misses), in this process."""
    seen: list[str] = []
    real = driver.lint_bytes

    def spy(path, data, job, **kwargs):
        seen.append(path)
        return real(path, data, job, **kwargs)

    monkeypatch.setattr(driver, "lint_bytes", spy)
    return seen


def run(tree: Path, **overrides) -> list[dict]:
    settings = Settings(root=tree, select=("MP", "GL")).with_overrides(**overrides)
    return [f.to_dict() for f in api.lint_paths([Path("src")], settings, cache=True, jobs=1).findings]


def test_second_run_is_served_from_the_cache_with_the_same_findings(tree, linted):
    first = run(tree)
    assert sorted(linted) == ["src/train.py", "src/util.py"]
    assert first and first[0]["rule"] == "MP002"
    linted.clear()
    assert run(tree) == first
    assert linted == []  # files with findings are cached too


def test_changed_content_is_a_miss(tree, linted):
    run(tree)
    linted.clear()
    (tree / "src" / "util.py").write_text(CLEAN + "\nx = 1\n", encoding="utf-8")
    run(tree)
    assert linted == ["src/util.py"]


def test_changed_rules_severities_and_selection_are_misses(tree, linted):
    run(tree)
    for overrides in ({"rules": {"MP002": {"severity": "error"}}}, {"select": ("MP001",)}, {"ignore": ("GL",)}):
        linted.clear()
        findings = run(tree, **overrides)
        assert sorted(linted) == ["src/train.py", "src/util.py"], overrides
        if "rules" in overrides:
            assert findings[0]["severity"] == "error"


def test_run_key_covers_options_rule_content_version_and_pins(monkeypatch):
    job = api.make_job(Settings(), rulebook.load_builtin())
    base = cache.run_key(job)
    assert cache.run_key(job) == base
    first = job.rules[0]
    with_option = dataclasses.replace(first, options={**first.options, "limit": 3})
    assert cache.run_key(dataclasses.replace(job, rules=[with_option, *job.rules[1:]])) != base
    edited = dataclasses.replace(first, rule=dataclasses.replace(first.rule, tokens=("other",)))
    assert cache.run_key(dataclasses.replace(job, rules=[edited, *job.rules[1:]])) != base
    assert cache.run_key(dataclasses.replace(job, per_file_ignores={"a.py": ("MP",)})) != base
    assert cache.run_key(dataclasses.replace(job, prefilter=False)) != base
    from mlgreenlint.versions import Pin, Versions

    pinned = Versions({"trl": Pin("trl", "0.18.0", "requirements.txt:1")})
    assert cache.run_key(dataclasses.replace(job, versions=pinned)) != base
    monkeypatch.setattr(cache, "__version__", "999.0")
    assert cache.run_key(job) != base


def test_tool_version_change_is_a_miss(tree, linted, monkeypatch):
    run(tree)
    linted.clear()
    monkeypatch.setattr(cache, "__version__", "999.0")
    run(tree)
    assert sorted(linted) == ["src/train.py", "src/util.py"]


def _entries(root: Path) -> list[Path]:
    """Per-file results (module summaries and launch scans are the repository pass's own store)."""
    return sorted(p for p in root.rglob("*.json") if cache.SUMMARIES not in p.parts)


def test_corrupted_entries_are_misses_and_are_repaired(tree, linted):
    first = run(tree)
    entries = _entries(tree / cache.DIR_NAME)
    assert len(entries) == 2
    garbage = [b"", b"{not json", b'{"format": 1}', b"[1, 2]", b'\xff\xfe',
               b'{"format":1,"path":"src/train.py","notes":[],"findings":[{"rule":"MP002"}]}']
    for junk in garbage:
        for entry in entries:
            entry.write_bytes(junk)
        linted.clear()
        assert run(tree) == first
        assert sorted(linted) == ["src/train.py", "src/util.py"], junk
    linted.clear()
    assert run(tree) == first
    assert linted == []  # repaired


def test_unreadable_cache_dir_costs_speed_not_the_run(tree, linted):
    (tree / "blocked").write_text("a file where the cache folder should be")
    settings = Settings(root=tree, cache_dir=tree / "blocked", select=("MP",))
    findings = api.lint_paths([Path("src")], settings, cache=True, jobs=1).findings
    assert [f.rule for f in findings] == ["MP002"]


def test_entries_are_keyed_by_path_too(tmp_path):
    store = cache.Cache(tmp_path / "c", "k" * 64)
    store.put("a.py", b"x = 1\n", FileResult("a.py", notes=["a note"]))
    assert store.get("a.py", b"x = 1\n").notes == ["a note"]
    assert store.get("b.py", b"x = 1\n") is None
    assert store.get("a.py", b"x = 2\n") is None
    assert (tmp_path / "c" / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (tmp_path / "c" / ".gitignore").read_text().splitlines()[-1] == "*"


def test_no_cache_neither_reads_nor_writes(tree):
    result = CliRunner().invoke(cli.main, ["check", "src", "--no-cache"])
    assert result.exit_code == 1, result.output
    assert not (tree / cache.DIR_NAME).exists()
    result = CliRunner().invoke(cli.main, ["check", "src"])
    assert result.exit_code == 1
    assert (tree / cache.DIR_NAME / "CACHEDIR.TAG").is_file()


def test_clean_removes_the_cache_and_refuses_other_folders(tree):
    runner = CliRunner()
    runner.invoke(cli.main, ["check", "src"])
    assert (tree / cache.DIR_NAME).is_dir()
    result = runner.invoke(cli.main, ["clean"])
    assert result.exit_code == 0, result.output
    assert not (tree / cache.DIR_NAME).exists()
    assert "No cache" in runner.invoke(cli.main, ["clean"]).output
    (tree / "pyproject.toml").write_text('[tool.mlgreenlint]\ncache-dir = "src"\n')
    result = runner.invoke(cli.main, ["clean"])
    assert result.exit_code == 2
    assert "not removing" in result.output
    assert (tree / "src" / "train.py").is_file()


def test_concurrent_runs_share_one_cache(tree):
    for i in range(30):
        (tree / "src" / f"mod{i:02d}.py").write_text(BAD if i % 3 == 0 else CLEAN + f"# {i}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != api.NO_PREFILTER_ENV}
    cmd = [sys.executable, "-m", "mlgreenlint", "check", "src", "--format", "json", "--jobs", "2"]
    procs = [subprocess.Popen(cmd, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [1, 1, 1], [o[1] for o in outputs]
    assert outputs[0][0] == outputs[1][0] == outputs[2][0]
    uncached = subprocess.run([*cmd, "--no-cache"], cwd=tree, env=env, capture_output=True)
    assert uncached.stdout == outputs[0][0]
    assert len(_entries(tree / cache.DIR_NAME)) == 32
    assert not list((tree / cache.DIR_NAME).rglob("*.tmp"))
