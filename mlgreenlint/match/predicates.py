"""Evaluate a rule's declared match against call sites: three-valued, so unknown never reports."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from mlgreenlint.match.files import LintedFile, PythonFile
from mlgreenlint.match.names import names_match
from mlgreenlint.match.sites import UNKNOWN, Arg, CallSite, CallValue, Template
from mlgreenlint.model import Rule
from mlgreenlint.versions import Versions

ABSENT = object()


@dataclass(frozen=True)
class FixSpec:
    """A fix as a rule builds it: each edit's target (a libcst node, WholeLines or a Span) and new
    text, or for a libcst target the node to put in its place (rendered in the module's layout).

    Its safety is the rule file's `[fix]` declaration; `title` overrides the one declared there.
    """

    edits: tuple[tuple[object, str], ...]
    title: str = ""


@dataclass(frozen=True)
class WholeLines:
    """An edit target: every line of the node, from its first column to the next line's start."""

    node: object


@dataclass(frozen=True)
class Hit:
    """A place a rule fires: the node to report at, the message, an optional fix."""

    node: object
    message: str
    fix: FixSpec | None = None


@dataclass(frozen=True)
class PatternMatch:
    """A site a declared pattern matched, as the pattern's site check (`check`) receives it."""

    rule: Rule
    options: dict
    pattern: dict
    site: CallSite
    #: Where the finding points: the `report` argument when present, else the call.
    node: object
    #: The argument at the pattern's `report` keyword, if the call passes it.
    arg: Arg | None
    #: Message placeholders: the rule's options, `call`, `keyword`, `value`.
    values: dict
    fix: FixSpec | None = None
    #: For config patterns: the document root the matched node belongs to, the file's text and
    #: its syntax ("yaml", "json" or "toml"), which a check's fix is written in.
    root: object = None
    text: str = ""
    syntax: str = ""

    def hit(self, fix: FixSpec | None = None, **text: str) -> Hit:
        """The finding, its message filled with the match's placeholders and the check's `text`."""
        template = self.pattern.get("message", self.rule.message)
        return Hit(self.node, format_message(template, self.values, text), fix or self.fix)


class _Format(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def format_message(template: str, values: dict, text: dict[str, str] | None = None) -> str:
    """Fill `{placeholders}` with `values` as `show` prints them, and with `text` verbatim."""
    return template.format_map(_Format({k: show(v) for k, v in values.items()} | (text or {})))


def show(value) -> str:
    if value is ABSENT or value is UNKNOWN:
        return "unset"
    if isinstance(value, Versions):
        return value  # formats itself: `{pin:trl}` names the repository's pin of trl
    if isinstance(value, str):
        # A template's formatted-in parts (`{}`) are unknown text: shown as an ellipsis.
        if isinstance(value, Template):
            return repr(value.replace("{}", "…"))
        return repr(value) if type(value) is str else str(value)
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, CallValue):
        return f"{value.name}(...)"
    return str(value)


def site_matches_target(site: CallSite, pattern: dict) -> bool:
    calls = pattern.get("call")
    if calls:
        names = site.names if pattern.get("subclasses") else site.names[:1]
        if names_match(names, calls):
            return True
    methods = pattern.get("method")
    return bool(methods and site.method in methods)


def candidates(pattern: dict, file_ctx: PythonFile) -> list[CallSite]:
    """The sites a pattern's target selects: matching calls (and recipe fields set by assignment,
    which stand for calls), or the file's environment settings."""
    if "env" in pattern:
        return file_ctx.env_sites
    return [site for site in (*file_ctx.sites, *file_ctx.recipe_sites) if site_matches_target(site, pattern)]


def where(pattern: dict) -> list[dict]:
    """A pattern's predicates; an `env` target adds one on the variable's name (unknown names stay unknown)."""
    env = pattern.get("env")
    if env:
        return [{"keyword": "name", "in": env}, *pattern.get("where", ())]
    return pattern.get("where", [])


class Evaluator:
    """Evaluates predicates for one rule on one file."""

    def __init__(self, rule: Rule, options: dict, file_ctx: LintedFile | PythonFile | None = None):
        self.rule = rule
        self.options = options
        self.file = file_ctx

    def all(self, predicates: list[dict], site: CallSite | None) -> bool | None:
        result: bool | None = True
        for predicate in predicates:
            value = self.predicate(predicate, site)
            if value is False:
                return False
            if value is None:
                result = None
        return result

    def predicate(self, pred: dict, site: CallSite | None) -> bool | None:
        results: list[bool | None] = []
        if "any" in pred:
            parts = [self.predicate(p, site) for p in pred["any"]]
            results.append(True if True in parts else (None if None in parts else False))
        if "all" in pred:
            results.append(self.all(pred["all"], site))
        if "not" in pred:
            inner = self.predicate(pred["not"], site)
            results.append(None if inner is None else not inner)
        if "version" in pred:
            results.append(self._version(pred["version"]))
        if "file-calls" in pred:
            results.append(self.file.references(tuple(pred["file-calls"])))
        if "file-calls-option" in pred:
            names = tuple(self.options.get(pred["file-calls-option"]) or ())
            results.append(bool(names) and self.file.references(names))
        if "file-methods" in pred:
            results.append(bool(self.file.methods & set(pred["file-methods"])))
        if "file-text" in pred:
            results.append(_regex(pred["file-text"]).search(self.file.text) is not None)
        if "launched-with" in pred:
            results.append(_launched_with(self.file, pred["launched-with"]))
        if "runs-on-cpu" in pred:
            results.append(_runs_on_cpu(self.file) == pred["runs-on-cpu"])
        if "file-has" in pred:
            results.append(self._file_has(pred["file-has"]))
        if "mentions" in pred:
            results.append(self._mentions(pred, site))
        if ("keyword" in pred or "path" in pred) and not _only_mentions(pred):
            results.append(self._value_tests(pred, self.lookup(pred, site), site))
        if False in results:
            return False
        return None if None in results else True

    def _file_has(self, pattern: dict) -> bool | None:
        """Some site of the file matches `pattern`: true if one definitely does, unknown if one may."""
        result: bool | None = False
        for site in candidates(pattern, self.file):
            found = self.all(where(pattern), site)
            if found:
                return True
            if found is None:
                result = None
        return result

    def _mentions(self, pred: dict, site: CallSite | None) -> bool:
        """The argument's source text (not its value) matches the regex: `MNIST(root, train=False)`."""
        arg = site.argument(pred.get("keyword", ""), pred.get("position")) if site else None
        text = arg.source() if arg is not None else None
        return text is not None and _regex(pred["mentions"]).search(text) is not None

    def _version(self, spec: dict) -> bool:
        return self.file.versions.holds(spec)

    def lookup(self, pred: dict, site: CallSite | None):
        """The value a predicate tests: a value, ABSENT, or UNKNOWN."""
        parts = (pred.get("keyword") or pred.get("path") or "").split(".")
        arg = site.argument(parts[0], pred.get("position")) if site else None
        if arg is None:
            if site is None or site.may_hide(pred.get("position")):
                return UNKNOWN
            declared = site.declared_default(parts[0]) if len(parts) == 1 else None
            if declared is not None:
                return declared
            if site.partial and "default" in pred:
                return UNKNOWN
            return pred.get("default", ABSENT)
        value = arg.value
        for part in parts[1:]:
            if value is ABSENT:
                break  # a missing section has no keys: `fp16: {}` and no `fp16` alike
            if isinstance(value, CallValue):
                inner = value.site.argument(part)
                if inner is None:
                    return UNKNOWN if value.site.open_kwargs else ABSENT
                value = inner.value
            elif isinstance(value, dict):
                value = value.get(part, ABSENT)
            else:
                return UNKNOWN
        if value is ABSENT and "default" in pred:
            return UNKNOWN if site.partial else pred["default"]
        return value

    def _value_tests(self, pred: dict, value, site: CallSite | None = None) -> bool | None:
        tests = []
        if "present" in pred:
            tests.append((value is not ABSENT) == pred["present"])
        checks = [k for k in pred if k in _VALUE_TESTS]
        if checks and value is UNKNOWN:
            return None
        for key in checks:
            result = _VALUE_TESTS[key](self, value, pred[key], site)
            # A template's formatted-in parts are unknown text: only a regex that matches the
            # known text is sure.
            if isinstance(value, Template) and "{}" in value and not (key == "regex" and result):
                result = None
            tests.append(result)
        if not tests:
            return None if value is UNKNOWN else value is not ABSENT
        if None in tests:
            return None
        return all(tests)

    def number(self, spec, site: CallSite | None = None):
        """A comparison's limit: a number, an option's value, or another keyword's value."""
        if not isinstance(spec, dict):
            return spec
        if "option" in spec:
            return self.options.get(spec["option"])
        ref = {"keyword": spec["keyword"], "position": spec.get("position"), "default": spec.get("default", ABSENT)}
        value = self.lookup(ref, site)
        if value is ABSENT:
            return None
        if "times" in spec and isinstance(value, (int, float)) and not isinstance(value, bool):
            return value * spec["times"]
        return value


def _runs_on_cpu(file_ctx: LintedFile) -> bool:
    """The project installs CPU-only PyTorch, or every cloud job that runs the script is on a CPU machine."""
    if file_ctx.versions.cpu_wheels is not None:
        return True
    repo, rel = getattr(file_ctx, "repo", None), getattr(file_ctx, "rel", None)
    return repo is not None and rel is not None and repo.cpu_instance(rel, consumer=rel) is not None


def _launched_with(file_ctx: PythonFile, spec: dict) -> bool:
    """Some launch of this file passes the flag (or its arguments file holds the key), or wraps it."""
    repo, rel = getattr(file_ctx, "repo", None), getattr(file_ctx, "rel", None)
    if repo is None or rel is None:
        return False
    for launch in repo.launches_of(rel, consumer=rel):
        if launch.wrapper and launch.wrapper in spec.get("wrapper", ()):
            return True
        flag = spec.get("flag")
        if not flag:
            continue
        values = [launch.flags.get(flag)]
        args = launch.config("args")
        if args is not None and args.found:
            data = repo.config(args.path, consumer=rel) or {}
            values.append(data.get(flag))
        for value in values:
            if value is None:
                continue
            text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
            if "regex" not in spec or _regex(spec["regex"]).search(text):
                return True
    return False


def _only_mentions(pred: dict) -> bool:
    """A keyword predicate whose only test is `mentions` does not look at the value."""
    return "present" not in pred and not any(k in pred for k in _VALUE_TESTS)


def _norm(value):
    if isinstance(value, tuple):
        return [_norm(v) for v in value]
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return value


def _equal(a, b) -> bool:
    a, b = _norm(a), _norm(b)
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    return a == b


def _in(value, items) -> bool:
    return value is not ABSENT and any(_equal(value, item) for item in items)


def _compare(op):
    def test(ev: Evaluator, value, spec, site=None):
        limit = ev.number(spec, site)
        if limit is UNKNOWN or isinstance(limit, CallValue):
            return None
        if isinstance(limit, bool) or not isinstance(limit, (int, float)):
            return False
        if value is ABSENT:
            return False
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None if isinstance(value, CallValue) else False
        return op(value, limit)

    return test


def _truthy(ev, value, expected, site=None) -> bool | None:
    if value is ABSENT:
        return not expected
    if isinstance(value, (CallValue, Arg)):
        return None
    if isinstance(value, list) and any(v is UNKNOWN for v in value):
        return None
    return bool(value) == expected


def _calls(ev, value, names, site=None) -> bool:
    return isinstance(value, CallValue) and names_match(value.site.names, names)


def _regex_test(ev, value, pattern, site=None) -> bool:
    return isinstance(value, str) and _regex(pattern).search(value) is not None


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern:
    return re.compile(pattern)


_VALUE_TESTS = {
    "equals": lambda ev, v, x, s=None: _equal(v, x),
    "in": lambda ev, v, x, s=None: _in(v, x),
    "not-in": lambda ev, v, x, s=None: None if isinstance(v, CallValue) else not _in(v, x),
    "in-option": lambda ev, v, x, s=None: _in(v, ev.options.get(x) or []),
    "not-in-option": lambda ev, v, x, s=None: None if isinstance(v, CallValue) else not _in(v, ev.options.get(x) or []),
    "truthy": _truthy,
    "lt": _compare(lambda a, b: a < b),
    "le": _compare(lambda a, b: a <= b),
    "gt": _compare(lambda a, b: a > b),
    "ge": _compare(lambda a, b: a >= b),
    "regex": _regex_test,
    "calls": _calls,
}
