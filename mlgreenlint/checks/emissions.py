"""Emissions tracking: training entry points with no tracker, and trackers never stopped.

Tracker calls anywhere in the file (including local helpers and decorators) are handled by
the rule's `unless = [{ file-calls-option = "trackers" }]`; the checks here decide what the
vocabulary cannot: whether the file is a training entry point, what Hugging Face
`report_to` says, and whether a started tracker is ever stopped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import libcst as cst

from mlgreenlint.checks.report_to import reports_to_tracker
from mlgreenlint.match.names import Symbol, names_match
from mlgreenlint.match.predicates import ABSENT, FixSpec, Hit, format_message
from mlgreenlint.model import Rule
from mlgreenlint.python import bindings
from mlgreenlint.python.context import FileContext
from mlgreenlint.python.frames import innermost_def
from mlgreenlint.python.reach import reachable_sites
from mlgreenlint.python.values import UNKNOWN, CallSite, alternatives
from mlgreenlint.python.vocabulary import GRAD_CALLS, HF_PARSERS

_HF_ARGS = ("transformers.TrainingArguments", "transformers.Seq2SeqTrainingArguments", "trl.*Config", "trl.experimental.*Config")
_HF_TRAINERS = ("transformers.Trainer", "transformers.Seq2SeqTrainer", "trl.*Trainer", "trl.experimental.*Trainer")


def training_without_tracking(ctx: FileContext, rule: Rule, options: dict) -> Iterator[Hit]:
    """Report once, at the first training call an executed script reaches."""
    sites = reachable_sites(ctx)
    fits = [s for s in sites if ctx.is_fit(s)]
    steps = [s for s in sites if ctx.is_step(s) or any(n in GRAD_CALLS for n in s.names)]
    first = (fits or steps or [None])[0]
    if first is None or _hf_reports_or_unknown(ctx):
        return
    fix = _report_to_fix(ctx) if first.method == "train" else None
    if fix is None and ctx.nemo_launch(first) != "task":
        # A NeMo-Run task may run on another machine (a Slurm or cloud executor): a tracker
        # around the launch would measure the launcher, so no fix is offered there.
        fix = _tracker_fix(ctx, first, bool(fits))
    yield Hit(first.node, format_message(rule.message, options), fix)


def _report_to_fix(ctx: FileContext) -> FixSpec | None:
    """A Hugging Face Trainer run whose one TrainingArguments (or TRL config) writes `report_to`
    as a literal: add "codecarbon" to it, so the Trainer's CodeCarbonCallback measures the run."""
    from mlgreenlint.fixes import python_edits

    if names_match(ctx.own_referenced, HF_PARSERS):
        return None  # the launches decide report_to, not the call's literal
    configs = [s for s in ctx.sites if names_match(s.names, _HF_ARGS)]
    if len(configs) != 1 or not any(names_match(s.names, _HF_TRAINERS) for s in ctx.sites):
        return None
    arg = configs[0].argument("report_to")
    new = python_edits.add_string(arg.expression, "codecarbon") if arg is not None and arg.source() else None
    return FixSpec(((arg.expression, new),), 'Add "codecarbon" to report_to') if new else None


def _tracker_fix(ctx: FileContext, site: CallSite, fit: bool) -> FixSpec | None:
    """Wrap the training in codecarbon's EmissionsTracker: the statement of a fit call, or the
    outermost loop (in its function) around a training step; the import is added once."""
    from mlgreenlint.fixes import python_edits

    module = ctx.facts.module
    statement = None
    if not fit and site.record is not None:
        loops = [f.node for f in _scope_frames(site.record.frame) if isinstance(f.node, (cst.For, cst.While))]
        statement = loops[-1] if loops else None
    if statement is None:
        found = python_edits.enclosing_statement(module, site.node)
        if found is None or len(found[0].body) != 1:
            return None
        statement = found[0]
    new = python_edits.wrap_in_with(module, statement, "EmissionsTracker()", "codecarbon", "EmissionsTracker")
    return FixSpec(((module, new),))


def _scope_frames(frame):
    """The frames around a call up to its function or class."""
    while frame is not None and frame.kind not in ("def", "class"):
        yield frame
        frame = frame.parent


def _hf_reports_or_unknown(ctx: FileContext) -> bool:
    """Hugging Face `report_to` names codecarbon (or may: unknown, 'all', v4 default)."""
    if names_match(ctx.own_referenced, HF_PARSERS):
        # report_to comes from the command line or a file: the repository's launches decide.
        return _launches_report(ctx)
    for site in ctx.sites:
        if names_match(site.names, _HF_ARGS):
            arg = site.argument("report_to")
            values = alternatives(arg) if arg is not None else [_value(site, "report_to", None)]
            if any(reports_to_tracker(value, ctx.versions) for value in values):
                return True
        elif names_match(site.names, _HF_TRAINERS):
            args = _value(site, "args", 1)
            if args is UNKNOWN and not _bound_to_judged_args(ctx, site):
                return True
            if args is ABSENT and reports_to_tracker(ABSENT, ctx.versions):
                return True
    return False


def _bound_to_judged_args(ctx: FileContext, site: CallSite) -> bool:
    """`Trainer(args=training_args)` at module level where every binding of `training_args`
    is a TrainingArguments-like call of this file: the loop judged each of them, so a name
    bound twice (a notebook's second experiment, a script's second stage) hides nothing."""
    arg = site.argument("args", 1)
    node = getattr(arg.node, "value", arg.node) if arg is not None else None
    if not isinstance(node, cst.Name) or innermost_def(site.record.frame) is not None:
        return False
    bound = ctx.facts.scope.bindings.get(node.value)
    judged = {id(s.node) for s in ctx.sites if names_match(s.names, _HF_ARGS)}
    return bool(bound) and all(isinstance(b, bindings.AssignBinding) and not b.unpacked and id(b.value) in judged
                               for b in bound)


def _launches_report(ctx: FileContext) -> bool:
    """Some launch may report to codecarbon; with no launch, the default run decides (report_to unset)."""
    if ctx.repo is None or ctx.rel is None:
        return True
    launches = ctx.repo.launches_of(ctx.rel, consumer=ctx.rel)
    if not launches:
        return reports_to_tracker(ABSENT, ctx.versions)
    for launch in launches:
        value = launch.flags.get("report_to", ABSENT)
        args = launch.config("args")
        if value is ABSENT and args is not None:
            data = ctx.repo.config(args.path, consumer=ctx.rel) if args.found else None
            if data is None:
                return True  # an arguments file we cannot read
            value = data.get("report_to", ABSENT)
        if isinstance(value, str) and "," in value:
            value = value.split(",")
        if value is not ABSENT and isinstance(value, str) and value.startswith("$"):
            return True
        if reports_to_tracker(value, ctx.versions):
            return True
    return False


def _value(site: CallSite, keyword: str, position: int | None):
    arg = site.argument(keyword, position)
    if arg is None:
        return UNKNOWN if site.may_hide(position) else ABSENT
    return arg.value


# Tracker classes whose measurement runs from a start call until a stop call.
_START_STOP: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "codecarbon.EmissionsTracker": (("start", "start_task"), ("stop", "stop_task")),
    "codecarbon.OfflineEmissionsTracker": (("start", "start_task"), ("stop", "stop_task")),
    "eco2ai.Tracker": (("start", "start_training"), ("stop", "stop_training")),
    "eco2ai.tracker.Tracker": (("start", "start_training"), ("stop", "stop_training")),
    "zeus.monitor.ZeusMonitor": (("begin_window",), ("end_window",)),
    "zeus.monitor.energy.ZeusMonitor": (("begin_window",), ("end_window",)),
}


def tracker_never_stopped(ctx: FileContext, rule: Rule, options: dict) -> Iterator[Hit]:
    """A tracker held in a local name, started, never stopped, and never handed elsewhere."""
    for site in ctx.sites:
        if not site.names or site.method is None:
            continue
        cls, _, method = site.names[0].rpartition(".")
        starts, stops = _START_STOP.get(cls, ((), ()))
        if method not in starts:
            continue
        receiver = site.node.func.value
        if not isinstance(receiver, cst.Name):
            continue
        if _stopped(ctx, cls, stops) or _escapes(ctx, receiver.value, site):
            continue
        values = dict(options, call=Symbol(cls.rsplit(".", 1)[-1]), stop=Symbol(stops[0]))
        yield Hit(site.node, format_message(rule.message, values))


def _stopped(ctx: FileContext, cls: str, stops: tuple[str, ...]) -> bool:
    """Any stop call on this class or on an object of unknown type, or a stop method passed on."""
    for site in ctx.sites:
        if site.method in stops and (not site.names or site.names[0].startswith(cls + ".")):
            return True
    pattern = r"\.(%s)\b(?!\s*\()" % "|".join(map(re.escape, stops))
    return re.search(pattern, ctx.text) is not None


def _escapes(ctx: FileContext, name: str, site: CallSite) -> bool:
    """The tracker is used other than as `name = ...` / `name.method(...)`: it may be stopped elsewhere."""
    found = site.record.scope.lookup(name)
    if found is None:
        return True
    scope, _ = found
    body = next((f.node for f in ctx.facts.functions if f.scope is scope), None)
    if body is None:
        body = ctx.facts.module if scope.kind == "module" else None
    if body is None:
        return True
    receivers: set[int] = set()
    targets: set[int] = set()
    uses: list[int] = []
    for node in bindings.walk(body):
        if isinstance(node, cst.Attribute):
            targets.add(id(node.attr))  # `x.monitor` is not the name `monitor`
            if isinstance(node.value, cst.Name):
                receivers.add(id(node.value))
        elif isinstance(node, cst.Arg) and node.keyword is not None:
            targets.add(id(node.keyword))
        elif isinstance(node, (cst.AssignTarget, cst.AnnAssign)) and isinstance(node.target, cst.Name):
            targets.add(id(node.target))
        elif isinstance(node, cst.Name) and node.value == name:
            uses.append(id(node))
    return any(u not in receivers and u not in targets for u in uses)
