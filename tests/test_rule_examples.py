"""Every built-in rule's docs pair and examples, run through the engine the CLI uses."""

from __future__ import annotations

import pytest

from mlgreenlint import testing
from mlgreenlint.ruleset import rulebook

CASES = [case for rule in rulebook.load_builtin() for case in testing.cases(rule)]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_rule_example(case):
    outcome = testing.run_case(case)
    assert outcome.ok, outcome.detail


def test_every_rule_has_examples_both_ways():
    for rule in rulebook.load_builtin():
        if rule.match.get("tool"):
            continue
        kinds = {c.kind for c in testing.cases(rule) if c.index >= 0}
        assert kinds == {"invalid", "valid"}, rule.id
