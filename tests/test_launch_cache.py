"""Launch files: listed with git pathspecs, read and hashed once per run, scans stored by content."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections import Counter

import pytest
from gitrepo import git, isolated_git  # noqa: F401 - fixture
from repo_helpers import builtin, found, lint, write_repo

from mlgreenlint.cache import claim
from mlgreenlint.discovery import git_names
from mlgreenlint.repository import files as files_mod
from mlgreenlint.repository import launch as launch_mod
from mlgreenlint.repository.index import DirectoryStore, RepoIndex
from mlgreenlint.repository.launches import _list_launch_files

HF_TRAIN = """
from transformers import HfArgumentParser, Trainer, TrainingArguments

parser = HfArgumentParser(TrainingArguments)
(args,) = parser.parse_args_into_dataclasses()
Trainer(model=model, args=args).train()
"""


def _shape(launches) -> list:
    return [(x.source, x.launcher, x.script, x.wrapper, x.flags, [(c.role, c.path, c.found) for c in x.configs])
            for x in launches]


@pytest.mark.parametrize("mode", ["", "GIT_LITERAL_PATHSPECS", "GIT_ICASE_PATHSPECS", "GIT_NOGLOB_PATHSPECS"])
def test_pathspecs_list_the_launch_files_a_whole_listing_would(tmp_path, monkeypatch, mode):
    names = ["Makefile", "jobs/sub/Makefile", "Dockerfile", "docker/Dockerfile.gpu", "a/b/run.sh", "jobs/x.yaml",
             "ci/train.slurm", "src/train.py", "notes/Makefile.txt", "xMakefile", "a/sh", "README.md", "ignored.sh",
             "tracked/launch.bash"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("python src/train.py\n", encoding="utf-8")
    (tmp_path / ".gitignore").write_text("ignored.sh\n", encoding="utf-8")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "tracked", "Makefile")
    if mode:
        monkeypatch.setenv(mode, "1")  # the user's git environment must not change what is listed
    listed = sorted(_list_launch_files(tmp_path, (), []))
    assert listed == [n for n in git_names(tmp_path) if launch_mod.is_launch_file(n)]
    assert listed == sorted(["Makefile", "jobs/sub/Makefile", "Dockerfile", "docker/Dockerfile.gpu", "a/b/run.sh",
                             "jobs/x.yaml", "ci/train.slurm", "tracked/launch.bash"])


def test_each_repository_file_is_read_once_per_run(tmp_path, monkeypatch):
    files = {f"train_{i}.py": HF_TRAIN for i in range(4)}
    files |= {f"scripts/run_{i}.sh": f"accelerate launch --mixed_precision no train_{i % 4}.py --bf16 false\n"
              for i in range(6)}
    root = write_repo(tmp_path, files)
    reads = Counter()
    real = files_mod.read_source

    def counting(path, limit):
        reads[path.relative_to(root).as_posix()] += 1
        return real(path, limit)

    monkeypatch.setattr(files_mod, "read_source", counting)
    run = lint(root, [builtin("MP002"), builtin("ET001"), builtin("MP004")])
    assert found(run, "MP002") == [(f"train_{i}.py", 3) for i in range(4)]
    launch_reads = {rel: n for rel, n in reads.items() if rel.startswith("scripts/")}
    assert launch_reads == {f"scripts/run_{i}.sh": 1 for i in range(6)}


def _repo(tmp_path, files: dict[str, str]):
    (tmp_path / "repo").mkdir()
    return write_repo(tmp_path / "repo", files)


def _store(tmp_path) -> DirectoryStore:
    return DirectoryStore(tmp_path / "_cache", "repo-summaries", claim)


def test_a_stored_scan_is_reused_while_its_paths_resolve_alike(tmp_path, monkeypatch):
    root = _repo(tmp_path, {"train.py": HF_TRAIN, "run.sh": "python train.py --bf16 false\n"
                                       "python later.py --config_file configs/a.yaml\n"})
    first = RepoIndex.build(root, root, store=_store(tmp_path))
    expected = _shape(first.launches_of("train.py"))
    assert expected and first.launches_of("later.py") == []

    scans = []
    real = launch_mod.scan
    monkeypatch.setattr(launch_mod, "scan", lambda *a: scans.append(a[0]) or real(*a))
    again = RepoIndex.build(root, root, store=_store(tmp_path))
    assert _shape(again.launches_of("train.py")) == expected and scans == []

    (root / "later.py").write_text("print()\n", encoding="utf-8")  # the second command now runs a script
    added = RepoIndex.build(root, root, store=_store(tmp_path))
    later = added.launches_of("later.py")
    assert scans == ["run.sh"] and [x.configs[0].found for x in later] == [False]
    (root / "configs").mkdir()
    (root / "configs" / "a.yaml").write_text("compute_environment: LOCAL_MACHINE\n", encoding="utf-8")
    assert [x.configs[0].found for x in RepoIndex.build(root, root, store=_store(tmp_path)).launches_of("later.py")] \
        == [True]


def _entries(tmp_path):
    return sorted((tmp_path / "_cache" / "repo-summaries").glob("*.json"))


def _with_checksum(body: bytes) -> bytes:
    return hashlib.sha256(body).hexdigest().encode() + b"\n" + body


@pytest.mark.parametrize("damage", [
    lambda raw: raw[:-5],
    lambda raw: raw.replace(b"train.py", b"trains.py"),  # a flipped character: the checksum no longer holds
    lambda raw: _with_checksum(b'{"asked": [], "launches": [{"source": 1}]}'),
    lambda raw: _with_checksum(b'{"asked": [["a", "b"]], "launches": []}'),
    lambda raw: _with_checksum(b'[1, 2]'),
    lambda raw: _with_checksum(json.dumps({"asked": [], "launches": [
        {"source": "run.sh:1", "launcher": "python", "script": "train.py", "wrapper": "", "flags": {"bf16": 1},
         "configs": []}]}).encode()),
    lambda raw: b"\xff\xfe",
])
def test_a_damaged_stored_scan_is_a_miss_and_is_replaced(tmp_path, damage):
    root = _repo(tmp_path, {"train.py": HF_TRAIN, "run.sh": "python train.py --bf16 false\n"})
    expected = _shape(RepoIndex.build(root, root, store=_store(tmp_path)).launches_of("train.py"))
    (entry,) = _entries(tmp_path)
    entry.write_bytes(damage(entry.read_bytes()))
    assert _shape(RepoIndex.build(root, root, store=_store(tmp_path)).launches_of("train.py")) == expected
    assert _shape(RepoIndex.build(root, root, store=_store(tmp_path)).launches_of("train.py")) == expected
    digest, _, body = entry.read_bytes().partition(b"\n")
    assert hashlib.sha256(body).hexdigest().encode() == digest  # rewritten whole


def test_cached_runs_with_damaged_scans_report_what_uncached_runs_do(tmp_path):
    root = write_repo(tmp_path, {"train.py": HF_TRAIN, "run.sh": "python train.py --bf16 false\n",
                                 "pyproject.toml": "[tool.mlgreenlint]\n"})

    def check(*extra: str) -> list:
        proc = subprocess.run([sys.executable, "-m", "mlgreenlint", "check", "train.py", "--format", "json", *extra],
                              cwd=root, capture_output=True, text=True)
        assert proc.returncode in (0, 1), proc.stderr
        return json.loads(proc.stdout)

    reference = check("--no-cache")
    assert reference and check() == reference  # fills the cache
    for entry in (root / ".mlgreenlint_cache" / "repo-summaries").glob("*.json"):
        entry.write_bytes(b"garbage")
    for folder in (root / ".mlgreenlint_cache").iterdir():
        if folder.is_dir() and folder.name != "repo-summaries":
            for shard in folder.glob("*/*.json"):
                shard.unlink()  # per-file results gone: the launch scans are read again
    assert check() == reference and check() == reference
