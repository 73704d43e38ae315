"""Which commit this copy of mlgreenlint comes from, for `--version` and bug reports."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
#: Written into wheels and sdists by hatch_build.py; absent in a checkout.
COMMIT_FILE = PACKAGE / "_commit.txt"
UNKNOWN = "unknown"


def git_commit(root: Path) -> str | None:
    """The abbreviated HEAD commit of the checkout at `root` (`-dirty` with local changes), or None."""
    if not (root / ".git").exists():
        return None
    # Our own checkout, but run git without hooks a configuration could name (fsmonitor, pager).
    git = ["git", "-c", "core.fsmonitor=false", "-c", "core.pager=cat", "-C", str(root)]
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_OPTIONAL_LOCKS": "0"}
    try:
        head = subprocess.run([*git, "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True,
                              timeout=10, env=env)
        if head.returncode != 0:
            return None
        dirty = subprocess.run([*git, "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, timeout=10, env=env)
    except (OSError, subprocess.SubprocessError):
        return None
    return head.stdout.strip() + ("-dirty" if dirty.returncode == 0 and dirty.stdout.strip() else "")


def commit() -> str:
    """From git when running from a checkout; else the commit recorded at build time; else "unknown"."""
    found = git_commit(PACKAGE.parent)
    if found:
        return found
    try:
        return COMMIT_FILE.read_text(encoding="utf-8").strip() or UNKNOWN
    except OSError:
        return UNKNOWN
