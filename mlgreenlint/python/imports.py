"""Module names from repository paths, and what a `from` import names (no parser imported).

The screen, the libcst bindings and the repository pass resolve imports with these, so a
relative import means the same module to each.
"""

from __future__ import annotations


def import_base(module: str, level: int, name: str) -> str | None:
    """The module a `from` import names, relative ones resolved against `module` (package
    modules are named `pkg.__init__`); None when the dots climb above the top package."""
    if not level:
        return name
    package = module.split(".")[:-1]
    up = level - 1
    if up > len(package):
        return None
    return ".".join([*package[: len(package) - up], *([name] if name else [])])


def module_names(rel: str) -> list[str]:
    """`src/pkg/mod.py` -> ["src.pkg.mod", "pkg.mod"]; `pkg/__init__.py` -> ["pkg"]."""
    stem = rel[:-3] if rel.endswith(".py") else rel
    parts = stem.split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    names = [".".join(parts)] if parts else []
    if len(parts) > 1 and parts[0] in ("src", "lib"):
        names.append(".".join(parts[1:]))
    return names


def facts_module(rel: str) -> str:
    """The module name relative imports resolve against: packages end in `.__init__`."""
    names = module_names(rel)
    name = names[-1] if names else ""
    if rel.endswith("__init__.py"):
        return f"{name}.__init__" if name else "__init__"
    return name
