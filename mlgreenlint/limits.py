"""Per-file bounds: wall-clock time, and a nesting guard in front of the native parser.

Time: `deadline(seconds)` arms `signal.setitimer(ITIMER_REAL)` and raises
`AnalysisTimeout` from the SIGALRM handler. Python signal handlers run only in the main
thread and between bytecodes, so the bound holds in the main thread of each process (the
CLI, and each worker process of a process pool) on POSIX systems; elsewhere (Windows, a
thread pool, an already armed timer owned by the caller) `deadline` is a no-op, and the
file size limit plus the nesting guard are what bound a file. A call into native code
(libcst's Rust parser) is interrupted when it returns.

Nesting: libcst's native parser overflows the C stack (a segmentation fault, not an
exception) on a few thousand nested brackets, unary operators or lambdas, and takes
seconds on long operator chains. CPython refuses such files itself ("too many nested
parentheses", or a RecursionError / MemoryError while building its tree), cheaply.
`too_complex(text)` asks CPython only when a cheap scan sees a file over `SCAN_SIZE`
bytes, deep brackets, a very long line or a long run of unary operators, so an ordinary
small file pays nothing (a larger one pays CPython's parse, about a tenth of libcst's).
"""

from __future__ import annotations

import ast
import gc
import os
import re
import signal
import stat
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import accumulate

#: Bracket depth (counted crudely, strings included) above which CPython is asked.
SCAN_DEPTH = 100
#: Physical line length above which CPython is asked (long operator chains).
SCAN_LINE = 2000
#: File size (characters) above which CPython is always asked: chains that span lines.
SCAN_SIZE = 16 * 1024
_UNARY_RUN = re.compile(r"(?:[-+~][\s\\]*|\bnot\b[\s\\]*){200}")

_OPEN = b"([{"
_CLOSE = b")]}"
_STEPS = bytes(range(256)).translate(
    bytes.maketrans(_OPEN + _CLOSE, b"\x02\x02\x02\x00\x00\x00")
)
_KEEP = bytes(set(range(256)) - set(_OPEN + _CLOSE))


def read_source(path: str | os.PathLike[str], limit: int) -> bytes | str:
    """The file's bytes, or why they were not read (the text of a GL003 finding).

    Opens without blocking (a FIFO named like a source file must not wait for a writer),
    refuses anything but a regular file, and reads at most `limit + 1` bytes, so a file
    that grows after fstat cannot exceed max-file-size in memory. Reads are sized by the
    file, not by the limit: a single `read(limit + 1)` allocates the whole limit up front.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                return "not a regular file: not analysed"
            if info.st_size > limit:
                return f"file is {info.st_size} bytes, over max-file-size {limit}: not analysed"
            data = _read_at_most(handle, limit + 1, info.st_size + 1)
    except OSError as exc:
        return f"cannot read file: {exc.strerror or exc}"
    if len(data) > limit:
        return f"file is over max-file-size {limit} bytes: not analysed"
    return data


def _read_at_most(handle, limit: int, expected: int) -> bytes:
    chunks, left = [], limit
    while left > 0:
        chunk = handle.read(min(left, max(expected, 1 << 16)))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class AnalysisTimeout(Exception):
    """Raised inside the analysis of one file when its time is up."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"analysis took longer than {seconds:g} s")
        self.seconds = seconds


def can_time_out() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise AnalysisTimeout in the body after `seconds` of wall-clock time (see module doc)."""
    if not seconds or seconds <= 0 or not can_time_out():
        yield
        return
    if signal.getitimer(signal.ITIMER_REAL)[0] > 0:  # somebody else's timer: leave it alone
        yield
        return

    def expire(signum, frame):
        raise AnalysisTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def rare_collections() -> Iterator[None]:
    """Collect cyclic garbage rarely while a run builds and drops syntax trees.

    Trees hold no reference cycles, but building one allocates enough objects to trigger
    collections that walk every young object again: measured on the benchmark tree, that
    doubled the time of `ast` parsing. mypy raises the threshold for the same reason.
    """
    previous = gc.get_threshold()
    gc.set_threshold(200_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def bracket_depth(text: str) -> int:
    """Deepest bracket nesting, counting brackets in strings and comments too (an upper bound)."""
    data = text.encode("utf-8", "surrogatepass").translate(None, _KEEP)
    steps = data.translate(_STEPS)  # opener -> 2, closer -> 0; step = value - 1
    return max(accumulate((b - 1 for b in steps), initial=0))


def _suspicious(text: str) -> bool:
    return (
        len(text) > SCAN_SIZE
        or bracket_depth(text) > SCAN_DEPTH
        or max(map(len, text.splitlines()), default=0) > SCAN_LINE
        or _UNARY_RUN.search(text) is not None
    )


def too_complex(text: str) -> tuple[str, int] | None:
    """Why the native parser must not see `text` (nested beyond what CPython accepts) and the line, or None."""
    if not _suspicious(text):
        return None
    try:
        _parse_quietly(text)
    except SyntaxError as exc:
        if "too many nested" in str(exc.msg) or "too complex" in str(exc.msg):
            return str(exc.msg), exc.lineno or 1
        return None  # other syntax errors are the parser's to report, with its position
    except RecursionError:
        return "nesting too deep for the parser", 1
    except MemoryError:
        return "expression too complex for the parser", 1
    except (ValueError, OverflowError):
        return None
    return None


def syntax_error(text: str) -> tuple[int, int, str] | None:
    """CPython's (line, column, message) for a file libcst refused, or None when CPython parses it.

    libcst's native parser reports the token after the error (often the next line);
    CPython points at the offending token and says why ("Missing parentheses in call to
    'print'"). Called only for files that failed to parse, so it costs nothing otherwise.
    A file CPython accepts but libcst does not (newer syntax) keeps libcst's position.
    """
    try:
        _parse_quietly(text)
    except SyntaxError as exc:
        line = exc.lineno or 1
        column = exc.offset or 1
        return line, max(column, 1), str(exc.msg)
    except (RecursionError, MemoryError, ValueError, OverflowError):
        return None
    return None


def _parse_quietly(text: str) -> None:
    """CPython's parse, without the SyntaxWarnings it prints for odd code (`"\\d"`, `"a"()`)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compile(text, "<mlgreenlint>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
