#!/usr/bin/env python3
"""What a CPython syntax check of every Python file costs on the benchmark tree (issue 18, item 2).

    python benchmarks/syntax_check.py [--tree DIR] [--rounds 3] [--output benchmarks/SYNTAX_CHECK.md]

Times, in this process, `compile(..., ast.PyCF_ONLY_AST)` (what the screen already runs on
token-matched files) and a full `compile()` to bytecode, over every Python file of the tree
and over the files the token prefilter routes past every parser (the ones a syntax check
would add work for). The tree is the one `benchmarks/run.py` builds (or any folder given).
"""

from __future__ import annotations

import argparse
import ast
import os
import resource
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent


def files_of(tree: Path) -> list[Path]:
    return sorted(p for p in tree.rglob("*.py") if p.is_file() and ".git" not in p.parts)


def time_compile(sources: list[tuple[str, bytes]], flags: int) -> float:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, data in sources:
            try:
                compile(data, name, "exec", flags, dont_inherit=True)
            except (SyntaxError, ValueError):
                pass
    return time.perf_counter() - start


def whole_run_cpu(tree: Path) -> float:
    """CPU seconds (user + system) of one cold single-process run over the tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-m", "mlgreenlint", "check", ".", "--no-cache", "--jobs", "1", "-q"],
                   cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=None, help="default: the tree benchmarks/run.py builds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", type=Path, default=HERE / "SYNTAX_CHECK.md")
    args = parser.parse_args()
    if args.tree is None:
        sys.path.insert(0, str(HERE))
        import run

        run.build_tree()
        args.tree = run.TREE
    from mlgreenlint import api
    from mlgreenlint.engine import driver
    from mlgreenlint.settings import Settings

    job = api.make_job(Settings(), api.load_rules(Settings()))
    sources = [(str(p.relative_to(args.tree)), p.read_bytes()) for p in files_of(args.tree)]
    unrouted = [(n, d) for n, d in sources if not driver.may_parse(n, d, job)]
    lines = sum(d.count(b"\n") for _, d in sources)
    rows = []
    for label, subset in (("every Python file", sources), ("files the prefilter routes past the parsers", unrouted)):
        for what, flags in (("ast.parse (PyCF_ONLY_AST)", ast.PyCF_ONLY_AST), ("compile() to bytecode", 0)):
            times = [time_compile(subset, flags) for _ in range(args.rounds)]
            rows.append((label, len(subset), what, statistics.median(times), min(times), max(times)))
    whole = [whole_run_cpu(args.tree) for _ in range(args.rounds)]
    load = os.getloadavg()
    out = [
        "# Cost of a CPython syntax check on every Python file (issue 18, item 2)",
        "",
        f"Written by `python benchmarks/syntax_check.py --rounds {args.rounds}` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; Python {sys.version.split()[0]}, "
        f"one process, {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the end.",
        f"Tree: {len(sources):,} Python files, {lines:,} lines, {sum(len(d) for _, d in sources) / 2**20:.1f} MB "
        "(files already in memory: read time excluded).",
        "",
        "| files | count | check | median s | min s | max s | ms per 1,000 lines |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for label, count, what, med, lo, hi in rows:
        subset_lines = sum(d.count(b"\n") for _, d in (sources if count == len(sources) else unrouted))
        out.append(f"| {label} | {count:,} | {what} | {med:.3f} | {lo:.3f} | {hi:.3f} | "
                   f"{1000 * med / max(1, subset_lines / 1000):.2f} |")
    out += [
        "",
        f"For scale: a whole cold run, `mlgreenlint check . --no-cache --jobs 1`, used {statistics.median(whole):.2f} s "
        f"of CPU (median of {args.rounds}; min {min(whole):.2f}, max {max(whole):.2f}).",
        "",
    ]
    args.output.write_text("\n".join(out), encoding="utf-8")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
