"""The compiled exclude matcher answers exactly as path_matches glob by glob."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mlgreenlint.globs import glob_matcher, path_matches
from mlgreenlint.settings import DEFAULT_EXCLUDE

_part = st.sampled_from(["a", "b", "src", "build", "tests", "test_x.py", "x_test.py", ".venv", "m.egg-info",
                         "conftest.py", "docs", "node_modules", "a.py", "[x]", "wandb", "B.PY", ""])
_paths = st.lists(_part, min_size=1, max_size=5).map("/".join)
_globs = st.sampled_from(["*.py", "build", "build/", "tests/**", "test_*.py", "*_test.py", "docs/**", "a/b",
                          "a/*.py", "*.egg-info", "[ab]", "?", "src/a.py", "/", "", "**", "*/x", "B.py"])


@settings(max_examples=500, deadline=None)
@given(_paths, st.lists(_globs, max_size=5))
def test_glob_matcher_equals_path_matches(path, globs):
    assert glob_matcher(tuple(globs))(path) == any(path_matches(path, g) for g in globs)


@given(_paths)
def test_default_excludes(path):
    globs = DEFAULT_EXCLUDE
    assert glob_matcher(globs)(path) == any(path_matches(path, g) for g in globs)


@settings(max_examples=500, deadline=None)
@given(_paths, st.lists(_globs, max_size=5))
def test_compiled_matcher_equals_path_matches(path, globs):
    """The regular expressions a matcher compiles after its first paths answer the same."""
    from mlgreenlint import globs as module

    fresh = module.glob_matcher.__wrapped__(tuple(globs))
    for _ in range(module._COMPILE_AFTER):
        fresh("warm/up.py")
    assert fresh(path) == any(path_matches(path, g) for g in globs)


def _fnmatch_reference(path: str, glob: str) -> bool:
    """path_matches as plain fnmatch calls, for every glob (the literal fast path included)."""
    from fnmatch import fnmatchcase

    glob = glob.rstrip("/")
    if fnmatchcase(path, glob) or fnmatchcase(path, glob + "/*"):
        return True
    if "/" not in glob:
        return any(fnmatchcase(part, glob) for part in path.split("/"))
    return fnmatchcase(path, "*/" + glob) or fnmatchcase(path, "*/" + glob + "/*")


@settings(max_examples=1000, deadline=None)
@given(_paths, st.one_of(_globs, _paths))
def test_path_matches_equals_fnmatch(path, glob):
    assert path_matches(path, glob) == _fnmatch_reference(path, glob)
