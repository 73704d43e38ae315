"""The pre-commit hooks, through the real `pre-commit`: manifest, try-repo on a finding and on clean code.

`try-repo` installs this checkout with pip into a fresh environment, which needs PyPI
for the dependencies and takes tens of seconds per run. pre-commit's try-repo keeps its
store in a temporary folder of its own, so each run builds the environment anew;
PRE_COMMIT_HOME is still pointed at a session folder so nothing lands in ~/.cache.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FINDING = 'from transformers import TrainingArguments\nargs = TrainingArguments(output_dir="o", save_total_limit=2)\n'
CLEAN = 'from transformers import TrainingArguments\nargs = TrainingArguments(output_dir="o", bf16=True, save_total_limit=2)\n'
SKIPPED_PARTS = {"__pycache__", ".pytest_cache", ".hypothesis", ".mlgreenlint_cache"}


def _pre_commit() -> str | None:
    beside = Path(sys.executable).with_name("pre-commit")
    return str(beside) if beside.is_file() else shutil.which("pre-commit")


PRE_COMMIT = _pre_commit()
pytestmark = pytest.mark.skipif(
    PRE_COMMIT is None, reason="the `pre-commit` executable is missing: pip install -e '.[test]' provides it"
)


@pytest.fixture(scope="session")
def env(tmp_path_factory) -> dict[str, str]:
    """Isolated git identity and configuration, and a session PRE_COMMIT_HOME."""
    home = tmp_path_factory.mktemp("pre-commit-home")
    gitconfig = home / "gitconfig"
    gitconfig.write_text("[user]\n\tname = test\n\temail = test@example.invalid\n[init]\n\tdefaultBranch = main\n")
    values = dict(os.environ, GIT_CONFIG_GLOBAL=str(gitconfig), GIT_CONFIG_NOSYSTEM="1",
                  PRE_COMMIT_HOME=str(home / "cache"), PRE_COMMIT_COLOR="never", NO_COLOR="1")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "PRE_COMMIT"):
        values.pop(name, None)
    return values


def run(args: list[str], cwd: Path, env: dict[str, str], timeout: int = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _working_tree_files() -> list[Path]:
    """Tracked and untracked, not ignored files of the checkout as they are on disk now."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True)
    if listed.returncode == 0:
        names = [Path(n) for n in listed.stdout.decode("utf-8", "surrogateescape").split("\0") if n]
    else:  # an unpacked sdist: no git metadata
        names = [p.relative_to(ROOT) for p in ROOT.rglob("*") if p.is_file()]
    return sorted(n for n in names if (ROOT / n).is_file() and not SKIPPED_PARTS & set(n.parts))


@pytest.fixture(scope="session")
def checkout(tmp_path_factory, env) -> Path:
    """One commit holding the checkout's working tree, uncommitted and untracked edits included.

    try-repo on the checkout itself would use its HEAD plus tracked edits only, so a
    hook file or module not yet added to git would be missing.
    """
    snapshot = tmp_path_factory.mktemp("checkout") / "mlgreenlint"
    for name in _working_tree_files():
        (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, snapshot / name)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "working tree"]):
        subprocess.run(["git", *args], cwd=snapshot, env=env, check=True, capture_output=True)
    return snapshot


def project(path: Path, env: dict[str, str], files: dict[str, str]) -> Path:
    path.mkdir()
    for name, text in files.items():
        (path / name).write_text(text, encoding="utf-8")
    run(["git", "init", "-q"], path, env).check_returncode()
    run(["git", "add", "-A"], path, env).check_returncode()
    return path


def try_repo(cwd: Path, checkout: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run([PRE_COMMIT, "try-repo", str(checkout), "mlgreenlint", "--all-files", "--verbose"], cwd, env,
               timeout=900)


def hook_duration(output: str) -> float:
    match = re.search(r"- duration: ([0-9.]+)s", output)
    assert match, output
    return float(match[1])


def test_manifest_validates(env):
    result = run([PRE_COMMIT, "validate-manifest", ".pre-commit-hooks.yaml"], ROOT, env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_documented_config_validates(env, tmp_path):
    usage = (ROOT / "docs" / "usage.md").read_text("utf-8")
    blocks = re.findall(r"```yaml\n# \.pre-commit-config\.yaml\n(.*?)```", usage, re.S)
    assert blocks, "docs/usage.md shows a .pre-commit-config.yaml snippet"
    for n, block in enumerate(blocks):
        config = tmp_path / f"config-{n}.yaml"
        config.write_text(block, encoding="utf-8")
        result = run([PRE_COMMIT, "validate-config", str(config)], tmp_path, env)
        assert result.returncode == 0, result.stdout + result.stderr


def test_hook_fails_on_a_finding(tmp_path, checkout, env):
    repo = project(tmp_path / "repo", env, {"train.py": FINDING, "notes.md": "not linted\n"})
    result = try_repo(repo, checkout, env)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "train.py:2:8: MP002 [warning]" in output
    assert "(1 checked)" in output  # only the file pre-commit passed
    assert hook_duration(output) < 10, output


def test_hook_passes_on_clean_code(tmp_path, checkout, env):
    repo = project(tmp_path / "repo", env, {"train.py": CLEAN})
    result = try_repo(repo, checkout, env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert re.search(r"^mlgreenlint\.+Passed$", output, re.M), output
