"""Find the files to lint: walk folders (skipping excluded and git-ignored paths), keep named files."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from mlgreenlint import safegit
from mlgreenlint.globs import glob_matcher

LINTED_SUFFIXES = (".py", ".pyi", ".ipynb", ".yaml", ".yml", ".json", ".toml")


@dataclass(frozen=True, order=True)
class Target:
    """A file to lint: its display path (relative, `/`) and where it is on disk."""

    display: str
    path: Path
    explicit: bool = False


def display_path(path: Path, cwd: Path) -> str:
    try:
        return path.resolve().relative_to(cwd).as_posix() if path.is_absolute() else path.as_posix().removeprefix("./")
    except ValueError:
        return path.as_posix()


def iter_targets(paths: list[Path], *, excludes: tuple[str, ...], cwd: Path, notes: list[str]) -> list[Target]:
    """Files to lint, sorted and unique. Explicit files are kept whatever their suffix, unless excluded."""
    found: dict[str, Target] = {}
    for given in paths:
        if given.is_symlink() and not given.exists():
            notes.append(f"{given}: broken symbolic link, skipped")
            continue
        if given.is_file():
            shown = display_path(given, cwd)
            if not _excluded(shown, excludes):
                found.setdefault(shown, Target(shown, given, explicit=True))
            continue
        if not given.is_dir():
            notes.append(f"{given}: not a regular file or folder, skipped" if given.exists()
                         else f"{given}: no such file or folder")
            continue
        for path in _walk(given, excludes, cwd, notes):
            shown = display_path(path, cwd)
            found.setdefault(shown, Target(shown, path))
    return sorted(found.values())


def _excluded(shown: str, excludes: tuple[str, ...]) -> bool:
    return glob_matcher(tuple(excludes))(shown)


def _walk(root: Path, excludes: tuple[str, ...], cwd: Path, notes: list[str]):
    listed = _git_files(root)
    if listed is not None:
        for path in listed:
            shown = display_path(path, cwd)
            if path.suffix in LINTED_SUFFIXES and not _excluded(shown, excludes) and _inside(path, root, notes):
                yield path
        return
    # Not a git work tree: walk the file system, never following symbolic links.
    if NO_GIT not in notes and _git_missing_in_work_tree(root):
        notes.append(NO_GIT)
    for folder, dirs, files in os.walk(root, followlinks=False):
        base = Path(folder)
        dirs[:] = sorted(d for d in dirs if not _excluded(display_path(base / d, cwd), excludes))
        for name in sorted(files):
            path = base / name
            if path.suffix in LINTED_SUFFIXES and not _excluded(display_path(path, cwd), excludes):
                if _inside(path, root, notes):
                    yield path


#: A note the CLI prints even without --verbose (it starts with "warning: "): the walk may
#: lint files git would ignore.
NO_GIT = "warning: git is not on PATH, so .gitignore files are not applied; exclude ignored folders with extend-exclude"


def _git_missing_in_work_tree(root: Path) -> bool:
    import shutil

    if shutil.which("git") is not None:
        return False
    start = root.resolve()
    return any((folder / ".git").exists() for folder in (start, *start.parents))


def _inside(path: Path, root: Path, notes: list[str]) -> bool:
    """Links are followed only when they stay inside the linted folder."""
    if not path.is_symlink():
        return path.is_file()
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        notes.append(f"{path}: broken or looping symbolic link, skipped")
        return False
    if not target.is_relative_to(root.resolve()):
        notes.append(f"{path}: symbolic link points outside {root}, not followed")
        return False
    return False  # the target itself is linted under its own name


def _git_files(root: Path) -> list[Path] | None:
    """Tracked and untracked, not ignored files under root, when root is in a git work tree."""
    names = git_names(root)
    return None if names is None else [root / n for n in names]


def git_names(root: Path, pathspecs: tuple[str, ...] = (".",)) -> list[str] | None:
    """`_git_files` as sorted `/` paths relative to root (no Path objects: thousands cost milliseconds);
    `pathspecs` (git's, `*` crossing `/`) narrow the listing, so git prints only the names asked for."""
    import subprocess  # only folders need git; pre-commit passes files


    try:
        proc = safegit.run(["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *pathspecs], root)
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    return sorted({n for n in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if n})
