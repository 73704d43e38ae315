"""Releases (issue 18, item 11): the version, its changelog entry and tag, and the commit --version names."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from mlgreenlint import __version__, buildinfo

ROOT = Path(__file__).resolve().parents[1]


def test_changelog_has_unreleased_and_the_current_version():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\]", text, re.M)
    assert headings[0] == "Unreleased"
    assert __version__ in headings


def test_readme_and_usage_snippets_name_the_current_release():
    for doc in ("README.md", "docs/usage.md"):
        text = (ROOT / doc).read_text(encoding="utf-8")
        revs = set(re.findall(r"rev: v(\S+)", text)) | set(re.findall(r"mlgreenlint/mlgreenlint@v(\S+)", text))
        assert revs == {__version__}, doc


def test_the_release_tag_is_annotated_when_the_clone_has_tags():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tags = subprocess.run(["git", "-C", str(ROOT), "tag", "--list", "v*"], capture_output=True, text=True).stdout.split()
    if not tags:
        pytest.skip("this clone carries no tags")
    assert f"v{__version__}" in tags
    kind = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-t", f"v{__version__}"], capture_output=True, text=True)
    assert kind.stdout.strip() == "tag"  # annotated, not a lightweight tag


def test_commit_from_git_in_a_checkout_else_the_recorded_file_else_unknown(tmp_path, monkeypatch):
    if (ROOT / ".git").exists():
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"],
                              capture_output=True, text=True).stdout.strip()
        assert buildinfo.commit().startswith(head)
    package = tmp_path / "site-packages" / "mlgreenlint"
    package.mkdir(parents=True)
    monkeypatch.setattr(buildinfo, "PACKAGE", package)
    monkeypatch.setattr(buildinfo, "COMMIT_FILE", package / "_commit.txt")
    assert buildinfo.commit() == "unknown"
    (package / "_commit.txt").write_text("0123456789ab\n", encoding="utf-8")
    assert buildinfo.commit() == "0123456789ab"
