"""Checks registered in code: the escape hatch for what a rule file cannot declare.

A rule file names a check with `match.check = "<name>"`; everything else about the rule
(docs, severity, options, examples) stays in the file. The registry is an explicit dict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from mlgreenlint.checks import emissions, training_loop
from mlgreenlint.matcher import Hit
from mlgreenlint.model import Rule
from mlgreenlint.pycontext import FileContext

Check = Callable[[FileContext, Rule, dict], Iterator[Hit]]

CHECKS: dict[str, Check] = {
    "fp32-training-loop": training_loop.fp32_training_loop,
    "keras-fit-without-mixed-policy": training_loop.keras_fit_without_policy,
    "training-without-emissions-tracking": emissions.training_without_tracking,
    "tracker-never-stopped": emissions.tracker_never_stopped,
}
