"""Errors that stop a run with exit code 2: bad settings, bad rule files, bad usage."""

from __future__ import annotations


class MlgreenlintError(Exception):
    """Base class; str() is the message shown to the user."""


class SettingsError(MlgreenlintError):
    def __init__(self, source: str, key: str, problem: str):
        self.source, self.key, self.problem = source, key, problem
        where = f"{source}: " if source else ""
        at = f"{key}: " if key else ""
        super().__init__(f"{where}{at}{problem}")


class RuleFileError(MlgreenlintError):
    def __init__(self, path: str, where: str, problem: str):
        self.path, self.where, self.problem = path, where, problem
        at = f" at {where}" if where else ""
        super().__init__(f"{path}{at}: {problem}")


def did_you_mean(word: str, choices) -> str:
    """`; did you mean 'select'?` for the closest choice, as click says of options; '' when none is close."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""
