"""Run a rule's declared Python patterns over one file's call sites."""

from __future__ import annotations

from collections.abc import Iterator

from mlgreenlint.matcher import ABSENT, Evaluator, FixSpec, Hit, display_name, format_message, site_matches_target
from mlgreenlint.model import Rule
from mlgreenlint.pycontext import FileContext, innermost_loop


def run_patterns(rule: Rule, ctx: FileContext, options: dict) -> Iterator[Hit]:
    evaluator = Evaluator(rule, options, ctx)
    for pattern in rule.match.get("python", ()):
        contextual = any(k in pattern for k in ("inside", "unguarded", "not-inside-with"))
        for site in ctx.sites:
            if site_matches_target(site, pattern):
                if _context_holds(pattern, site, ctx) and evaluator.all(pattern.get("where", []), site) is True:
                    yield _hit(rule, pattern, site, evaluator, options)
                continue
            if contextual:
                hit = _through_helper(rule, pattern, site, ctx, evaluator, options)
                if hit is not None:
                    yield hit


def _through_helper(rule: Rule, pattern: dict, site, ctx: FileContext, evaluator: Evaluator, options: dict) -> Hit | None:
    """A repository helper whose every run makes a matching call counts at its call site.

    Only for patterns about where a call runs (a batch loop, unguarded): the helper's own
    file cannot see the caller's loop, while plain patterns already report in the helper.
    """
    if not site.names or not _context_holds(pattern, site, ctx):
        return None
    calls = ctx.helper_calls(site)
    for proxy, note in calls:
        if not site_matches_target(proxy, pattern) or evaluator.all(pattern.get("where", []), proxy) is not True:
            continue
        hit = _hit(rule, pattern, proxy, evaluator, options)
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


def _hit(rule: Rule, pattern: dict, site, evaluator: Evaluator, options: dict) -> Hit:
    values = dict(options)
    values["call"] = display_name(site.name)
    node = site.node
    report = pattern.get("report")
    fix = None
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
            fix = FixSpec(getattr(arg.node, "value", arg.node), spec["value"], spec["title"], spec.get("safe", False))
    message = format_message(pattern.get("message", rule.message), values, evaluator.file.versions)
    return Hit(node, message, fix)
