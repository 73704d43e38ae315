#!/usr/bin/env python3
"""Benchmark notebooks (issue 16): do `.ipynb` files cost more than their share of a run?

    python benchmarks/notebooks.py [--rounds 3] [--output benchmarks/NOTEBOOKS.md]

Builds benchmarks/.cache/notebook-tree/ from local snapshots of public repositories full of
training notebooks (bare git directories under $MLGREENLINT_MIRROR, default /work/.mirror; the
tree is never committed), makes it a git work tree, and times whole-process runs of
`mlgreenlint check --no-cache` over it with notebooks linted (the default) and excluded
(`extend-exclude = ["*.ipynb"]`). A notebook's share is the share of the tree's code it holds:
the characters of its joined code cells against those of the `.py` files. Then one notebook
with 50 MB of outputs (a few lines of training code, a large base64 image) is timed against the
same notebook without outputs, and against `json.loads` of its text alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
TREE = CACHE / "notebook-tree"
MIRROR = Path(os.environ.get("MLGREENLINT_MIRROR", "/work/.mirror"))
REPOS = ["huggingface+notebooks", "huggingface+peft", "huggingface+trl", "rasbt+LLMs-from-scratch"]
MB = 1024 * 1024
#: The heading of the written analysis in the results file, kept when the figures are rewritten.
NOTES = "## Where the CPU goes"


def build() -> dict[str, str]:
    """Unpack the snapshots (once); returns repository -> commit."""
    commits = {}
    for repo in REPOS:
        git_dir = MIRROR / repo / "repo"
        commits[repo] = subprocess.run(["git", "-C", str(git_dir), "rev-parse", "HEAD"], capture_output=True,
                                       text=True, check=True).stdout.strip()
        target = TREE / repo
        if target.exists():
            continue
        target.mkdir(parents=True)
        _unpack(git_dir, target)
    (TREE / "pyproject.toml").write_text("[tool.mlgreenlint]\n")
    (TREE / "no-notebooks.toml").write_text('[tool.mlgreenlint]\nextend-exclude = ["*.ipynb"]\n')
    if not (TREE / ".git").exists():
        subprocess.run(["git", "init", "-q", str(TREE)], check=True)
    subprocess.run(["git", "-C", str(TREE), "add", "-A"], check=True)
    return commits


def _unpack(git_dir: Path, target: Path) -> None:
    """The snapshot's source files, skipping blobs the snapshot lacks (snapshots may be partial)."""
    listing = subprocess.run(["git", "-C", str(git_dir), "ls-tree", "-r", "HEAD"], capture_output=True, text=True,
                             check=True).stdout.splitlines()
    wanted = [(line.split()[2], line.split("\t", 1)[1]) for line in listing
              if line.split()[1] == "blob" and line.endswith((".py", ".ipynb", ".yaml", ".yml", ".toml", ".sh"))]
    batch = subprocess.Popen(["git", "-C", str(git_dir), "cat-file", "--batch"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE)
    for blob, name in wanted:
        batch.stdin.write(f"{blob}\n".encode())
        batch.stdin.flush()
        header = batch.stdout.readline().split()
        if len(header) < 3 or header[1] != b"blob":
            continue
        data = batch.stdout.read(int(header[2]) + 1)[:-1]
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    batch.stdin.close()
    batch.wait()


def shares() -> dict[str, float]:
    from mlgreenlint import notebook

    py_chars = nb_chars = 0
    counts = {"py": 0, "ipynb": 0, "ipynb_bytes": 0}
    for path in TREE.rglob("*"):
        if path.suffix == ".py":
            py_chars += len(path.read_text(encoding="utf-8", errors="replace"))
            counts["py"] += 1
        elif path.suffix == ".ipynb":
            text = path.read_text(encoding="utf-8", errors="replace")
            counts["ipynb"] += 1
            counts["ipynb_bytes"] += len(text.encode())
            try:
                nb_chars += len(notebook.read(text).source)
            except notebook.NotebookError:
                pass
    return {**counts, "py_chars": py_chars, "nb_chars": nb_chars, "nb_share": nb_chars / (py_chars + nb_chars)}


def timed(args: list[str], cwd: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the child, exit code)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), done.returncode


def big_notebook(folder: Path, output_bytes: int) -> Path:
    code = ["import transformers as tf\n", 'args = tf.TrainingArguments(output_dir="out")\n',
            "trainer = tf.Trainer(model=None, args=args)\n", "trainer.train()"]
    image = "iVBORw0KGgo" * (output_bytes // 11)
    outputs = [{"output_type": "display_data", "metadata": {}, "data": {"image/png": image, "text/plain": ["<Figure>"]}}]
    doc = {"cells": [{"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": outputs if output_bytes else [],
                      "source": code}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = folder / f"big-{output_bytes // MB}MB.ipynb"
    path.write_text(json.dumps(doc, indent=1))
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", type=Path, default=HERE / "NOTEBOOKS.md")
    options = parser.parse_args()
    commits = build()
    share = shares()
    exe = [sys.executable, "-m", "mlgreenlint", "check", "--no-cache", "--exit-zero", "--quiet"]
    runs = {"with notebooks": exe + ["--config", "pyproject.toml", "."],
            "notebooks excluded": exe + ["--config", "no-notebooks.toml", "."]}
    samples: dict[str, list[tuple[float, float, int]]] = {name: [] for name in runs}
    load_before = os.getloadavg()[0]
    for round_ in range(options.rounds):
        order = list(runs.items())
        for name, args in order if round_ % 2 == 0 else reversed(order):  # alternate which runs first
            samples[name].append(timed(args, TREE))
    big = CACHE / "big-notebooks"
    big.mkdir(parents=True, exist_ok=True)
    single = {}
    for size in (0, 50 * MB):
        path = big_notebook(big, size)
        single[size] = [timed(exe + ["--isolated", path.name], big) for _ in range(options.rounds)]
    text = big_notebook(big, 50 * MB).read_text()
    loads = []
    for _ in range(options.rounds):
        start = time.perf_counter()
        json.loads(text)
        loads.append(time.perf_counter() - start)
    from mlgreenlint import notebook

    reads, walks = [], []
    for _ in range(options.rounds):
        start = time.perf_counter()
        nb = notebook.read(text)
        reads.append(time.perf_counter() - start)
        start = time.perf_counter()
        nb.source_of(nb.cells[0])
        walks.append(time.perf_counter() - start)

    def med(values, i):
        return statistics.median(v[i] for v in values)

    def spread(values, i):
        return f"{min(v[i] for v in values):.2f}-{max(v[i] for v in values):.2f}"

    with_nb, without = samples["with notebooks"], samples["notebooks excluded"]
    extra_cpu = med(with_nb, 1) - med(without, 1)
    lines = [
        "# Notebooks in a whole-tree run (issue 16)",
        "",
        f"`python benchmarks/notebooks.py --rounds {options.rounds}`, {time.strftime('%Y-%m-%d')}, "
        f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {load_before:.2f} at the start and {os.getloadavg()[0]:.2f} at the end. Medians of "
        f"{options.rounds} rounds (the two runs alternate which goes first), whole process, `--no-cache`.",
        "",
        "Tree: " + ", ".join(f"{r.replace('+', '/')} at {c[:12]}" for r, c in commits.items()) + ".",
        f"{share['py']} `.py` files ({share['py_chars'] / 1e6:.2f} M characters) and {share['ipynb']} notebooks "
        f"({share['ipynb_bytes'] / MB:.1f} MB of JSON, {share['nb_chars'] / 1e6:.2f} M characters of code cells): "
        f"notebooks hold **{share['nb_share']:.1%}** of the tree's code.",
        "",
        "| run | wall s | CPU s | CPU s, fastest-slowest round |",
        "|---|---|---|---|",
        f"| with notebooks (default) | {med(with_nb, 0):.2f} | {med(with_nb, 1):.2f} | {spread(with_nb, 1)} |",
        f"| notebooks excluded | {med(without, 0):.2f} | {med(without, 1):.2f} | {spread(without, 1)} |",
        "",
        f"Notebooks add {extra_cpu:.2f} CPU s, **{extra_cpu / med(with_nb, 1):.1%}** of the run's CPU time, "
        f"for {share['nb_share']:.1%} of its code.",
        "",
        "| CPU per million characters of code | s |",
        "|---|---|",
        f"| `.py` files (the run without notebooks, start-up and repository pass included) | "
        f"{med(without, 1) / share['py_chars'] * 1e6:.2f} |",
        f"| notebooks (what they add to the run) | {extra_cpu / share['nb_chars'] * 1e6:.2f} |",
        "",
        "## One notebook with 50 MB of outputs",
        "",
        "| file | wall s | CPU s | CPU s, fastest-slowest round |",
        "|---|---|---|---|",
        f"| 4 lines of training code, no outputs | {med(single[0], 0):.2f} | {med(single[0], 1):.2f} "
        f"| {spread(single[0], 1)} |",
        f"| the same with a 50 MB image output | {med(single[50 * MB], 0):.2f} | {med(single[50 * MB], 1):.2f} "
        f"| {spread(single[50 * MB], 1)} |",
        "",
        f"In process: `json.loads` of the 50 MB text takes {statistics.median(loads) * 1000:.0f} ms, "
        f"`notebook.read` (`json.loads`, masking the code cells) {statistics.median(reads) * 1000:.0f} ms, and "
        f"finding where the cell's source sits for its findings (one more pass over the outputs: over 1 MiB, "
        f"a search for where they end) "
        f"{statistics.median(walks) * 1000:.0f} ms.",
        "The notebook is read up to 32 times `max-file-size` (64 MB by default), since outputs are not code.",
        "",
    ]
    kept = options.output.read_text().partition(NOTES)[2] if options.output.exists() else ""
    if kept:  # the written analysis below the measured part stays
        lines += [NOTES + kept.rstrip("\n"), ""]
    options.output.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
