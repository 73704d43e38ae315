"""Process-level fuzz: the real CLI, in a subprocess, over generated trees.

Trees mix odd file names (spaces, newlines, ESC, non-UTF-8 bytes, a leading dash), links
(inside, outside, looping, to /dev/zero), FIFOs, binary and empty files, configuration
values (valid and not), and damage to the cache between runs. The property: a cached run,
cold or warm and whatever happened to the cache, reports exactly what `--no-cache` reports
with the same exit code, and no run prints a traceback. Bounded in CI (a few examples);
`HYPOTHESIS_PROFILE=long` runs many more (see benchmarks/FUZZ.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.skipif(os.name != "posix" or sys.platform == "darwin",
                                reason="FIFOs and names that are not UTF-8 need a Linux file system")

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
#: Examples per run: 3 in CI, 300 with HYPOTHESIS_PROFILE=long, or MLGREENLINT_PROCESS_FUZZ=N.
EXAMPLES = int(os.environ.get("MLGREENLINT_PROCESS_FUZZ", 300 if LONG else 3))

TRAIN = "import torch\nopt = torch.optim.Adam([])\nfor b in loader:\n    loss = model(b)\n    loss.backward()\n    opt.step()\n"
HF = 'from transformers import TrainingArguments\n\nargs = TrainingArguments(output_dir="o")\n'
CONTENTS = {
    "train": TRAIN.encode(),
    "hf": HF.encode(),
    "clean": b"def add(a, b):\n    return a + b\n",
    "broken": b"def f(:\n",
    "binary": b"\x00\xff\xfe" * 50,
    "latin1": "x = 'caf\xe9'\n".encode("latin-1"),
    "empty": b"",
    "config": b"trainer:\n  precision: 32\n  max_epochs: 3\n",
    "launch": b"python train.py --fp16 false\n",
}
NAMES = st.sampled_from([
    b"train.py", b"a b.py", b"-dash.py", b"new\nline.py", b"esc\x1b[31m.py", b"tr\xffain.py", b"caf\xc3\xa9.py",
    b"pkg/mod.py", b"pkg/__init__.py", b"conf/train.yaml", b"run.sh", b"requirements.txt", b"deep/a/b/c.py",
    b"x.yml", b"t.json", b"s.toml",
])
ENTRY = st.tuples(NAMES, st.sampled_from(sorted(CONTENTS) + ["fifo", "link-inside", "link-outside", "link-loop",
                                                                "link-zero"]))
CONFIG = st.sampled_from([
    "", "select = [\"MP\", \"GL\"]\n", "select = [\"ET\", \"CK\"]\n", "max-file-size = 64\n",
    "extend-exclude = [\"deep\"]\n", "timeout-per-file = 0\n",
    "timeout-per-file = -1\n", "max-file-size = 0\n", "select = [\"MP\\n\"]\n",
])
DAMAGE = st.sampled_from(["none", "flip", "truncate", "garbage", "wrong-types", "delete-shards", "foreign-file"])


def _build(root: Path, entries, config: str) -> None:
    outside = root.parent / "outside.py"
    outside.write_bytes(CONTENTS["train"])
    for raw, kind in entries:
        path = Path(os.fsdecode(root)) / os.fsdecode(raw)
        path.parent.mkdir(parents=True, exist_ok=True)
        if os.path.lexists(path) or path.is_dir():
            continue
        if kind == "fifo":
            os.mkfifo(path)
        elif kind.startswith("link-"):
            target = {"link-inside": root / "inside-target.py", "link-outside": outside,
                      "link-loop": path, "link-zero": Path("/dev/zero")}[kind]
            if kind == "link-inside":
                target.write_bytes(CONTENTS["hf"])
            path.symlink_to(target)
        else:
            path.write_bytes(CONTENTS[kind])
    if config:
        (root / "pyproject.toml").write_text(f"[tool.mlgreenlint]\n{config}")


def _run(root: Path, *extra: str) -> tuple[int, object]:
    done = subprocess.run([sys.executable, "-m", "mlgreenlint", "check", "--format", "json", "--jobs", "2", *extra, "."],
                          cwd=root, capture_output=True, timeout=120)
    stderr = done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    assert done.returncode in (0, 1, 2), stderr
    findings = json.loads(done.stdout) if done.returncode != 2 else stderr.strip()
    return done.returncode, findings


def _damage(cache: Path, how: str, data: bytes) -> None:
    entries = sorted(cache.rglob("*.json")) if cache.is_dir() else []
    if how == "foreign-file" and cache.is_dir():
        (cache / "README").write_text("not the cache's")
    for n, entry in enumerate(entries):
        raw = entry.read_bytes()
        if how == "flip" and raw:
            at = data[n % len(data)] % len(raw) if data else 0
            entry.write_bytes(raw[:at] + bytes([raw[at] ^ 0x04]) + raw[at + 1:])
        elif how == "truncate":
            entry.write_bytes(raw[: len(raw) // 2])
        elif how == "garbage":
            entry.write_bytes(data or b"{}")
        elif how == "wrong-types":
            entry.write_bytes(raw.replace(b'"line":', b'"line":"x","_":'))
        elif how == "delete-shards":
            entry.unlink()


# Each example runs the CLI three times (about a second each): CI runs three examples and
# does not shrink a failure (the printed example reproduces it); the long profile does both.
@settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG, database=None,
          phases=list(Phase) if LONG else [Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(entries=st.lists(ENTRY, min_size=1, max_size=8), config=CONFIG, damage=DAMAGE, data=st.binary(max_size=8))
def test_cached_runs_report_what_no_cache_reports(entries, config, damage, data):
    with tempfile.TemporaryDirectory(prefix="mlgreenlint-pfuzz-") as folder:
        root = Path(folder) / "repo"
        root.mkdir()
        _build(root, entries, config)
        expected = _run(root, "--no-cache")
        assert _run(root) == expected  # cold: fills the cache
        _damage(root / ".mlgreenlint_cache", damage, data)
        assert _run(root) == expected  # warm, after the damage
        if expected[0] == 2:
            assert not (root / ".gitignore").exists()  # a refused run wrote nothing into the project
