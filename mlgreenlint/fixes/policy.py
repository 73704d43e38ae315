"""Which fixes a run applies: ruff's model of safe and unsafe fixes, fixable and unfixable rules."""

from __future__ import annotations

from dataclasses import dataclass

from mlgreenlint.model import Finding


def _selects(codes: tuple[str, ...], rule: str) -> bool:
    return any(code == "ALL" or rule.startswith(code) for code in codes)


@dataclass(frozen=True)
class FixPolicy:
    """`unsafe`: unsafe fixes apply too. `fixable` / `unfixable`: rule ids or prefixes whose
    fixes may (not) be applied. `extend_safe` / `extend_unsafe`: rules whose fixes count as
    safe / unsafe whatever the rule declares (unsafe wins when both name a rule)."""

    unsafe: bool = False
    fixable: tuple[str, ...] = ("ALL",)
    unfixable: tuple[str, ...] = ()
    extend_safe: tuple[str, ...] = ()
    extend_unsafe: tuple[str, ...] = ()

    def safe(self, finding: Finding) -> bool:
        """The fix's safety for this run."""
        if _selects(self.extend_unsafe, finding.rule):
            return False
        return finding.fix is not None and (finding.fix.safe or _selects(self.extend_safe, finding.rule))

    def fixable_rule(self, rule: str) -> bool:
        return _selects(self.fixable, rule) and not _selects(self.unfixable, rule)

    def applies(self, finding: Finding) -> bool:
        """A fix this run may apply."""
        fix = finding.fix
        if fix is None or not fix.edits or not self.fixable_rule(finding.rule):
            return False
        return self.unsafe or self.safe(finding)

    def hidden(self, finding: Finding) -> bool:
        """An unsafe fix this run leaves out, which `--unsafe-fixes` would apply."""
        return (not self.unsafe and finding.fix is not None and bool(finding.fix.edits)
                and self.fixable_rule(finding.rule) and not self.safe(finding))


def from_settings(settings) -> FixPolicy:
    return FixPolicy(settings.unsafe_fixes, settings.fixable, settings.unfixable,
                     settings.extend_safe_fixes, settings.extend_unsafe_fixes)


def counts_line(findings: list[Finding], policy: FixPolicy, fixing: bool) -> str:
    """`[*] 2 fixable with --fix (1 hidden fix can be enabled with --unsafe-fixes).`, or ''."""
    fixable = sum(policy.applies(f) for f in findings)
    hidden = sum(policy.hidden(f) for f in findings)
    parts = []
    if fixable and not fixing:
        parts.append(f"[*] {fixable} fixable with `--fix`.")
    if hidden:
        fixes = "fix" if hidden == 1 else "fixes"
        parts.append(f"{hidden} hidden {fixes} can be enabled with `--unsafe-fixes`.")
    return " ".join(parts)


def summary(settings, findings: list[Finding], fixed=None) -> str:
    """The report's fix sentence: what was fixed (`fixed`, a fixes.command.Fixed), and what
    `--fix` / `--unsafe-fixes` would fix of `findings`."""
    line = counts_line(findings, from_settings(settings), fixed is not None)
    return " ".join(part for part in (fixed.summary if fixed else "", line) if part)
