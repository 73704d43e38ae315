"""Qualified names against a rule's name patterns (globs allowed), with no parser imported.

The `ast` screen and the libcst analysis call the same functions here, so a pattern that can
match in one can match in the other. A list of patterns is compiled once (`patterns`) and
kept for the run: a custom rule may list thousands of names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence, Set
from fnmatch import translate
from functools import lru_cache

from mlgreenlint.aliases import canonical, exact_aliases

_GLOB = re.compile(r"[*?\[]")


class Symbol(str):
    """A qualified name used as a value, such as `torch.bfloat16`."""


def display_name(qualname: str) -> Symbol:
    """How a message names a callee: a class by its name, a function with its module."""
    parts = qualname.split(".")
    if len(parts) > 1 and not parts[-1][:1].isupper():
        return Symbol(".".join(parts[-2:]))
    return Symbol(parts[-1])


class NamePatterns:
    """A list of qualified-name patterns, canonicalised and compiled once.

    `match` tests full qualified names; `last_match` tests the last name a call is written
    with, a necessary condition for its qualified name to match (what the screen knows).
    """

    def __init__(self, patterns: Iterable[str]):
        canon = tuple(dict.fromkeys(canonical(p) for p in patterns))
        self.exact = frozenset(p for p in canon if not _GLOB.search(p))
        globs = tuple(p for p in canon if _GLOB.search(p))
        self._globs = _alternatives(globs)
        lasts = dict.fromkeys(last_glob(p) for p in canon)
        # Re-exports that canonicalise to a pattern under another last name.
        for alias, target in exact_aliases():
            if target in self.exact or (self._globs is not None and self._globs.match(target)):
                lasts[alias.rsplit(".", 1)[-1]] = None
        #: Globs on the last name, in order (`TrainingArguments`, `*Config`, `*`).
        self.last_globs = tuple(lasts)
        self.last_exact = frozenset(g for g in lasts if not _GLOB.search(g))
        self._last_globs = _alternatives(tuple(g for g in lasts if _GLOB.search(g)))

    def match(self, names: Iterable[str]) -> bool:
        """Some name matches some pattern."""
        for name in names:
            if name in self.exact or (self._globs is not None and self._globs.match(name)):
                return True
        return False

    def last_match(self, last: str) -> bool:
        """A call written with this last name may have a qualified name that matches."""
        return last in self.last_exact or (self._last_globs is not None and self._last_globs.match(last) is not None)

    def last_names(self, known: Iterable[str]) -> set[str]:
        """Those of the `known` last names a matching call may be written with."""
        if self._last_globs is None:
            known = known if isinstance(known, (Set, dict)) else set(known)
            small, large = (self.last_exact, known) if len(self.last_exact) < len(known) else (known, self.last_exact)
            return {n for n in small if n in large}
        return {n for n in known if self.last_match(n)}


def _alternatives(globs: tuple[str, ...]) -> re.Pattern | None:
    """One regular expression for a set of globs, matching as `fnmatchcase` does."""
    return re.compile("|".join(translate(g) for g in globs)) if globs else None


def last_glob(pattern: str) -> str:
    """The glob the last name of a call must match for its qualified name to match `pattern`."""
    if "?" in pattern or "[" in pattern:
        return "*"
    if "*" in pattern:
        suffix = pattern.rsplit("*", 1)[1]
        return suffix.rsplit(".", 1)[1] if "." in suffix else "*" + suffix
    return pattern.rsplit(".", 1)[-1]


_BY_ID: dict[int, tuple[Sequence[str], NamePatterns]] = {}
_MAX_BY_ID = 4096


def patterns(names: Sequence[str]) -> NamePatterns:
    """The compiled form of a list of patterns.

    A rule's lists live for the whole run, so they are looked up by identity (the list is
    kept with its entry, so its id is not reused while it is there); other sequences by value.
    """
    key = id(names)
    hit = _BY_ID.get(key)
    if hit is not None and hit[0] is names:
        return hit[1]
    compiled = _by_value(tuple(names))
    if len(_BY_ID) >= _MAX_BY_ID:
        _BY_ID.clear()
    _BY_ID[key] = (names, compiled)
    return compiled


@lru_cache(maxsize=1024)
def _by_value(names: tuple[str, ...]) -> NamePatterns:
    return NamePatterns(names)


def names_match(site_names: Iterable[str], pattern_names: Sequence[str]) -> bool:
    """Some qualified name matches some pattern (canonical spellings, globs allowed)."""
    return patterns(pattern_names).match(site_names)
