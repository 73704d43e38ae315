"""Module names from repository paths and what relative imports name (mlgreenlint/python/imports.py)."""

from __future__ import annotations

import pytest

from mlgreenlint.python.imports import facts_module, import_base, module_names


@pytest.mark.parametrize(("module", "level", "name", "expected"), [
    ("pkg.train", 0, "torch.optim", "torch.optim"),
    ("pkg.train", 1, "utils", "pkg.utils"),
    ("pkg.train", 1, "", "pkg"),
    ("pkg.sub.train", 2, "io", "pkg.io"),
    # A package's own module is `pkg.__init__`: `.` is the package itself.
    ("pkg.__init__", 1, "train", "pkg.train"),
    ("train", 1, "utils", "utils"),
    # Dots that climb above the top package name nothing.
    ("train", 2, "utils", None),
    ("pkg.train", 3, "x", None),
])
def test_import_base(module, level, name, expected):
    assert import_base(module, level, name) == expected


@pytest.mark.parametrize(("rel", "names", "facts"), [
    ("train.py", ["train"], "train"),
    ("pkg/mod.py", ["pkg.mod"], "pkg.mod"),
    ("pkg/__init__.py", ["pkg"], "pkg.__init__"),
    ("src/pkg/mod.py", ["src.pkg.mod", "pkg.mod"], "pkg.mod"),
    ("lib/pkg/__init__.py", ["lib.pkg", "pkg"], "pkg.__init__"),
    ("__init__.py", [], "__init__"),
])
def test_module_names(rel, names, facts):
    assert module_names(rel) == names
    assert facts_module(rel) == facts
