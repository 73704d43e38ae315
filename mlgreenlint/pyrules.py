"""Run a rule's declared Python patterns over one file's call sites."""

from __future__ import annotations

from collections.abc import Iterator

from mlgreenlint.checks import SITE_CHECKS
from mlgreenlint.matcher import ABSENT, Evaluator, FixSpec, Hit, PatternMatch, candidates, display_name, where
from mlgreenlint.model import Rule
from mlgreenlint.pycontext import FileContext, innermost_loop


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


def _context_holds(pattern: dict, site, ctx: FileContext) -> bool:
    frame = site.record.frame
    inside = pattern.get("inside")
    loop = None
    if inside == "batch-loop":
        loop = ctx.in_batch_loop(frame)
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
    avoid = pattern.get("not-inside-with")
    if avoid and ctx.inside_with(frame, set(avoid)):
        return False
    return True


def _match(rule: Rule, pattern: dict, site, evaluator: Evaluator, options: dict) -> PatternMatch:
    values = dict(options)
    values["call"] = display_name(site.name)
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
