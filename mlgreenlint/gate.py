"""The CI gate around a check run: baseline, changed lines, the report and the exit code.

The order is fixed: the baseline sees every finding (so its stale entries are exact),
then `--changed-since` narrows what is reported, then the report is rendered and the
exit code is decided from what was reported.

File-level findings under `--changed-since`: GL001 (the file does not parse) and
GL003 (the file could not be read, is over max-file-size or took longer than
timeout-per-file) and GL004 (an internal error while analysing it) describe the whole file,
and the line they point at need not be the line that broke it. They are reported when
their file is new or has any changed or deleted line since the ref; other findings
only when a changed line falls inside their span.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mlgreenlint.errors import MlgreenlintError
from mlgreenlint.formats import text as text_format
from mlgreenlint.model import Finding, Severity

if TYPE_CHECKING:  # the engine (and libcst) load only when a check runs
    from mlgreenlint.api import Run
    from mlgreenlint.baseline import Baseline, BaselineEntry
    from mlgreenlint.changes import ChangedLines

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
#: `text` and `json` come from formats.text, `html` from formats.html; the others from mlgreenlint.formats.
FORMATS = ("text", "json", "sarif", "github", "markdown", "junit", "gitlab", "html")
#: Findings about a whole file (engine.GL_PARSE, GL_UNREADABLE, GL_INTERNAL): kept by
#: --changed-since when the file changed at all.
FILE_LEVEL_RULES = frozenset({"GL001", "GL003", "GL004"})


class GateError(MlgreenlintError):
    """A baseline or --changed-since problem that stops the run (exit 2)."""


@dataclass(frozen=True)
class Gate:
    """What decides which findings are reported and whether the run fails."""

    baseline: Path | None = None
    changed_since: str | None = None
    fail_on: Severity = Severity.WARNING
    fail_on_stale: bool = False
    exit_zero: bool = False


@dataclass
class Outcome:
    """The findings to report, and what the baseline and --changed-since held back."""

    reported: list[Finding]
    stale: list[BaselineEntry] = field(default_factory=list)
    baselined: int = 0
    unchanged: int = 0
    baseline_used: bool = False

    def exit_code(self, gate: Gate) -> int:
        if gate.exit_zero:
            return EXIT_CLEAN
        failing = any(f.severity >= gate.fail_on for f in self.reported)
        return EXIT_FINDINGS if failing or (gate.fail_on_stale and self.stale) else EXIT_CLEAN


def apply(run: Run, gate: Gate, paths: list[Path], cwd: Path | None = None) -> Outcome:
    """Filter `run.findings` through the baseline, then through the lines changed since a ref."""
    cwd = Path(os.path.realpath(cwd or Path.cwd()))
    if gate.fail_on_stale and gate.baseline is None:
        raise GateError("--fail-on-stale-baseline needs --baseline FILE (or `baseline` in [tool.mlgreenlint])")
    findings: list[Finding] = list(run.findings)
    stale: list[BaselineEntry] = []
    if gate.baseline is not None:
        from mlgreenlint import baseline as baseline_mod

        findings, stale = baseline_mod.apply(load_baseline(gate.baseline), findings)
        stale = [e for e in stale if in_scope(e.path, run.checked, paths, cwd)]
    outcome = Outcome(findings, stale, baselined=len(run.findings) - len(findings),
                      baseline_used=gate.baseline is not None)
    if gate.changed_since is not None:
        changed = changed_since(gate.changed_since, paths, cwd)
        outcome.reported = [f for f in findings if keep_changed(f, changed)]
        outcome.unchanged = len(findings) - len(outcome.reported)
    return outcome


def load_baseline(path: Path) -> Baseline:
    from mlgreenlint import baseline as baseline_mod

    if not path.is_file():
        raise GateError(f"baseline {path} does not exist; record one with `mlgreenlint check --write-baseline {path}`")
    try:
        return baseline_mod.load(path)
    except baseline_mod.BaselineError as exc:
        raise GateError(str(exc)) from None


def write_baseline(path: Path, run: Run) -> int:
    """Record every finding of `run` in `path`; returns how many."""
    from mlgreenlint import baseline as baseline_mod

    try:
        baseline_mod.write(path, run.findings)
    except OSError as exc:
        raise GateError(f"cannot write baseline {path}: {exc.strerror or exc}") from None
    return len(run.findings)


def in_scope(path: str, checked: list[str], paths: list[Path], cwd: Path) -> bool:
    """Whether this run could have matched a baseline entry for `path`.

    An entry counts when its file was linted, or lies under a linted folder (a file
    deleted, renamed or excluded since). With pre-commit's list of staged files, the
    entries of the other files are neither matched nor stale.
    """
    if path in checked:
        return True
    target = os.path.normpath(os.path.join(cwd, path))
    for given in paths:
        root = os.path.normpath(os.path.join(cwd, given))
        if target == root or target.startswith(root.rstrip(os.sep) + os.sep):
            return True
    return False


def changed_since(ref: str, paths: list[Path], cwd: Path) -> ChangedLines:
    """The lines changed since `ref`; every linted path must be inside the repository."""
    from mlgreenlint import changes

    try:
        changed = changes.changed_lines(ref, cwd)
    except changes.ChangesError as exc:
        raise GateError(str(exc)) from None
    for given in paths:
        if changed.repo_path(os.path.realpath(os.path.join(cwd, given))) is None:
            raise GateError(f"--changed-since: {given} is not in the git repository at {changed.root}")
    return changed


def keep_changed(finding: Finding, changed: ChangedLines) -> bool:
    if changed.keep(finding):
        return True
    return finding.rule in FILE_LEVEL_RULES and changed.touches(finding.path)


def render(fmt: str, outcome: Outcome, run: Run, *, tool_version: str, colour: bool = False,
           quiet: bool = False, statistics: bool = False, changed_ref: str | None = None, fixes: str = "",
           links: bool = False, fail_on: Severity = Severity.WARNING, fix_applies=None) -> str:
    """The report text, ending in a newline unless it is empty (a clean `github` run).

    `fixes` is the text summary's sentence about fixes. `statistics` replaces the findings
    with counts per rule, as ruff's does: JSON for `json`, a table for every other format.
    `links`: a text report ends with each reported rule's documentation link. `fail_on`:
    JUnit fails only the test cases of findings at or above it. `fix_applies`: whether the
    run's fix settings would apply a finding's fix (the statistics' fixable mark).
    """
    findings = outcome.reported
    rules = [a.rule for a in run.rules]
    if statistics:
        rows = text_format.statistics_rows(findings, rules, fix_applies)
        report = json.dumps(rows, indent=2) if fmt == "json" else text_format.statistics(rows)
    elif fmt == "text":
        lines = [text_format.text(findings, files=run.files, colour=colour, quiet=quiet)]
        if not quiet and (held := held_back(outcome, changed_ref)):
            lines.append(held)
        if not quiet and fixes:
            lines.append(fixes)
        if links:
            lines.append(text_format.links(findings, rules))
        report = "\n".join(line for line in lines if line)
    elif fmt == "json":
        report = text_format.json_findings(findings, rules)
    elif fmt == "html":
        from mlgreenlint.formats import html

        counts = None
        if outcome.baseline_used:
            counts = html.BaselineCounts(new=len(run.findings) - outcome.baselined, unchanged=outcome.baselined,
                                         fixed=len(outcome.stale))
        report = html.render(findings, rules, tool_version=tool_version, files=run.files,
                             baseline=counts)
    else:
        from mlgreenlint import formats

        report = formats.render(fmt, findings, rules, tool_version=tool_version, fail_on=fail_on)
    return report if not report or report.endswith("\n") else report + "\n"


def held_back(outcome: Outcome, changed_ref: str | None) -> str:
    """`2 findings in the baseline and 1 on lines unchanged since main not shown.`, or ''."""
    parts = []
    if outcome.baselined:
        parts.append(f"{_plural(outcome.baselined, 'finding')} in the baseline")
    if outcome.unchanged:
        counted = str(outcome.unchanged) if parts else _plural(outcome.unchanged, "finding")
        parts.append(f"{counted} on lines unchanged since {changed_ref}")
    return f"{' and '.join(parts)} not shown." if parts else ""


def stale_lines(stale: list[BaselineEntry]) -> list[str]:
    return [f"stale baseline entry: {e.path} {e.rule} {e.fingerprint}" for e in stale]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
