"""The keys of a Python pattern about where a call runs (`inside`, `unguarded`, ...): for each,
its exact test on the libcst analysis and the screen's test on an `ast` sketch, in one table.

`engine.python_patterns` runs the exact tests and the screen the sketch tests, so a key added
here reaches both; a key without a sketch test may hold anywhere (the screen keeps the rule).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from mlgreenlint.python import sketch_training
from mlgreenlint.python.frames import in_function, innermost_loop
from mlgreenlint.python.sketch import Call, Sketch


@dataclass
class Place:
    """A call site being judged: the file's context, the site, its frame, and the frame
    (a batch loop, a step function) that `unguarded` and `unconditional` look up to."""

    ctx: object
    site: object
    frame: object
    stop: object = None


@dataclass(frozen=True)
class Inside:
    """A value of `inside`: where the call must be (exact; sets the place's `stop`), and the
    calls of a sketch that may be there."""

    exact: Callable[[Place], object]
    sketch: Callable[[Sketch], list[Call]]


INSIDE: dict[str, Inside] = {
    "batch-loop": Inside(lambda at: at.ctx.in_batch_loop(at.frame), sketch_training.in_batch_loop),
    "step": Inside(lambda at: at.ctx.in_step(at.frame), sketch_training.in_step),
    "loop": Inside(lambda at: innermost_loop(at.frame), lambda sk: [c for c in sk.calls if c.loops]),
    "function": Inside(lambda at: in_function(at.frame) or None,
                       lambda sk: [c for c in sk.calls if c.owner is not None]),
    # The sketch does not tell a class body from module level: every call may be there.
    "module": Inside(lambda at: not in_function(at.frame) or None, lambda sk: sk.calls),
}


def _inside(value: str, at: Place) -> bool:
    found = INSIDE[value].exact(at)
    if isinstance(found, bool) or found is None:
        return bool(found)
    at.stop = found  # a loop or a function frame
    return True


@dataclass(frozen=True)
class ContextKey:
    #: Whether the pattern's value for the key holds at a call site (libcst analysis).
    exact: Callable[[object, Place], bool]
    #: The calls of a sketch where it may hold; None: any call.
    sketch: Callable[[object, Sketch], list[Call]] | None = None
    #: A repository helper that makes a matching call every time it runs counts at its
    #: call site (the helper's own file cannot see the caller's loop or guard).
    through_helpers: bool = False


#: In the order they are tested; `inside` first, as it sets the frame the others look up to.
CONTEXT_KEYS: dict[str, ContextKey] = {
    "inside": ContextKey(_inside, lambda value, sk: INSIDE[value].sketch(sk), through_helpers=True),
    "unguarded": ContextKey(lambda v, at: not v or not at.ctx.guarded(at.frame, at.stop), through_helpers=True),
    "unconditional": ContextKey(lambda v, at: not v or not at.ctx.conditional(at.frame, at.stop)),
    "not-inside-with": ContextKey(lambda v, at: not v or not at.ctx.inside_with(at.frame, set(v)),
                                  through_helpers=True),
    "not-inside-if": ContextKey(lambda v, at: not v or not at.ctx.inside_if_matching(at.frame, re.compile(v))),
    "not-inside-def": ContextKey(lambda v, at: not v or not at.ctx.inside_def_matching(at.frame, re.compile(v))),
    "wraps": ContextKey(lambda v, at: v != "training" or at.ctx.wraps_training(at.site)),
    "feeds": ContextKey(lambda v, at: not v or at.ctx.feeds(at.site) in v),
    "not-commented": ContextKey(lambda v, at: not v or not at.ctx.comment_matches(at.site, re.compile(v))),
}


def holds(pattern: dict, site, ctx) -> bool:
    """Every context key of the pattern holds at the call site."""
    at = Place(ctx, site, site.record.frame)
    return all(key.exact(pattern[name], at) for name, key in CONTEXT_KEYS.items() if name in pattern)


def through_helpers(pattern: dict) -> bool:
    """The pattern is about where a call runs, so a helper making the call counts at its call site."""
    return any(name in pattern for name, key in CONTEXT_KEYS.items() if key.through_helpers)


def placed(pattern: dict, sk: Sketch) -> list[Call]:
    """The calls of a sketch where every context key of the pattern may hold."""
    calls = sk.calls
    for name, key in CONTEXT_KEYS.items():
        if key.sketch is not None and name in pattern:
            allowed = {id(c) for c in key.sketch(pattern[name], sk)}
            calls = [c for c in calls if id(c) in allowed]
    return calls
