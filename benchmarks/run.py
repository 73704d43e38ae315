#!/usr/bin/env python3
"""Benchmark mlgreenlint against ruff on unpacked ML framework wheels (issue 7).

    python benchmarks/run.py [--rounds 5] [--output benchmarks/RESULTS.md]

Builds the tree once in benchmarks/.cache/ (pip download --no-deps of the four wheels,
unpacked, made a git work tree of its own so that git-aware discovery sees its files,
plus a pyproject.toml with empty [tool.mlgreenlint] and [tool.ruff] tables so that no
configuration outside the tree applies), installs ruff into benchmarks/.cache/ruff-venv,
then runs alternating rounds of every scenario and reports medians, minima and maxima of
whole-process wall time, CPU time and peak resident memory. Before timing, it checks
that findings are identical with and without the cache, the prefilter and parallelism.
Run it on an otherwise idle machine: the load average is recorded with the results.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
TREE = CACHE / "tree"
WHEELS = ["transformers==5.23.0", "trl==1.16.0", "accelerate==1.15.0", "lightning==2.6.0"]
RUFF = "ruff==0.17.6"
ONE_FILE = "trl/scripts/sft.py"
MB = 1024 * 1024


@dataclass
class Sample:
    wall: float
    cpu: float
    max_rss: float  # MB, the largest single process of the run (wait4)
    code: int


@dataclass
class Scenario:
    name: str
    argv: list[str]
    env: dict = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)
    tree_pss: float = 0.0  # MB, peak of the summed PSS of the process tree (separate run)


def sh(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, check=True, text=True, capture_output=True, **kwargs)


def build_tree() -> None:
    wheels = CACHE / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    missing = [w for w in WHEELS if not list(wheels.glob(w.replace("==", "-") + "-*.whl"))]
    if missing:
        print(f"downloading {' '.join(missing)}", flush=True)
        sh([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(wheels), *missing])
    marker = TREE / ".built"
    if marker.is_file() and marker.read_text() == "\n".join(WHEELS):
        return
    shutil.rmtree(TREE, ignore_errors=True)
    TREE.mkdir(parents=True)
    for spec in WHEELS:
        (wheel,) = wheels.glob(spec.replace("==", "-") + "-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(TREE)
    (TREE / "pyproject.toml").write_text("[tool.mlgreenlint]\n\n[tool.ruff]\n", encoding="utf-8")
    (TREE / ".gitignore").write_text(".built\n", encoding="utf-8")
    sh(["git", "init", "-q", "."], cwd=TREE)
    marker.write_text("\n".join(WHEELS))


def ruff_binary() -> Path:
    venv = CACHE / "ruff-venv"
    binary = venv / "bin" / "ruff"
    if not binary.exists():
        print(f"installing {RUFF}", flush=True)
        sh([sys.executable, "-m", "venv", str(venv)])
        sh([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", RUFF])
    return binary


def mlgreenlint_command() -> list[str]:
    script = Path(sys.executable).parent / "mlgreenlint"
    return [str(script)] if script.exists() else [sys.executable, "-m", "mlgreenlint"]


def run_once(argv: list[str], env: dict) -> Sample:
    """Whole-process wall time, CPU time and largest RSS of one run, output discarded."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=TREE, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode)


def tree_pss(argv: list[str], env: dict) -> float:
    """Peak of the summed proportional set size of a run's processes (MB), sampled every 20 ms."""
    proc = subprocess.Popen(argv, cwd=TREE, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, sum(_pss(pid) for pid in _descendants(proc.pid)))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    proc.wait()
    done.set()
    sampler.join()
    return peak / 1024


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    out, stack = [], [root]
    while stack:
        pid = stack.pop()
        out.append(pid)
        stack.extend(children.get(pid, []))
    return out


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def findings(argv: list[str], env: dict | None = None) -> list[dict]:
    proc = subprocess.run(argv, cwd=TREE, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


def equivalence(mg: list[str]) -> list[tuple[str, int, bool]]:
    """Findings of every variant against the plain uncached run."""
    base = [*mg, "check", ".", "--format", "json"]
    subprocess.run([*mg, "clean"], cwd=TREE, capture_output=True)
    reference = findings([*base, "--no-cache"])
    rows = [("--no-cache (reference)", len(reference), True)]
    for label, argv, env in [
        ("cache, first run (fills it)", base, {}),
        ("cache, second run (warm)", base, {}),
        ("--no-cache --jobs 1", [*base, "--no-cache", "--jobs", "1"], {}),
        ("--no-cache, MLGREENLINT_NO_PREFILTER=1", [*base, "--no-cache"], {"MLGREENLINT_NO_PREFILTER": "1"}),
    ]:
        print(f"  equivalence: {label}", flush=True)
        got = findings(argv, env)
        rows.append((label, len(got), got == reference))
    return rows


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    return {"cpu": cpu, "cores": os.cpu_count(), "ram": f"{mem / MB:.1f} GiB",
            "os": platform.platform(), "python": platform.python_version()}


def versions(mg: list[str], ruff: Path) -> dict:
    from importlib.metadata import version  # the interpreter that runs mlgreenlint

    return {
        "mlgreenlint": sh([*mg, "--version"]).stdout.strip(),  # names the commit itself
        "libcst": version("libcst"),
        "ruff": sh([str(ruff), "--version"]).stdout.strip(),
    }


def tree_size() -> tuple[int, int, int, int, int]:
    """Python files, lines, bytes; files with some rule's token (parsed with `ast`); files some
    rule may fire on after the `ast` screen (parsed with libcst)."""
    from mlgreenlint import api
    from mlgreenlint.decoding import decode
    from mlgreenlint.engine.python_file import python_rules, screened_rules
    from mlgreenlint.ruleset import rulebook
    from mlgreenlint.settings import Settings

    settings = Settings()
    job = api.make_job(settings, rulebook.load_builtin())
    api.prepare(job, settings, TREE, TREE, [])
    files = [p for p in TREE.rglob("*.py") if ".mlgreenlint_cache" not in p.parts]
    data = {p: p.read_bytes() for p in files}
    tokens = screened = 0
    for p, d in data.items():
        try:
            text = decode(d)
        except (SyntaxError, UnicodeDecodeError, LookupError):
            continue
        path = p.relative_to(TREE).as_posix()
        tokens += bool(python_rules(path, text, job))
        screened += bool(screened_rules(path, text, job)[0])
    return len(files), sum(d.count(b"\n") for d in data.values()), sum(len(d) for d in data.values()), tokens, screened


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--max-load", type=float, default=None,
                        help="wait (up to --wait minutes) until the 1-minute load average is below this")
    parser.add_argument("--wait", type=float, default=30, help="minutes to wait for --max-load")
    args = parser.parse_args()

    build_tree()
    ruff = ruff_binary()
    mg = mlgreenlint_command()
    # An installed wheel has its bytecode compiled by pip; a checkout installed with -e
    # under PYTHONDONTWRITEBYTECODE=1 would recompile every module on every run.
    import mlgreenlint

    sh([sys.executable, "-m", "compileall", "-q", str(Path(mlgreenlint.__file__).parent)])
    print("checking that findings do not depend on cache, prefilter or workers", flush=True)
    equal = equivalence(mg)
    size = tree_size()  # before the timed rounds, so that a failure here wastes none of them

    scenarios = [
        Scenario("ruff, cold", [str(ruff), "check", "--select", "ALL", "--no-cache", "--statistics", "."]),
        Scenario("mlgreenlint, cold", [*mg, "check", ".", "--no-cache"]),
        Scenario("mlgreenlint, cold, --jobs 1", [*mg, "check", ".", "--no-cache", "--jobs", "1"]),
        Scenario("mlgreenlint, warm", [*mg, "check", "."]),
        Scenario("one file, cold", [*mg, "check", ONE_FILE, "--no-cache"]),
        Scenario("one file, warm", [*mg, "check", ONE_FILE]),
    ]
    if args.max_load is not None:
        deadline = time.monotonic() + args.wait * 60
        while os.getloadavg()[0] > args.max_load and time.monotonic() < deadline:
            time.sleep(15)
    load_before = os.getloadavg()
    for s in scenarios:  # prime the cache and the page cache; untimed
        run_once(s.argv, s.env)
    for r in range(args.rounds):
        print(f"round {r + 1}/{args.rounds}", flush=True)
        for s in scenarios:
            s.samples.append(run_once(s.argv, s.env))
    load_after = os.getloadavg()
    for s in scenarios:
        s.tree_pss = tree_pss(s.argv, s.env)
    report = render(scenarios, equal, machine(), versions(mg, ruff), size, load_before, load_after, args.rounds)
    args.output.write_text(report, encoding="utf-8")
    print(report)
    return 0


def render(scenarios, equal, mach, vers, size, load_before, load_after, rounds) -> str:
    by = {s.name: s for s in scenarios}

    def med(name: str) -> float:
        return statistics.median(x.wall for x in by[name].samples)

    ruff = med("ruff, cold")
    targets = {
        "mlgreenlint, cold": (3 * ruff, f"<= 3x ruff cold = {3 * ruff:.2f} s"),
        "mlgreenlint, warm": (ruff, f"<= 1x ruff cold = {ruff:.2f} s"),
        "one file, cold": (0.30, "<= 0.30 s"),
        "one file, warm": (0.12, "<= 0.12 s"),
    }
    lines = [
        "# Benchmark results (issue 7)", "",
        f"Written by `python benchmarks/run.py --rounds {rounds}` on {time.strftime('%Y-%m-%d %H:%M %Z')}.", "",
        "## Machine and versions", "",
        f"- CPU: {mach['cpu']}, {mach['cores']} cores; RAM {mach['ram']}; {mach['os']}",
        f"- Python {mach['python']}; {vers['mlgreenlint']}; libcst {vers['libcst']}; {vers['ruff']}",
        f"- Load average (1, 5, 15 min) before the timed rounds: {', '.join(f'{x:.2f}' for x in load_before)};"
        f" after: {', '.join(f'{x:.2f}' for x in load_after)}. Other work on the machine slows every tool alike"
        " but adds noise; CPU time is less sensitive to it than wall time.",
        f"- Tree: {', '.join(WHEELS)} unpacked: {size[0]:,} Python files, {size[1]:,} lines, {size[2] / MB:.1f} MB;"
        f" the token prefilter leaves {size[3]:,} files ({size[3] / size[0]:.0%}) to parse with `ast`, and the"
        f" `ast` screen {size[4]:,} ({size[4] / size[0]:.1%}) to parse with libcst.",
        "- mlgreenlint runs from this checkout with its bytecode compiled first (`compileall`), as an installed"
        " wheel would have it.", "",
        "## Whole-process times", "",
        f"{rounds} alternating rounds after one untimed priming run of each scenario; wall and CPU (user + system,"
        " all processes) in seconds; RSS is the largest single process (wait4); tree PSS is the peak of the summed"
        " proportional set size of all processes of one extra run, sampled every 20 ms.", "",
        "| scenario | wall median | wall min | wall max | CPU median | max RSS | tree PSS | target | result |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s in scenarios:
        walls = [x.wall for x in s.samples]
        cpu = statistics.median(x.cpu for x in s.samples)
        rss = max(x.max_rss for x in s.samples)
        limit, text = targets.get(s.name, (None, "reference" if s.name.startswith("ruff") else "for comparison"))
        verdict = "" if limit is None else ("pass" if statistics.median(walls) <= limit else "**miss**")
        lines.append(f"| {s.name} | {statistics.median(walls):.3f} | {min(walls):.3f} | {max(walls):.3f} | {cpu:.2f}"
                     f" | {rss:.0f} MB | {s.tree_pss:.0f} MB | {text} | {verdict} |")
    cold = by["mlgreenlint, cold"]
    rss = max(x.max_rss for x in cold.samples)
    lines += [
        "",
        f"Ratios of medians: cold / ruff = {med('mlgreenlint, cold') / ruff:.2f}x,"
        f" warm / ruff = {med('mlgreenlint, warm') / ruff:.2f}x,"
        f" cold with one process / cold with the default workers = {med('mlgreenlint, cold, --jobs 1') / med('mlgreenlint, cold'):.2f}x.",
        f"Memory target (peak resident memory <= 150 MB on the tree, cold): largest process {rss:.0f} MB"
        f" ({'pass' if rss <= 150 else 'miss'}); all processes together (PSS) {cold.tree_pss:.0f} MB"
        f" ({'pass' if cold.tree_pss <= 150 else 'miss'}).",
        "", "## Identical findings", "",
        "| variant | findings | identical to the reference |", "|---|---|---|",
    ]
    lines += [f"| {label} | {n} | {'yes' if ok else '**NO**'} |" for label, n, ok in equal]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
