"""Apply every available fix (unsafe ones too) to copies of real repositories and check the result.

Usage: python benchmarks/fix_repos.py FOLDER...   (each FOLDER a repository checkout; it is copied first)

For each repository: lint it, run `check --fix --unsafe-fixes` on a copy, then check that every
changed file still parses, that no (file, rule) pair has more findings than before, and that a
second `--fix` changes nothing. Prints one line per repository and the totals.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path


def lint(root: Path) -> list[dict]:
    out = subprocess.run([sys.executable, "-m", "mlgreenlint", "check", "--isolated", "--no-cache", "--format", "json",
                          "--unsafe-fixes", "."], cwd=root, capture_output=True, text=True)
    return json.loads(out.stdout or "[]")


def fix(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mlgreenlint", "check", "--isolated", "--no-cache", "--fix-only",
                           "--unsafe-fixes", "."], cwd=root, capture_output=True, text=True)


def parses(path: Path) -> bool:
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        if path.suffix == ".py":
            ast.parse(text)
        elif path.suffix in (".json", ".yaml", ".yml", ".toml"):
            from mlgreenlint.configs import document

            document.parse(text, document.format_of(str(path)))
    except Exception:  # noqa: BLE001
        return False
    return True


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts}


def main(folders: list[str]) -> int:
    totals = Counter()
    fixed_rules = Counter()
    bad = 0
    for folder in folders:
        with tempfile.TemporaryDirectory(prefix="mlgreenlint-fixrun-") as tmp:
            root = Path(tmp) / Path(folder).name
            shutil.copytree(folder, root, symlinks=True)
            (root / ".git").mkdir(exist_ok=True)
            before = lint(root)
            fixable = [f for f in before if f["fix"]]
            files_before = snapshot(root)
            run = fix(root)
            files_after = snapshot(root)
            changed = [p for p in files_after if files_after[p] != files_before.get(p)]
            broken = [p for p in changed if not parses(root / p)]
            after = lint(root)
            count_before = Counter((f["path"], f["rule"]) for f in before)
            count_after = Counter((f["path"], f["rule"]) for f in after)
            new = {k: v - count_before[k] for k, v in count_after.items() if v > count_before[k]}
            for key in count_before:
                if count_after[key] < count_before[key]:
                    fixed_rules[key[1]] += count_before[key] - count_after[key]
            again = fix(root)
            moved = [p for p, data in snapshot(root).items() if data != files_after.get(p)]
            errors = [line for line in run.stderr.splitlines() if "error" in line]
            print(f"{Path(folder).name}: {len(before)} findings, {len(fixable)} with a fix; {len(changed)} files changed, "
                  f"{len(before) - len(after)} findings fixed; {len(broken)} not parsing, {sum(new.values())} new findings, "
                  f"{len(moved)} files changed by a second --fix, {len(errors)} fix errors")
            for line in errors + [f"  new: {k} +{v}" for k, v in new.items()] + [f"  broken: {p}" for p in broken] \
                    + [f"  second fix changed: {p}" for p in moved]:
                print("  " + line)
            bad += len(broken) + len(new) + len(moved)
            totals.update(findings=len(before), fixable=len(fixable), changed=len(changed), fixed=len(before) - len(after),
                          broken=len(broken), new=sum(new.values()), moved=len(moved), errors=len(errors))
    print("total:", dict(totals))
    print("fixed by rule:", dict(sorted(fixed_rules.items())))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
