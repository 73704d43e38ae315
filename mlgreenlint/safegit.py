"""Run git on a repository that may be hostile: nothing its configuration names is executed.

A repository's own `.git/config` can name commands that ordinary git calls run: a
`core.fsmonitor` hook runs on `git ls-files` and `git status`, a `filter.<driver>.clean`
command on `git diff` against the working tree, `diff.external` and textconv drivers on
`git diff`, `core.pager` on any paged output. A checkout prepared by someone else (an
archive with its `.git`, a shared volume, a pull request in CI) must not get to run them.
Every git call of mlgreenlint goes through `run`, which turns these off on the command
line (command-line `-c` values win over every configuration file), ignores the system
configuration, and runs with no terminal prompt and no pager or diff program from the
environment.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

_OPTIONS = (
    "--no-pager",
    "-c", "core.fsmonitor=false",
    "-c", "core.pager=cat",
    "-c", "core.hooksPath=/dev/null",
    "-c", "diff.external=",
    "-c", "core.quotepath=off",
)
#: Environment variables that name programs for git to run.
_PROGRAMS = ("GIT_EXTERNAL_DIFF", "GIT_PAGER", "PAGER", "GIT_ASKPASS", "SSH_ASKPASS", "GIT_SSH", "GIT_SSH_COMMAND",
             "GIT_EDITOR", "GIT_SEQUENCE_EDITOR")
#: Environment variables that change what a pathspec means: mlgreenlint's pathspecs are globs.
_PATHSPEC_MODES = ("GIT_LITERAL_PATHSPECS", "GIT_GLOB_PATHSPECS", "GIT_NOGLOB_PATHSPECS", "GIT_ICASE_PATHSPECS")
_FILTER_KEYS = ("clean", "smudge", "process")


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _PROGRAMS and k not in _PATHSPEC_MODES}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0")
    return env


def run(args: Sequence[str], cwd: Path, *, timeout: float = 60, filters: bool = False) -> subprocess.CompletedProcess[bytes]:
    """`git <args>` in `cwd` with the repository's commands disabled; raises OSError without git.

    `filters=True` (for commands that read working-tree files through filters, `git diff`)
    also disables the clean/smudge filters the repository's configuration defines.
    """
    env = environment()
    options = list(_OPTIONS)
    if filters:
        options += _no_filters(cwd, env, timeout)
    return subprocess.run(["git", *options, *args], cwd=cwd, env=env, capture_output=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, check=False)


def _no_filters(cwd: Path, env: dict[str, str], timeout: float) -> list[str]:
    """`-c filter.<driver>.clean=` for every filter the repository's configuration (and its includes) defines."""
    listed = subprocess.run(["git", *_OPTIONS, "config", "--local", "--includes", "--name-only", "--get-regexp",
                             r"^filter\..*\.(clean|smudge|process)$"], cwd=cwd, env=env, capture_output=True,
                            timeout=timeout, stdin=subprocess.DEVNULL, check=False)
    drivers = {line.split(".", 1)[1].rsplit(".", 1)[0]
               for line in listed.stdout.decode("utf-8", "surrogateescape").splitlines() if line.count(".") >= 2}
    return [arg for name in sorted(drivers) for key in _FILTER_KEYS for arg in ("-c", f"filter.{name}.{key}=")]
