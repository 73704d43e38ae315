from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

# Fuzz tests (tests/test_fuzz.py): bounded and derandomized in CI, so a run is repeatable;
# HYPOTHESIS_PROFILE=long for more examples (benchmarks/fuzz_long.py runs longer still).
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True, print_blob=True)
settings.register_profile("long", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

from mlgreenlint.cli import main


@pytest.fixture
def project(tmp_path, monkeypatch):
    """Write files into a temporary project folder and run the CLI there."""

    class Project:
        root = tmp_path

        def write(self, rel: str, text: str) -> Path:
            path = tmp_path / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
            return path

        def run(self, *args: str):
            return CliRunner().invoke(main, list(args), catch_exceptions=False)

    monkeypatch.chdir(tmp_path)
    return Project()
