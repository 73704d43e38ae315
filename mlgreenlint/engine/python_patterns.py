"""Run a rule's declared Python patterns over one file's call sites."""

from __future__ import annotations

from collections.abc import Iterator

from mlgreenlint.checks import SITE_CHECKS
from mlgreenlint.match.names import display_name
from mlgreenlint.match.predicates import (
    Evaluator,
    FixSpec,
    Hit,
    PatternMatch,
    WholeLines,
    candidates,
    site_matches_target,
    where,
)
from mlgreenlint.model import Rule
from mlgreenlint.python.context import FileContext
from mlgreenlint.python.context_keys import holds as context_holds
from mlgreenlint.python.context_keys import through_helpers


def run_patterns(rule: Rule, ctx: FileContext, options: dict) -> Iterator[Hit]:
    evaluator = Evaluator(rule, options, ctx)
    for pattern in rule.match.get("python", ()):
        check = SITE_CHECKS[pattern["check"]] if "check" in pattern else None
        predicates = where(pattern)
        for site in candidates(pattern, ctx):
            if not context_holds(pattern, site, ctx):
                continue
            if evaluator.all(predicates, site) is not True:
                continue
            match = _match(rule, pattern, site, evaluator, options)
            if check is None:
                yield match.hit()
            else:
                yield from check(match)
        if check is None and "env" not in pattern and through_helpers(pattern):
            for site in ctx.sites:
                if not site_matches_target(site, pattern):
                    hit = _through_helper(rule, pattern, site, ctx, evaluator, options, predicates)
                    if hit is not None:
                        yield hit


def _through_helper(rule: Rule, pattern: dict, site, ctx: FileContext, evaluator: Evaluator, options: dict,
                    predicates: list[dict]) -> Hit | None:
    """A repository helper whose every run makes a matching call counts at its call site.

    Only for patterns about where a call runs (a batch loop, unguarded): the helper's own
    file cannot see the caller's loop, while plain patterns already report in the helper.
    """
    if not site.names or not context_holds(pattern, site, ctx):
        return None
    for proxy, note in ctx.helper_calls(site):
        if not site_matches_target(proxy, pattern) or evaluator.all(predicates, proxy) is not True:
            continue
        if proxy.origin is not None and context_holds(pattern, proxy.origin, ctx):
            continue  # already judged where it is written (a step function is a step itself)
        hit = _match(rule, pattern, proxy, evaluator, options).hit()
        return Hit(site.node, f"{hit.message} (through {note})")
    return None


def _match(rule: Rule, pattern: dict, site, evaluator: Evaluator, options: dict) -> PatternMatch:
    values = dict(options)
    values["call"] = display_name(site.name)
    values["pin"] = evaluator.file.versions
    node = site.node
    report = pattern.get("report")
    arg = fix = None
    if report:
        # The position a `where` predicate gives for the reported keyword also locates it.
        position = next((p["position"] for p in pattern.get("where", ()) if p.get("keyword") == report and "position" in p), None)
        values["keyword"] = report
        values["value"] = evaluator.lookup({"keyword": report, "position": position}, site)
        arg = site.argument(report, position)
        if arg is not None:
            node = arg.node
    if "fix" in pattern:
        fix = _fix(pattern, site, evaluator.file, options)
    return PatternMatch(rule, options, pattern, site, node, arg, values, fix)


def _fix(pattern: dict, site, ctx: FileContext, options: dict) -> FixSpec | None:
    """The pattern's declared fix at this site: set (or add) a keyword, or remove the statement."""
    from mlgreenlint.fixes import python_edits

    spec = pattern["fix"]
    if spec.get("remove") == "statement":
        edits = python_edits.remove_statement(ctx.facts.module, site.node, WholeLines)
    else:
        keyword = spec["keyword"]
        # A keyword the predicates also accept by position is edited where it is written.
        position = spec.get("position", next((p["position"] for p in pattern.get("where", ())
                                              if p.get("keyword") == keyword and "position" in p), None))
        value = spec["value"] if "value" in spec else repr(options[spec["value-option"]])
        edits = python_edits.set_keyword(site, keyword, value, position)
    return FixSpec(edits, spec.get("title", "")) if edits else None
