"""The screen before the libcst parse: which rules could fire on a file at all.

A rule is kept when its declared match could hold on the file's `ast` sketch (`sketch.py`);
libcst parses the file only when a rule is kept. The screen over-approximates (a kept rule
may still find nothing) and must never drop a rule the full analysis would fire: every
question is a necessary condition of what the analysis decides, asked with the same words
(`vocabulary`), name matching (`match.names`) and context keys (`context_keys`). The
benchmark compares the findings with and without it (`MLGREENLINT_NO_PREFILTER=1` turns off
the token prefilter and the screen), as do tests/test_prescreen.py, the rule examples and a
fuzz property.

Every key of the rule vocabulary (rules/schema.json) is screened here or declared unscreened
(`MATCH_KEYS`, `PATTERN_KEYS`, `PREDICATE_SCREENS`, `UNSCREENED_PREDICATES`); a check's
screen sits beside it in the check registry (`checks.CHECKS`) and is passed in.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping

from mlgreenlint.match.names import NamePatterns, patterns
from mlgreenlint.model import Rule
from mlgreenlint.python.context_keys import placed, through_helpers
from mlgreenlint.python.sketch import Call, Sketch, parse, sketch
from mlgreenlint.python.sketch_training import may_train
from mlgreenlint.python.vocabulary import ENV_SETTERS, ENV_UPDATE, ENVIRON, last

__all__ = ["ANALYSIS", "SOURCE", "CheckScreen", "may_fire", "needs", "parse", "sketch"]

#: A check's screen: whether the check may report on the sketched file; None: always parse.
CheckScreen = Callable[[Sketch], bool] | None

#: How the screen reads each key of a rule's `match` (schema `$defs/match`).
MATCH_KEYS = {
    "scope": "a training-scoped rule needs a file that may train (`may_train`)",
    "check": "the check's own screen, from the check registry",
    "python": "each pattern (`PATTERN_KEYS`)",
    "unless": "unscreened: it only removes findings",
    "exclude": "unscreened: path globs, applied before the screen",
    "config": "unscreened: config files are not sketched",
    "tool": "unscreened: mlgreenlint's own notices",
}
#: How the screen reads each key of a Python pattern (schema `$defs/python-pattern`), besides
#: the context keys (`context_keys.CONTEXT_KEYS`, each with its own screen).
PATTERN_KEYS = {
    "call": "the last names the call may be written with, or its exact names",
    "subclasses": "unscreened: the sketch's names include local subclasses' bases",
    "method": "the method name",
    "env": "environment variable names the file may set",
    "where": "each predicate (`PREDICATE_SCREENS`)",
    "check": "unscreened: a site check reports only where its pattern matched",
    "report": "unscreened: where a finding points",
    "message": "unscreened: what a finding says",
    "fix": "unscreened: the fix a finding offers",
}


#: What deciding a rule on a file takes (`needs`): its source-only check alone, or the libcst analysis.
SOURCE, ANALYSIS = "source", "analysis"


def may_fire(rule: Rule, sk: Sketch, versions=None, checks: Mapping[str, CheckScreen] | None = None) -> bool:
    """Whether the full analysis could report `rule` on the sketched file (over-approximated).

    `versions`: the repository's pinned versions (`version` predicates), when known;
    `checks`: each registered check's screen (a check without one is always kept).
    """
    return needs(rule, sk, versions, checks) is not None


def needs(rule: Rule, sk: Sketch, versions=None, checks: Mapping[str, CheckScreen] | None = None,
          source_checks: frozenset[str] = frozenset()) -> str | None:
    """What deciding `rule` on the sketched file takes: None when it cannot fire (as `may_fire`),
    SOURCE when only its check may fire and that check is one of `source_checks` (it reads the
    file's text, not the libcst analysis), else ANALYSIS."""
    match = rule.match
    if match.get("scope") == "training" and not may_train(sk):
        return None
    check = match.get("check")
    check_may = False
    if check is not None:
        screen = (checks or {}).get(check)
        check_may = screen is None or screen(sk)
        # `scope` and `unless` are judged on the analysis (`FileContext.training`, predicates).
        if check_may and (check not in source_checks or "scope" in match or "unless" in match):
            return ANALYSIS
    if any(_pattern_may(p, sk, versions) for p in match.get("python", ())):
        return ANALYSIS
    return SOURCE if check_may else None


def _pattern_may(pattern: dict, sk: Sketch, versions) -> bool:
    if "env" in pattern:
        return bool(sk.strings & set(pattern["env"])) or _computed_env_names(sk)
    compiled = _call_patterns(pattern)
    if compiled is not None and any(compiled.match((name,)) for name in sk.recipe_fields):
        return True  # a recipe field set by assignment (`recipes.py`); its predicates are not screened
    calls = placed(pattern, sk)
    if not calls:
        return False
    ids = {id(c) for c in calls}
    where = pattern.get("where", ())
    if any(id(c) in ids and _targets(pattern, c, sk) and _where_may(where, c, versions)
           for c in _target_candidates(pattern, sk)):
        return True
    # Patterns about where a call runs also fire at a call of a helper that makes it: a
    # repository helper, or a function of this file that makes a target call (`helper_calls`).
    if not through_helpers(pattern):
        return False
    makers = {sk.def_quals[c.owner].rsplit(".", 1)[-1] for c in _target_candidates(pattern, sk)
              if c.owner in sk.def_quals and _targets(pattern, c, sk)}
    return any(isinstance(c.func, ast.Name) and c.func.id in makers or _may_reach_helper(sk, c) for c in calls)


def _may_reach_helper(sk: Sketch, call: Call) -> bool:
    helpers = sk.helpers(call)
    return helpers is None or bool(helpers)


# Predicates: each screen is False only when the predicate is certainly false for the call.

def _version_may(pred: dict, call: Call, versions) -> bool:
    """A `version` predicate is exact: the pins are known before any parse."""
    return versions is None or versions.holds(pred["version"])


def _present_may(pred: dict, call: Call, versions) -> bool:
    """Whether a keyword is passed, when the call hides no `**` mapping (and no default or
    dotted path makes the predicate about a value)."""
    if "keyword" not in pred or "default" in pred or "." in pred["keyword"]:
        return True
    passed = _passed(call.node, pred["keyword"], pred.get("position"))
    return passed is None or passed == pred["present"]


PREDICATE_SCREENS: dict[str, Callable[[dict, Call, object], bool]] = {
    "version": _version_may,
    "present": _present_may,
}
#: Predicate keys the screen does not judge (they may hold on any call), and the parameters
#: of the screened ones.
UNSCREENED_PREDICATES = frozenset({
    "keyword", "position", "path", "default", "equals", "in", "not-in", "in-option", "not-in-option", "truthy",
    "lt", "le", "gt", "ge", "regex", "calls", "mentions", "any", "all", "not", "file-calls", "file-calls-option",
    "file-methods", "file-text", "launched-with", "file-has", "runs-on-cpu",
})


def _where_may(where, call: Call, versions) -> bool:
    for pred in where:
        for key, screen in PREDICATE_SCREENS.items():
            if key in pred and not screen(pred, call, versions):
                return False
    return True


def _passed(node: ast.Call, keyword: str, position: int | None) -> bool | None:
    """Whether the call passes the argument (`CallSite.argument`), or None when `**`/`*` may hide it."""
    if any(k.arg == keyword for k in node.keywords):
        return True
    if any(k.arg is None for k in node.keywords):
        return None  # `**mapping`: the analysis may fold its keys
    if position is not None:
        positional = [a for a in node.args if not isinstance(a, ast.Starred)]
        if position < len(positional):
            return True
        if len(positional) < len(node.args):
            return None  # `*args` may hide it
    return False


# Targets -------------------------------------------------------------------------------------

def _call_patterns(pattern: dict) -> NamePatterns | None:
    names = pattern.get("call")
    return patterns(names) if names else None


def _target_candidates(pattern: dict, sk: Sketch) -> list[Call]:
    """Calls whose last name or method could match the pattern's target (an index look-up)."""
    index = sk.by_name()
    names = set(pattern.get("method", ())) & index.keys()
    compiled = _call_patterns(pattern)
    if compiled is not None:
        names |= compiled.last_names(index.keys())
    return [c for n in names for c in index[n]]


def _targets(pattern: dict, call: Call, sk: Sketch) -> bool:
    methods = pattern.get("method")
    if methods and isinstance(call.func, ast.Attribute) and call.func.attr in methods:
        return True
    compiled = _call_patterns(pattern)
    if compiled is None:
        return False
    exact = sk.exact_names(call)
    if exact is not None:
        return compiled.match(exact)
    return any(compiled.last_match(t) for t in sk.expr_terminals(call.func))


def calls_any(sk: Sketch, names: tuple[str, ...]) -> bool:
    """Some call of the file may be a call of one of these names (or of a subclass)."""
    pattern = {"call": names, "subclasses": True}
    return any(_targets(pattern, c, sk) for c in sk.calls)


# Environment variables -----------------------------------------------------------------------

_ENVIRON = last(ENVIRON)
#: Methods of `os.environ` that set a variable named by their first argument, and functions.
_ENV_METHODS = frozenset(last(s) for s in ENV_SETTERS if s.startswith(ENVIRON + "."))
_ENV_FUNCTIONS = frozenset(last(s) for s in ENV_SETTERS if not s.startswith(ENVIRON + "."))
_ENV_UPDATE = last(ENV_UPDATE)


def _computed_env_names(sk: Sketch) -> bool:
    """Some environment variable is set under a name that is not a string literal (`environ`)."""
    if any(_ENVIRON in sk.expr_terminals(target) for target in sk.keyed_stores):
        return True
    for call in sk.calls:
        func, node = call.func, call.node
        method = func.attr if isinstance(func, ast.Attribute) else None
        on_environ = method is not None and _ENVIRON in sk.expr_terminals(func.value)
        if sk.expr_terminals(func) & _ENV_FUNCTIONS or (on_environ and method in _ENV_METHODS):
            if not node.args or not isinstance(node.args[0], ast.Constant):
                return True
        elif on_environ and method == _ENV_UPDATE:
            if any(k.arg is None for k in node.keywords) or any(
                    not isinstance(a, ast.Dict) or not all(isinstance(k, ast.Constant) for k in a.keys) for a in node.args):
                return True
    return False

