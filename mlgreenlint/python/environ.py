"""Environment variables a Python file sets, each seen as a call site with keywords `name` and `value`.

`os.environ[K] = v`, `os.environ.setdefault(K, v)`, `os.putenv(K, v)` and `os.environ.update(...)`
all become one shape, so rule patterns (`env = [...]`) and predicates judge them like calls. A
site's `names` is `(K,)` when the variable's name is known, and empty when it is not (a key from a
variable, `update(**cfg)`): such a site may set any variable.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import libcst as cst

from mlgreenlint.python import bindings
from mlgreenlint.python.bindings import CallRecord, Store
from mlgreenlint.python.values import UNKNOWN, Arg, CallSite, SourceArg
from mlgreenlint.python.vocabulary import ENV_SETTERS, ENV_UPDATE, ENVIRON


def env_sites(stores: Iterable[Store], sites: Iterable[CallSite]) -> list[CallSite]:
    """Every place the file sets an environment variable, in source order of discovery."""
    out = [site for store in stores for site in _from_store(store)]
    for site in sites:
        name = site.names[0] if site.names else ""
        if name in ENV_SETTERS and len(site.positional) >= 2:
            key, value = site.positional[:2]
            out.append(_site(key, value, site.node, site.record))
        elif name == ENV_UPDATE:
            out.extend(_from_update(site))
    return out


def _site(key: Arg, value: Arg, node, record: CallRecord | None) -> CallSite:
    names = (key.value,) if isinstance(key.value, str) else ()
    return CallSite(names, None, {"name": key, "value": value}, [], False, False, node, record)


def _unknown(node, record: CallRecord | None) -> CallSite:
    return _site(SourceArg.known(node, UNKNOWN), SourceArg.known(node, UNKNOWN), node, record)


def _from_store(store: Store) -> Iterator[CallSite]:
    resolved = bindings.resolve(store.target.value, store.scope)
    if resolved is None or resolved.instance or resolved.qualname != ENVIRON:
        return
    record = CallRecord(store.target, store.scope, store.frame)
    elements = store.target.slice
    if len(elements) == 1 and isinstance(elements[0].slice, cst.Index):
        key = SourceArg(elements[0].slice.value, store.scope)
        yield _site(key, SourceArg(store.value, store.scope), store.target, record)
    else:
        yield _unknown(store.target, record)


def _from_update(site: CallSite) -> Iterator[CallSite]:
    record, scope = site.record, site.record.scope
    if site.open_kwargs or site.open_args or len(site.positional) > 1:
        yield _unknown(site.node, record)
        return
    for keyword, arg in site.keywords.items():
        yield _site(SourceArg.known(arg.node, keyword), arg, arg.node, record)
    if not site.positional:
        return
    mapping = site.positional[0].expression
    if isinstance(mapping, cst.Dict):
        for element in mapping.elements:
            if isinstance(element, cst.DictElement):
                yield _site(SourceArg(element.key, scope), SourceArg(element.value, scope), element.value, record)
            else:
                yield _unknown(element.value, record)
        return
    value = site.positional[0].value
    if not isinstance(value, dict):
        yield _unknown(site.node, record)
        return
    for key, inner in value.items():
        yield _site(SourceArg.known(mapping, key), SourceArg.known(mapping, inner), mapping, record)
