"""Build-time checks that let a run skip jsonschema: the rules stamp and the quick schema check."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from mlgreenlint.ruleset import rulebook, stamp
from mlgreenlint.quickschema import certainly_valid

SETTINGS_SCHEMA = json.loads((Path(rulebook.__file__).parents[1] / "schemas" / "settings.schema.json").read_text())


def test_rules_stamp_is_current():
    assert stamp.main(["--check"]) == 0, "rules/VALIDATED is stale: run `python -m mlgreenlint.ruleset.stamp`"


def test_a_stale_stamp_is_detected_and_rewritten(tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(rulebook.builtin_rules_dir(), folder)
    assert stamp.main(["--check", "--rules-dir", str(folder)]) == 0
    rule = sorted(folder.glob("MP*.toml"))[0]
    rule.write_text(rule.read_text().replace('severity = "warning"', 'severity = "info"', 1))
    assert stamp.main(["--check", "--rules-dir", str(folder)]) == 1
    assert stamp.main(["--rules-dir", str(folder)]) == 0
    assert stamp.main(["--check", "--rules-dir", str(folder)]) == 0
    schema = folder / "schema.json"
    schema.write_text(schema.read_text() + "\n")
    assert stamp.main(["--check", "--rules-dir", str(folder)]) == 1


def test_an_invalid_rule_is_never_stamped(tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(rulebook.builtin_rules_dir(), folder)
    rule = sorted(folder.glob("MP*.toml"))[0]
    rule.write_text(rule.read_text().replace('severity = "warning"', 'severity = "loud"', 1))
    assert stamp.main(["--rules-dir", str(folder)]) == 2


_codes = st.lists(st.sampled_from(["ALL", "MP", "MP001", "mp", "", "X1", "GL0001", 3, None]), max_size=3)
_values = st.one_of(
    _codes, st.text(max_size=3), st.integers(-2, 3), st.floats(allow_nan=False), st.booleans(),
    st.dictionaries(st.sampled_from(["*.py", "MP001", "mp", "severity"]),
                    st.one_of(_codes, st.sampled_from(["info", "loud"]),
                              st.dictionaries(st.sampled_from(["severity", "x"]), st.sampled_from(["info", "loud", 1]))),
                    max_size=2),
)
_keys = st.sampled_from(["select", "ignore", "extend-select", "exclude", "extend-exclude", "per-file-ignores",
                         "fail-on", "rule-paths", "baseline", "max-file-size", "cache-dir", "rules", "unknown"])


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_keys, _values, max_size=4))
def test_quick_settings_check_never_accepts_what_jsonschema_rejects(table):
    if certainly_valid(table, SETTINGS_SCHEMA):
        assert not list(jsonschema.Draft202012Validator(SETTINGS_SCHEMA).iter_errors(table))


def test_quick_settings_check_accepts_ordinary_configuration():
    table = {
        "select": ["ALL"], "ignore": ["MP005"], "extend-exclude": ["vendor/"],
        "per-file-ignores": {"scripts/*.py": ["MP"]}, "fail-on": "error", "max-file-size": 100000,
        "cache-dir": ".cache", "rules": {"MP002": {"severity": "info", "limit": 3}},
    }
    assert certainly_valid(table, SETTINGS_SCHEMA)
    assert not certainly_valid({**table, "max-file-size": 1.0}, SETTINGS_SCHEMA)  # jsonschema decides
    assert not certainly_valid({"fail-on": "loud"}, SETTINGS_SCHEMA)
    assert not certainly_valid({"select": "MP"}, SETTINGS_SCHEMA)


def test_rules_loaded_from_the_stamp_equal_rules_parsed_from_toml():
    rulebook._load_builtin_cached.cache_clear()
    stamped = rulebook.load_builtin()
    folder = rulebook.builtin_rules_dir()
    parsed = [rulebook._parse(f, f.read_bytes(), None, builtin=True) for f in rulebook.rule_files(folder)]
    assert stamped == parsed
