"""What linting one file needs besides its bytes (`Job`), and the tool's own findings (GL)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mlgreenlint.model import FileResult, Finding, Span
from mlgreenlint.ruleset.selection import ActiveRule
from mlgreenlint.versions import Versions

if TYPE_CHECKING:
    from mlgreenlint.repository.index import RepoIndex

GL_PARSE = "GL001"
GL_DIRECTIVE = "GL002"
GL_UNREADABLE = "GL003"
GL_INTERNAL = "GL004"
#: Longest exception message quoted in a GL004 finding.
_MAX_REASON = 300


@dataclass
class Job:
    """Everything linting one file needs besides its bytes."""

    rules: list[ActiveRule]
    known_ids: set[str]
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    versions: Versions = field(default_factory=Versions)
    #: The repository pass: helpers in other files and launch commands.
    #: Not part of what identifies a run's configuration (a cache key): a result that used
    #: it records its dependencies instead (`RepoIndex.dependencies` / `still_valid`).
    repo: RepoIndex | None = field(default=None, repr=False, compare=False)
    #: Run rules on every file, ignoring token prefilters (used to prove the prefilter exact).
    prefilter: bool = True
    #: Wall-clock seconds one file may take (`timeout-per-file`); None or 0: unbounded.
    timeout: float | None = None

    def versions_for(self, path: str) -> Versions:
        """The pins one file runs with: its nearest project's, then the repository's."""
        rel = self.repo.rel(path) if self.repo is not None else None
        return self.versions if rel is None else self.repo.versions(rel, self.versions, consumer=rel)

    def active(self, rule_id: str) -> ActiveRule | None:
        for active in self.rules:
            if active.id == rule_id:
                return active
        return None


def gl_finding(job: Job, rule_id: str, path: str, span: Span, message: str) -> Finding | None:
    """A finding of the tool's own rule `rule_id`, or None when the run does not select it."""
    active = job.active(rule_id)
    if active is None:
        return None
    return Finding(rule_id, path, span, message, active.severity)


def tool_finding(result: FileResult, job: Job, rule_id: str, span: Span, message: str) -> None:
    """Report a file-level problem as a GL finding, or as a note when that rule is off."""
    finding = gl_finding(job, rule_id, result.path, span, message)
    if finding is not None:
        result.findings.append(finding)
    else:
        result.notes.append(f"{result.path}: {message}")


def describe(exc: BaseException) -> str:
    """`ValueError: message` on one line, cut to a readable length."""
    message = " ".join(str(exc).split())
    if len(message) > _MAX_REASON:
        message = message[:_MAX_REASON] + "..."
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__
