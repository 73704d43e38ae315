"""The config pipeline of one file: classify, parse with positions, run config patterns,
then the checks that judge a config by the scripts launched with it."""

from __future__ import annotations

from mlgreenlint.configs import classify, document
from mlgreenlint.engine import config_patterns
from mlgreenlint.engine.job import GL_PARSE, Job, tool_finding
from mlgreenlint.match.predicates import Hit
from mlgreenlint.model import FileResult, Span
from mlgreenlint.ruleset.selection import ActiveRule, applies


def lint(path: str, text: str, job: Job, result: FileResult) -> list[tuple[ActiveRule, Hit]]:
    """Hits of the config rules and of the launch-linked checks on one config file."""
    hits = _config(path, text, job, result)
    return hits + _linked(path, text, job, hits)


def _config(path: str, text: str, job: Job, result: FileResult) -> list[tuple[ActiveRule, Hit]]:
    """Classify before parsing: pre-commit hands the hook every YAML, JSON and TOML file."""

    rules = [a for a in job.rules if applies(a, path) and _config_rule(a)]
    by_name = classify.kinds_by_name(path)
    head = text.encode("utf-8", "replace")
    if not rules or not (by_name or classify.could_be_ml_config(path, head)):
        return []
    try:
        docs = document.parse(text, document.format_of(path))
    except document.ConfigError as exc:
        if by_name and not classify.templated(head):  # a Helm chart's raycluster_role.yaml
            span = Span(exc.line, exc.column, exc.line, exc.column)
            tool_finding(result, job, GL_PARSE, span, f"cannot parse: {exc.message}")
        else:
            result.notes.append(f"{path}: not parsed ({exc}); not a recognised ML config")
        return []
    kinds = classify.classify(path, docs)
    if not kinds:
        return []
    return list(config_patterns.run(rules, config_patterns.ConfigFile(path, text, docs, kinds, job.versions_for(path))))


def _linked(path: str, text: str, job: Job, hits: list) -> list[tuple[ActiveRule, Hit]]:
    """Rules whose check judges a config by the scripts launched with it (see checks/by_launch.py).

    A hit on a line where the same rule already reported from the config rules is dropped.
    """
    repo = job.repo
    if repo is None:
        return []
    rel = repo.rel(path)
    if rel is None or not repo.launches_with(rel):
        return []
    from mlgreenlint.checks import LINK_CHECKS
    from mlgreenlint.checks.by_launch import LinkedConfig

    rules = [a for a in job.rules if applies(a, path) and a.rule.match.get("check") in LINK_CHECKS]
    if not rules:
        return []
    cfg = LinkedConfig(path, rel, text, repo, job.versions_for(path))
    taken = {(a.id, h.node.line) for a, h in hits if isinstance(h.node, Span)}
    out = []
    for active in rules:
        for hit in LINK_CHECKS[active.rule.match["check"]](cfg, active.rule, active.options):
            if (active.id, hit.node.line) not in taken:
                out.append((active, hit))
    return out


def _config_rule(active: ActiveRule) -> bool:
    match = active.rule.match
    return "config" in match or any("call" in p for p in match.get("python", ()))
