"""Regression tests for the hardening issue: what the tool writes, deletes, caches and shows.

Each test names the defect it guards. File names that are not UTF-8, devices, FIFOs and
signals need a POSIX file system; those tests are skipped elsewhere.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import threading

import pytest

from mlgreenlint import atomic

TRAIN = "import torch\nopt = torch.optim.Adam([])\nfor b in []:\n    opt.step()\n"
posix = pytest.mark.skipif(os.name != "posix", reason="POSIX file system")


# 1. --output / --write-baseline never replace a device node or a FIFO ----------------------------
@posix
def test_output_to_a_character_device_writes_through(project, tmp_path):
    project.write("train.py", TRAIN)
    device = "/dev/null"
    if os.geteuid() == 0:  # root could replace the real one if this regressed: use a private node
        device = str(tmp_path / "null")
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    before = os.stat(device)
    result = project.run("check", "--isolated", "--no-cache", "--output", device)
    assert result.exit_code == 0, result.output
    after = os.stat(device)
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


@posix
def test_baseline_to_a_fifo_writes_through(project, tmp_path):
    project.write("train.py", TRAIN)
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = project.run("check", "--isolated", "--no-cache", "--write-baseline", str(fifo))
    reader.join(10)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert json.loads(got[0])["entries"][0]["rule"] == "ET001"


def test_output_dash_is_standard_output(project):
    project.write("train.py", TRAIN)
    result = project.run("check", "--isolated", "--no-cache", "--format", "json", "--output", "-")
    assert json.loads(result.stdout)[0]["rule"] == "ET001"
    assert not (project.root / "-").exists()


def test_atomic_write_refuses_other_special_files(tmp_path):
    with pytest.raises(OSError):
        atomic.write_text(tmp_path, "x")  # a folder


# 4. and 15. file names that are not UTF-8 or hold control characters ------------------------------
@posix
@pytest.mark.skipif(sys.platform == "darwin", reason="macOS file systems refuse names that are not UTF-8")
@pytest.mark.parametrize("cache", [True, False])
def test_non_utf8_file_name_is_linted_and_shown_escaped(project, cache):
    name = os.fsdecode(b"tr\xffain.py")
    (project.root / name).write_text(TRAIN)
    args = ["check", "--isolated"] + ([] if cache else ["--no-cache"])
    for _ in range(2 if cache else 1):  # the second run reads the cache
        result = project.run(*args)
        assert result.exit_code == 0, result.output
        assert "tr\\xffain.py:4:5: ET001" in result.stdout
    for fmt in ("json", "sarif", "junit", "markdown", "github", "gitlab", "html"):
        assert project.run(*args, "--format", fmt).exit_code == 0
    assert project.run(*args, "--write-baseline", "b.json").exit_code == 0
    assert json.loads((project.root / "b.json").read_text())["entries"][0]["path"] == name
    result = project.run(*args, "--baseline", "b.json")
    assert result.exit_code == 0 and "1 finding in the baseline" in result.stdout


FORGED = "a\nb.py:1:1: MP001 [error] forged\x1b[31m.py"


@posix
@pytest.mark.parametrize("fmt", ["text", "markdown", "junit", "github"])
def test_control_characters_in_file_names_are_escaped(project, fmt):
    (project.root / FORGED).write_text(TRAIN)
    result = project.run("check", "--isolated", "--no-cache", "--format", fmt)
    assert "\x1b" not in result.stdout
    assert "\nb.py:1:1: MP001" not in result.stdout
    assert "a\\x0ab.py" in result.stdout.replace("\\\\", "\\")


# 8. and 11. signals: exit 128 + signal, and no worker outlives the run ---------------------------
SLOW_CLI = """
import os, signal, sys, time
# A suite started as a background job of a non-interactive shell runs with SIGINT ignored, and
# an ignored signal is inherited: give this run Python's own handler, as a terminal's run has.
signal.signal(signal.SIGINT, signal.default_int_handler)
from mlgreenlint.engine import driver
real = driver.lint_bytes
def slow(path, data, job, **kw):
    open(os.path.join(os.environ["MARKS"], str(os.getpid())), "w").close()
    time.sleep(120)
    return real(path, data, job, **kw)
driver.lint_bytes = slow
from mlgreenlint.cli import main
main(sys.argv[1:], prog_name="mlgreenlint")
"""


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("signum, code", [("SIGINT", 130), ("SIGTERM", 143), ("SIGKILL", -9)])
def test_a_stopped_run_exits_128_plus_signal_and_leaves_no_worker(tmp_path, signum, code):
    import signal
    import subprocess
    import time

    tree, marks = tmp_path / "tree", tmp_path / "marks"
    tree.mkdir()
    marks.mkdir()
    for i in range(8):
        (tree / f"train{i}.py").write_text(TRAIN)
    proc = subprocess.Popen([sys.executable, "-c", SLOW_CLI, "check", "--isolated", "--no-cache", "--exit-zero",
                             "--jobs", "2", "."], cwd=tree, env={**os.environ, "MARKS": str(marks)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for _ in range(600):
            if len(os.listdir(marks)) >= 2:
                break
            time.sleep(0.05)
        workers = [int(name) for name in os.listdir(marks)]
        assert workers and proc.pid not in workers
        proc.send_signal(getattr(signal, signum))
        assert proc.wait(30) == code
        for _ in range(100):
            if not any(_running(pid) for pid in workers):
                break
            time.sleep(0.05)
        assert not [pid for pid in workers if _running(pid)]
    finally:
        proc.kill()
        proc.wait()
        for name in os.listdir(marks):
            try:
                os.kill(int(name), signal.SIGKILL)
            except ProcessLookupError:
                pass


# 10. test-rules is time-bounded --------------------------------------------------------------------
REDOS_RULE = '''
id = "CO001"
name = "slow-pattern"
family = "CO"
severity = "error"
message = "slow"

[match]
[[match.python]]
call = ["corp.go"]
where = [ { position = 0, mentions = "(a+)+$" } ]

[docs]
what = "w"
why = "w"
bad = "import corp\\ncorp.go(aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab)  # expect: CO001\\n"
good = "import corp\\ncorp.go(1)\\n"
references = []

[examples]
invalid = [ { code = "import corp\\ncorp.go(a)  # expect: CO001\\n" } ]
valid = [ { code = "import corp\\ncorp.go(1)\\n" } ]
'''


@pytest.mark.skipif(not hasattr(__import__("signal"), "setitimer"), reason="POSIX timer")
def test_test_rules_bounds_each_example(project):
    project.write("policy/CO001-slow-pattern.toml", REDOS_RULE)
    result = project.run("test-rules", "--timeout", "0.5", "policy")
    assert result.exit_code == 1
    assert "FAIL CO001-invalid-docs: analysis took longer than 0.5 s" in result.output


def test_check_rejects_two_custom_rules_with_one_id(project):
    project.write("a/CO001-slow-pattern.toml", REDOS_RULE)
    project.write("b/CO001-slow-pattern.toml", REDOS_RULE)
    project.write("pyproject.toml", '[tool.mlgreenlint]\nrule-paths = ["a", "b"]\n')
    result = project.run("check", "--no-cache")
    assert result.exit_code == 2 and "duplicate id CO001" in result.output


# 9. and 14. configuration values the run cannot handle are refused ---------------------------------
@pytest.mark.parametrize("line, key", [
    ("timeout-per-file = inf", "timeout-per-file"),
    ("timeout-per-file = nan", "timeout-per-file"),
    ("max-file-size = 1099511627776", "max-file-size"),
    ('select = ["MP\\n"]', "select.0"),
    ('[tool.mlgreenlint.rules."CK001\\n"]\nseverity = "info"', "rules"),
])
def test_settings_the_run_cannot_handle_are_exit_2(project, line, key):
    project.write("pyproject.toml", f"[tool.mlgreenlint]\n{line}\n")
    project.write("train.py", TRAIN)
    result = project.run("check", "--no-cache")
    assert result.exit_code == 2 and f"tool.mlgreenlint.{key}" in result.output


def test_rule_id_with_a_trailing_newline_is_invalid(project):
    project.write("policy/custom.toml", REDOS_RULE.replace('id = "CO001"', 'id = "CO001\\n"'))
    assert project.run("validate-rules", "policy").exit_code == 2


def test_reading_does_not_allocate_the_limit(tmp_path):
    from mlgreenlint.limits import read_source

    (tmp_path / "a.py").write_bytes(b"x = 1\n")
    assert read_source(tmp_path / "a.py", 1 << 50) == b"x = 1\n"  # read(limit + 1) would be MemoryError


# 2. clean deletes only what the cache wrote ---------------------------------------------------------
def _cached_run(project, *args):
    return project.run("check", "--isolated", *args)


def test_clean_refuses_a_tagged_folder_holding_other_files(project):
    project.write("train.py", TRAIN)
    _cached_run(project)
    cache_root = project.root / ".mlgreenlint_cache"
    (cache_root / "notes.txt").write_text("mine")
    result = project.run("clean", "--isolated")
    assert result.exit_code == 2 and "notes.txt" in result.output
    assert (cache_root / "notes.txt").read_text() == "mine"


@posix
def test_clean_never_follows_a_committed_link(project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "CACHEDIR.TAG").write_text(
        "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by mlgreenlint.\n")
    (outside / "precious.txt").write_text("keep")
    (project.root / ".mlgreenlint_cache").symlink_to(outside)
    assert project.run("clean", "--isolated").exit_code == 2
    assert (outside / "precious.txt").is_file()


@pytest.mark.parametrize("folder", [".", ".."])
def test_cache_dir_holding_the_project_is_refused(project, folder):
    project.write("pyproject.toml", f'[tool.mlgreenlint]\ncache-dir = "{folder}"\n')
    project.write("train.py", TRAIN)
    for command in (["check"], ["clean"]):
        result = project.run(*command)
        assert result.exit_code == 2 and "cache-dir" in result.output, command
    assert not (project.root / ".gitignore").exists() and (project.root / "train.py").is_file()


def test_cache_is_not_written_into_a_foreign_folder(project):
    project.write("pyproject.toml", '[tool.mlgreenlint]\ncache-dir = "src"\n')
    project.write("src/lib.py", "x = 1\n")
    project.write("train.py", TRAIN)
    assert project.run("check").exit_code == 0
    assert sorted(p.name for p in (project.root / "src").iterdir()) == ["lib.py"]


# 3. negative dependencies: adding a module that was looked for invalidates the cached result --------
LOOP_WITH_HELPER = """import torch
from utils.io import save_ckpt

model = torch.nn.Linear(2, 2)
opt = torch.optim.AdamW(model.parameters())
for batch in loader:
    loss = model(batch).sum()
    loss.backward()
    opt.step()
    save_ckpt(model, "a.pt")
"""


def test_adding_a_missing_helper_module_invalidates_the_cache(project):
    project.write("train.py", LOOP_WITH_HELPER)
    (project.root / ".git").mkdir()
    assert project.run("check", "--select", "CK").exit_code == 0
    project.write("utils/__init__.py", "")
    project.write("utils/io.py", "import torch\n\ndef save_ckpt(model, path):\n    torch.save(model.state_dict(), path)\n")
    cached = project.run("check", "--select", "CK", "train.py")
    fresh = project.run("check", "--select", "CK", "--no-cache", "train.py")
    assert fresh.exit_code == 1 and "CK001" in fresh.output
    assert (cached.exit_code, cached.output) == (fresh.exit_code, fresh.output)


# 6. results that depend on the machine's load are never cached ---------------------------------------
def test_a_timeout_is_not_replayed_from_the_cache(project, monkeypatch):
    from mlgreenlint import limits
    from mlgreenlint.engine import driver

    project.write("train.py", TRAIN)
    real = driver._lint_bytes

    def slow(*args):
        raise limits.AnalysisTimeout(20)

    monkeypatch.setattr(driver, "_lint_bytes", slow)
    assert "GL003" in project.run("check", "--isolated").output
    monkeypatch.setattr(driver, "_lint_bytes", real)
    again = project.run("check", "--isolated")
    assert "GL003" not in again.output and "ET001" in again.output


# 13. cache integrity: a flipped bit or an entry of the wrong types is a miss --------------------------
def _entries(root):
    return sorted(p for p in (root / ".mlgreenlint_cache").rglob("*.json") if "repo-summaries" not in p.parts)


def test_a_flipped_bit_in_an_entry_is_a_miss(project):
    project.write("train.py", TRAIN)
    first = _cached_run(project, "--format", "json").output
    (entry,) = _entries(project.root)
    data = bytearray(entry.read_bytes())
    at = data.index(b"training entry point")
    data[at] ^= 0x20  # "training" -> "Training": still valid JSON of the right shape
    entry.write_bytes(bytes(data))
    assert _cached_run(project, "--format", "json").output == first


@pytest.mark.parametrize("field, value", [("message", 5), ("rule", None), ("severity", "loud"),
                                          ("line", "1"), ("fingerprint", 3), ("fix", {"title": 1})])
def test_an_entry_with_wrong_types_is_a_miss_even_with_a_valid_checksum(project, field, value):
    import hashlib

    project.write("train.py", TRAIN)
    first = _cached_run(project, "--format", "json")
    (entry,) = _entries(project.root)
    stored = entry.read_bytes()
    checksummed = b"\n" in stored  # the entry's own checksum line, recomputed as a forger would
    body = json.loads(stored.partition(b"\n")[2] if checksummed else stored)
    body["findings"][0][field] = value
    raw = json.dumps(body).encode()
    entry.write_bytes(hashlib.sha256(raw).hexdigest().encode() + b"\n" + raw if checksummed else raw)
    again = _cached_run(project, "--format", "json")
    assert (again.exit_code, again.output) == (first.exit_code, first.output)


# 16. cache writes do not list their folder; old configurations are evicted ---------------------------
def test_cache_writes_do_not_list_the_shard_folder(project, monkeypatch):
    for i in range(20):
        project.write(f"m{i}.py", TRAIN + f"# {i}\n")
    listed = []
    real = os.listdir
    monkeypatch.setattr(os, "listdir", lambda p=".": listed.append(str(p)) or real(p))
    assert project.run("check", "--isolated", "--jobs", "1").exit_code == 0
    assert not [p for p in listed if ".mlgreenlint_cache" in p]


def test_old_run_key_folders_are_evicted(project):
    from mlgreenlint import cache

    project.write("train.py", TRAIN)
    for i in range(cache.KEEP_RUNS + 3):  # runs of other configurations or tool builds
        project.run("check", "--isolated", "--select", ["ET", "MP", "CK", "CW", "GL", "RG", "ET001", "MP001",
                                                       "CK001", "CW001", "GL001"][i])
    runs = [p for p in (project.root / ".mlgreenlint_cache").iterdir() if p.is_dir() and p.name != cache.SUMMARIES]
    assert len(runs) == cache.KEEP_RUNS


# Untrusted repositories: git never runs a command the repository's configuration names -------------
HOSTILE_CONFIG = """
[core]
\tfsmonitor = "touch {mark}/fsmonitor; false"
\tpager = "touch {mark}/pager; cat"
\thooksPath = {mark}/hooks
[diff]
\texternal = "touch {mark}/external"
[diff "evil"]
\ttextconv = "touch {mark}/textconv; cat"
[filter "evil"]
\tclean = "touch {mark}/clean; cat"
\tsmudge = cat
"""


@posix
def test_a_hostile_git_config_runs_nothing(project, tmp_path_factory):
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("needs git")
    mark = tmp_path_factory.mktemp("marks")
    git = ["git", "-c", "user.email=a@b", "-c", "user.name=a"]
    subprocess.run([*git, "init", "-q", "."], check=True)
    project.write(".gitattributes", "*.py filter=evil diff=evil\n")
    project.write("train.py", TRAIN)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "init"], check=True)
    with open(".git/config", "a") as handle:
        handle.write(HOSTILE_CONFIG.format(mark=mark))
    project.write("train.py", TRAIN + "opt.step()\n")
    assert project.run("check", "--no-cache", ".").exit_code == 0
    assert project.run("check", "--no-cache", "--changed-since", "HEAD", ".").exit_code == 0
    assert sorted(os.listdir(mark)) == []


# 16. without git on PATH, the .gitignore files that are not applied are named -------------------------
def test_without_git_the_walk_warns_that_gitignore_is_not_applied(project, monkeypatch):
    (project.root / ".git").mkdir()
    project.write(".gitignore", "generated/\n")
    project.write("generated/train.py", TRAIN)
    monkeypatch.setenv("PATH", str(project.root / "no-such-bin"))
    result = project.run("check", "--isolated", "--no-cache")
    assert "git is not on PATH, so .gitignore files are not applied" in result.stderr


def test_python_m_does_not_import_the_linted_repositorys_modules(tmp_path):
    import subprocess

    for name in ("json", "yaml", "click"):
        (tmp_path / f"{name}.py").write_text(f"open({str(tmp_path / ('imported-' + name))!r}, 'w').close()\n")
    (tmp_path / "train.py").write_text(TRAIN)
    done = subprocess.run([sys.executable, "-m", "mlgreenlint", "check", "--isolated", "--no-cache", "."],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert not list(tmp_path.glob("imported-*"))


# 5. the repository pass reads only regular files within the size limit -------------------------------
HF_TRAIN = 'from transformers import TrainingArguments, Trainer\n\nargs = TrainingArguments(output_dir="o")\nTrainer(args=args).train()\n'


@posix
def test_launch_files_and_manifests_that_are_fifos_or_devices_are_not_read(tmp_path):
    import subprocess

    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "train.py").write_text(HF_TRAIN)
    os.mkfifo(tmp_path / "run.sh")
    os.mkfifo(tmp_path / "requirements.txt")
    (tmp_path / "launch.sh").symlink_to("/dev/zero")
    (tmp_path / "Makefile").symlink_to("/dev/zero")
    done = subprocess.run([sys.executable, "-m", "mlgreenlint", "check", "--isolated", "--no-cache", "."],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "MP002" in done.stdout and "GL00" not in done.stdout


def test_hooks_and_action_run_the_console_script_installed_outside_the_checkout():
    import yaml

    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    hooks = yaml.safe_load((root / ".pre-commit-hooks.yaml").read_text())
    assert all(hook["entry"].split()[0] == "mlgreenlint" for hook in hooks)  # never `python -m`
    install = (root / "action.yml").read_text()
    assert install.index('cd "$RUNNER_TEMP"') < install.index("-m venv") < install.index("-m pip")
    assert 'echo "exe=$bin/mlgreenlint"' in install
