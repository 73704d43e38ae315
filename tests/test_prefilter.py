"""A rule's `tokens` only skip files it cannot match: its own examples give the same findings without the prefilter."""

from __future__ import annotations

import pytest

from mlgreenlint import rulebook, testing
from mlgreenlint.engine import Job, lint_text
from mlgreenlint.selection import ActiveRule

RULES = [r for r in rulebook.load_builtin() if r.tokens]


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_tokens_never_hide_an_example_finding(rule):
    for case in testing.cases(rule):
        path = case.example.get("path", "example.py")
        options = rule.option_defaults() | case.example.get("options", {})
        found = []
        for prefilter in (True, False):
            job = Job(rules=[ActiveRule(rule, rule.severity, options)], known_ids={rule.id}, prefilter=prefilter)
            found.append([f.span.line for f in lint_text(path, case.example["code"], job).findings])
        assert found[0] == found[1], case.name
