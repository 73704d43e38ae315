"""The import graph of the package: layers point down, no circles, local imports only when heavy.

Every module is parsed with `ast`; every import counts, at the top, under TYPE_CHECKING or
inside a function. A module belongs to the group of the longest prefix below that names
it; it may import its own group and any group of a lower layer, never one above. A
function-local import is a promise that the target is expensive to load (it imports
libcst, PyYAML or jsonschema, or is an output format chosen at run time), so a run that
does not need it never pays for it; the standard library is exempt.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mlgreenlint"

#: Top to bottom. Groups in one layer may not import each other.
LAYERS: list[tuple[str, ...]] = [
    ("__main__",),
    ("cli",),
    ("testing",),
    ("gate",),
    ("fixes", "formats", "baseline", "changes"),
    ("api",),
    ("batch",),
    ("cache",),
    ("engine",),
    # Loading rules validates the check names they use against the registry below.
    ("ruleset",),
    ("settings",),
    ("checks",),
    ("repository",),
    # Fix builders the engine and the checks attach to findings (the fix loop is `fixes` above).
    ("fixes.config_edits", "fixes.python_edits"),
    ("fixes.edits",),
    # Evaluates the rule vocabulary on the analysis's call sites (python.values).
    ("match.predicates",),
    ("python", "configs", "regions"),
    ("match",),
    # A notebook as one module (cells joined, IPython syntax masked) with the way back to cells.
    ("notebook",),
    # Where the cells sit in a notebook's JSON text.
    ("notebook_json",),
    ("fingerprints", "suppression", "discovery", "limits", "atomic", "aliases", "versions", "decoding",
     "signals", "progress", "buildinfo", "tomlcompat", "escape", "quickschema", "magics"),
    ("model", "errors", "globs", "safegit"),
]

#: Third-party modules whose import cost a run pays only when it needs them.
HEAVY = {"libcst", "yaml", "jsonschema"}
#: Modules picked at run time by what the run reads or writes: loaded only then.
FORMATS = ("mlgreenlint.formats", "mlgreenlint.configs.jsondoc", "mlgreenlint.configs.tomldoc",
           "mlgreenlint.configs.yamldoc")


#: Package modules a function may import although they pull in no heavy dependency, and why.
LAZY = {
    "mlgreenlint.api": "the whole run pipeline: `--version`, `regions` and `clean` do not need it",
    "mlgreenlint.testing": "rule examples, for `test-rules` only",
    "mlgreenlint.fixes.command": "the fix loop, for `--fix` / `--diff` only",
    "mlgreenlint.engine.driver": "the engine: a run whose files all hit the cache never loads it",
    "mlgreenlint.baseline": "baseline files, only for `--baseline` / `--write-baseline`",
    "mlgreenlint.changes": "git diffs, only for `--changed-since`",
    "mlgreenlint.magics": "IPython syntax masking, only once a notebook's cells are read",
    "mlgreenlint.configs.document": "a config read through the repository pass, only when a launch passes one",
    "mlgreenlint.repository.cloud_jobs": "cloud job scripts, only when a rule asks which instance runs a script",
    "mlgreenlint.regions.table": "the carbon table, for the `regions` command (the region checks import it)",
    "mlgreenlint.checks": "the check registry and the screens it names: only once a rule survives the prefilter",
    "mlgreenlint.python.screen": "the `ast` screen: only once a rule survives the token prefilter",
    "mlgreenlint.python.helper_sketches": "`ast` sketches of helper modules: only when a rule asks about a helper",
}


def _modules() -> dict[str, tuple[Path, bool]]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if package else parts)] = (path, package)
    return found


MODULES = _modules()


TOP, TYPING, LOCAL = "top", "typing", "local"


def _imports(name: str) -> list[tuple[str, int, str]]:
    """(imported module, line, where: TOP, TYPING or LOCAL) for every import of a module."""
    path, package = MODULES[name]
    out: list[tuple[str, int, str]] = []

    def visit(node: ast.AST, local: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test) and local == TOP:
                visit(child, TYPING)
                continue
            if isinstance(child, ast.Import):
                out.extend((alias.name, child.lineno, local) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    here = name.split(".") if package else name.split(".")[:-1]
                    base = ".".join(here[: len(here) - child.level + 1] + ([base] if base else []))
                for alias in child.names:
                    target = f"{base}.{alias.name}"
                    out.append((target if target in MODULES else base, child.lineno, local))
            inner = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            visit(child, LOCAL if inner else local)

    visit(ast.parse(path.read_text(encoding="utf-8")), TOP)
    return out


IMPORTS = {name: _imports(name) for name in MODULES}


def _group(name: str) -> tuple[int, str] | None:
    inner = name.removeprefix("mlgreenlint.")
    best = None
    for level, groups in enumerate(LAYERS):
        for group in groups:
            if (inner == group or inner.startswith(group + ".")) and (best is None or len(group) > len(best[1])):
                best = (level, group)
    return best


def _heavy(name: str, seen: set[str] | None = None) -> bool:
    """Importing the module imports libcst, PyYAML or jsonschema (through top-level imports)."""
    seen = set() if seen is None else seen
    if name in seen:
        return False
    seen.add(name)
    for target, _, where in IMPORTS[name]:
        if where != TOP:
            continue
        if target.split(".")[0] in HEAVY or (target in MODULES and _heavy(target, seen)):
            return True
    return False


def test_every_module_has_a_layer():
    assert [m for m in MODULES if m != "mlgreenlint" and _group(m) is None] == []


def test_imports_point_down_the_layers():
    wrong = []
    for name, imports in IMPORTS.items():
        here = _group(name)
        for target, line, _ in imports:
            there = _group(target) if target.startswith("mlgreenlint.") else None
            if here is None or there is None or there[1] == here[1]:
                continue
            if there[0] <= here[0]:
                wrong.append(f"{name}:{line} imports {target} ({there[1]} is not below {here[1]})")
    assert wrong == []


def test_no_import_circles():
    graph = {name: {t for t, _, _ in imports if t in MODULES and t != name} for name, imports in IMPORTS.items()}
    # A package's __init__ importing its own submodules is not a circle back through them.
    circles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                circles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert circles == []


def test_function_local_imports_are_of_heavy_modules_only():
    cheap = []
    for name, imports in IMPORTS.items():
        for target, line, where in imports:
            if where != LOCAL or target.split(".")[0] in sys.stdlib_module_names:
                continue
            if target.split(".")[0] in HEAVY or target.startswith(FORMATS):
                continue
            if target in MODULES and _heavy(target) or target in LAZY:
                continue
            cheap.append(f"{name}:{line} imports {target} inside a function, but it is cheap to import")
    assert cheap == []


def test_every_lazy_module_is_imported_lazily_somewhere():
    used = {target for imports in IMPORTS.values() for target, _, where in imports if where == LOCAL}
    assert sorted(set(LAZY) - used) == []
    assert [m for m in LAZY if _heavy(m)] == [], "heavy modules need no entry"


@pytest.mark.parametrize("module", ["mlgreenlint.engine.locate", "mlgreenlint.repository.summaries"])
def test_the_heavy_test_sees_libcst(module):
    """The test above relies on `_heavy`: it must see modules that import libcst."""
    assert _heavy(module)


MAX_MODULE_LINES = 450
MAX_CLASS_LINES = 250


def test_modules_and_classes_stay_small():
    """Issue 13's limits: a module that grows past them does more than one job."""
    too_long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(PACKAGE.parent).as_posix()
        if text.count("\n") > MAX_MODULE_LINES:
            too_long.append(f"{name}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > MAX_CLASS_LINES:
                too_long.append(f"{name}: class {node.name} {node.end_lineno - node.lineno + 1} lines")
    assert not too_long, too_long
