"""Module summaries: what a module's functions do, small enough to cache as JSON.

    {"module": "utils.carbon", "training": bool, "main": bool,
     "functions": {"utils.carbon.start": {"refs": [...], "steps": bool,
                                          "calls": [{"names": [...], "method": m}]}},
     "sites": [{"name": "accelerate.Accelerator", "kw": [...], "open": bool, "args": [...]}],
     "constants": {"PRECISION": {"value": "32-true"}, "BASE": {"alias": "config.BASE"}},
     "variables": ["DEVICES"]}

`refs` are the qualified names a function calls, decorates with or enters; `calls` are
its calls that run every time it does (not inside its own loops, not under a frequency
guard); `steps` says it runs a backward pass, an optimizer step or a trainer's fit;
`sites` are the module's calls with their keyword names; `constants` its module-level
names with one literal value. A summary depends on its own file only.
"""

from __future__ import annotations

import libcst as cst

from mlgreenlint import limits
from mlgreenlint.decoding import decode
from mlgreenlint.python import bindings
from mlgreenlint.python.bindings import AssignBinding, ImportBinding
from mlgreenlint.python.context import FileContext, innermost_loop
from mlgreenlint.python.values import Symbol, evaluate


def summarise_source(data: bytes, module: str, keep=None) -> dict | None:
    """Parse a module once and summarise it; None when it cannot be parsed. `keep(text, tree)` gets the parse."""
    try:
        text = decode(data)
        if limits.too_complex(text) is not None:
            return None  # the native parser must not see it (it can crash the process)
        tree = cst.parse_module(text)
    except limits.AnalysisTimeout:
        raise  # the linted file's deadline, not this helper's problem
    except Exception:  # unparsable helpers are simply unknown
        return None
    if keep is not None:
        keep(text, tree)
    facts = bindings.collect(tree, module)
    return summarise(FileContext(module, text, facts))


def summarise(ctx) -> dict:
    """The summary of a parsed file (see the module docstring)."""
    functions: dict[str, dict] = {}
    defs = {id(b.node): b.qualname for b in ctx.facts.functions}
    for binding in ctx.facts.functions:
        functions[binding.qualname] = {"refs": set(), "steps": False, "calls": []}
    sites: dict[tuple, dict] = {}
    for site in ctx.sites:
        owner, def_frame = _owner(site.record.frame, defs)
        if site.names:
            # The classes a parser is built from (HfArgumentParser((ModelArgs, TrainingArguments))).
            args = parser_classes(site) if site.names[0].endswith("Parser") else []
            entry = {"name": site.names[0], "kw": sorted(site.keywords), "open": site.open_kwargs, "args": args}
            sites.setdefault((entry["name"], tuple(entry["kw"]), entry["open"], tuple(entry["args"])), entry)
        if owner is None:
            continue
        summary = functions[owner]
        summary["refs"].update(site.names)
        sibling = _own_method(site, owner)
        if sibling in functions:
            summary["refs"].add(sibling)
        if ctx.is_step(site, helpers=False) or ctx.is_fit(site):
            summary["steps"] = True
        if innermost_loop(site.record.frame) is None and not _guarded_in_function(ctx, site.record.frame, def_frame):
            if site.names or site.method:
                summary["calls"].append({"names": list(site.names), "method": site.method})
    for expr, scope in ctx.facts.references:
        if scope.kind == "function" and scope.name in functions:
            resolved = bindings.resolve(expr, scope)
            if resolved is not None:
                functions[scope.name]["refs"].add(resolved.qualname)
    for summary in functions.values():
        summary["refs"] = sorted(summary["refs"])
    # Only this file's own content goes in: a summary is cached by this file's hash alone.
    training = any(ctx.is_step(s, helpers=False) or ctx.is_fit(s) for s in ctx.sites)
    constants, variables = _constants(ctx.facts.scope)
    return {"module": ctx.facts.module_name, "training": training, "main": ctx.facts.has_main_guard,
            "functions": functions, "sites": list(sites.values()), "constants": constants, "variables": variables}


def _own_method(site, owner: str) -> str | None:
    """`self.run_step()` in a method: the qualified name of the class's own method it calls."""
    func = site.node.func
    if site.method and isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self":
        return f"{owner.rsplit('.', 1)[0]}.{site.method}"
    return None


def _constants(scope) -> tuple[dict[str, dict], list[str]]:
    """Module-level names with one literal value (`{"value": v}`) or naming another (`{"alias": q}`)."""
    hook, scope.external = scope.external, None  # other modules' constants stay out of this summary
    constants: dict[str, dict] = {}
    variables: list[str] = []
    try:
        for name, bindings in scope.bindings.items():
            if not all(isinstance(b, (AssignBinding, ImportBinding)) for b in bindings):
                continue
            value = evaluate(cst.Name(name), scope)
            if type(value) is Symbol:
                constants[name] = {"alias": str(value)}
            elif _plain(value):
                constants[name] = {"value": value}
            elif any(isinstance(b, AssignBinding) for b in bindings):
                variables.append(name)
    finally:
        scope.external = hook
    return constants, sorted(variables)


def _plain(value, depth: int = 0) -> bool:
    """JSON-representable without losing meaning (no symbols, templates, calls or unknowns)."""
    if depth > 8:
        return False
    if value is None or type(value) in (bool, int, float, str):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v, depth + 1) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _plain(v, depth + 1) for k, v in value.items())
    return False


def _guarded_in_function(ctx, frame, stop) -> bool:
    """A frequency guard (`if step % N == 0`) between the call and its function's `def`."""
    while frame is not None and frame is not stop:
        if frame.kind in ("if", "else") and isinstance(frame.node, cst.If) and ctx.is_frequency_guard(frame.node.test):
            return True
        frame = frame.parent
    return False


def _owner(frame, defs: dict[int, str]):
    while frame is not None:
        if frame.kind == "def":
            return defs.get(id(frame.node)), frame
        frame = frame.parent
    return None, None


def parser_classes(site) -> list[str]:
    """Qualified names mentioned by a call's first positional argument (`(ModelArgs, TrainingArguments)`)."""
    if not site.positional or site.record is None:
        return []
    node = site.positional[0].node
    node = getattr(node, "value", node)
    elements = [e.value for e in node.elements] if isinstance(node, (cst.Tuple, cst.List)) else [node]
    names: list[str] = []
    for element in elements:
        resolved = bindings.resolve(element, site.record.scope)
        if resolved is None:
            continue
        names.append(resolved.qualname)
        if isinstance(resolved.local, bindings.ClassBinding):
            names.extend(bindings.class_bases(resolved.local))
    return names
