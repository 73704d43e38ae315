from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

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
