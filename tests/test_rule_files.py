"""The rule files themselves: schema, naming, docs, and the schema's own ok/fail cases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlgreenlint.errors import RuleFileError
from mlgreenlint.ruleset import rulebook

RULES_DIR = rulebook.builtin_rules_dir()
FILES = rulebook.rule_files(RULES_DIR)
ENERGY_FIGURE = re.compile(r"\d+(\.\d+)?x")


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_rule_file_is_valid(path):
    assert rulebook.check_files([path]) == []


def test_ids_are_unique_and_match_file_names():
    rules = rulebook.load_paths([RULES_DIR])
    assert len({r.id for r in rules}) == len(rules)
    for rule in rules:
        assert Path(rule.source).name == f"{rule.id}-{rule.name}.toml"


# Rules whose habit was measured (docs/energy.md) must quote the figure; retention-only
# rules (CK003) have no measured figure and must not invent one.
MEASURED = ["MP001", "MP002", "MP003", "MP004", "MP005", "MP006", "CK001", "CK002", "CK004", "CK006"]


@pytest.mark.parametrize("rule_id", MEASURED)
def test_docs_quote_a_measured_figure(rule_id):
    rule = {r.id: r for r in rulebook.load_builtin()}[rule_id]
    assert ENERGY_FIGURE.search(rule.docs["why"]) and "H200" in rule.docs["why"]


def _rule_text(**changes) -> str:
    base = {
        "id": '"XX001"', "name": '"thing"', "family": '"XX"', "severity": '"warning"', "message": '"m"',
    }
    base.update(changes)
    head = "\n".join(f"{k} = {v}" for k, v in base.items() if v is not None)
    return head + '''
[match]
[[match.python]]
call = ["corp.train.launch"]
where = [ { keyword = "precision", present = false } ]
[docs]
what = "w"
why = "y"
bad = "import corp.train\\ncorp.train.launch(job)\\n"
good = "import corp.train\\ncorp.train.launch(job, precision='bf16')\\n"
references = []
[examples]
invalid = [ { code = "from corp.train import launch\\nlaunch(j)  # expect: XX001\\n" } ]
valid = [ { code = "from corp.train import launch\\nlaunch(j, precision=p)\\n" } ]
'''


@pytest.mark.parametrize(
    "changes, where, problem",
    [
        ({"severity": '"fatal"'}, "severity", "is not one of"),
        ({"id": '"X1"'}, "id", "does not match"),
        ({"name": '"Bad Name"'}, "name", "does not match"),
        ({"message": None}, "", "'message' is a required property"),
        ({"family": '"YY"'}, "family", "does not start with family"),
    ],
)
def test_invalid_rule_files_name_the_place(tmp_path, changes, where, problem):
    path = tmp_path / "rule.toml"
    path.write_text(_rule_text(**changes))
    errors = rulebook.check_files([path])
    assert len(errors) == 1
    assert errors[0].where == where
    assert problem in errors[0].problem


def test_a_custom_policy_rule_without_python(tmp_path):
    """'calls to corp.train.launch must pass precision=' as a data file."""
    path = tmp_path / "XX001-thing.toml"
    path.write_text(_rule_text())
    (rule,) = rulebook.load_paths([path])
    from mlgreenlint import testing

    assert all(o.ok for o in testing.run_rule_examples(rule))


def test_invalid_regex_is_a_rule_error(tmp_path):
    path = tmp_path / "rule.toml"
    path.write_text(_rule_text().replace('where = [ { keyword = "precision", present = false } ]',
                                         'where = [ { keyword = "precision", regex = "(" } ]'))
    with pytest.raises(RuleFileError) as exc:
        rulebook.load_paths([path])
    assert "regex" in exc.value.where and "(" in str(exc.value)


def test_invalid_toml_is_a_rule_error(tmp_path):
    path = tmp_path / "rule.toml"
    path.write_text("id = \n")
    with pytest.raises(RuleFileError, match="invalid TOML"):
        rulebook.load_paths([path])
