"""The Protocols naming the seams are the ones the real classes implement.

`python/` and `match/` ask the repository pass and the linted file through Protocols
(python/seams.py, match/files.py) instead of importing the layers above them; these tests
keep each Protocol and its implementation in step, method by method.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Protocol

import pytest

from mlgreenlint.engine.config_patterns import ConfigFile
from mlgreenlint.match import files
from mlgreenlint.python import seams
from mlgreenlint.python.context import FileContext
from mlgreenlint.repository.index import RepoIndex


def _members(protocol) -> dict[str, object]:
    out = {}
    for cls in reversed(protocol.__mro__):
        if cls is not Protocol and getattr(cls, "_is_protocol", False):
            out.update({name: value for name, value in vars(cls).items() if not name.startswith("_")})
            out.update(dict.fromkeys(getattr(cls, "__annotations__", {})))
    return out


def _parameters(function) -> list[tuple[str, object]]:
    return [(p.name, p.kind) for p in inspect.signature(function).parameters.values() if p.name != "self"]


@pytest.mark.parametrize("protocol", [seams.Repository, seams.ModuleSource, files.LaunchSource])
def test_the_repository_pass_answers_every_question_of_the_analysis(protocol):
    for name, asked in _members(protocol).items():
        answer = getattr(RepoIndex, name, None)
        assert callable(answer), f"RepoIndex has no {name}"
        # Extra optional parameters are allowed; every asked one must be there, the same kind.
        assert set(_parameters(asked)) <= set(_parameters(answer)), name


def test_a_python_file_has_what_predicates_ask():
    fields = {f.name for f in dataclasses.fields(FileContext)}
    for name in _members(files.PythonFile):
        assert name in fields or hasattr(FileContext, name), name


def test_a_config_file_has_what_file_predicates_ask():
    config = ConfigFile("c.yaml", "", [], set(), None)
    for name in _members(files.LintedFile):
        assert hasattr(config, name), name
    assert config.references(("anything",)) is False
