"""Every key of the rule vocabulary and every registered check has a screen, or says it has none.

The screen may only drop a rule the analysis could not fire, so a key it does not know
must be decided before it ships: these tests fail when rules/schema.json or the check
registry grows a name the screen has not placed.
"""

from __future__ import annotations

import json
from pathlib import Path

from mlgreenlint import checks
from mlgreenlint.python import context_keys, screen

SCHEMA = json.loads((Path(__file__).parents[1] / "rules" / "schema.json").read_text(encoding="utf-8"))["$defs"]


def test_every_match_key_is_placed():
    assert set(SCHEMA["match"]["properties"]) == set(screen.MATCH_KEYS)


def test_every_python_pattern_key_has_a_screen_or_says_it_has_none():
    pattern = set(SCHEMA["python-pattern"]["properties"])
    assert pattern == set(screen.PATTERN_KEYS) | set(context_keys.CONTEXT_KEYS)
    assert not set(screen.PATTERN_KEYS) & set(context_keys.CONTEXT_KEYS)


def test_every_inside_value_has_an_exact_and_a_sketch_test():
    assert set(SCHEMA["python-pattern"]["properties"]["inside"]["enum"]) == set(context_keys.INSIDE)


def test_every_predicate_key_has_a_screen_or_says_it_has_none():
    keys = set(SCHEMA["predicate"]["properties"])
    assert keys == set(screen.PREDICATE_SCREENS) | screen.UNSCREENED_PREDICATES
    assert not set(screen.PREDICATE_SCREENS) & screen.UNSCREENED_PREDICATES


def test_every_registered_check_carries_its_screen():
    for name, check in checks.CHECKS.items():
        assert isinstance(check, checks.FileCheck), name
        assert check.screen is None or callable(check.screen), name
    assert checks.CHECK_SCREENS == {name: c.screen for name, c in checks.CHECKS.items()}


def test_registered_functions_exist():
    import importlib

    for registry in (checks.CHECKS, checks.LINK_CHECKS, checks.SITE_CHECKS, checks.CONFIG_CHECKS):
        for name, entry in registry.items():
            module = importlib.import_module(f"mlgreenlint.checks.{entry.module}")
            assert callable(getattr(module, entry.function)), name
