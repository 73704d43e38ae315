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
from mlgreenlint.python.scopes import AssignBinding, Scope
from mlgreenlint.python.values import UNKNOWN, CallSite, SourceArg
from mlgreenlint.python.vocabulary import NEMO_RECIPE_FIELDS, NEMO_RECIPES


def recipe_sites(stores: Iterable[Store]) -> list[CallSite]:
    """One call site per field of a recipe name that the file assigns to (`recipe.log.ckpt`)."""
    sites: dict[tuple, CallSite] = {}
    for store in stores:
        path = (dotted_name(store.target) or "").split(".")
        cls = NEMO_RECIPE_FIELDS.get(tuple(path[1:-1]))
        owner = _recipe_scope(path[0], store.scope) if cls is not None else None
        if owner is None:
            continue
        key = (id(owner), tuple(path[:-1]))
        if key not in sites:
            record = CallRecord(store.target, store.scope, store.frame)
            sites[key] = CallSite((cls,), None, {}, [], False, False, store.target, record, partial=True)
        keywords, keyword = sites[key].keywords, path[-1]
        # Flow-insensitive: a keyword assigned twice has no one value.
        keywords[keyword] = SourceArg.known(store.value, UNKNOWN) if keyword in keywords else SourceArg(store.value, store.scope)
    return list(sites.values())


def _recipe_scope(name: str, scope: Scope) -> Scope | None:
    """The scope binding `name` when every binding of it is a NeMo recipe factory's result."""
    found = scope.lookup(name)
    if found is None:
        return None
    owner, bound = found
    for binding in bound:
        if not isinstance(binding, AssignBinding) or binding.unpacked or not isinstance(binding.value, cst.Call):
            return None
        factory = bindings.resolve(binding.value.func, binding.scope)
        if factory is None or not names_match((factory.qualname,), NEMO_RECIPES):
            return None
    return owner
