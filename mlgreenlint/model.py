"""The records every layer passes around: severities, spans, fixes, findings, results."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so that comparisons read naturally."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected error, warning or info)") from None


@dataclass(frozen=True, order=True)
class Span:
    """A source range: 1-based lines and 1-based columns, end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, line: int, column: int = 1) -> Span:
        return cls(line, column, line, column)


@dataclass(frozen=True)
class Edit:
    """Replace the text of `span` with `replacement`."""

    span: Span
    replacement: str


@dataclass(frozen=True)
class Fix:
    """A change that resolves a finding; `safe` fixes apply without `--unsafe-fixes`."""

    title: str
    edits: tuple[Edit, ...]
    safe: bool = False


@dataclass(frozen=True, order=True)
class CellSpan:
    """Where a notebook finding sits inside its code cell (cells numbered from 1, as Jupyter shows them)."""

    cell: int
    span: Span


@dataclass(frozen=True)
class Finding:
    """One reported problem in one file."""

    rule: str
    path: str
    span: Span
    message: str
    severity: Severity
    fix: Fix | None = None
    #: Stable identity of the flagged code: survives lines moving above it.
    fingerprint: str = ""
    #: In a notebook: the cell and the span inside it; `span` is then the place in the
    #: notebook file (the JSON string that holds the code), which tools open.
    cell: CellSpan | None = None

    @property
    def family(self) -> str:
        return self.rule[:2]

    def sort_key(self) -> tuple:
        return (self.path, self.span.line, self.span.column, self.rule, self.message)

    def to_dict(self) -> dict:
        """The finding as JSON; in a notebook `line`/`column` are inside `cell` and `file_*` in the file."""
        span = self.cell.span if self.cell is not None else self.span
        data = {
            "rule": self.rule,
            "path": self.path,
            "line": span.line,
            "column": span.column,
            "end_line": span.end_line,
            "end_column": span.end_column,
            "severity": self.severity.label,
            "message": self.message,
            "fingerprint": self.fingerprint,
            "fix": None,
        }
        if self.cell is not None:
            data["cell"] = self.cell.cell
            data.update(file_line=self.span.line, file_column=self.span.column,
                        file_end_line=self.span.end_line, file_end_column=self.span.end_column)
        if self.fix is not None:
            data["fix"] = {
                "title": self.fix.title,
                "safe": self.fix.safe,
                "edits": [
                    {
                        "line": e.span.line,
                        "column": e.span.column,
                        "end_line": e.span.end_line,
                        "end_column": e.span.end_column,
                        "replacement": e.replacement,
                    }
                    for e in self.fix.edits
                ],
            }
        return data


@dataclass
class FileResult:
    """What linting one file produced; `notes` are verbose-only diagnostics."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: False when the result depends on the machine's load (a timeout): never cached.
    cacheable: bool = True


DOCS_URL = "https://github.com/mlgreenlint/mlgreenlint/blob/main/docs/rules"


@dataclass(frozen=True)
class Rule:
    """A rule as declared in its TOML file (kebab-case keys kept as written)."""

    id: str
    name: str
    family: str
    severity: Severity
    message: str
    # Documentation does not decide a finding: left out of comparison, and so of cache keys.
    summary: str = field(compare=False)
    docs: dict = field(compare=False)
    options: dict
    match: dict
    tokens: tuple[str, ...]
    examples: dict = field(compare=False)
    source: str
    builtin: bool = True
    #: The measured or cited cost of the habit (the rule file's `impact` table), or None.
    impact: dict | None = field(default=None, compare=False)
    #: The rule file's `[fix]` declaration (`safety`, `title`, `note`), or None: it decides
    #: whether findings carry a fix and whether it is safe, so it takes part in comparison.
    fix: dict | None = None
    #: Off unless selected by its full id (the rule file's `opt-in`).
    opt_in: bool = False

    @property
    def help_uri(self) -> str:
        return f"{DOCS_URL}/{self.id}-{self.name}.md"

    def option_defaults(self) -> dict:
        return {name: spec.get("default") for name, spec in self.options.items()}
