"""The statements around a call (`Frame` chains), read without importing libcst."""

from __future__ import annotations

from collections.abc import Iterator

from mlgreenlint.python.scopes import Frame


def frames(frame: Frame | None) -> Iterator[Frame] | tuple[()]:
    """The frame and every frame around it, innermost first."""
    return frame.chain() if frame is not None else ()


def innermost_def(frame: Frame | None) -> Frame | None:
    """The innermost function around the frame, or None."""
    for f in frames(frame):
        if f.kind == "def":
            return f
    return None


def innermost_loop(frame: Frame | None) -> Frame | None:
    """The innermost loop around the frame inside its own function, or None."""
    for f in frames(frame):
        if f.kind == "def":
            return None
        if f.kind == "loop":
            return f
    return None


def in_function(frame: Frame | None) -> bool:
    return any(f.kind == "def" for f in frames(frame))
