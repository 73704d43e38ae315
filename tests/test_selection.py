from __future__ import annotations

import pytest

from mlgreenlint.errors import SettingsError
from mlgreenlint.ruleset.selection import check_codes, is_selected, path_matches


@pytest.mark.parametrize(
    "rule, select, ignore, extend, expected",
    [
        ("MP001", ["ALL"], [], [], True),
        ("MP001", ["ALL"], ["MP"], [], False),
        ("MP001", ["ALL"], ["MP"], ["MP001"], True),
        ("MP002", ["ALL"], ["MP"], ["MP001"], False),
        ("MP001", ["CK"], [], [], False),
        ("MP001", ["CK"], [], ["MP"], True),
        ("MP001", ["MP001"], ["MP"], [], True),
        ("MP001", ["MP"], ["MP001"], [], False),
        ("MP001", ["MP"], ["MP"], [], False),
    ],
)
def test_longest_code_wins(rule, select, ignore, extend, expected):
    assert is_selected(rule, select, ignore, extend) is expected


@pytest.mark.parametrize("code", ["mp001", "MP01X", "XX", "MP999"])
def test_unknown_codes_are_errors(code):
    with pytest.raises(SettingsError):
        check_codes([code], {"MP001", "MP002"}, "select")


@pytest.mark.parametrize(
    "path, glob, expected",
    [
        ("tests/test_a.py", "tests/**", True),
        ("pkg/tests/test_a.py", "tests", True),
        ("test_a.py", "test_*.py", True),
        ("pkg/test_a.py", "test_*.py", True),
        ("train.py", "test_*.py", False),
        ("scripts/train.py", "scripts/*.py", True),
        ("a/scripts/train.py", "scripts/*.py", True),
    ],
)
def test_path_globs(path, glob, expected):
    assert path_matches(path, glob) is expected
