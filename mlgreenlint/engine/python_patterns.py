"""Run a rule's declared Python patterns over one file's call sites."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlgreenlint.checks import SITE_CHECKS
from mlgreenlint.match.predicates import (
    ABSENT,
    Evaluator,
    FixSpec,
    Hit,
    PatternMatch,
    candidates,
    display_name,
    site_matches_target,
    where,
)
from mlgreenlint.model import Rule
from mlgreenlint.python.context import FileContext, innermost_loop


def run_patterns(rule: Rule, ctx: FileContext, options: dict) -> Iterator[Hit]:
    evaluator = Evaluator(rule, options, ctx)
    for pattern in rule.match.get("python", ()):
        check = SITE_CHECKS[pattern["check"]] if "check" in pattern else None
        predicates = where(pattern)
        for site in candidates(pattern, ctx):
            if not _context_holds(pattern, site, ctx):
                continue
            if evaluator.all(predicates, site) is not True:
                continue
            match = _match(rule, pattern, site, evaluator, options)
            if check is None:
                yield match.hit()
            else:
                yield from check(match)
        if check is None and "env" not in pattern and any(k in pattern for k in _CONTEXT_KEYS):
            for site in ctx.sites:
                if not site_matches_target(site, pattern):
                    hit = _through_helper(rule, pattern, site, ctx, evaluator, options, predicates)
                    if hit is not None:
                        yield hit


_CONTEXT_KEYS = ("inside", "unguarded", "not-inside-with")


def _through_helper(rule: Rule, pattern: dict, site, ctx: FileContext, evaluator: Evaluator, options: dict,
                    predicates: list[dict]) -> Hit | None:
    """A repository helper whose every run makes a matching call counts at its call site.

    Only for patterns about where a call runs (a batch loop, unguarded): the helper's own
    file cannot see the caller's loop, while plain patterns already report in the helper.
    """
    if not site.names or not _context_holds(pattern, site, ctx):
        return None
    for proxy, note in ctx.helper_calls(site):
        if not site_matches_target(proxy, pattern) or evaluator.all(predicates, proxy) is not True:
            continue
        hit = _match(rule, pattern, proxy, evaluator, options).hit()
        return Hit(site.node, f"{hit.message} (through {note})")
    return None


def _context_holds(pattern: dict, site, ctx: FileContext) -> bool:
    frame = site.record.frame
    inside = pattern.get("inside")
    loop = None
    if inside == "batch-loop":
        loop = ctx.in_batch_loop(frame)
        if loop is None:
            return False
    elif inside == "step":
        loop = ctx.in_step(frame)
        if loop is None:
            return False
    elif inside == "loop":
        loop = innermost_loop(frame)
        if loop is None:
            return False
    elif inside == "function":
        if not any(f.kind == "def" for f in (frame.chain() if frame else ())):
            return False
    elif inside == "module":
        if any(f.kind == "def" for f in (frame.chain() if frame else ())):
            return False
    if pattern.get("unguarded") and ctx.guarded(frame, loop):
        return False
    if pattern.get("unconditional") and ctx.conditional(frame, loop):
        return False
    avoid = pattern.get("not-inside-with")
    if avoid and ctx.inside_with(frame, set(avoid)):
        return False
    condition = pattern.get("not-inside-if")
    if condition and ctx.inside_if_matching(frame, re.compile(condition)):
        return False
    function = pattern.get("not-inside-def")
    if function and ctx.inside_def_matching(frame, re.compile(function)):
        return False
    if pattern.get("wraps") == "training" and not ctx.wraps_training(site):
        return False
    feeds = pattern.get("feeds")
    if feeds and ctx.feeds(site) not in feeds:
        return False
    comment = pattern.get("not-commented")
    if comment and ctx.comment_matches(site, re.compile(comment)):
        return False
    return True


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
        spec = pattern.get("fix")
        if spec and arg is not None and values["value"] is not ABSENT:
            fix = FixSpec(arg.expression, spec["value"], spec["title"], spec.get("safe", False))
    return PatternMatch(rule, options, pattern, site, node, arg, values, fix)
