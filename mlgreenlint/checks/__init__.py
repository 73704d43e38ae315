"""Checks registered in code: the escape hatch for what a rule file cannot declare.

A rule file names a file check with `match.check = "<name>"`, and a site check with a
pattern's `check = "<name>"`: the pattern selects the calls, the site check judges each one
and writes the message and fix. A `[[match.config]]` pattern's `check` names a config check
(`CONFIG_CHECKS`): it receives the selected config node the same way (`PatternMatch` whose
`site.node` is the node, `root` the document and `text` the file) and may attach a fix whose
node is a `Span`. Everything else about the rule (docs, severity, options,
examples) stays in the file. The registries are explicit dicts.

Each file check carries its screen: on the file's `ast` sketch, whether the check may report
at all (a necessary condition), or None to always parse the file. The screen runs before
libcst is imported, so a check's module (which imports libcst) is imported on its first call.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

from mlgreenlint.python.screen import CheckScreen, calls_any
from mlgreenlint.python.sketch_training import (
    batch_loops,
    entry_trains,
)
from mlgreenlint.python.vocabulary import (
    ACCELERATORS,
    HF_PARSERS,
    KERAS_COMPILE,
    KERAS_FIT,
)

if TYPE_CHECKING:
    from mlgreenlint.match.predicates import Hit


@dataclass(frozen=True)
class Registered:
    """A check function of `mlgreenlint/checks/<module>.py`, imported when first called."""

    module: str
    function: str

    def __call__(self, *args) -> Iterator[Hit]:
        return getattr(import_module(f"{__name__}.{self.module}"), self.function)(*args)


@dataclass(frozen=True)
class FileCheck(Registered):
    """A check of a whole Python file (`match.check`), called with (FileContext, Rule, options)."""

    #: Required: a check that cannot be screened says so with None.
    screen: CheckScreen
    #: The check reads only the file's text and the repository's files (`python.seams.SourceFile`),
    #: never the libcst analysis, and its hits point at `Span`s: where the screen leaves only
    #: such checks, the file is not parsed with libcst.
    source_only: bool = False


CHECKS: dict[str, FileCheck] = {
    # MP001: a batch loop (the accelerator test is the check's own).
    "fp32-training-loop": FileCheck("training_loop", "fp32_training_loop", lambda sk: bool(batch_loops(sk))),
    "keras-fit-without-mixed-policy": FileCheck("training_loop", "keras_fit_without_policy",
                                                lambda sk: {KERAS_FIT, KERAS_COMPILE} <= sk.methods),
    "training-without-emissions-tracking": FileCheck("emissions", "training_without_tracking",
                                                     lambda sk: entry_trains(sk)),
    "tracker-never-stopped": FileCheck("emissions", "tracker_never_stopped", None),
    "hf-argparser-launch": FileCheck("by_launch", "hf_argparser_launch",
                                     lambda sk: calls_any(sk, HF_PARSERS) and sk.repo.runs_file()),
    "accelerate-launch": FileCheck("by_launch", "accelerate_launch", lambda sk: calls_any(sk, ACCELERATORS)),
    # MMEngine configs: the file itself writes the setting (findings land where it is written).
    "mmengine-fp32-optim-wrapper": FileCheck("mmengine", "fp32_optim_wrapper", lambda sk: "optim_wrapper" in sk.stored,
                                             source_only=True),
    "mmengine-checkpoint-interval": FileCheck("mmengine", "checkpoint_interval",
                                              lambda sk: "default_hooks" in sk.stored, source_only=True),
}

#: Each file check's screen, for `screen.may_fire`.
CHECK_SCREENS: dict[str, CheckScreen] = {name: check.screen for name, check in CHECKS.items()}
#: The file checks that need no libcst analysis, for `screen.needs`.
SOURCE_CHECKS = frozenset(name for name, check in CHECKS.items() if check.source_only)

#: Checks of config files that launch commands tie to scripts; same names as their Python side.
#: Called with (by_launch.LinkedConfig, Rule, options).
LINK_CHECKS: dict[str, Registered] = {
    "hf-argparser-launch": Registered("by_launch", "hf_args_file"),
    "accelerate-launch": Registered("by_launch", "accelerate_config"),
}

#: Site checks, called with a `PatternMatch`.
SITE_CHECKS: dict[str, Registered] = {
    "high-carbon-region": Registered("regions", "high_carbon_region"),
    "unpinned-region": Registered("regions", "unpinned_region"),
    "orbax-retention": Registered("retention", "orbax_retention"),
}

CONFIG_CHECKS: dict[str, Registered] = {
    "high-carbon-region": Registered("config_regions", "high_carbon_region"),
    "unpinned-region": Registered("config_regions", "unpinned_region"),
    "node-label-region": Registered("config_regions", "node_label_region"),
    "composer-save-interval": Registered("config_intervals", "composer_save_interval"),
    "report-to-tracker": Registered("report_to", "config_report_to"),
}
