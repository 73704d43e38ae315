"""The long fuzz run: the properties of tests/test_fuzz.py with many more examples.

    python benchmarks/fuzz_long.py --examples 2000 [--seed 1] [--record benchmarks/FUZZ.md]

Each property lints every input twice and fails on a GL004 (a crash caught by the
engine's last-resort guard) or on output that differs between the two runs. Python
programs from hypothesmith cost about 2 s each, so they get a twentieth of the budget.
Prints, and with --record appends to FUZZ.md, how many inputs each property saw and
how long it took.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fuzzing import config_file, job, lint_twice, ml_program
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

JOB, EVERY_RULE = job(), job(prefilter=False)


def properties() -> dict[str, tuple[float, Callable]]:
    def text(t):
        lint_twice("train.py", t.encode("utf-8", "surrogatepass"), EVERY_RULE)

    def raw(data, name):
        lint_twice(name, data, EVERY_RULE)

    def programs(source):
        lint_twice("train.py", source.encode(), JOB)
        lint_twice("pkg/train.py", source.encode(), EVERY_RULE)

    def configs(named):
        lint_twice(*named, EVERY_RULE)

    def grammar(source):
        lint_twice("train.py", source.encode("utf-8", "surrogatepass"), EVERY_RULE)

    import hypothesmith

    return {
        "arbitrary text as a .py file": (1.0, given(st.text(max_size=2000))(text)),
        "arbitrary bytes under Python and config names": (
            1.0, given(st.binary(max_size=2000), st.sampled_from(["a.py", "ds_config.json", "accelerate_config.yaml",
                                                                  "c.toml", "conf/trainer/x.yaml"]))(raw)),
        "generated ML programs (own strategy)": (0.5, given(ml_program())(programs)),
        "generated YAML / JSON / TOML documents, valid and damaged": (1.0, given(config_file())(configs)),
        "hypothesmith.from_grammar() programs": (0.05, given(hypothesmith.from_grammar())(grammar)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000, help="examples for the cheapest properties")
    parser.add_argument("--seed", type=int, default=None, help="derandomize with this seed")
    parser.add_argument("--record", type=Path, help="append a results table to this Markdown file")
    args = parser.parse_args()
    # hypothesmith compiles the programs it generates; their SyntaxWarnings are noise here.
    warnings.filterwarnings("ignore", category=SyntaxWarning)
    rows, failed = [], False
    started = time.monotonic()
    for name, (share, prop) in properties().items():
        count = [0]
        inner = prop.hypothesis.inner_test

        def counted(*a, _inner=inner, _count=count, **k):
            _count[0] += 1
            return _inner(*a, **k)

        prop.hypothesis.inner_test = counted
        examples = max(1, int(args.examples * share))
        configured = settings(max_examples=examples, deadline=None, database=None, derandomize=args.seed is not None,
                              suppress_health_check=list(HealthCheck))(prop)
        if args.seed is not None:
            from hypothesis import seed

            configured = seed(args.seed)(configured)
        t0 = time.monotonic()
        try:
            configured()
            outcome = "no crash, deterministic"
        except Exception as exc:  # noqa: BLE001 -- report and go on with the next property
            failed = True
            outcome = f"FAILED: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        rows.append((name, count[0], time.monotonic() - t0, outcome))
        print(f"{name}: {count[0]} inputs in {time.monotonic() - t0:.1f} s: {outcome}", flush=True)
    total = time.monotonic() - started
    table = ["| property | inputs | time (s) | outcome |", "|---|---:|---:|---|"]
    table += [f"| {n} | {c} | {t:.1f} | {o} |" for n, c, t, o in rows]
    table.append(f"| **total** | **{sum(r[1] for r in rows)}** | **{total:.1f}** | |")
    summary = (f"Run of {time.strftime('%Y-%m-%d %H:%M %Z')}: `python benchmarks/fuzz_long.py --examples {args.examples}"
               f"{f' --seed {args.seed}' if args.seed is not None else ''}`, "
               f"Python {platform.python_version()} on {platform.system()} {platform.machine()}.\n\n" + "\n".join(table) + "\n")
    print(summary)
    if args.record:
        with args.record.open("a", encoding="utf-8") as handle:
            handle.write("\n" + summary)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
