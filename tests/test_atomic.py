from __future__ import annotations

import os
import stat

import pytest

from mlgreenlint import atomic


def test_new_file_follows_umask(tmp_path):
    old = os.umask(0o027)
    try:
        atomic.write_text(tmp_path / "out.txt", "héllo\r\nworld\n")
    finally:
        os.umask(old)
    target = tmp_path / "out.txt"
    assert target.read_bytes() == "héllo\r\nworld\n".encode("utf-8")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_replaces_existing_file_keeping_mode(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    os.chmod(target, 0o600)
    atomic.write_text(target, "new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_writes_through_symlink(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    atomic.write_text(link, "new")
    assert link.is_symlink()
    assert real.read_text() == "new"


def test_failure_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "out.txt"
    target.write_text("old")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        atomic.write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
