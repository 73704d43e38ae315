"""Lint one file: decode, hand it to the Python or the config pipeline, locate, suppress.

The engine's entry points (`lint_bytes`, `lint_text`, `may_parse`) and the records its
callers share (`Job`, the GL rule ids) are all importable from here.
"""

from __future__ import annotations

import dataclasses

from mlgreenlint import decoding, limits, notebook, suppression
from mlgreenlint.engine import config_file, notebook_file, python_file
from mlgreenlint.engine.job import (
    GL_DIRECTIVE,
    GL_INTERNAL,
    GL_PARSE,
    GL_UNREADABLE,
    Job,
    describe,
    gl_finding,
    tool_finding,
)
from mlgreenlint.engine.python_file import module_name, python_rules, screened_rules
from mlgreenlint.fingerprints import fingerprinted
from mlgreenlint.fixes.edits import hunks
from mlgreenlint.match.predicates import Hit, WholeLines
from mlgreenlint.model import Edit, FileResult, Finding, Fix, Span
from mlgreenlint.ruleset.selection import ActiveRule, ignored_for_path

__all__ = ["CONFIG_SUFFIXES", "GL_DIRECTIVE", "GL_INTERNAL", "GL_PARSE", "GL_UNREADABLE", "PYTHON_SUFFIXES", "Job",
           "decode", "describe", "lint_bytes", "lint_text", "may_parse", "module_name", "python_rules",
           "screened_rules"]

PYTHON_SUFFIXES = (".py", ".pyi")
CONFIG_SUFFIXES = (".yaml", ".yml", ".json", ".toml")
decode = decoding.decode


def lint_bytes(path: str, data: bytes, job: Job, *, python: bool = True) -> FileResult:
    """Lint a file given as bytes; `path` is the relative `/` path used in findings.

    `python=False`: the caller found with `may_parse` that no Python rule applies, so the
    prefilter is not run twice.

    Never raises (short of KeyboardInterrupt / SystemExit): a file that takes longer than
    `job.timeout` becomes a GL003 finding, and any exception while analysing it (a rule
    bug, a parser's internal error, RecursionError, MemoryError) a GL004 finding, so one
    file cannot stop the run.
    """
    try:
        with limits.deadline(job.timeout):
            return _lint_bytes(path, data, job, python)
    except limits.AnalysisTimeout as exc:
        failed = _failed(path, job, GL_UNREADABLE, f"{exc}: skipped (timeout-per-file)")
        failed.cacheable = False  # a loaded machine times out where a quiet one does not
        return failed
    except Exception as exc:  # noqa: BLE001 -- the last-resort guard; RecursionError and MemoryError included
        failed = _failed(path, job, GL_INTERNAL, f"internal error while analysing the file: {describe(exc)}")
        failed.cacheable = not isinstance(exc, MemoryError)  # free memory depends on the machine too
        return failed


def _failed(path: str, job: Job, rule_id: str, message: str) -> FileResult:
    result = FileResult(path)
    finding = gl_finding(job, rule_id, path, Span.point(1), message)
    if finding is not None and not any(finding.rule.startswith(c) or c == "ALL"
                                       for c in ignored_for_path(path, job.per_file_ignores)):
        result.findings = fingerprinted([finding], "")
    else:
        result.notes.append(f"{path}: {message}")
    return result


def _lint_bytes(path: str, data: bytes, job: Job, python: bool = True) -> FileResult:
    result = FileResult(path)
    if b"\0" in data:  # before decoding: a binary file would otherwise get a confusing codec message
        tool_finding(result, job, GL_UNREADABLE, Span.point(1), "binary content in a source file: not analysed")
        return result
    try:
        text = decoding.decode(data)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        tool_finding(result, job, GL_UNREADABLE, Span.point(1), f"cannot decode file: {decoding.problem(exc)}")
        return result
    if "\0" in text:  # a NUL written in another encoding (UTF-16 under a cookie)
        tool_finding(result, job, GL_UNREADABLE, Span.point(1), "binary content in a source file: not analysed")
        return result
    return lint_text(path, text, job, result, python=python)


def lint_text(path: str, text: str, job: Job, result: FileResult | None = None, *, python: bool = True) -> FileResult:
    result = result or FileResult(path)
    if notebook.is_notebook(path):
        return _lint_notebook(path, text, job, result, python)
    return _lint_source(path, text, job, result, python, path.endswith(PYTHON_SUFFIXES))


def _lint_notebook(path: str, text: str, job: Job, result: FileResult, python: bool) -> FileResult:
    """A notebook's code cells linted as one Python module, findings placed back in the cells."""
    nb = notebook_file.open_notebook(text, job, result)
    if nb is None:
        return result
    if not nb.language.lower().startswith("python"):
        result.notes.append(f"{path}: the notebook language is {nb.language}, not Python: not analysed")
        return result
    source = nb.source
    inner = FileResult(path)
    versions = notebook_file.pinned(nb, path, job.versions)
    if versions is not job.versions:
        job = dataclasses.replace(job, versions=versions)
    tree = None
    rules = python_rules(path, source, job) if python else None
    if rules:  # a notebook no rule can reach is not parsed, like a .py file
        source, broken, tree = notebook_file.parsed_source(nb)
        for line, column, message in broken:
            tool_finding(inner, job, GL_PARSE, Span.point(line, column), message)
        if broken:
            rules = None  # chosen again on the cells that parse
    inner = _lint_source(path, source, job, inner, python, True, tree, rules)
    result.findings.extend(notebook_file.placed(inner.findings, nb))
    result.notes.extend(inner.notes)
    return result


def _lint_source(path: str, text: str, job: Job, result: FileResult, python: bool, is_python: bool,
                 tree=None, rules=None) -> FileResult:
    directives = suppression.parse(text, job.known_ids)
    hits: list[tuple[ActiveRule, Hit]] = []
    locate = None
    if is_python:
        if python:
            hits, locate = python_file.lint(path, text, job, result, tree, rules)
        else:
            result.notes.append(python_file.not_parsed(path))
    elif path.endswith(CONFIG_SUFFIXES):
        hits = config_file.lint(path, text, job, result)
    if locate is not None:
        locate = locate([n for _, hit in hits for n in (hit.node, *(getattr(t, "node", t) for t, _ in (hit.fix.edits if hit.fix else ())))])
    findings = [_finding(active, hit, path, locate, text) for active, hit in hits]
    for line, column, code in directives.unknown:
        findings.append(gl_finding(job, GL_DIRECTIVE, path, Span(line, column, line, column + len(code)),
                                   f"suppression names unknown rule id or prefix {code!r}"))
    findings.extend(result.findings)
    result.findings = fingerprinted(_keep(findings, path, directives, job), text)
    return result


def may_parse(path: str, data: bytes, job: Job) -> bool:
    """Whether linting these bytes may parse them: a cheap over-approximation to route work.

    Tokens are ASCII, so a token in the decoded text is also in the bytes of any encoding
    Python accepts for source; `lint_bytes` still decides exactly.
    """
    if notebook.is_notebook(path):
        return python_file.notebook_may_match(path, data, job)
    return path.endswith(PYTHON_SUFFIXES) and bool(python_rules(path, data, job, encoded=True))


def _finding(active: ActiveRule, hit: Hit, path: str, locate, text: str) -> Finding:
    span = hit.node if isinstance(hit.node, Span) else locate(hit.node)
    fix = None
    declared = active.rule.fix
    if hit.fix is not None and declared:
        edits = tuple(e for t, new in hit.fix.edits for e in hunks(text, Edit(_target(t, locate), new)))
        fix = Fix(hit.fix.title or declared["title"], edits, declared["safety"] == "safe") if edits else None
    return Finding(active.id, path, span, hit.message, active.severity, fix)


def _target(target, locate) -> Span:
    """An edit target's span: a Span as given, a node where it is, WholeLines its full lines."""
    if isinstance(target, Span):
        return target
    if isinstance(target, WholeLines):
        span = locate(target.node)
        return Span(span.line, 1, span.end_line + 1, 1)
    return locate(target)


def _keep(findings, path: str, directives, job: Job) -> list[Finding]:
    ignored = ignored_for_path(path, job.per_file_ignores)
    kept = []
    for f in findings:
        if f is None or any(f.rule.startswith(code) or code == "ALL" for code in ignored):
            continue
        if f.rule != GL_DIRECTIVE and directives.suppresses(f.rule, f.span.line):
            continue
        kept.append(f)
    return sorted(set(kept), key=Finding.sort_key)
