"""Score mlgreenlint against the labelled real files of manifest.toml (issue #14).

Not part of CI: it needs snapshots of the repositories the manifest names, as bare git
directories laid out `<snapshots>/<owner>+<name>/repo` (what the `fetch` tool produces).

    python benchmarks/accuracy/score.py --snapshots /work/.mirror [--manifest FILE] [--keep DIR]

For each repository it writes the labelled files, their listed context files and the project
files around them (requirements, pyproject, setup, launch scripts, configs in the file's
folder and its parents) into a temporary git work tree with their relative paths, runs
`mlgreenlint check --format json --isolated` on the labelled files, and counts a family as
reported for a file when any rule of that family reports in it. Labels `either` are not
scored. Prints precision, recall and F1 per family and overall, then every miss and false
alarm with the label's reason and what mlgreenlint said.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path, PurePosixPath

from mlgreenlint.tomlcompat import tomllib

FAMILIES = ("MP", "CK", "RG", "ET", "CW")
#: Files beside or above a case that mlgreenlint may read as project context.
PROJECT_NAMES = {"pyproject.toml", "setup.py", "setup.cfg", "Makefile", "Dockerfile"}
PROJECT_SUFFIXES = {".sh", ".yaml", ".yml", ".json", ".toml", ".cfg"}
MAX_CONTEXT_BYTES = 256 * 1024


def git(gitdir: Path, *args: str) -> bytes:
    return subprocess.run(["git", "--git-dir", str(gitdir), *args], check=True, capture_output=True).stdout


def project_files(gitdir: Path, commit: str, path: str) -> list[str]:
    """Config-like files in the folder of `path` and in each folder above it."""
    found = []
    for folder in PurePosixPath(path).parents:
        spec = f"{commit}:{folder}" if str(folder) != "." else commit
        for line in git(gitdir, "ls-tree", "-l", spec).decode("utf-8", "replace").splitlines():
            meta, name = line.split("\t", 1)
            kind, size = meta.split()[1], meta.split()[3]
            if kind != "blob" or not size.isdigit() or int(size) > MAX_CONTEXT_BYTES:
                continue
            suffix = PurePosixPath(name).suffix
            if name in PROJECT_NAMES or suffix in PROJECT_SUFFIXES or name.startswith("requirements"):
                found.append(name if str(folder) == "." else f"{folder}/{name}")
    return found


def extract(cases: list[dict], snapshots: Path, dest: Path) -> None:
    """Write the cases of one repository (same repo and commit) into the work tree `dest`."""
    gitdir = snapshots / cases[0]["repo"].replace("/", "+") / "repo"
    commit = cases[0]["commit"]
    wanted = set()
    for case in cases:
        wanted.update([case["path"], *case.get("context", []), *project_files(gitdir, commit, case["path"])])
    for rel in sorted(wanted):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(git(gitdir, "show", f"{commit}:{rel}"))
    # A git work tree, as a checkout would be: mlgreenlint lists repository files through git.
    subprocess.run(["git", "init", "-q", str(dest)], check=True)
    subprocess.run(["git", "-C", str(dest), "add", "-A"], check=True)


def run_linter(dest: Path, paths: list[str]) -> list[dict]:
    cmd = [sys.executable, "-m", "mlgreenlint", "check", "--format", "json", "--isolated", "--exit-zero", *paths]
    done = subprocess.run(cmd, cwd=dest, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"mlgreenlint failed in {dest} (exit {done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout or "[]")


def score(cases: list[dict], findings: dict[tuple[str, str], list[dict]]) -> None:
    counts = {fam: defaultdict(int) for fam in FAMILIES}
    errors = []
    for case in cases:
        for fam in FAMILIES:
            label = case[fam]["label"]
            said = [f for f in findings.get((case["repo"], case["path"]), []) if f["rule"].startswith(fam)]
            if label == "either":
                continue
            kind = {("yes", True): "tp", ("yes", False): "fn", ("no", True): "fp", ("no", False): "tn"}[
                (label, bool(said))]
            counts[fam][kind] += 1
            if kind in ("fn", "fp"):
                errors.append((fam, kind, case, said))
    total = defaultdict(int)
    print("| family | labelled yes | labelled no | TP | FP | FN | precision | recall | F1 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for fam in (*FAMILIES, "all"):
        c = total if fam == "all" else counts[fam]
        if fam != "all":
            for k, v in c.items():
                total[k] += v
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        print(f"| {fam} | {c['tp'] + c['fn']} | {c['fp'] + c['tn']} | {c['tp']} | {c['fp']} | {c['fn']} "
              f"| {p:.2f} | {r:.2f} | {f1:.2f} |")
    for title, kind in (("Misses", "fn"), ("False alarms", "fp")):
        print(f"\n{title}:")
        for fam, k, case, said in errors:
            if k != kind:
                continue
            line = case[fam].get("line")
            where = f"{case['repo']}:{case['path'].strip()}" + (f":{line}" if line else "")
            print(f"- {fam} {where} — {case[fam]['reason']}")
            for f in said:
                print(f"    said {f['rule']} line {f['line']}: {f['message']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshots", type=Path, required=True, help="folder of <owner>+<name>/repo git dirs")
    parser.add_argument("--manifest", type=Path, default=Path(__file__).with_name("manifest.toml"))
    parser.add_argument("--keep", type=Path, help="extract into this folder and keep it (for debugging)")
    args = parser.parse_args()
    cases = tomllib.loads(args.manifest.read_text(encoding="utf-8"))["case"]
    by_repo = defaultdict(list)
    for case in cases:
        by_repo[(case["repo"], case["commit"])].append(case)
    findings: dict[tuple[str, str], list[dict]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="mlgreenlint-accuracy-") as tmp:
        base = args.keep or Path(tmp)
        for (repo, _), repo_cases in sorted(by_repo.items()):
            dest = base / repo.replace("/", "+")
            extract(repo_cases, args.snapshots, dest)
            paths = [c["path"] for c in repo_cases]
            for f in run_linter(dest, paths):
                rel = Path(f["path"]).resolve().relative_to(dest.resolve()).as_posix() \
                    if Path(f["path"]).is_absolute() else PurePosixPath(f["path"]).as_posix()
                for path in paths:
                    if PurePosixPath(path).as_posix() == rel:
                        findings[(repo, path)].append(f)
    repos = len({c["repo"] for c in cases})
    print(f"{len(cases)} files from {repos} repositories\n")
    score(cases, findings)


if __name__ == "__main__":
    main()
