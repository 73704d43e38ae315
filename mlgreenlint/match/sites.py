"""The records the predicates judge, with no parser imported: call sites, their arguments,
the values of calls, and UNKNOWN.

Config patterns build them from config nodes with known values; the Python analysis builds
them from libcst nodes (`python.values.SourceArg` folds each value on first use), so a run
that lints only config files never imports libcst.
"""

from __future__ import annotations

from dataclasses import dataclass


class _Unknown:
    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        raise TypeError("UNKNOWN has no truth value")


UNKNOWN = _Unknown()


class Arg:
    """One argument of a call, or a config key that stands for one: its node and its value."""

    __slots__ = ("node", "_value")

    def __init__(self, node, value=UNKNOWN):
        self.node = node
        self._value = value

    @classmethod
    def known(cls, node, value) -> Arg:
        return cls(node, value)

    @property
    def value(self):
        return self._value

    @property
    def expression(self):
        """The argument's expression, without its keyword or star."""
        return self.node

    def literal(self):
        """The string literal a fix of the value would edit; None when there is none."""
        return None

    def source(self) -> str | None:
        """The argument's source text, when it is written in Python."""
        return None


class Template(str):
    """An f-string or a string built from unknown parts; the text keeps `{}` where a value is formatted in."""


@dataclass(eq=False)
class CallSite:
    """A call (or a config node that stands for one) as the matcher sees it."""

    names: tuple[str, ...]
    method: str | None
    keywords: dict[str, Arg]
    positional: list[Arg]
    open_kwargs: bool
    open_args: bool
    node: object
    #: The analysis's record of a Python call (`python.bindings.CallRecord`); None for config nodes.
    record: object = None
    #: Absent arguments may be supplied elsewhere (Hydra overrides): their defaults are unknown.
    partial: bool = False
    #: For a call seen through a same-file helper at the helper's call: the call where it is written.
    origin: CallSite | None = None

    @property
    def name(self) -> str:
        return self.names[0] if self.names else (self.method or "")

    def argument(self, keyword: str, position: int | None = None) -> Arg | None:
        if keyword in self.keywords:
            return self.keywords[keyword]
        if position is not None and position < len(self.positional):
            return self.positional[position]
        return None

    def may_hide(self, position: int | None = None) -> bool:
        """True when an absent argument may still be passed through `*args`/`**kwargs`."""
        return self.open_kwargs or (position is not None and self.open_args)

    def declared_default(self, keyword: str):
        """The default the callee itself declares for an absent keyword (a repository
        dataclass, in Python); None when it declares none."""
        return None


@dataclass(eq=False)
class CallValue:
    """The value of a call expression: which callable, with which arguments."""

    site: CallSite

    @property
    def name(self) -> str:
        return self.site.name
