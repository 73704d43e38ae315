"""Checks registered in code: the escape hatch for what a rule file cannot declare.

A rule file names a file check with `match.check = "<name>"`, and a site check with a
pattern's `check = "<name>"`: the pattern selects the calls, the site check judges each one
and writes the message and fix. A `[[match.config]]` pattern's `check` names a config check
(`CONFIG_CHECKS`): it receives the selected config node the same way (`PatternMatch` whose
`site.node` is the node, `root` the document and `text` the file) and may attach a fix whose
node is a `Span`. Everything else about the rule (docs, severity, options,
examples) stays in the file. The registries are explicit dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from mlgreenlint.checks import (
    by_launch,
    config_regions,
    emissions,
    regions,
    training_loop,
)
from mlgreenlint.match.predicates import Hit, PatternMatch
from mlgreenlint.model import Rule
from mlgreenlint.python.context import FileContext

Check = Callable[[FileContext, Rule, dict], Iterator[Hit]]
SiteCheck = Callable[[PatternMatch], Iterator[Hit]]

CHECKS: dict[str, Check] = {
    "fp32-training-loop": training_loop.fp32_training_loop,
    "keras-fit-without-mixed-policy": training_loop.keras_fit_without_policy,
    "training-without-emissions-tracking": emissions.training_without_tracking,
    "tracker-never-stopped": emissions.tracker_never_stopped,
    "hf-argparser-launch": by_launch.hf_argparser_launch,
    "accelerate-launch": by_launch.accelerate_launch,
}

#: Checks of config files that launch commands tie to scripts; same names as their Python side.
LINK_CHECKS: dict[str, Callable[[by_launch.LinkedConfig, Rule, dict], Iterator[Hit]]] = {
    "hf-argparser-launch": by_launch.hf_args_file,
    "accelerate-launch": by_launch.accelerate_config,
}

SITE_CHECKS: dict[str, SiteCheck] = {
    "high-carbon-region": regions.high_carbon_region,
    "unpinned-region": regions.unpinned_region,
}

CONFIG_CHECKS: dict[str, SiteCheck] = {
    "high-carbon-region": config_regions.high_carbon_region,
    "unpinned-region": config_regions.unpinned_region,
}
