#!/usr/bin/env python3
"""Notebooks against the same code as `.py` files, in instructions (issue 16).

    python benchmarks/notebooks_instructions.py [--every 8] [--output benchmarks/NOTEBOOKS-INSTRUCTIONS.md]

Timings on a shared machine move with its load; instruction counts do not. This runs
`valgrind --tool=callgrind` over every Nth notebook of the tree of `benchmarks/notebooks.py`
and over their `.py` copies from `benchmarks/notebooks_as_py.py` (build both first), with
`--jobs 1 --no-cache`, `PYTHONHASHSEED=0` and a per-file timeout of an hour (under valgrind
the default 20 s timeout would skip files and change the work done), and over one small file
for the start-up both runs share. Needs valgrind (Debian package `valgrind`).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import notebooks  # noqa: E402  (the sibling benchmark: its tree)
import notebooks_as_py  # noqa: E402

CONFIG = "[tool.mlgreenlint]\ntimeout-per-file = 3600\n"
RUNNER = ("import runpy, sys\n"
          "files = open(sys.argv[1], encoding='utf-8').read().splitlines()\n"
          "sys.argv = ['mlgreenlint', 'check', '--no-cache', '--exit-zero', '-q', '-j', '1', '--config', "
          "'callgrind.toml', *files]\n"
          "runpy.run_module('mlgreenlint', run_name='__main__')\n")


def instructions(tree: Path, files: list[str], name: str) -> tuple[int, int]:
    """(instructions, finding lines) of one run over `files` in `tree`."""
    (tree / "callgrind.toml").write_text(CONFIG)
    listing = tree / f".{name}.files"
    listing.write_text("\n".join(files) + "\n", encoding="utf-8")
    runner = tree / ".callgrind_runner.py"
    runner.write_text(RUNNER)
    done = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file=/dev/null", sys.executable,
                           str(runner), str(listing)], cwd=tree, capture_output=True, text=True,
                          env={**os.environ, "PYTHONHASHSEED": "0"})
    count = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if count is None:
        raise SystemExit(f"callgrind gave no count for {name}:\n{done.stderr[-2000:]}")
    return int(count.group(1).replace(",", "")), len(done.stdout.splitlines())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--every", type=int, default=8)
    parser.add_argument("--output", type=Path, default=notebooks.HERE / "NOTEBOOKS-INSTRUCTIONS.md")
    options = parser.parse_args()
    tree, as_py = notebooks.TREE, notebooks_as_py.AS_PY
    if not as_py.exists():
        raise SystemExit("build the trees first: python benchmarks/notebooks_as_py.py")
    names = sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*.ipynb"))[::options.every]
    runs = {"notebooks": (tree, names), "the same code as .py files": (as_py, [n + ".py" for n in names]),
            "start-up alone (one small file)": (tree, ["huggingface+trl/trl/__init__.py"])}
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        counted = dict(zip(runs, pool.map(lambda item: instructions(item[1][0], item[1][1], str(hash(item[0]))),
                                          runs.items())))
    start = counted["start-up alone (one small file)"][0]
    nb, py = counted["notebooks"][0] - start, counted["the same code as .py files"][0] - start
    rows = "\n".join(f"| {name} | {count / 1e9:.2f} G | {lines} |" for name, (count, lines) in counted.items())
    options.output.write_text(f"""# Notebooks against the same code as `.py` files, in instructions (issue 16)

`python benchmarks/notebooks_instructions.py --every {options.every}`: callgrind, CPython \
{sys.version.split()[0]}, `--jobs 1 --no-cache`, `PYTHONHASHSEED=0`, per-file timeout one hour; \
{len(names)} notebooks (every {options.every}th of the tree of NOTEBOOKS.md) and their `.py` copies \
(NOTEBOOKS-AS-PY.md).

| run | instructions | report lines |
|---|---|---|
{rows}

Without the start-up, the notebooks cost **{nb / py:.2f}x** the instructions of the same code as
`.py` files ({nb / 1e9:.2f} G against {py / 1e9:.2f} G). The report lines differ because the
notebooks' shell lines are launch commands and `%pip install` pins, which the `.py` copies mask away.
""")
    print(options.output.read_text())


if __name__ == "__main__":
    main()
