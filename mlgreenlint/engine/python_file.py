"""The Python pipeline of one file: token prefilter, `ast` screen, one libcst parse, rules.

Cheapest first: substrings and globs, then the screen on CPython's `ast` (with each check's
screen from the registry); libcst and the analysis are imported only when some rule survives.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from mlgreenlint import limits
from mlgreenlint.engine.job import GL_PARSE, Job, describe, tool_finding
from mlgreenlint.match.predicates import Evaluator, Hit
from mlgreenlint.model import FileResult, Span
from mlgreenlint.python.imports import import_base
from mlgreenlint.ruleset.selection import ActiveRule, applies

if TYPE_CHECKING:
    import ast

    from mlgreenlint.python.context import FileContext
    from mlgreenlint.repository.index import RepoIndex


def python_rules(path: str, content: str | bytes, job: Job, *, encoded: bool = False) -> list[ActiveRule]:
    """The Python rules whose tokens occur in a file (its text, or its bytes when `encoded`)
    and whose globs take it; no import of libcst."""
    rules = [a for a in job.rules if _maybe_python_rule(a)]
    if job.prefilter:
        # Each token is searched once (rules share them); path globs only for rules left.
        tokens = {t for a in rules for t in a.rule.tokens}
        present = {t for t in tokens if (t.encode() if encoded else t) in content}
        if (SCRIPT_TOKEN not in present
                and any(SCRIPT_TOKEN in a.rule.tokens and present.isdisjoint(a.rule.tokens) for a in rules)
                and _trains_through_repository(content if encoded else content.encode("utf-8", "surrogatepass"),
                                               path, job)):
            present.add(SCRIPT_TOKEN)
        rules = [a for a in rules if not a.rule.tokens or not present.isdisjoint(a.rule.tokens)]
    return [a for a in rules if applies(a, path)]


#: Searching a notebook's bytes for every absent token costs about twice as much as decoding
#: them (measured on a notebook with 50 MB of outputs: 195 ms against 100 ms for `json.loads`),
#: and the light route decodes them too: past this size a notebook goes to a worker unsearched.
ROUTE_UNSEARCHED = 1 << 20


def notebook_may_match(path: str, data: bytes, job: Job) -> bool:
    """Whether some Python rule's tokens occur in a notebook's JSON bytes and its globs take
    the file: a cheap over-approximation to route work (the driver decides on the joined code
    cells). JSON spells a quote or a backslash otherwise, so a token holding one counts as
    present. Stops at the first such rule and searches each token at most once; a notebook
    over `ROUTE_UNSEARCHED` bytes (outputs) is not searched: a worker reads it for less."""
    if len(data) > ROUTE_UNSEARCHED:
        return True
    absent: set[str] = set()

    def occurs(token: str) -> bool:
        if token in absent:
            return False
        if '"' in token or "\\" in token or token.encode() in data:
            return True
        absent.add(token)
        return False

    return any(_maybe_python_rule(a) and (not job.prefilter or not a.rule.tokens or any(map(occurs, a.rule.tokens)))
               and applies(a, path) for a in job.rules)


#: The token of rules that judge what a file runs as a script (through repository helpers too).
#: It counts as present in module-level code that calls a repository function which may train:
#: a thin script with no `__main__` block may train through an imported helper.
SCRIPT_TOKEN = "__main__"
#: A statement at column 0 (module-level code) that calls a name: `run(cfg)`, `model = build()`.
#: Patterns start at a newline (searched in "\n" + the file): CPython's `re` finds a literal
#: first character fast, where `^` under MULTILINE is tried at every position.
_MODULE_CALL = re.compile(rb"\n(?:[A-Za-z_][\w.]*[ \t]*(?:,[ \t]*[A-Za-z_][\w.]*[ \t]*)*=[ \t]*)?"
                          rb"([A-Za-z_][\w.]*)[ \t]*\(")
_FROM_IMPORT = re.compile(rb"\n[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)")
_IMPORT = re.compile(rb"\n[ \t]*import[ \t]+([^\n#;]*)")
_ALIAS = re.compile(rb"([\w.]+)(?:[ \t]+as[ \t]+(\w+))?")


def _trains_through_repository(content: bytes, path: str, job: Job) -> bool:
    """Module-level code calls an imported repository function that may train (asked of the
    helper sketches, as the screen asks them). Imports and calls are found on the bytes:
    `from pkg.loop import run` then `run(...)`, `import pkg.loop as loop` then `loop.run(...)`."""
    repo = job.repo
    content = b"\n" + content
    calls = {m.group(1) for m in _MODULE_CALL.finditer(content)} if repo is not None else ()
    if not calls:
        return False
    bound: dict[bytes, str] = {}  # local name -> qualified name
    for m in _FROM_IMPORT.finditer(content):
        module = import_base(_module_name(path, job), len(m.group(1)), m.group(2).decode("utf-8", "replace"))
        for alias in _ALIAS.finditer(m.group(3)) if module is not None else ():
            bound[alias.group(2) or alias.group(1)] = f"{module}.{alias.group(1).decode('utf-8', 'replace')}"
    for m in _IMPORT.finditer(content):
        for alias in _ALIAS.finditer(m.group(1)):
            local = alias.group(2) or alias.group(1).split(b".")[0]
            bound[local] = (alias.group(1) if alias.group(2) else local).decode("utf-8", "replace")
    rel = repo.rel(path)
    for call in calls:
        root, _, rest = call.partition(b".")
        if root in bound and repo.may_step(bound[root] + (f".{rest.decode('utf-8', 'replace')}" if rest else ""),
                                           consumer=rel):
            return True
    return False


def screened_rules(path: str, text: str, job: Job, tree=None,
                   rules: list[ActiveRule] | None = None) -> tuple[list[ActiveRule], ast.Module | None, bool]:
    """The Python rules that may fire on a file after the token prefilter and the `ast`
    screen (see python/screen.py), CPython's tree when the screen ran (CPython accepted the
    file), and whether a kept rule needs the libcst analysis (False: only source-only checks
    may fire, `checks.FileCheck.source_only`). `tree` and `rules` (`python_rules` of the
    text): what the caller has of them already."""
    rules = python_rules(path, text, job) if rules is None else rules
    if not rules or not job.prefilter:
        return rules, None, True
    from mlgreenlint.checks import CHECK_SCREENS, SOURCE_CHECKS
    from mlgreenlint.python import screen

    tree = tree if tree is not None else screen.parse(text)
    if tree is None:
        return rules, None, True
    repo = job.repo
    sketch = screen.sketch(tree, _module_name(path, job), repo, repo.rel(path) if repo is not None else None)
    versions = job.versions_for(path)
    needs = [(a, screen.needs(a.rule, sketch, versions, CHECK_SCREENS, SOURCE_CHECKS)) for a in rules]
    kept = [(a, need) for a, need in needs if need is not None]
    return [a for a, _ in kept], tree, any(need == screen.ANALYSIS for _, need in kept)


def module_name(path: str) -> str:
    """The dotted module name of a path when no repository pass says otherwise."""
    stem = path[:-3] if path.endswith(".py") else path.rsplit(".", 1)[0]
    return stem.replace("/", ".").lstrip(".")


def _module_name(path: str, job: Job) -> str:
    return (job.repo.module_name(path) if job.repo is not None else None) or module_name(path)


def not_parsed(path: str) -> str:
    """The -v note for a Python file no parser saw: GL001 cannot be reported for it."""
    return f"{path}: not parsed (no enabled rule's tokens occur in it), so its syntax was not checked"


def lint(path: str, text: str, job: Job, result: FileResult, tree=None,
         rules: list[ActiveRule] | None = None) -> tuple[list[tuple[ActiveRule, Hit]], Callable | None]:
    """The hits of the Python rules on one file, and a locator for their nodes (None when
    nothing was parsed). Parse failures become GL001 findings on `result`. `tree` and
    `rules`: as for `screened_rules`."""
    rules, tree, analysis = screened_rules(path, text, job, tree, rules)
    rules = [a for a in rules if _python_rule(a)] if rules else []
    if not rules:
        if tree is None:  # the screen's CPython parse would have vouched for its syntax
            result.notes.append(not_parsed(path))
        return [], None
    repo = job.repo
    rel = repo.rel(path) if repo is not None else None
    if not analysis:  # only source-only checks may fire: no libcst (CPython vouched for the syntax)
        return _source_checks(_Source(path, text, rel, repo), rules), None
    # CPython accepted the file, so its nesting cannot crash the native parser.
    too_complex = None if tree is not None else limits.too_complex(text)
    if too_complex is not None:
        reason, line = too_complex
        tool_finding(result, job, GL_PARSE, Span.point(line), f"cannot parse: {reason}")
        return [], None
    module = _parse(path, text, job, result)
    if module is None:
        return [], None
    from mlgreenlint.engine.locate import locator
    from mlgreenlint.python import bindings
    from mlgreenlint.python.context import FileContext

    facts = bindings.collect(module, _module_name(path, job))
    if repo is not None:
        facts.scope.external = lambda qualname: repo.constant(qualname, consumer=rel)
    ctx = FileContext(path, text, facts, job.versions_for(path), repo, rel)
    hits = []
    for active in rules:
        hits.extend((active, _rendered(hit, module)) for hit in run_rule(active, ctx))
    if repo is not None and repo.wants_summary(path):
        # Hand this parse's summary to the repository pass, so callers need no second parse.
        from mlgreenlint.repository.summaries import summarise

        repo.record(path, summarise(ctx))
    return hits, locator(module, text, tree)


@dataclass(frozen=True)
class _Source:
    """A file not parsed with libcst, as source-only checks read it (`python.seams.SourceFile`)."""

    path: str
    text: str
    rel: str | None
    repo: RepoIndex | None


def _source_checks(source: _Source, rules: list[ActiveRule]) -> list[tuple[ActiveRule, Hit]]:
    """The hits of rules that only a source-only check may fire on (`needs` left no pattern,
    `scope` or `unless` to judge)."""
    from mlgreenlint.checks import CHECKS

    if source.repo is not None:  # a parse the repository pass kept for this file is not wanted
        source.repo.take_parse(source.path, source.text)
    return [(a, hit) for a in rules for hit in CHECKS[a.rule.match["check"]](source, a.rule, a.options)]


def _rendered(hit: Hit, module) -> Hit:
    """A fix's replacement nodes as source: alone when they fit on one line, else as the
    module's code with the node swapped in, since only the whole module renders the
    indentation of the blocks around a multi-line call."""
    if hit.fix is None or all(isinstance(new, str) for _, new in hit.fix.edits):
        return hit
    from mlgreenlint.fixes.python_edits import code, replace_node

    edits = []
    for target, new in hit.fix.edits:
        if not isinstance(new, str):
            text = code(new)
            target, new = (target, text) if "\n" not in text else (module, replace_node(module, target, new).code)
        edits.append((target, new))
    return replace(hit, fix=replace(hit.fix, edits=tuple(edits)))


def _parse(path: str, text: str, job: Job, result: FileResult):
    """The file's libcst module (the repository pass's parse when it made one), or None
    with a GL001 finding."""
    import libcst as cst

    try:
        module = job.repo.take_parse(path, text) if job.repo is not None else None
        return module or cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        line, column, message = limits.syntax_error(text) or (exc.raw_line, exc.raw_column + 1, exc.message)
        message = " ".join(message.split())
    except RecursionError:
        line, column, message = 1, 1, "nesting too deep"
    except (cst.CSTValidationError, ValueError, TypeError) as exc:
        # The parser built a tree libcst then rejects (an identifier with an unassigned
        # code point, ...): the file does not parse, whatever the exception is called.
        line, column, message = limits.syntax_error(text) or (1, 1, describe(exc))
        message = " ".join(message.split())
    tool_finding(result, job, GL_PARSE, Span(line, column, line, column), f"cannot parse: {message}")
    return None


def run_rule(active: ActiveRule, ctx: FileContext) -> list[Hit]:
    """One rule's hits on a parsed file: its patterns, its file check, then `unless`."""
    from mlgreenlint.checks import CHECKS
    from mlgreenlint.engine.python_patterns import run_patterns

    rule, options = active.rule, active.options
    match = rule.match
    if match.get("scope") == "training" and not ctx.training:
        return []
    hits = list(run_patterns(rule, ctx, options))
    check = match.get("check")
    if check in CHECKS:
        hits.extend(CHECKS[check](ctx, rule, options))
    unless = match.get("unless")
    # File-level exemptions are asked only when something would be reported: they may
    # consult the repository pass, which costs parses of other modules.
    if hits and unless:
        evaluator = Evaluator(rule, options, ctx)
        if any(evaluator.predicate(p, None) is not False for p in unless):
            return []
    return hits


def _maybe_python_rule(active: ActiveRule) -> bool:
    """A superset of `_python_rule` that needs no import of the checks."""
    match = active.rule.match
    return "python" in match or "check" in match


def _python_rule(active: ActiveRule) -> bool:
    from mlgreenlint.checks import CHECKS

    match = active.rule.match
    return "python" in match or match.get("check") in CHECKS
