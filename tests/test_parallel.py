"""Parallel parsing: the same findings in the same order with one worker or several."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mlgreenlint import api, batch, cli
from mlgreenlint.settings import Settings

HEAVY = '''from transformers import TrainingArguments

{pad}
args = TrainingArguments(output_dir="out{i}")
'''
MP001 = '''import torch

model = Net().cuda()
for x, y in loader:
    loss = loss_fn(model(x.cuda()), y.cuda())
    loss.backward()
    opt.step()
'''


@pytest.fixture
def tree(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(api.NO_PREFILTER_ENV, raising=False)
    for i in range(6):
        pad = "\n".join(f"x{j} = {j}" for j in range(i * 60))  # sizes differ: largest go first
        (tmp_path / "pkg" / f"m{i:02d}").mkdir(parents=True)
        (tmp_path / "pkg" / f"m{i:02d}" / "train.py").write_text(HEAVY.format(pad=pad, i=i), encoding="utf-8")
        (tmp_path / "pkg" / f"m{i:02d}" / "loop.py").write_text(MP001, encoding="utf-8")
        (tmp_path / "pkg" / f"m{i:02d}" / "util.py").write_text("def f():\n    return 1\n", encoding="utf-8")
    (tmp_path / "pkg" / "broken.py").write_text("def train(:\n    loss.backward()\n", encoding="utf-8")
    return tmp_path


def _check(*args: str) -> str:
    result = CliRunner().invoke(cli.main, ["check", "pkg", "--no-cache", "--format", "json", *args])
    assert result.exit_code == 1, result.output
    return result.output


def test_one_and_two_workers_report_the_same_findings_in_the_same_order(tree):
    serial = _check("--jobs", "1")
    assert '"rule": "MP002"' in serial and '"rule": "MP001"' in serial and '"rule": "GL001"' in serial
    assert _check("--jobs", "2") == serial
    assert _check("--jobs", "2") == serial
    assert _check("--jobs", "3") == serial


def test_a_pool_is_used_only_for_more_than_a_handful_of_files(tree, monkeypatch):
    pools: list[int] = []
    real = batch.ProcessPoolExecutor

    def spy(workers, **kwargs):
        pools.append(workers)
        return real(workers, **kwargs)

    monkeypatch.setattr(batch, "ProcessPoolExecutor", spy)
    settings = Settings(root=tree)
    many = api.lint_paths([Path("pkg")], settings, jobs=2).findings
    assert pools == [2]
    few = api.lint_paths([Path("pkg/m01"), Path("pkg/m02")], settings, jobs=2).findings
    assert pools == [2]  # four files to parse: serial
    assert [f for f in many if f.path.startswith(("pkg/m01/", "pkg/m02/"))] == few


def test_without_fork_the_run_is_serial_and_identical(tree, monkeypatch):
    expected = api.lint_paths([Path("pkg")], Settings(root=tree), jobs=2).findings
    monkeypatch.setattr(batch, "can_fork", lambda: False)
    monkeypatch.setattr(batch, "ProcessPoolExecutor", None)  # would fail if used
    assert api.lint_paths([Path("pkg")], Settings(root=tree), jobs=2).findings == expected


def test_results_follow_target_order(tree):
    from mlgreenlint.discovery import iter_targets

    settings = Settings(root=tree)
    job = api.make_job(settings, api.load_rules(settings))
    targets = iter_targets([Path("pkg")], excludes=settings.exclude, cwd=tree, notes=[])
    results = batch.lint_targets(targets, batch.Context(job, settings.max_file_size), jobs=2)
    assert [r.path for r in results] == [t.display for t in targets]


def test_jobs_must_be_positive(tree):
    result = CliRunner().invoke(cli.main, ["check", "pkg", "--jobs", "0"])
    assert result.exit_code == 2
