"""Hugging Face `report_to`: whether a run's Trainer reports to codecarbon.

One decision for the Python side of ET001 (`TrainingArguments(report_to=...)`, launch flags,
argument files) and for training configs that pass `report_to` to the Trainer unchanged
(LLaMA-Factory). No parser is imported here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from mlgreenlint.fixes.config_edits import render, set_key
from mlgreenlint.match.names import Symbol
from mlgreenlint.match.predicates import ABSENT, FixSpec, Hit, PatternMatch
from mlgreenlint.match.sites import UNKNOWN, CallValue
from mlgreenlint.versions import Versions

#: `report_to` entries that start transformers' CodeCarbonCallback (`integration_utils.py`).
TRACKING = ("codecarbon", "all")
TRACKER = "codecarbon"


def reports_to_tracker(value, versions: Versions) -> bool:
    """The value may make the Trainer report to codecarbon (unknown values may)."""
    if value is UNKNOWN or isinstance(value, (CallValue, Symbol)):
        return True  # computed, or a name defined elsewhere
    if value is ABSENT or value is None:
        # transformers 4.x: None means every installed integration, codecarbon among them.
        return versions.below("transformers", "5") and versions.pin("codecarbon") is not None
    items = [value] if isinstance(value, str) else list(value) if isinstance(value, (list, tuple)) else []
    if any(v is UNKNOWN or isinstance(v, Symbol) for v in items):
        return True
    return any(isinstance(v, str) and v in TRACKING for v in items)


def config_report_to(match: PatternMatch) -> Iterator[Hit]:
    """A training config whose `report_to` (passed to the Trainer unchanged) names no tracker."""
    value = match.arg.value if match.arg is not None else ABSENT
    if reports_to_tracker(value, match.values["pin"]):
        return
    if match.arg is None:
        # Unset: point at the key that makes the file a training run.
        do_train = match.site.node.get("do_train")
        match = replace(match, node=do_train.anchor_span()) if do_train is not None else match
    yield match.hit(_add_tracker(match, value))


def _add_tracker(match: PatternMatch, value) -> FixSpec | None:
    """`report_to: codecarbon` where it is unset or `none`; a one-line string or flow list gains it."""
    if value is ABSENT or value in ("none", None, []):
        edits = set_key(match.text, match.syntax, match.site.node, "report_to", TRACKER)
    else:
        node = match.arg.node
        items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        if match.syntax not in ("yaml", "json") or node.span.line != node.span.end_line \
                or not items or not all(isinstance(v, str) for v in items):
            return None
        edits = ((node.span, "[" + ", ".join(render(v, match.syntax) for v in (*items, TRACKER)) + "]"),)
    return FixSpec(edits, "Report the run to codecarbon") if edits else None
