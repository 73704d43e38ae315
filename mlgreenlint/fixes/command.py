"""`check --fix`, `--fix-only` and `--diff`: fix the reported findings and describe what changed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlgreenlint.fixes import policy as fix_policy
from mlgreenlint.fixes.session import FileFix, fix_findings


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


@dataclass
class Fixed:
    """What a fixing run did to every file it touched."""

    mode: str  # "fix", "only" or "diff"
    files: list[FileFix]

    @property
    def changed(self) -> bool:
        return any(f.changed for f in self.files)

    @property
    def count(self) -> int:
        return sum(f.fixed for f in self.files if f.changed)

    @property
    def errors(self) -> list[str]:
        return [f"{f.path}: {f.error}" for f in self.files if f.error]

    @property
    def notes(self) -> list[str]:
        return [n for f in self.files for n in f.notes]

    @property
    def output(self) -> str:
        """The unified diff (--diff); nothing for the other modes."""
        return "".join(f.diff() for f in self.files) if self.mode == "diff" else ""

    @property
    def summary(self) -> str:
        files = sum(f.changed for f in self.files)
        if self.mode == "diff":
            return f"Would fix {_plural(self.count, 'finding')} in {_plural(files, 'file')}." if files \
                else "No fixes to apply."
        return f"Fixed {_plural(self.count, 'finding')} in {_plural(files, 'file')}." if files else ""

    @property
    def exit_code(self) -> int:
        """--diff: 1 when something would change; --fix-only: 0; 2 when a fix could not be applied."""
        if self.errors:
            return 2
        return 1 if self.mode == "diff" and self.changed else 0


def run(mode: str, settings, job, outcome, gate, cwd: Path | None = None) -> Fixed:
    """Fix what `outcome` reports (so a baseline or --changed-since narrows what is touched)."""
    policy = fix_policy.from_settings(settings)
    gated = gate.baseline is not None or gate.changed_since is not None
    files = fix_findings(outcome.reported, job, policy, cwd or Path.cwd(), gated=gated, write=mode != "diff")
    return Fixed(mode, files)
