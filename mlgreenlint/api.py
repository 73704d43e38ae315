"""The one pipeline: settings -> rules -> discovery -> per-file analysis -> sorted findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mlgreenlint import rulebook
from mlgreenlint.discovery import Target, iter_targets
from mlgreenlint.engine import GL_UNREADABLE, Job, lint_bytes
from mlgreenlint.model import FileResult, Finding, Rule, Span
from mlgreenlint.selection import ActiveRule, activate
from mlgreenlint.settings import Settings


@dataclass
class Run:
    """What a check run produced."""

    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: int = 0
    rules: list[ActiveRule] = field(default_factory=list)
    #: Display paths of the files that were linted (relative to the CWD, `/`-separated).
    checked: list[str] = field(default_factory=list)


def load_rules(settings: Settings) -> list[Rule]:
    rules = rulebook.load_builtin()
    if settings.rule_paths:
        custom = rulebook.load_paths(list(settings.rule_paths))
        builtin_ids = {r.id for r in rules}
        for rule in custom:
            if rule.id in builtin_ids:
                from mlgreenlint.errors import RuleFileError

                raise RuleFileError(rule.source, "id", f"{rule.id} is a built-in rule id; choose another")
        rules = rules + custom
    return rules


def make_job(settings: Settings, rules: list[Rule]) -> Job:
    active = activate(rules, settings)
    return Job(rules=active, known_ids={r.id for r in rules}, per_file_ignores=settings.per_file_ignores)


def lint_paths(paths: list[Path], settings: Settings, *, cwd: Path | None = None) -> Run:
    cwd = (cwd or Path.cwd()).resolve()
    rules = load_rules(settings)
    job = make_job(settings, rules)
    run = Run(rules=job.rules)
    targets = iter_targets(paths, excludes=settings.exclude + settings.extend_exclude, cwd=cwd, notes=run.notes)
    run.files = len(targets)
    run.checked = [target.display for target in targets]
    for target in targets:
        result = lint_target(target, job, settings)
        run.findings.extend(result.findings)
        run.notes.extend(result.notes)
    run.findings.sort(key=Finding.sort_key)
    return run


def lint_target(target: Target, job: Job, settings: Settings) -> FileResult:
    try:
        size = target.path.stat().st_size
        if size > settings.max_file_size:
            return _unreadable(target, job, f"file is {size} bytes, over max-file-size {settings.max_file_size}: not analysed")
        data = target.path.read_bytes()
    except OSError as exc:
        return _unreadable(target, job, f"cannot read file: {exc.strerror or exc}")
    return lint_bytes(target.display, data, job)


def _unreadable(target: Target, job: Job, message: str) -> FileResult:
    result = FileResult(target.display)
    active = job.active(GL_UNREADABLE)
    if active is not None:
        result.findings.append(Finding(GL_UNREADABLE, target.display, Span.point(1), message, active.severity))
    else:
        result.notes.append(f"{target.display}: {message}")
    return result
