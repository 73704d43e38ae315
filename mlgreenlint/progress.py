"""The progress line of a long run: `files done / total, elapsed` on a terminal's standard error."""

from __future__ import annotations

import os
import time
from typing import TextIO

#: Runs shorter than this many seconds show nothing (the report follows at once).
DELAY = 1.0
#: Overrides DELAY (tests and demos set 0 to see the line on a short run).
DELAY_ENV = "MLGREENLINT_PROGRESS_DELAY"
#: At most this many redraws a second: a terminal write per file would cost more than the file.
INTERVAL = 0.1


class Meter:
    """Counts finished files; draws only on a terminal, after DELAY seconds, and erases itself on close."""

    def __init__(self, stream: TextIO, *, enabled: bool = True, delay: float | None = None, clock=time.monotonic):
        isatty = getattr(stream, "isatty", None)
        self.stream, self.clock = stream, clock
        self.delay = configured_delay() if delay is None else delay
        self.enabled = enabled and isatty is not None and isatty()
        self.start = self.last = clock()
        self.total = self.done = 0
        self.drawn = False

    def __enter__(self) -> Meter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def begin(self, total: int) -> None:
        self.total, self.done = total, 0

    def advance(self, count: int = 1) -> None:
        self.done += count
        if not self.enabled:
            return
        now = self.clock()
        if now - self.start >= self.delay and (now - self.last >= INTERVAL or self.done == self.total):
            self.last = now
            self.stream.write(f"\r\x1b[K{self.done}/{self.total} files, {now - self.start:.1f} s")
            self.stream.flush()
            self.drawn = True

    def close(self) -> None:
        """Erase the line, so the report starts at the left margin of a clean line."""
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False


def configured_delay() -> float:
    try:
        return max(0.0, float(os.environ.get(DELAY_ENV, DELAY)))
    except ValueError:
        return DELAY
