#!/usr/bin/env python3
"""Do notebooks cost more than the same code written as `.py` files? (issue 16)

    python benchmarks/notebooks_as_py.py [--rounds 3] [--output benchmarks/NOTEBOOKS-AS-PY.md]

`benchmarks/notebooks.py` compares notebooks with the `.py` files of its tree per character of
code, but the two hold different code: most notebooks there train, most `.py` files are library
code the prefilter leaves alone. This script separates the notebook format from the code it
holds: it copies that tree (build it first with `benchmarks/notebooks.py`) and writes each
notebook's code cells, joined and with IPython syntax masked exactly as mlgreenlint reads them,
to a `.py` file in place of the notebook. Both trees hold the same code; the difference of the
two whole-process `check --no-cache` runs is the cost of the notebook format itself.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import notebooks  # noqa: E402  (the sibling benchmark: its tree and its timer)

AS_PY = notebooks.CACHE / "notebook-tree-as-py"
#: The heading of the written analysis under the measured part, kept when the file is rewritten.
NOTES = "## Where the difference goes"


def build_as_py() -> tuple[int, int]:
    """The copy of the notebook tree with notebooks as `.py` files: (converted, unreadable)."""
    from mlgreenlint import notebook

    if AS_PY.exists():
        shutil.rmtree(AS_PY)
    shutil.copytree(notebooks.TREE, AS_PY, ignore=shutil.ignore_patterns(".git", ".mlgreenlint_cache"))
    converted = unreadable = 0
    for path in sorted(AS_PY.rglob("*.ipynb")):
        try:
            source = notebook.read(path.read_text(encoding="utf-8")).source
        except (notebook.NotebookError, UnicodeDecodeError):
            unreadable += 1  # left as a notebook: both trees then report the same GL001
            continue
        path.with_name(path.name + ".py").write_text(source, encoding="utf-8")
        path.unlink()
        converted += 1
    subprocess.run(["git", "init", "-q", str(AS_PY)], check=True)
    subprocess.run(["git", "-C", str(AS_PY), "add", "-A"], check=True)
    return converted, unreadable


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", type=Path, default=notebooks.HERE / "NOTEBOOKS-AS-PY.md")
    options = parser.parse_args()
    notebooks.build()
    converted, unreadable = build_as_py()
    exe = [sys.executable, "-m", "mlgreenlint", "check", "--no-cache", "--exit-zero", "--quiet", "--config",
           "pyproject.toml", "."]
    trees = {"notebooks (the tree as it is)": notebooks.TREE, "the same code as .py files": AS_PY}
    samples: dict[str, list[tuple[float, float, int]]] = {name: [] for name in trees}
    load_before = os.getloadavg()[0]
    for round_ in range(options.rounds):
        order = list(trees.items())
        for name, tree in order if round_ % 2 == 0 else reversed(order):  # alternate which runs first
            samples[name].append(notebooks.timed(exe, tree))
    load_after = os.getloadavg()[0]
    excluded = notebooks.timed(exe[:-2] + ["no-notebooks.toml", "."], notebooks.TREE)

    def med(name: str, i: int) -> float:
        return statistics.median(sample[i] for sample in samples[name])

    nb_cpu, py_cpu = med("notebooks (the tree as it is)", 1), med("the same code as .py files", 1)
    rows = "\n".join(f"| {name} | {med(name, 0):.2f} | {med(name, 1):.2f} | "
                     f"{min(x[1] for x in samples[name]):.2f}-{max(x[1] for x in samples[name]):.2f} |"
                     for name in trees)
    paired = sorted(nb[1] / py[1] for nb, py in zip(samples["notebooks (the tree as it is)"],
                                                    samples["the same code as .py files"]))
    added_nb, added_py = nb_cpu - excluded[1], py_cpu - excluded[1]
    kept = options.output.read_text().partition(NOTES)[2] if options.output.exists() else ""
    options.output.write_text(f"""# Notebooks against the same code as `.py` files (issue 16)

`python benchmarks/notebooks_as_py.py --rounds {options.rounds}`, CPython {sys.version.split()[0]}, \
{os.cpu_count()} CPUs, load average {load_before:.2f} at the start and {load_after:.2f} at the end. \
Medians of {options.rounds} rounds (the two runs alternate which goes first), whole process, `--no-cache`.

The tree of `benchmarks/notebooks.py` (see NOTEBOOKS.md), and a copy of it in which each of
{converted} notebooks is replaced by a `.py` file holding its code cells joined, with IPython
syntax masked as mlgreenlint reads it ({unreadable} notebooks that do not read as nbformat 4 are
left as they are in both trees). Both trees hold the same code.

| tree | wall s | CPU s | CPU s, fastest-slowest round |
|---|---|---|---|
{rows}

Round by round, notebooks against `.py` (CPU): {", ".join(f"{r:.2f}x" for r in paired)}.

With notebooks excluded the run takes {excluded[1]:.2f} CPU s (one run), so the notebooks add
{added_nb:.2f} CPU s and the same code as `.py` files adds {added_py:.2f} CPU s: the notebook format
costs **{nb_cpu / py_cpu:.2f}x** the same code as Python files over the whole run
({(nb_cpu - py_cpu):+.2f} CPU s: reading the JSON, masking, placing findings in cells and file
positions). Findings are not compared here: as `.py` files the shell lines are masked away, so
`!accelerate launch ...` launches and `%pip install` pins are not read.
""" + (f"\n{NOTES}{kept.rstrip()}\n" if kept else ""))  # the written analysis below the measured part stays
    print(options.output.read_text())


if __name__ == "__main__":
    main()
