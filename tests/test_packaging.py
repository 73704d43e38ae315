"""The wheel ships the rules: an installed mlgreenlint lists exactly the checkout's rules."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

import mlgreenlint

from mlgreenlint.ruleset import rulebook

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh virtual environment with the wheel built from this checkout."""
    pytest.importorskip("build", reason="the test extra installs build")
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(work), str(ROOT)],
                   check=True, capture_output=True)
    (wheel,) = work.glob("mlgreenlint-*.whl")
    env_dir = work / "venv"
    # Dependencies come from this environment; the wheel itself is installed alone.
    venv.create(env_dir, system_site_packages=True, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True)
    return python, work


def test_installed_package_lists_the_same_rules(installed):
    python, work = installed
    out = subprocess.run([str(python), "-m", "mlgreenlint", "rules", "--format", "json"],
                         cwd=work, check=True, capture_output=True, text=True).stdout
    installed_ids = [r["id"] for r in json.loads(out)]
    assert installed_ids == sorted(r.id for r in rulebook.load_paths([ROOT / "rules"]))
    where = subprocess.run([str(python), "-c", "import mlgreenlint.ruleset.rulebook as r; print(r.builtin_rules_dir())"],
                           cwd=work, check=True, capture_output=True, text=True).stdout
    assert "site-packages" in where


def test_installed_package_finds_a_finding(installed):
    python, work = installed
    (work / "train.py").write_text("from accelerate import Accelerator\nacc = Accelerator(mixed_precision='no')\n")
    proc = subprocess.run([str(python), "-m", "mlgreenlint", "check", "train.py"], cwd=work, capture_output=True, text=True)
    assert proc.returncode == 1 and "train.py:2:19: MP004" in proc.stdout


def test_installed_package_names_the_commit_it_was_built_from(installed):
    from mlgreenlint.buildinfo import git_commit

    python, work = installed
    out = subprocess.run([str(python), "-m", "mlgreenlint", "--version"], cwd=work, check=True,
                         capture_output=True, text=True).stdout
    built_from = git_commit(ROOT) or "unknown"  # a source tree without git records nothing
    assert out == f"mlgreenlint, version {mlgreenlint.__version__} (commit {built_from})\n"
