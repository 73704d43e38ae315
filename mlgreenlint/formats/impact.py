"""Impact facts: a rule's measured (or cited) cost, in the one shape every format publishes."""

from __future__ import annotations

from mlgreenlint.model import Finding, Rule


def facts(rule: Rule | None) -> dict | None:
    """The rule file's `impact` table plus its sentence, or None when the rule states no figure."""
    if rule is None or rule.impact is None:
        return None
    return {**rule.impact, "statement": statement(rule.impact)}


def statement(impact: dict) -> str:
    """E.g. `strict fp32 (TF32 off) used 6.1x the GPU energy per training step of bf16 autocast (...)`."""
    return (f"{impact['habit']} used {multiplier(impact)} the {impact['quantity']} of {impact['baseline']}"
            f" ({provenance(impact)})")


def provenance(impact: dict) -> str:
    """`measured on one NVIDIA H200, ...`, or `<setting>; cited` for a published figure."""
    return f"measured on {impact['setting']}" if impact["kind"] == "measured" else f"{impact['setting']}; cited"


def sourced(impact: dict) -> str:
    """The statement with where the figure comes from, for `explain` and the rule pages."""
    return f"{statement(impact)}; source: {impact['source']}"


def multiplier(impact: dict) -> str:
    return f"{impact['multiplier']:g}x"


def by_rule(rules: list[Rule]) -> dict[str, dict]:
    """Rule id -> facts, for the rules that state a figure."""
    return {rule.id: found for rule in rules if (found := facts(rule)) is not None}


def finding_dict(finding: Finding, impacts: dict[str, dict]) -> dict:
    """`Finding.to_dict()` with the rule's impact facts (None when it states none)."""
    return {**finding.to_dict(), "impact": impacts.get(finding.rule)}
