"""Path globs as settings and rule files write them: gitignore-like, on relative `/` paths."""

from __future__ import annotations

import re
from collections.abc import Callable
from fnmatch import fnmatchcase, translate
from functools import lru_cache


def path_matches(path: str, glob: str) -> bool:
    """Match a relative `/` path against a glob: anywhere when the glob has no `/`, like gitignore."""
    glob = glob.rstrip("/")
    if not any(c in glob for c in "*?["):  # a plain name: no pattern to compile
        if "/" not in glob:
            return glob in path.split("/")
        return path == glob or path.startswith(glob + "/") or path.endswith("/" + glob) or f"/{glob}/" in path
    if fnmatchcase(path, glob) or fnmatchcase(path, glob + "/*"):
        return True
    if "/" not in glob:
        return any(fnmatchcase(part, glob) for part in path.split("/"))
    return fnmatchcase(path, "*/" + glob) or fnmatchcase(path, "*/" + glob + "/*")


@lru_cache(maxsize=256)
def glob_matcher(globs: tuple[str, ...]) -> Callable[[str], bool]:
    """`any(path_matches(path, g) for g in globs)`, compiled into two regular expressions
    once it has been asked about a few dozen paths.

    Discovery tests every path against some 25 default excludes; one call per glob and
    path part cost about 1 s on 3,300 files. Compiling the alternations costs a few
    milliseconds each, which a run over one file (pre-commit) need not pay.
    """
    compiled: list = []
    asked = 0

    def matches(path: str) -> bool:
        nonlocal asked
        if not compiled:
            asked += 1
            if asked <= _COMPILE_AFTER:
                return any(path_matches(path, g) for g in globs)
            compiled.extend(_compile_globs(globs))
        whole_rx, part_rx = compiled
        if whole_rx is not None and whole_rx.match(path):
            return True
        return part_rx is not None and any(part_rx.match(part) for part in path.split("/"))

    return matches


_COMPILE_AFTER = 32


def _compile_globs(globs: tuple[str, ...]) -> tuple[re.Pattern | None, re.Pattern | None]:
    whole: list[str] = []
    parts: list[str] = []
    for glob in globs:
        glob = glob.rstrip("/")
        whole += [glob, glob + "/*"]
        if "/" not in glob:
            parts.append(glob)
        else:
            whole += ["*/" + glob, "*/" + glob + "/*"]
    return _alternation(whole), _alternation(parts)


def _alternation(globs: list[str]) -> re.Pattern | None:
    return re.compile("|".join(f"(?:{translate(g)})" for g in globs)) if globs else None
