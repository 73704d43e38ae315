"""The one pipeline: settings -> rules -> discovery -> per-file analysis -> sorted findings."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from mlgreenlint import batch
from mlgreenlint.cache import SUMMARIES, cache_dir, claim, open_cache
from mlgreenlint.discovery import Target, display_path, iter_targets
from mlgreenlint.engine.job import Job
from mlgreenlint.model import FileResult, Finding, Rule
from mlgreenlint.notebook import size_limit
from mlgreenlint.repository.index import DirectoryStore, RepoIndex, find_root
from mlgreenlint.repository.pins import read_pins
from mlgreenlint.ruleset import rulebook
from mlgreenlint.ruleset.selection import ActiveRule, activate
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
                raise rulebook.builtin_clash(rule)
        rules = rules + custom
    return rules


#: Debugging aid: set to 1 to run every rule on every file, ignoring the token prefilter.
NO_PREFILTER_ENV = "MLGREENLINT_NO_PREFILTER"


def make_job(settings: Settings, rules: list[Rule]) -> Job:
    active = activate(rules, settings)
    prefilter = os.environ.get(NO_PREFILTER_ENV, "") in ("", "0")
    return Job(rules=active, known_ids={r.id for r in rules}, per_file_ignores=settings.per_file_ignores,
               timeout=settings.timeout_per_file, prefilter=prefilter)


def repository_root(paths: list[Path], settings: Settings, cwd: Path) -> Path:
    """The repository the paths belong to: nearest `.git` / `pyproject.toml` folder, or the settings root."""
    first = paths[0] if paths else Path(".")
    start = first if first.is_absolute() else cwd / first
    settings_root = settings.root if settings.source != "defaults" else None
    return find_root(start if start.exists() else cwd, settings_root)


def prepare(job: Job, settings: Settings, root: Path, cwd: Path, notes: list[str], *, cache: bool = False) -> None:
    """Fill the repository-wide parts of a job: pinned versions and the repository pass."""
    job.versions = read_pins(root)
    notes.extend(job.versions.notes)
    store = None
    if cache:  # the cache folder keeps module summaries and launch scans by content
        store = DirectoryStore(cache_dir(settings), SUMMARIES, claim)
    job.repo = RepoIndex.build(root, cwd, excludes=settings.exclude + settings.extend_exclude, store=store)


def files_to_lint(paths: list[Path], settings: Settings, *, cwd: Path | None = None,
                  notes: list[str] | None = None) -> list[Target]:
    """The files a run over `paths` lints, sorted (what `--show-files` lists)."""
    cwd = (cwd or Path.cwd()).resolve()
    return iter_targets(paths, excludes=settings.exclude + settings.extend_exclude, cwd=cwd,
                        notes=notes if notes is not None else [])


def lint_paths(paths: list[Path], settings: Settings, *, cwd: Path | None = None, job: Job | None = None,
               jobs: int | None = None, cache: bool = False, progress: batch.Progress | None = None) -> Run:
    """Lint files and folders. `jobs`: worker processes (default: available cores);
    `cache`: reuse and store per-file results in the cache folder; `progress` counts finished files."""
    cwd = (cwd or Path.cwd()).resolve()
    if job is None:
        job = make_job(settings, load_rules(settings))
    run = Run(rules=job.rules)
    targets = files_to_lint(paths, settings, cwd=cwd, notes=run.notes)
    prepare(job, settings, repository_root(paths, settings, cwd), cwd, run.notes, cache=cache)
    if job.repo is not None:
        job.repo.set_targets([t.path for t in targets])
    run.files = len(targets)
    run.checked = [target.display for target in targets]
    store = None
    if cache:
        store = open_cache(settings, job)
    ctx = batch.Context(job, settings.max_file_size, store)
    for result in batch.lint_targets(targets, ctx, jobs=jobs or batch.default_jobs(), progress=progress):
        run.findings.extend(result.findings)
        run.notes.extend(result.notes)
    if job.repo is not None:
        run.notes.extend(job.repo.notes)
    run.findings.sort(key=Finding.sort_key)
    return run


def lint_source(data: bytes, name: str, settings: Settings, *, cwd: Path | None = None, job: Job | None = None) -> Run:
    """Lint bytes that have no file of their own (standard input), as if they were the file `name`."""
    cwd = (cwd or Path.cwd()).resolve()
    job = job or make_job(settings, load_rules(settings))
    display = display_path(Path(name), cwd)
    run = Run(rules=job.rules, files=1, checked=[display])
    prepare(job, settings, repository_root([Path(name)], settings, cwd), cwd, run.notes)
    limit = size_limit(display, settings.max_file_size)
    if len(data) > limit:
        result = batch.unreadable(Target(display, Path(name)), job,
                                  f"file is {len(data)} bytes, over max-file-size {limit}: not analysed")
    else:
        from mlgreenlint.engine.driver import lint_bytes

        result = lint_bytes(display, data, job)
    run.findings = sorted(result.findings, key=Finding.sort_key)
    run.notes.extend(result.notes)
    return run


def lint_target(target: Target, job: Job, settings: Settings) -> FileResult:
    """Lint one file, uncached, in this process."""
    return batch.Context(job, settings.max_file_size).fresh(target)
