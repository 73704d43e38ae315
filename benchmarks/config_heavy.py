#!/usr/bin/env python3
"""Benchmark a config-heavy repository: MMEngine / OpenMMLab Python configs (issue 15).

    python benchmarks/config_heavy.py [--rounds 3] [--before DIR] [--output benchmarks/CONFIG-HEAVY.md]

Unpacks open-mmlab/mmpretrain at a pinned commit into benchmarks/.cache/mmpretrain/ (from the
bare git directory $MLGREENLINT_MIRROR/open-mmlab+mmpretrain/repo when present, else a clone
from GitHub; never committed), makes it a git work tree of its own, and times whole-process
`mlgreenlint check . --no-cache` runs in alternating rounds: every rule, and every rule but the
MMEngine ones (`--ignore MP007,CK012`). `--before DIR` adds a third scenario: the same run with
the package of another checkout (`PYTHONPATH=DIR`, e.g. `git worktree add DIR <commit>`), the
code before a change. Before timing, the findings of every scenario that runs all rules are
compared with a run without the token prefilter and the `ast` screen
(`MLGREENLINT_NO_PREFILTER=1`, every Python file through libcst), and the files the screen
sends to libcst or to the source-only checks (`checks.FileCheck.source_only`) are counted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TREE = HERE / ".cache" / "mmpretrain"
MIRROR = Path(os.environ.get("MLGREENLINT_MIRROR", "/work/.mirror")) / "open-mmlab+mmpretrain" / "repo"
URL = "https://github.com/open-mmlab/mmpretrain"
COMMIT = "ee7f2e88501f61aa95c742dd5f429f039935ee90"  # main, 2024-11-01


def build() -> None:
    if (TREE / ".git").exists():
        return
    TREE.mkdir(parents=True)
    if MIRROR.is_dir():
        archive = subprocess.run(["git", "-C", str(MIRROR), "archive", COMMIT], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(TREE)], input=archive, check=True)
    else:
        subprocess.run(["git", "clone", "-q", URL, str(TREE)], check=True)
        subprocess.run(["git", "-C", str(TREE), "checkout", "-q", COMMIT], check=True)
        subprocess.run(["rm", "-rf", str(TREE / ".git")], check=True)
    subprocess.run(["git", "init", "-q", str(TREE)], check=True)
    subprocess.run(["git", "-C", str(TREE), "add", "-A"], check=True)


def run_once(argv: list[str], env: dict) -> tuple[float, float]:
    """Whole-process wall and CPU seconds (user + system, workers included), output discarded."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=TREE, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def findings(argv: list[str], env: dict) -> list[dict]:
    proc = subprocess.run([*argv, "--format", "json"], cwd=TREE, env={**os.environ, **env}, capture_output=True,
                          text=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


def routes() -> dict[str, int]:
    """Python files by what the screen leaves them: libcst analysis, source-only checks, nothing."""
    from mlgreenlint import api
    from mlgreenlint.engine.python_file import screened_rules
    from mlgreenlint.settings import load

    settings = load(start=TREE)
    job = api.make_job(settings, api.load_rules(settings))
    api.prepare(job, settings, TREE, TREE, [])
    targets = api.files_to_lint([TREE], settings, cwd=TREE)
    job.repo.set_targets([t.path for t in targets])
    counts = {"files": 0, "libcst": 0, "source-only checks": 0}
    for target in targets:
        if target.display.endswith(".py"):
            rules, _, analysis = screened_rules(target.display, target.path.read_text(encoding="utf-8"), job)
            counts["files"] += 1
            if rules:
                counts["libcst" if analysis else "source-only checks"] += 1
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", type=Path, help="a checkout whose package is the 'before' scenario")
    parser.add_argument("--output", type=Path, default=HERE / "CONFIG-HEAVY.md")
    args = parser.parse_args()
    build()
    # A checkout installed with -e under PYTHONDONTWRITEBYTECODE=1 would recompile every module
    # on every run; an installed wheel has its bytecode compiled.
    import mlgreenlint

    for package in [Path(mlgreenlint.__file__).parent, *([args.before / "mlgreenlint"] if args.before else [])]:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)
    mg = [sys.executable, "-m", "mlgreenlint", "check", ".", "--no-cache", "--exit-zero"]
    scenarios = [("every rule", mg, {}), ("--ignore MP007,CK012", [*mg, "--ignore", "MP007,CK012"], {})]
    if args.before is not None:
        scenarios.insert(0, ("every rule, before", mg, {"PYTHONPATH": str(args.before.resolve())}))
    reference = findings(mg, {"MLGREENLINT_NO_PREFILTER": "1"})
    equal = [(name, findings(argv, env) == reference) for name, argv, env in scenarios if "--ignore" not in argv]
    counts = routes()
    times: dict[str, list[tuple[float, float]]] = {name: [] for name, _, _ in scenarios}
    for name, argv, env in scenarios:  # prime the page cache; untimed
        run_once(argv, env)
    load_before = os.getloadavg()
    for _ in range(args.rounds):
        for name, argv, env in scenarios:
            times[name].append(run_once(argv, env))
    load_after = os.getloadavg()
    lines = [
        "# A config-heavy repository: MMEngine / OpenMMLab configs (issue 15)", "",
        f"`python benchmarks/config_heavy.py --rounds {args.rounds}{' --before DIR' if args.before else ''}`, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, CPython {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {load_before[0]:.2f} before and {load_after[0]:.2f} after the timed rounds.",
        "", f"Tree: open-mmlab/mmpretrain at {COMMIT[:12]}: {counts['files']} Python files; the token prefilter and "
        f"the `ast` screen send {counts['libcst']} to the libcst analysis and {counts['source-only checks']} to the "
        "source-only MMEngine checks alone (no libcst).", "",
        f"Findings ({len(reference)}) against a run with `MLGREENLINT_NO_PREFILTER=1` (every file through libcst): "
        + "; ".join(f"{name}: {'identical' if same else '**different**'}" for name, same in equal) + ".", "",
        f"Whole process, `check . --no-cache`, medians of {args.rounds} alternating rounds after one untimed run each:",
        "", "| scenario | wall s | CPU s |", "|---|---|---|",
    ]
    for name, samples in times.items():
        lines.append(f"| {name} | {statistics.median(w for w, _ in samples):.2f} "
                     f"| {statistics.median(c for _, c in samples):.2f} |")
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
