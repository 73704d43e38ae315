"""Retention fixes a declared `fix` cannot write: orbax's limit lives in a nested options object."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from mlgreenlint.fixes import python_edits
from mlgreenlint.match.predicates import FixSpec, Hit, PatternMatch
from mlgreenlint.python import bindings
from mlgreenlint.python.values import CallValue

#: Checkpoints a fixed manager keeps (as CK010's accelerate `total_limit`).
KEEP = "3"
_OPTIONS = "CheckpointManagerOptions"
#: Modules that export both CheckpointManager and CheckpointManagerOptions.
_ORBAX = ("orbax.checkpoint", "orbax.checkpoint.checkpoint_manager")


def orbax_retention(match: PatternMatch) -> Iterator[Hit]:
    """CK009 as matched, with a fix: `max_to_keep=3` in the options call the manager is given
    (written inline or assigned to a name in the file), or `options=<orbax>.CheckpointManagerOptions(max_to_keep=3)`
    added when none is passed, spelt through the alias the call itself uses."""
    yield match.hit(_fix(match))


def _fix(match: PatternMatch) -> FixSpec | None:
    site = match.site
    options = site.argument("options", 2)
    if options is None:
        spelt = _options_name(site.node, site.record.scope)
        edits = python_edits.set_keyword(site, "options", f"{spelt}(max_to_keep={KEEP})") if spelt else None
    else:
        value = options.value
        made = isinstance(value, CallValue) and value.name.rsplit(".", 1)[-1] == _OPTIONS and isinstance(value.site.node, cst.Call)
        edits = python_edits.set_keyword(value.site, "max_to_keep", KEEP, 1) if made else None
    return FixSpec(edits) if edits else None


def _options_name(call: cst.Call, scope) -> str | None:
    """`ocp.CheckpointManagerOptions` for `ocp.CheckpointManager(...)`; for a bare
    `CheckpointManager(...)`, the options class when the file imports it by its own name."""
    func = call.func
    if isinstance(func, cst.Attribute):
        module = bindings.resolve(func.value, scope)
        if module is not None and not module.instance and module.qualname in _ORBAX:
            return f"{python_edits.code(func.value)}.{_OPTIONS}"
        return None
    imported = bindings.resolve(cst.Name(_OPTIONS), scope)
    if imported is not None and not imported.instance and imported.qualname in {f"{m}.{_OPTIONS}" for m in _ORBAX}:
        return _OPTIONS
    return None
