"""Stopping a run: SIGTERM as Ctrl-C, and pool workers that never outlive their parent.

A worker forked for parsing asks Linux to SIGKILL it when its parent dies
(`prctl(PR_SET_PDEATHSIG)`, through ctypes); elsewhere a daemon thread polls the parent's
pid once a second and exits when it changes. Either way a killed `mlgreenlint` (even by
SIGKILL) leaves no worker running. Workers ignore SIGINT: Ctrl-C reaches the whole
process group, and the parent, which handles it, stops them.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_PR_SET_PDEATHSIG = 1


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Python raises KeyboardInterrupt for SIGINT, so both stop a run alike."""

    signum = signal.SIGTERM


def exit_code(interrupt: KeyboardInterrupt) -> int:
    """128 + the signal number, as shells report a process a signal stopped (130 for Ctrl-C)."""
    return 128 + int(getattr(interrupt, "signum", signal.SIGINT))


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises `Terminated` (in the main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def die_with_parent(parent: int) -> None:
    """Make this (forked worker) process end when process `parent` ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if not _parent_death_signal():
        threading.Thread(target=_watch, args=(parent,), name="mlgreenlint-parent-watch", daemon=True).start()
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


def _parent_death_signal() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def stop_workers(pool) -> None:
    """End a process pool's workers now, without waiting for the files they are parsing."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14
    if terminate is not None:
        terminate()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            process.kill()
        except (OSError, ValueError, AttributeError):
            pass
    pool.shutdown(wait=False, cancel_futures=True)
