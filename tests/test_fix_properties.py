"""Property: fixing never breaks a file, removes what it fixed, adds no finding, and is idempotent.

Over every rule example that has a fix and over generated ML programs and config documents
(tests/fuzzing.py), with every fix applied (unsafe ones too): the fixed text parses, no
finding with a fix is left, no (rule) count grows, and fixing again changes nothing.
"""

from __future__ import annotations

from collections import Counter

import pytest
from fuzzing import config_file, job, ml_program
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlgreenlint.engine.driver import lint_text
from mlgreenlint.fixes.policy import FixPolicy
from mlgreenlint.fixes.session import Source, fix_source, parse_problem
from mlgreenlint.ruleset import rulebook

JOB = job()
ALL = FixPolicy(unsafe=True)
SUPPRESS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def check_fix_properties(path: str, text: str) -> int:
    """Assert the properties for one file; returns how many findings were fixed."""
    before = lint_text(path, text, JOB).findings
    result = fix_source(path, Source(text, "utf-8", False), before, JOB, ALL)
    assert result.error is None, result.error
    after_text = result.after
    assert parse_problem(path, after_text) is None or parse_problem(path, text) is not None
    after = lint_text(path, after_text, JOB).findings
    assert not [f for f in after if ALL.applies(f)], [f"{f.rule}:{f.span.line}" for f in after if ALL.applies(f)]
    grown = {rule: n for rule, n in Counter(f.rule for f in after).items() if n > Counter(f.rule for f in before)[rule]}
    assert not grown, f"fixing added findings: {grown}"
    fixed_rules = {f.rule for f in before if ALL.applies(f)}
    for rule in fixed_rules:
        assert Counter(f.rule for f in after)[rule] < Counter(f.rule for f in before)[rule]
    again = fix_source(path, Source(after_text, "utf-8", False), after, JOB, ALL)
    assert again.after == after_text
    return result.fixed


EXAMPLES = [(rule.id, example.get("path", rule.docs.get("example-path", "example.py")), example["code"])
            for rule in rulebook.load_builtin() if rule.fix
            for example in [{"code": rule.docs["bad"]}, *rule.examples["invalid"]] if not example.get("files")]


@pytest.mark.parametrize("rule, path, code", EXAMPLES, ids=[f"{r}-{i}" for i, (r, _, _) in enumerate(EXAMPLES)])
def test_every_rule_example(rule, path, code):
    check_fix_properties(path, code)


def test_the_examples_exercise_fixes():
    assert sum(check_fix_properties(path, code) for _, path, code in EXAMPLES) >= len({r for r, _, _ in EXAMPLES})


@settings(suppress_health_check=SUPPRESS)
@given(ml_program())
def test_generated_ml_programs(source):
    check_fix_properties("train.py", source)


@settings(suppress_health_check=SUPPRESS)
@given(config_file())
def test_generated_config_documents(named):
    name, data = named
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    check_fix_properties(name, text)


@settings(suppress_health_check=SUPPRESS)
@given(st.lists(st.sampled_from([rule_example[2] for rule_example in EXAMPLES if rule_example[1] == "example.py"]),
                min_size=2, max_size=4))
def test_several_examples_in_one_file(parts):
    """Fixes of several rules in one file, some overlapping, settle over the passes."""
    check_fix_properties("train.py", "\n".join(parts))
