#!/usr/bin/env python3
"""One file as pre-commit lints it, in repositories with more and more launch files (issue 20 item 19).

    python benchmarks/large_repo.py [--rounds 5] [--sizes 10,161,343] [--output benchmarks/LARGE-REPO.md]

Generates git repositories in benchmarks/.cache/large-repo-<N>/ with N launch files (shell
scripts, Makefiles, job YAMLs; most launch a training script with flags and configs), 60
HfArgumentParser training scripts and their configs, all committed. Then times, in
alternating rounds, `mlgreenlint check train_0.py` in each: cold (`--no-cache`), warm (the
cache holds the result), and edited (the file's content changed since the last run, as for a
commit: its own result is a miss, what the cache knows about the repository is not).
Reports medians, minima and maxima of whole-process wall and CPU time, and the load average.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
SCRIPTS = 60
TRAIN = """from dataclasses import dataclass

from transformers import HfArgumentParser, Trainer, TrainingArguments


@dataclass
class ModelArguments:
    model_name: str = "gpt2"


parser = HfArgumentParser((ModelArguments, TrainingArguments))
model_args, training_args = parser.parse_args_into_dataclasses()
Trainer(model=None, args=training_args).train()
"""
LAUNCHES = [
    "#!/bin/bash\nset -e\nMODEL=gpt2\naccelerate launch --config_file configs/accelerate_{k}.yaml train_{k}.py \\\n"
    "  --model_name $MODEL --output_dir out/{i} --bf16\n",
    "#!/bin/bash\ntorchrun --nproc_per_node 8 train_{k}.py --output_dir out/{i} --fp16 true --report_to none\n",
    "#!/bin/bash\n# sweep {i}\nfor lr in 1e-4 3e-4; do\n  python train_{k}.py --learning_rate $lr --output_dir out/{i}\ndone\n",
    "#!/bin/bash\ndeepspeed train_{k}.py --deepspeed configs/ds_{k}.json --output_dir out/{i}\n",
]


def build(size: int) -> Path:
    root = CACHE / f"large-repo-{size}"
    marker = root / ".built"
    if marker.is_file() and marker.read_text() == f"{size}\n":
        return root
    shutil.rmtree(root, ignore_errors=True)
    (root / "configs").mkdir(parents=True)
    (root / "jobs").mkdir()
    for k in range(SCRIPTS):
        (root / f"train_{k}.py").write_text(TRAIN, encoding="utf-8")
        (root / "configs" / f"accelerate_{k}.yaml").write_text(
            "compute_environment: LOCAL_MACHINE\ndistributed_type: MULTI_GPU\nmixed_precision: bf16\n"
            "num_processes: 8\n", encoding="utf-8")
        (root / "configs" / f"ds_{k}.json").write_text('{"train_micro_batch_size_per_gpu": 8, "bf16": {"enabled": true}}\n',
                                                       encoding="utf-8")
    for i in range(size):
        k = i % SCRIPTS
        if i % 10 == 9:
            (root / "jobs" / f"job_{i}.yaml").write_text(
                f"name: job-{i}\nresources:\n  accelerators: A100:8\nrun: |\n  python train_{k}.py --bf16 true\n",
                encoding="utf-8")
        elif i % 10 == 8:
            (root / "jobs" / f"sub_{i}").mkdir()
            (root / "jobs" / f"sub_{i}" / "Makefile").write_text(
                f"train:\n\tpython ../../train_{k}.py --output_dir out\n", encoding="utf-8")
        else:
            (root / "scripts" / f"group_{i // 50}").mkdir(parents=True, exist_ok=True)
            (root / "scripts" / f"group_{i // 50}" / f"run_{i}.sh").write_text(
                LAUNCHES[i % len(LAUNCHES)].format(i=i, k=k), encoding="utf-8")
    (root / "pyproject.toml").write_text("[tool.mlgreenlint]\n", encoding="utf-8")
    (root / ".gitignore").write_text(".built\n.mlgreenlint_cache/\n", encoding="utf-8")
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.invalid",
           "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.invalid"}
    for args in (["init", "-q", "."], ["add", "-A"], ["commit", "-q", "-m", "generated"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
    marker.write_text(f"{size}\n")
    return root


def timed(argv: list[str], cwd: Path) -> tuple[float, float, int]:
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sizes", default="10,161,343")
    parser.add_argument("--output", type=Path, default=HERE / "LARGE-REPO.md")
    args = parser.parse_args()
    mg = [sys.executable, "-m", "mlgreenlint", "check", "train_0.py"]
    repos = {size: build(size) for size in map(int, args.sizes.split(","))}
    counter = 0

    def edited(root: Path) -> list[str]:
        nonlocal counter
        counter += 1
        (root / "train_0.py").write_text(TRAIN + f"# edit {counter}\n", encoding="utf-8")
        return mg

    scenarios = [("cold (--no-cache)", lambda root: [*mg, "--no-cache"]), ("warm", lambda root: mg),
                 ("edited, cache on", edited)]
    samples: dict[tuple[int, str], list[tuple[float, float, int]]] = {}
    load_before = os.getloadavg()
    for size, root in repos.items():  # prime: the cache and the page cache, untimed
        subprocess.run([*mg[:3], "clean"], cwd=root, capture_output=True)
        for _, argv in scenarios:
            timed(argv(root), root)
    for r in range(args.rounds):
        print(f"round {r + 1}/{args.rounds}", flush=True)
        for size, root in repos.items():
            for name, argv in scenarios:
                samples.setdefault((size, name), []).append(timed(argv(root), root))
    load_after = os.getloadavg()
    for root in repos.values():
        (root / "train_0.py").write_text(TRAIN, encoding="utf-8")
    lines = ["# One file in larger repositories (issue 20 item 19)", "",
             f"Written by `python benchmarks/large_repo.py --rounds {args.rounds} --sizes {args.sizes}` on"
             f" {time.strftime('%Y-%m-%d %H:%M %Z')}; mlgreenlint from {Path(__import__('mlgreenlint').__file__).parent}.",
             f"Load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in load_before)};"
             f" after: {', '.join(f'{x:.2f}' for x in load_after)} (2 cores shared with other work: read CPU"
             " time beside wall time).", "",
             "Generated git repositories: N launch files (shell scripts, Makefiles, job YAMLs), 60 HfArgumentParser"
             " scripts with their accelerate and DeepSpeed configs. The file: `train_0.py`, which 1 in 60 launch files"
             " runs. Target: 0.30 s.", "",
             "| launch files | scenario | wall median | wall min | wall max | CPU median | exit codes |",
             "|---|---|---|---|---|---|---|"]
    for (size, name), runs in samples.items():
        walls, cpus = [w for w, _, _ in runs], [c for _, c, _ in runs]
        codes = ",".join(sorted({str(code) for _, _, code in runs}))
        lines.append(f"| {size} | {name} | {statistics.median(walls):.3f} | {min(walls):.3f} | {max(walls):.3f}"
                     f" | {statistics.median(cpus):.3f} | {codes} |")
    report = "\n".join(lines) + "\n"
    args.output.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
