"""Fields of NeMo 2.0 recipes set by assignment, each seen as a call of the object the field holds.

`recipe = llm.llama3_8b.pretrain_recipe(...)` is a NeMo-Run `Partial` whose fields are configured
objects; `recipe.log.ckpt.every_n_train_steps = 10` sets a keyword of the `nl.ModelCheckpoint` it
builds. The assignments to one field of one recipe name become one call site whose keywords are
the assigned values; the keywords the recipe itself passes are not seen, so absent ones are
unknown (`partial`).
"""

from __future__ import annotations

from collections.abc import Iterable

import libcst as cst

from mlgreenlint.match.names import names_match
from mlgreenlint.python import bindings
from mlgreenlint.python.bindings import CallRecord, Store, dotted_name
from mlgreenlint.python.scopes import AssignBinding
from mlgreenlint.python.values import UNKNOWN, CallSite, SourceArg
from mlgreenlint.python.vocabulary import NEMO_RECIPE_FIELDS, NEMO_RECIPES


def recipe_sites(stores: Iterable[Store]) -> list[CallSite]:
    sites: dict[tuple, CallSite] = {}
    for store in stores:
        path = (dotted_name(store.target) or "").split(".")
        cls = NEMO_RECIPE_FIELDS.get(tuple(path[1:-1]))
        if cls is None or not _recipe(path[0], store.scope):
            continue
        owner = store.scope.lookup(path[0])[0]
        key = (id(owner), tuple(path[:-1]))
        site = sites.get(key)
        if site is None:
            record = CallRecord(store.target, store.scope, store.frame)
            site = sites[key] = CallSite((cls,), None, {}, [], False, False, store.target, record, partial=True)
        keyword, arg = path[-1], SourceArg.known(store.value, UNKNOWN)
        # Assigned twice: flow-insensitive, so the value is known only from a single assignment.
        site.keywords[keyword] = arg if keyword in site.keywords else SourceArg(store.value, store.scope)
    return list(sites.values())


def _recipe(name: str, scope) -> bool:
    """Every binding of `name` is the result of a NeMo recipe factory call."""
    found = scope.lookup(name)
    if found is None:
        return False
    for binding in found[1]:
        if not isinstance(binding, AssignBinding) or binding.unpacked or not isinstance(binding.value, cst.Call):
            return False
        factory = bindings.resolve(binding.value.func, binding.scope)
        if factory is None or not names_match((factory.qualname,), NEMO_RECIPES):
            return False
    return True
