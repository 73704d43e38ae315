"""Lint many files: cache look-ups, prefilter routing, parallel parsing, merge in target order.

A first pass reads each file, looks it up in the cache and asks the engine whether it may
need parsing (`engine.may_parse`, a byte-level over-approximation). Files that need no parse
are linted in this process; the others go, largest first, to forked workers that received
the compiled Job once, while this process lints the light files. Every file, wherever it
runs, goes through the same `engine.lint_bytes`, so routing never changes a finding.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from mlgreenlint.cache import Cache
from mlgreenlint.discovery import Target
from mlgreenlint.engine import GL_UNREADABLE, Job, lint_bytes, may_parse
from mlgreenlint.model import FileResult, Finding, Span

#: Parse at most this many files in this process; more go to a pool (a fork and a libcst
#: import per worker cost about as much as parsing a few files).
HANDFUL = 4


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def ProcessPoolExecutor(workers: int, **kwargs):  # noqa: N802 - stands for the class, imported late
    """concurrent.futures' pool, imported only when a run uses one (about 20 ms)."""
    from concurrent.futures import ProcessPoolExecutor as Pool

    return Pool(workers, **kwargs)


@dataclass(frozen=True)
class Context:
    """What every file of a run shares; sent to each worker once."""

    job: Job
    max_file_size: int
    cache: Cache | None = None

    def read(self, target: Target) -> bytes | FileResult:
        """The file's bytes, or the result that says why it was not read."""
        try:
            size = target.path.stat().st_size
            if size > self.max_file_size:
                return unreadable(target, self.job, f"file is {size} bytes, over max-file-size {self.max_file_size}: not analysed")
            return target.path.read_bytes()
        except OSError as exc:
            return unreadable(target, self.job, f"cannot read file: {exc.strerror or exc}")

    def fresh(self, target: Target) -> FileResult:
        """Read, lint and store one file (no look-up: the caller already missed)."""
        data = self.read(target)
        if isinstance(data, FileResult):
            return data
        result = lint_bytes(target.display, data, self.job)
        if self.cache is not None:
            self.cache.put(target.display, data, result)
        return result


def lint_targets(targets: Sequence[Target], ctx: Context, *, jobs: int = 1) -> list[FileResult]:
    """One result per target, in the order of `targets`, whatever ran where."""
    results: list[FileResult | None] = [None] * len(targets)
    light: list[int] = []
    heavy: list[tuple[int, int]] = []  # (index, size)
    for i, target in enumerate(targets):
        data = ctx.read(target)
        if isinstance(data, FileResult):
            results[i] = data
            continue
        if ctx.cache is not None:
            hit = ctx.cache.get(target.display, data)
            if hit is not None:
                results[i] = hit
                continue
        if may_parse(target.display, data, ctx.job):
            heavy.append((i, len(data)))
        else:
            light.append(i)
    futures: dict = {}
    pool = None
    if jobs > 1 and len(heavy) > HANDFUL and can_fork():
        import multiprocessing

        pool = ProcessPoolExecutor(min(jobs, len(heavy)), mp_context=multiprocessing.get_context("fork"),
                                   initializer=_init, initargs=(ctx,))
        for i, _ in sorted(heavy, key=lambda item: (-item[1], item[0])):
            futures[i] = pool.submit(_work, targets[i])
    else:
        light = sorted(light + [i for i, _ in heavy])
    try:
        for i in light:
            results[i] = ctx.fresh(targets[i])
        for i, future in futures.items():
            results[i] = future.result()
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return [r for r in results if r is not None]


def unreadable(target: Target, job: Job, message: str) -> FileResult:
    result = FileResult(target.display)
    active = job.active(GL_UNREADABLE)
    if active is not None:
        result.findings.append(Finding(GL_UNREADABLE, target.display, Span.point(1), message, active.severity))
    else:
        result.notes.append(f"{target.display}: {message}")
    return result


_WORKER: Context | None = None


def _init(ctx: Context) -> None:
    global _WORKER
    _WORKER = ctx


def _work(target: Target) -> FileResult:
    assert _WORKER is not None
    return _WORKER.fresh(target)
