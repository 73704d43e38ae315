"""Run a rule's own examples through the real engine: shared by the test suite and `test-rules`.

An invalid example must produce at least one finding of the rule; when its code carries
`# expect: <ID>` comments, the flagged lines must be exactly those lines. A valid
example must produce none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlgreenlint import limits
from mlgreenlint.api import lint_paths
from mlgreenlint.engine.driver import Job, lint_text
from mlgreenlint.fixes.policy import FixPolicy
from mlgreenlint.fixes.session import fix_findings, parse_problem
from mlgreenlint.model import Rule
from mlgreenlint.ruleset.selection import ActiveRule
from mlgreenlint.settings import DEFAULT_TIMEOUT_PER_FILE, Settings

#: Seconds one example may take (a catastrophic regular expression in a rule must not hang).
EXAMPLE_SECONDS = DEFAULT_TIMEOUT_PER_FILE
_EXPECT = re.compile(r"#\s*expect:\s*([A-Z]{2}[0-9]{3}(?:\s*,\s*[A-Z]{2}[0-9]{3})*)")


@dataclass(frozen=True)
class Case:
    rule: Rule
    kind: str  # "invalid" | "valid"
    index: int  # -1 for the docs example
    example: dict

    @property
    def name(self) -> str:
        label = "docs" if self.index < 0 else str(self.index)
        return f"{self.rule.id}-{self.kind}-{label}"


@dataclass(frozen=True)
class Outcome:
    case: Case
    ok: bool
    detail: str


def cases(rule: Rule) -> list[Case]:
    """The docs pair and every declared example; tool notices (GL) have none to run."""
    if rule.match.get("tool"):
        return []
    path = rule.docs.get("example-path")
    doc_case = {"code": rule.docs["bad"]} | ({"path": path} if path else {}) \
        | ({"fixed": rule.docs["fixed"]} if "fixed" in rule.docs else {})
    good_case = {"code": rule.docs["good"]} | ({"path": path} if path else {})
    out = [Case(rule, "invalid", -1, doc_case), Case(rule, "valid", -1, good_case)]
    for kind in ("invalid", "valid"):
        for i, example in enumerate(rule.examples.get(kind, [])):
            if path and "path" not in example:
                example = example | {"path": path}
            out.append(Case(rule, kind, i, example))
    return out


def run_case(case: Case, seconds: float = EXAMPLE_SECONDS) -> Outcome:
    """Run one example, failing it when it takes longer than `seconds` (POSIX main thread)."""
    try:
        with limits.deadline(seconds):
            return _run_case(case)
    except limits.AnalysisTimeout as exc:
        return Outcome(case, False, f"{exc}: a pattern may backtrack catastrophically")


def _run_case(case: Case) -> Outcome:
    rule, example = case.rule, case.example
    options = rule.option_defaults() | example.get("options", {})
    job = Job(rules=[ActiveRule(rule, rule.severity, options)], known_ids={rule.id})
    path = example.get("path", "example.py")
    if example.get("files"):
        findings = _lint_repository(path, example, job)
    else:
        findings = lint_text(path, example["code"], job).findings
    lines = sorted(f.span.line for f in findings if f.rule == rule.id)
    if case.kind == "valid":
        if lines:
            return Outcome(case, False, f"expected no {rule.id} finding, got lines {lines}: "
                           + "; ".join(f.message for f in findings))
        return Outcome(case, True, "")
    expected = example.get("lines") or sorted(
        n for n, text in enumerate(example["code"].splitlines(), start=1)
        for m in _EXPECT.finditer(text) if rule.id in m.group(1)
    )
    if not lines:
        return Outcome(case, False, f"expected a {rule.id} finding, got none")
    if expected and sorted(set(lines)) != expected:
        return Outcome(case, False, f"expected {rule.id} on lines {expected}, got {lines}")
    if "fixed" in example:
        problem = check_fix(path, example, job)
        if problem:
            return Outcome(case, False, problem)
    return Outcome(case, True, "")


def _fix_once(root, path: str, job: Job):
    """Lint the example repository and apply every fix (unsafe ones too): (file fix, remaining findings)."""
    from mlgreenlint.api import lint_paths

    run = lint_paths([root], Settings(root=root), cwd=root, job=job)
    mine = [f for f in run.findings if f.path == path]
    done = fix_findings(mine, job, FixPolicy(unsafe=True), root)
    return (done[0] if done else None), mine


def check_fix(path: str, example: dict, job: Job) -> str | None:
    """Why fixing the example does not give its `fixed` code, or None: the fix writes exactly
    that, it parses, the rule no longer reports it, and fixing again changes nothing."""
    import tempfile
    from pathlib import Path


    rule = job.rules[0].id
    with tempfile.TemporaryDirectory(prefix="mlgreenlint-fix-") as folder:
        root = Path(folder).resolve()
        (root / ".git").mkdir()
        for rel, text in {**example.get("files", {}), path: example["code"]}.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        first, before = _fix_once(root, path, job)
        if first is None or first.error:
            return f"no fix applied to {path}" + (f": {first.error}" if first and first.error else "")
        written = (root / path).read_text(encoding="utf-8")
        if written != example["fixed"]:
            import difflib

            diff = "".join(difflib.unified_diff(example["fixed"].splitlines(True), written.splitlines(True), "fixed", "got"))
            return f"the fix wrote other code than `fixed`:\n{diff}"
        problem = parse_problem(path, written)
        if problem:
            return f"the fixed code does not parse: {problem}"
        second, remaining = _fix_once(root, path, job)
        left = [f for f in remaining if f.rule == rule]
        if [f for f in left if f.fix] or len(left) >= len([f for f in before if f.rule == rule]):
            return f"after fixing, {rule} still reports lines {sorted(f.span.line for f in left)}"
        if second is not None and second.changed:
            return "a second fix changed the code again"
    return None


def _lint_repository(path: str, example: dict, job: Job) -> list:
    """Write the example repository (the code at `path`, plus `files`) and lint it as the CLI would.

    Findings are those of the example's own path: the other files are its surroundings
    (helpers, requirements, launch scripts, configs).
    """
    import tempfile
    from pathlib import Path


    with tempfile.TemporaryDirectory(prefix="mlgreenlint-example-") as folder:
        root = Path(folder).resolve()
        (root / ".git").mkdir()  # marks the repository root; not a real repository
        for rel, text in {**example["files"], path: example["code"]}.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        run = lint_paths([root], Settings(root=root), cwd=root, job=job)
    return [f for f in run.findings if f.path == path]


def run_rule_examples(rule: Rule, seconds: float = EXAMPLE_SECONDS) -> list[Outcome]:
    return [run_case(c, seconds) for c in cases(rule)]
