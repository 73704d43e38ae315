"""Progress and colour on a real pseudo-terminal, and never in redirected output (issue 18, items 6 and 7)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading

import pytest

from mlgreenlint import progress

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")

FP32_ARGS = 'from transformers import TrainingArguments\nargs = TrainingArguments(output_dir="o", save_total_limit=2)\n'


def run(root, *args, tty: str, env: dict | None = None) -> tuple[str, str, int]:
    """Run the CLI with stdout or stderr (`tty`) on a pseudo-terminal; (stdout, stderr) as text."""
    master, slave = os.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: every writer closed
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", progress.DELAY_ENV)}
    environ.update(env or {})
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, tty: slave}
    proc = subprocess.run([sys.executable, "-m", "mlgreenlint", "check", *args], cwd=root, env=environ,
                          timeout=120, **streams)
    os.close(slave)
    reader.join(timeout=30)
    os.close(master)
    on_tty = b"".join(chunks).decode("utf-8", "replace")
    out = on_tty if tty == "stdout" else proc.stdout.decode()
    err = on_tty if tty == "stderr" else proc.stderr.decode()
    return out, err, proc.returncode


@pytest.fixture
def tree(tmp_path):
    for n in range(12):
        (tmp_path / f"m{n}.py").write_text(FP32_ARGS if n == 0 else "x = 1\n", encoding="utf-8")
    (tmp_path / ".mlgreenlint.toml").write_text("", encoding="utf-8")
    return tmp_path


def test_progress_on_a_terminal_stderr_and_never_in_the_report(tree):
    out, err, code = run(tree, "--no-cache", "--output-format", "json", tty="stderr", env={progress.DELAY_ENV: "0"})
    assert code == 1
    assert "13/13 files" in err  # 12 Python files and the configuration
    assert err.endswith("\r\x1b[K")  # drawn, then erased
    assert [r["rule"] for r in json.loads(out)] == ["MP002"]  # stdout is pure JSON


def test_no_progress_when_quiet_or_not_a_terminal_or_short(tree):
    _, err, _ = run(tree, "--no-cache", "-q", tty="stderr", env={progress.DELAY_ENV: "0"})
    assert "files" not in err
    _, err, _ = run(tree, "--no-cache", tty="stdout", env={progress.DELAY_ENV: "0"})  # stderr is a pipe
    assert "files" not in err and "\r" not in err
    # A run shorter than the delay draws nothing. The delay is set far above any run time so
    # that a loaded machine cannot turn this into a timing test (the meter test covers timing).
    _, err, _ = run(tree, "--no-cache", tty="stderr", env={progress.DELAY_ENV: "600"})
    assert "files" not in err


def test_colour_on_a_terminal_unless_no_color_or_never(tree):
    out, _, _ = run(tree, "--no-cache", tty="stdout")
    assert "\x1b[" in out and "MP002" in out
    out, _, _ = run(tree, "--no-cache", tty="stdout", env={"NO_COLOR": "1"})
    assert "\x1b[" not in out and "MP002" in out
    out, _, _ = run(tree, "--no-cache", "--color", "never", tty="stdout")
    assert "\x1b[" not in out
    out, _, _ = run(tree, "--no-cache", "--color", "always", tty="stderr")  # stdout is a pipe
    assert "\x1b[" in out


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_meter_waits_for_the_delay_throttles_and_erases():
    clock, stream = FakeClock(), Terminal()
    meter = progress.Meter(stream, delay=1.0, clock=clock)
    meter.begin(1000)
    for _ in range(10):
        meter.advance()
    assert stream.getvalue() == ""  # under a second: nothing
    clock.now = 1.5
    meter.advance()
    meter.advance()  # same instant: throttled
    assert stream.getvalue() == "\r\x1b[K11/1000 files, 1.5 s"
    clock.now = 1.7
    meter.advance(988)
    assert stream.getvalue().endswith("\r\x1b[K1000/1000 files, 1.7 s")
    meter.close()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_meter_draws_nothing_off_a_terminal():
    clock, stream = FakeClock(), io.StringIO()
    meter = progress.Meter(stream, delay=0.0, clock=clock)
    meter.begin(2)
    clock.now = 5.0
    meter.advance(2)
    meter.close()
    assert stream.getvalue() == ""
