"""Which rules run, with which severity and options, and which findings a file keeps."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlgreenlint.errors import SettingsError, did_you_mean
from mlgreenlint.globs import glob_matcher, path_matches
from mlgreenlint.model import Rule, Severity
from mlgreenlint.ruleset.rulebook import option_type_problem
from mlgreenlint.settings import Settings

_CODE = re.compile(r"(ALL|[A-Z]{2}[0-9]{0,3})\Z")


@dataclass(frozen=True)
class ActiveRule:
    """A rule as this run applies it."""

    rule: Rule
    severity: Severity
    options: dict

    @property
    def id(self) -> str:
        return self.rule.id


def _specificity(code: str) -> int:
    return -1 if code == "ALL" else len(code)


def _matches(code: str, rule_id: str) -> bool:
    return code == "ALL" or rule_id.startswith(code)


def is_selected(rule_id: str, select, ignore, extend_select=()) -> bool:
    """Longest matching code wins; on a tie, ignore beats select."""
    best_select = max((_specificity(c) for c in (*select, *extend_select) if _matches(c, rule_id)), default=None)
    best_ignore = max((_specificity(c) for c in ignore if _matches(c, rule_id)), default=None)
    if best_select is None:
        return False
    return best_ignore is None or best_select > best_ignore


def check_codes(codes, known: set[str], where: str, source: str = "") -> None:
    """Every code must be ALL, a known family or a known rule id."""
    families = {k[:2] for k in known}
    for code in codes:
        if not _CODE.match(code):
            raise SettingsError(source, where, f"{code!r} is not a rule id or prefix (like MP, CK001 or ALL)")
        if code == "ALL":
            continue
        if not any(k.startswith(code) for k in known) and code not in families:
            raise SettingsError(source, where, f"unknown rule id or prefix {code!r}{did_you_mean(code, known)}")


def activate(rules: list[Rule], settings: Settings) -> list[ActiveRule]:
    """Select rules and apply per-rule severity and option overrides (validated)."""
    known = {r.id for r in rules}
    for name, codes in (("select", settings.select), ("ignore", settings.ignore), ("extend-select", settings.extend_select)):
        check_codes(codes, known, *reversed(settings.origin(name)))
    for glob, codes in settings.per_file_ignores.items():
        check_codes(codes, known, *reversed(settings.origin(f"per-file-ignores.{glob}")))
    by_id = {r.id: r for r in rules}
    for rule_id, table in settings.rules.items():
        if rule_id not in by_id:
            raise SettingsError(settings.source, f"tool.mlgreenlint.rules.{rule_id}",
                                f"unknown rule id{did_you_mean(rule_id, by_id)}")
        rule = by_id[rule_id]
        for key, value in table.items():
            if key == "severity":
                continue
            if key not in rule.options:
                allowed = ", ".join(sorted(rule.options)) or "none"
                raise SettingsError(settings.source, f"tool.mlgreenlint.rules.{rule_id}.{key}", f"unknown option{did_you_mean(key, rule.options)} (options of {rule_id}: {allowed})")
            problem = option_type_problem(rule.options[key]["type"], value)
            if problem:
                raise SettingsError(settings.source, f"tool.mlgreenlint.rules.{rule_id}.{key}", problem)
    active = []
    for rule in rules:
        if not is_selected(rule.id, settings.select, settings.ignore, settings.extend_select):
            continue
        if rule.opt_in and rule.id not in {c.upper() for c in (*settings.select, *settings.extend_select)}:
            continue
        overrides = settings.rules.get(rule.id, {})
        options = rule.option_defaults()
        options.update({k: v for k, v in overrides.items() if k != "severity"})
        severity = Severity.parse(overrides["severity"]) if "severity" in overrides else rule.severity
        active.append(ActiveRule(rule, severity, options))
    return active


def applies(active: ActiveRule, path: str) -> bool:
    """Whether the rule looks at `path` at all (its `match.exclude` globs do not take it)."""
    return not glob_matcher(tuple(active.rule.match.get("exclude", ())))(path)


def ignored_for_path(path: str, per_file_ignores: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Codes that per-file-ignores switch off for a relative path."""
    codes: list[str] = []
    for glob, ignored in per_file_ignores.items():
        if path_matches(path, glob):
            codes.extend(ignored)
    return tuple(codes)
