"""Lint one file: decode, prefilter, parse once, run every active rule, locate, suppress."""

from __future__ import annotations

import codecs
import hashlib
import io
import tokenize
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from mlgreenlint import limits, suppression
from mlgreenlint.model import Edit, FileResult, Finding, Fix, Span
from mlgreenlint.ruleset.selection import ActiveRule, glob_matcher, ignored_for_path
from mlgreenlint.versions import Versions

if TYPE_CHECKING:  # libcst is imported only when a file survives the prefilter
    from mlgreenlint.match.predicates import Hit

PYTHON_SUFFIXES = (".py", ".pyi")
CONFIG_SUFFIXES = (".yaml", ".yml", ".json", ".toml")

GL_PARSE = "GL001"
GL_DIRECTIVE = "GL002"
GL_UNREADABLE = "GL003"
GL_INTERNAL = "GL004"
#: Longest exception message quoted in a GL004 finding.
_MAX_REASON = 300


@dataclass
class Job:
    """Everything linting one file needs besides its bytes."""

    rules: list[ActiveRule]
    known_ids: set[str]
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    versions: Versions = field(default_factory=Versions)
    #: The repository pass (repo.RepoIndex): helpers in other files and launch commands.
    #: Not part of what identifies a run's configuration (a cache key): a result that used
    #: it records its dependencies instead (`RepoIndex.dependencies` / `still_valid`).
    repo: object | None = field(default=None, repr=False, compare=False)
    #: Run rules on every file, ignoring token prefilters (used to prove the prefilter exact).
    prefilter: bool = True
    #: Wall-clock seconds one file may take (`timeout-per-file`); None or 0: unbounded.
    timeout: float | None = None

    def active(self, rule_id: str) -> ActiveRule | None:
        for active in self.rules:
            if active.id == rule_id:
                return active
        return None


def decode(data: bytes) -> str:
    """Decode Python source as the interpreter would (BOM, coding cookie); raises on failure."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    if encoding == "utf-8-sig" or data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data
        encoding = "utf-8"
    return data.decode(encoding)


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
        return _failed(path, job, GL_UNREADABLE, f"{exc}: skipped (timeout-per-file)")
    except Exception as exc:  # noqa: BLE001 -- the last-resort guard; RecursionError and MemoryError included
        return _failed(path, job, GL_INTERNAL, f"internal error while analysing the file: {describe(exc)}")


def describe(exc: BaseException) -> str:
    """`ValueError: message` on one line, cut to a readable length."""
    message = " ".join(str(exc).split())
    if len(message) > _MAX_REASON:
        message = message[:_MAX_REASON] + "..."
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _failed(path: str, job: Job, rule_id: str, message: str) -> FileResult:
    result = FileResult(path)
    finding = _gl(job, rule_id, path, Span.point(1), message)
    if finding is not None and not any(finding.rule.startswith(c) or c == "ALL"
                                       for c in ignored_for_path(path, job.per_file_ignores)):
        result.findings = _fingerprinted([finding], "")
    else:
        result.notes.append(f"{path}: {message}")
    return result


def _lint_bytes(path: str, data: bytes, job: Job, python: bool = True) -> FileResult:
    result = FileResult(path)
    if b"\0" in data:  # before decoding: a binary file would otherwise get a confusing codec message
        _tool_finding(result, job, GL_UNREADABLE, Span.point(1), "binary content in a source file: not analysed")
        return result
    try:
        text = decode(data)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        _tool_finding(result, job, GL_UNREADABLE, Span.point(1), f"cannot decode file: {_reason(exc)}")
        return result
    if "\0" in text:  # a NUL written in another encoding (UTF-16 under a cookie)
        _tool_finding(result, job, GL_UNREADABLE, Span.point(1), "binary content in a source file: not analysed")
        return result
    return lint_text(path, text, job, result, python=python)


def lint_text(path: str, text: str, job: Job, result: FileResult | None = None, *, python: bool = True) -> FileResult:
    result = result or FileResult(path)
    directives = suppression.parse(text, job.known_ids)
    hits: list[tuple[ActiveRule, Hit]] = []
    locate = None
    if path.endswith(PYTHON_SUFFIXES):
        if python:
            hits, locate = _python(path, text, job, result)
    elif path.endswith(CONFIG_SUFFIXES):
        hits = _config(path, text, job, result)
        hits += _linked(path, text, job, hits)
    if locate is not None:
        locate = locate([n for _, hit in hits for n in (hit.node, hit.fix and hit.fix.node) if n is not None])
    findings = [_finding(active, hit, path, locate, text) for active, hit in hits]
    for line, column, code in directives.unknown:
        findings.append(_gl(job, GL_DIRECTIVE, path, Span(line, column, line, column + len(code)),
                            f"suppression names unknown rule id or prefix {code!r}"))
    findings.extend(result.findings)
    result.findings = _fingerprinted(_keep(findings, path, directives, job), text)
    return result


def may_parse(path: str, data: bytes, job: Job) -> bool:
    """Whether linting these bytes may parse them: a cheap over-approximation to route work.

    Tokens are ASCII, so a token in the decoded text is also in the bytes of any encoding
    Python accepts for source; `lint_bytes` still decides exactly.
    """
    return path.endswith(PYTHON_SUFFIXES) and bool(python_rules(path, data, job, encoded=True))


def python_rules(path: str, content: str | bytes, job: Job, *, encoded: bool = False) -> list[ActiveRule]:
    """The Python rules whose tokens occur in a file (its text, or its bytes when `encoded`)
    and whose globs take it; no import of libcst."""
    rules = [a for a in job.rules if _maybe_python_rule(a)]
    if job.prefilter:
        # Each token is searched once (rules share them); path globs only for rules left.
        tokens = {t for a in rules for t in a.rule.tokens}
        present = {t for t in tokens if (t.encode() if encoded else t) in content}
        rules = [a for a in rules if not a.rule.tokens or not present.isdisjoint(a.rule.tokens)]
    return [a for a in rules if _applies(a, path)]


def screened_rules(path: str, text: str, job: Job) -> tuple[list[ActiveRule], bool]:
    """The Python rules that may fire on a file after the token prefilter and the `ast`
    screen (see screen.py), and whether the screen ran (CPython accepted the file)."""
    rules = python_rules(path, text, job)
    if not rules or not job.prefilter:
        return rules, False
    from mlgreenlint.python import screen

    tree = screen.parse(text)
    if tree is None:
        return rules, False
    repo = job.repo
    sketch = screen.sketch(tree, _module_name(path, job), *_repo_questions(repo, repo.rel(path) if repo else None))
    return [a for a in rules if screen.may_fire(a.rule, sketch, job.versions)], True


def _module_name(path: str, job: Job) -> str:
    return (job.repo.module_name(path) if job.repo is not None else None) or module_name(path)


def _python(path: str, text: str, job: Job, result: FileResult):
    # Cheapest first: substrings and globs, then the `ast` screen; the check registry (and
    # with it libcst) is imported only when some rule survives.
    rules, screened = screened_rules(path, text, job)
    rules = [a for a in rules if _python_rule(a)] if rules else []
    if not rules:
        return [], None
    import libcst as cst

    from mlgreenlint.python import bindings
    from mlgreenlint.python.context import FileContext

    # CPython accepted the file, so its nesting cannot crash the native parser.
    too_complex = None if screened else limits.too_complex(text)
    if too_complex is not None:
        reason, line = too_complex
        _tool_finding(result, job, GL_PARSE, Span.point(line), f"cannot parse: {reason}")
        return [], None
    try:
        module = job.repo.take_parse(path, text) if job.repo is not None else None
        module = module or cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        line, column, message = limits.syntax_error(text) or (exc.raw_line, exc.raw_column + 1, exc.message)
        message = " ".join(message.split())
        _tool_finding(result, job, GL_PARSE, Span(line, column, line, column), f"cannot parse: {message}")
        return [], None
    except RecursionError:
        _tool_finding(result, job, GL_PARSE, Span.point(1), "cannot parse: nesting too deep")
        return [], None
    except (cst.CSTValidationError, ValueError, TypeError) as exc:
        # The parser built a tree libcst then rejects (an identifier with an unassigned
        # code point, ...): the file does not parse, whatever the exception is called.
        line, column, message = limits.syntax_error(text) or (1, 1, describe(exc))
        _tool_finding(result, job, GL_PARSE, Span(line, column, line, column), f"cannot parse: {' '.join(message.split())}")
        return [], None
    repo = job.repo
    rel = repo.rel(path) if repo is not None else None
    facts = bindings.collect(module, _module_name(path, job))
    if repo is not None:
        facts.scope.external = lambda qualname: repo.constant(qualname, consumer=rel)
    ctx = FileContext(path, text, facts, job.versions, repo, rel)
    hits = []
    for active in rules:
        hits.extend((active, hit) for hit in run_rule(active, ctx))
    if repo is not None and repo.wants_summary(path):
        # Hand this parse's summary to the repository pass, so callers need no second parse.
        from mlgreenlint.repository.summaries import summarise

        repo.record(path, summarise(ctx))
    return hits, _locator(module)


def _repo_questions(repo, rel: str | None):
    """What the screen may ask the repository pass: is a name a module, may a function step,
    does a launch command run this file."""
    if repo is None:
        return None, None, lambda: False
    return (repo.module_path, lambda qualname: repo.may_step(qualname, consumer=rel),
            lambda: rel is not None and bool(repo.launches_of(rel, consumer=rel)))


def _config(path: str, text: str, job: Job, result: FileResult) -> list[tuple[ActiveRule, Hit]]:
    """Classify before parsing: pre-commit hands the hook every YAML, JSON and TOML file."""
    from mlgreenlint.configs import classify

    rules = [a for a in job.rules if _applies(a, path) and _config_rule(a)]
    by_name = classify.kinds_by_name(path)
    if not rules or not (by_name or classify.could_be_ml_config(path, text.encode("utf-8", "replace"))):
        return []
    from mlgreenlint.configs import document
    from mlgreenlint.engine import config_patterns

    try:
        docs = document.parse(text, document.format_of(path))
    except document.ConfigError as exc:
        if by_name:
            span = Span(exc.line, exc.column, exc.line, exc.column)
            _tool_finding(result, job, GL_PARSE, span, f"cannot parse: {exc.message}")
        else:
            result.notes.append(f"{path}: not parsed ({exc}); not a recognised ML config")
        return []
    kinds = classify.classify(path, docs)
    if not kinds:
        return []
    return list(config_patterns.run(rules, config_patterns.ConfigFile(path, text, docs, kinds, job.versions)))


def _linked(path: str, text: str, job: Job, hits: list) -> list[tuple[ActiveRule, Hit]]:
    """Rules whose check judges a config by the scripts launched with it (see checks/by_launch.py).

    A hit on a line where the same rule already reported from the config rules is dropped.
    """
    repo = job.repo
    if repo is None:
        return []
    rel = repo.rel(path)
    if rel is None or not repo.launches_with(rel):
        return []
    from mlgreenlint.checks import LINK_CHECKS
    from mlgreenlint.checks.by_launch import LinkedConfig

    rules = [a for a in job.rules if _applies(a, path) and a.rule.match.get("check") in LINK_CHECKS]
    if not rules:
        return []
    cfg = LinkedConfig(path, rel, text, repo, job.versions)
    taken = {(a.id, h.node.line) for a, h in hits if isinstance(h.node, Span)}
    out = []
    for active in rules:
        for hit in LINK_CHECKS[active.rule.match["check"]](cfg, active.rule, active.options):
            if (active.id, hit.node.line) not in taken:
                out.append((active, hit))
    return out


def _config_rule(active: ActiveRule) -> bool:
    match = active.rule.match
    return "config" in match or any("call" in p for p in match.get("python", ()))


def run_rule(active: ActiveRule, ctx) -> list[Hit]:
    from mlgreenlint.checks import CHECKS
    from mlgreenlint.engine.python_patterns import run_patterns
    from mlgreenlint.match.predicates import Evaluator

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


def _applies(active: ActiveRule, path: str) -> bool:
    return not glob_matcher(tuple(active.rule.match.get("exclude", ())))(path)


def module_name(path: str) -> str:
    stem = path[:-3] if path.endswith(".py") else path.rsplit(".", 1)[0]
    return stem.replace("/", ".").lstrip(".")


def _locator(module):
    """nodes -> (node -> Span), for the nodes of one file's findings.

    Positions cost a codegen pass over the module (libcst's PositionProvider); it runs
    once, only for files with findings, and stops as soon as the last wanted node is done.
    """

    def locate_all(nodes: list) -> object:
        positions = _positions(module, [n for n in nodes if not isinstance(n, Span)]) if nodes else {}

        def locate(node) -> Span:
            r = positions[node]
            return Span(r.start.line, r.start.column + 1, r.end.line, r.end.column + 1)

        return locate

    return locate_all


class _Located(Exception):
    """Every wanted node has its position: the rest of the codegen is not needed."""


def _positions(module, nodes: list) -> dict:
    """libcst's PositionProvider positions of `nodes`, computed by the same codegen state."""
    from libcst.metadata.position_provider import PositionProvidingCodegenState

    class Recorder:
        _computed: dict = {}

    class State(PositionProvidingCodegenState):
        def after_codegen(self, node) -> None:
            super().after_codegen(node)
            if node in wanted:
                wanted.discard(node)
                if not wanted:
                    raise _Located

    wanted = set(nodes)
    recorder = Recorder()
    recorder._computed = {}
    if wanted:
        try:
            module._codegen(State(default_indent=module.default_indent, default_newline=module.default_newline,
                                  provider=recorder))
        except Exception:
            # Unwinding from _Located runs the state's pending `finally` blocks, which may
            # fail on positions never computed; the wanted ones are all recorded by then.
            if wanted:
                raise
    return recorder._computed


def _finding(active: ActiveRule, hit: Hit, path: str, locate, text: str) -> Finding:
    span = hit.node if isinstance(hit.node, Span) else locate(hit.node)
    fix = None
    if hit.fix is not None:
        target = hit.fix.node if isinstance(hit.fix.node, Span) else locate(hit.fix.node)
        fix = Fix(hit.fix.title, (Edit(target, hit.fix.replacement),), hit.fix.safe)
    return Finding(active.id, path, span, hit.message, active.severity, fix)


def _gl(job: Job, rule_id: str, path: str, span: Span, message: str) -> Finding | None:
    active = job.active(rule_id)
    if active is None:
        return None
    return Finding(rule_id, path, span, message, active.severity)


def _tool_finding(result: FileResult, job: Job, rule_id: str, span: Span, message: str) -> None:
    finding = _gl(job, rule_id, result.path, span, message)
    if finding is not None:
        result.findings.append(finding)
    else:
        result.notes.append(f"{result.path}: {message}")


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


def _fingerprinted(findings: list[Finding], text: str) -> list[Finding]:
    """Hash rule, path and the flagged line's text, numbered among identical lines."""
    if not findings:
        return findings  # most files: skip splitting the text into lines
    lines = text.splitlines()
    seen: dict[str, int] = {}
    out = []
    for f in findings:
        code = lines[f.span.line - 1] if 0 < f.span.line <= len(lines) else ""
        base = f"{f.rule}\0{f.path}\0{' '.join(code.split())}"
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append(replace(f, fingerprint=hashlib.sha256(f"{base}\0{n}".encode()).hexdigest()[:16]))
    return out


def _reason(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"{exc.encoding} cannot decode byte {exc.object[exc.start:exc.start + 1]!r} at offset {exc.start}"
    return str(exc)
