"""Atomic file writes: readers see the old file or the new one, never a partial one.

The data goes to a temporary file next to the target, named `.<name>.<pid>.<random>.tmp`,
is flushed and fsynced, takes the old file's permission bits, and is renamed over the
target (then the folder is fsynced). Line endings are written exactly as given. A process
killed mid-write (SIGKILL, power loss) leaves the target untouched and at most one such
temporary file; the next write to the same target removes temporary files whose process
is gone or that are older than a day. That sweep lists the folder, so a writer of many
small files in one folder (a cache with its own cleaning) passes `sweep=False`.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import time
from pathlib import Path

#: Temporary files older than this are removed whatever their process id says.
STALE_AFTER = 24 * 3600


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _fsync_directory(directory: Path) -> None:
    flags = getattr(os, "O_DIRECTORY", None)
    if flags is None:
        return
    try:
        fd = os.open(directory, os.O_RDONLY | flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_bytes(path: str | os.PathLike[str], data: bytes, *, sweep: bool = True, durable: bool = True) -> None:
    """Replace `path` with `data` atomically, keeping an existing file's permission bits.

    A symlink is written through (its target is replaced), so the link stays a link.
    `durable=False` skips the fsyncs (about 6 ms a file): still atomic, but a crash may
    lose the write, which is right for caches.
    """
    target = Path(os.path.realpath(path))
    try:
        info = target.stat()
    except FileNotFoundError:
        mode = _default_mode()
    else:
        if not stat.S_ISREG(info.st_mode):
            _write_through(target, info.st_mode, data)
            return
        mode = stat.S_IMODE(info.st_mode)
    if sweep:
        _remove_stale_temporaries(target)
    import tempfile  # about 5 ms: only runs that write pay it

    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    if durable:
        _fsync_directory(target.parent)


def _write_through(target: Path, mode: int, data: bytes) -> None:
    """Write to a character device or FIFO in place; refuse anything else that is not a file."""
    if not (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        raise OSError(errno.EINVAL, "not a regular file, character device or FIFO", str(target))
    with open(target, "wb") as handle:
        handle.write(data)


def _remove_stale_temporaries(target: Path) -> None:
    """Remove `.<name>.<pid>.*.tmp` files left by a writer that was killed."""
    pattern = re.compile(re.escape(f".{target.name}.") + r"(\d+)\..+\.tmp")
    try:
        names = os.listdir(target.parent)
    except OSError:
        return
    for name in names:
        m = pattern.fullmatch(name)
        if m is None:
            continue
        path = target.parent / name
        try:
            if _alive(int(m.group(1))) and time.time() - path.lstat().st_mtime < STALE_AFTER:
                continue
            path.unlink()
        except OSError:
            pass


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


def write_text(path: str | os.PathLike[str], text: str, *, sweep: bool = True, durable: bool = True) -> None:
    """Write `text` as UTF-8 atomically; newlines are written exactly as given."""
    write_bytes(path, text.encode("utf-8"), sweep=sweep, durable=durable)
