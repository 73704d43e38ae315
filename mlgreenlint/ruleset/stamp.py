"""Validate the built-in rules and record them in rules/VALIDATED.

The stamp holds the digest of the rule files and the schema, then the parsed rule files
as JSON. A run whose rule files match the digest loads the JSON: no jsonschema import
and no TOML parsing. Run `python -m mlgreenlint.ruleset.stamp` after editing a built-in rule or
the rule schema; `--check` only compares (exit 1 when stale), and the test suite runs it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mlgreenlint import atomic
from mlgreenlint.ruleset import rulebook

STAMP = "VALIDATED"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlgreenlint.ruleset.stamp", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 when the stamp is stale")
    parser.add_argument("--rules-dir", type=Path, default=None, help="rules folder (default: the built-in one)")
    args = parser.parse_args(argv)
    folder = args.rules_dir or rulebook.builtin_rules_dir()
    stamp = folder / STAMP
    errors = rulebook.check_files([folder], custom=False)
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        return 2
    text = rulebook.stamp_text(folder)
    recorded = stamp.read_text(encoding="utf-8") if stamp.is_file() else ""
    if args.check:
        if recorded != text:
            print(f"{stamp} is stale: run `python -m mlgreenlint.ruleset.stamp` and commit it", file=sys.stderr)
            return 1
        print(f"{stamp} is current.")
        return 0
    if recorded != text:
        atomic.write_text(stamp, text)
    print(f"{len(rulebook.rule_files(folder))} built-in rule files valid; {stamp} records {text[:16]}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
