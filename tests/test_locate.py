"""The locator drives libcst's private codegen: pin the releases it was checked against."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

from mlgreenlint.engine import locate

ROOT = Path(__file__).resolve().parents[1]


def test_installed_libcst_is_one_the_locator_was_checked_against():
    """A new libcst release must pass tests/test_positions.py before it joins KNOWN_LIBCST."""
    major, minor = (int(x) for x in version("libcst").split(".")[:2])
    assert (major, minor) in locate.KNOWN_LIBCST, (
        f"libcst {major}.{minor}: run tests/test_positions.py with it, then add it to engine/locate.py "
        "KNOWN_LIBCST and raise the bound in pyproject.toml")


def test_pyproject_bounds_libcst_to_the_known_releases():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    lower, upper = re.search(r'"libcst>=(\d+\.\d+),<(\d+\.\d+)"', text).groups()
    known = sorted(locate.KNOWN_LIBCST)
    assert tuple(map(int, lower.split("."))) == known[0]
    newest = known[-1]
    assert tuple(map(int, upper.split("."))) == (newest[0], newest[1] + 1)
