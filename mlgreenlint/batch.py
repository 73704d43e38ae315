"""Lint many files: cache look-ups, prefilter routing, parallel parsing, merge in target order.

This process reads each file once, largest first, looks it up in the cache and asks the
engine whether it may need parsing (`engine.may_parse`, a byte-level over-approximation).
Files that need no parse are linted here; the others go with their bytes to forked
workers that received the compiled Job once. Every file, wherever it runs, goes through
the same `engine.lint_bytes`, so routing never changes a finding.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from mlgreenlint.cache import Cache
from mlgreenlint.discovery import Target
from mlgreenlint.engine.job import GL_UNREADABLE, Job
from mlgreenlint.limits import rare_collections, read_source
from mlgreenlint.notebook import size_limit
from mlgreenlint.model import FileResult, Finding, Span
from mlgreenlint.signals import die_with_parent, stop_workers

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


class Progress(Protocol):
    """Told how many files a run has, then of each file finished (progress.Meter is one)."""

    def begin(self, total: int) -> None: ...

    def advance(self, count: int = 1) -> None: ...


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
        """The file's bytes (bounded by max-file-size), or the result that says why not."""
        data = read_source(target.path, size_limit(target.display, self.max_file_size))
        return unreadable(target, self.job, data) if isinstance(data, str) else data

    def fresh(self, target: Target) -> FileResult:
        """Read, lint and store one file (no look-up: the caller already missed)."""
        data = self.read(target)
        if isinstance(data, FileResult):
            return data
        return self.lint(target.display, data)

    def lint(self, path: str, data: bytes, key: str | None = None, *, python: bool = True) -> FileResult:
        """Lint bytes and store the result under `key` (computed when not given)."""
        from mlgreenlint.engine.driver import lint_bytes

        repo = self.job.repo
        if repo is not None:
            repo.begin(path)
        result = lint_bytes(path, data, self.job, python=python)
        if self.cache is not None and result.cacheable:
            deps = self.job.repo.dependencies(path) if self.job.repo is not None else None
            self.cache.put_key(path, key or self.cache.key(path, data), result, deps)
        return result

    def still_valid(self, deps: dict[str, str]) -> bool:
        return self.job.repo is not None and self.job.repo.still_valid(deps)


def lint_targets(targets: Sequence[Target], ctx: Context, *, jobs: int = 1,
                 progress: Progress | None = None) -> list[FileResult]:
    """One result per target, in the order of `targets`, whatever ran where.

    Files are read largest first; one that may need parsing is sent to the pool as soon
    as the pool exists (it starts once more than a handful of such files are found), so
    workers parse while this process reads, looks up and lints the light files.
    """
    results: list[FileResult | None] = [None] * len(targets)
    order = sorted(range(len(targets)), key=lambda i: (-_size(targets[i]), i))
    parallel = jobs > 1 and len(targets) > HANDFUL and can_fork()
    waiting: list[tuple[int, bytes, str | None]] = []
    futures: dict = {}
    pool = None
    done = progress.advance if progress is not None else (lambda count=1: None)
    if progress is not None:
        progress.begin(len(targets))
    with rare_collections():
        try:
            for i in order:
                target = targets[i]
                data = ctx.read(target)
                if isinstance(data, FileResult):
                    results[i] = data
                    done()
                    continue
                key = None
                if ctx.cache is not None:
                    key = ctx.cache.key(target.display, data)
                    results[i] = ctx.cache.get_key(target.display, key, ctx.still_valid)
                    if results[i] is not None:
                        done()
                        continue
                if parallel and ctx.job.repo is not None:
                    ctx.job.repo.begin(target.display)  # the prefilter's module look-ups are this file's
                from mlgreenlint.engine.driver import may_parse  # the engine loads on the first miss

                heavy = parallel and may_parse(target.display, data, ctx.job)
                if heavy:
                    waiting.append((i, data, key))
                    if pool is None and len(waiting) > HANDFUL:
                        pool = _pool(jobs, ctx)
                    if pool is not None:
                        futures.update((j, pool.submit(_work, targets[j].display, d, k)) for j, d, k in waiting)
                        waiting.clear()
                    continue
                # Routed as light: no Python rule's tokens occur, so the engine need not look again.
                results[i] = ctx.lint(target.display, data, key, python=not parallel)
                done()
            for j, d, k in waiting:  # a handful: not worth a pool
                results[j] = ctx.lint(targets[j].display, d, k)
                done()
            for j, future in futures.items():
                results[j] = future.result()
                done()
        except BaseException:
            if pool is not None:  # interrupted or failed: do not wait for the files being parsed

                stop_workers(pool)
            raise
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return [r for r in results if r is not None]


def _size(target: Target) -> int:
    try:
        return target.path.stat().st_size
    except OSError:
        return -1


def _pool(jobs: int, ctx: Context):
    import multiprocessing

    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"), initializer=_init,
                              initargs=(ctx, os.getpid()))


def unreadable(target: Target, job: Job, message: str) -> FileResult:
    result = FileResult(target.display)
    active = job.active(GL_UNREADABLE)
    if active is not None:
        result.findings.append(Finding(GL_UNREADABLE, target.display, Span.point(1), message, active.severity))
    else:
        result.notes.append(f"{target.display}: {message}")
    return result


_WORKER: Context | None = None


def _init(ctx: Context, parent: int) -> None:
    global _WORKER
    _WORKER = ctx
    die_with_parent(parent)


def _work(path: str, data: bytes, key: str | None) -> FileResult:
    assert _WORKER is not None
    return _WORKER.lint(path, data, key)
