"""Checkpoint intervals written as Composer time strings: `500ba`, `1ep`, `0.05dur`.

A declared predicate compares numbers; Composer's intervals carry a unit, and an integer
means epochs (composer/utils/misc.py `create_interval_scheduler`), so they are parsed here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlgreenlint.fixes.config_edits import set_key
from mlgreenlint.match.predicates import FixSpec, Hit, PatternMatch

_TIME = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(ba|ep|dur|sp|tok|iter|sec)\s*", re.IGNORECASE)


def composer_time(value: object) -> tuple[float, str] | None:
    """(count, unit) of a Composer time value; None for anything that is not a literal time."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return float(value), "ep"
    if isinstance(value, str) and (m := _TIME.fullmatch(value)):
        return float(m.group(1)), m.group(2).lower()
    return None


def composer_save_interval(match: PatternMatch) -> Iterator[Hit]:
    """`save_interval` in batches below `min-save-steps` (unless `max_duration` in batches ends
    the run first), or as a share of the run below `min-save-fraction`."""
    if match.arg is None:
        return  # llm-foundry's default is 1000ba
    interval = composer_time(match.arg.value)
    if interval is None:
        return
    count, unit = interval
    if unit == "ba" and 1 <= count < match.options["min-save-steps"]:
        run = composer_time(_plain(match.site.node.get("max_duration")))
        if run is not None and run[1] == "ba" and run[0] <= count:
            return
        yield match.hit(_raise_to(match, f"{match.options['min-save-steps']}ba"), interval=f"{count:g} batches")
    elif unit == "dur" and 0 < count < match.options["min-save-fraction"]:
        yield match.hit(_raise_to(match, f"{match.options['min-save-fraction']:g}dur"), interval=f"{count:g} of the run")


def _raise_to(match: PatternMatch, interval: str) -> FixSpec | None:
    """`save_interval` rewritten to the rule's threshold, in the unit it was written in."""
    edits = set_key(match.text, match.syntax, match.site.node, "save_interval", interval)
    return FixSpec(edits) if edits else None


def _plain(node) -> object:
    return node.plain() if node is not None else None
