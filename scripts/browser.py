"""Headless Chromium for the HTML report: a screenshot, a PDF and the DOM after parsing.

Used by tests/test_html_browser.py and scripts/report_screenshot.py. Chromium is the
Debian package `chromium` (.ci/run installs it); every flag that could reach the network
(background networking, component updates, sync, QUIC) is off, and each run gets a fresh
profile.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--force-device-scale-factor=1")


def executable() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def run(page: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    exe = executable()
    if exe is None:
        raise FileNotFoundError("chromium is not installed (Debian: apt-get install -y chromium)")
    with tempfile.TemporaryDirectory(prefix="mlgreenlint-chromium-") as profile:
        return subprocess.run([exe, *FLAGS, f"--user-data-dir={profile}", *args, page.resolve().as_uri()],
                              capture_output=True, text=True, timeout=timeout, check=False)


def screenshot(page: Path, png: Path, *, width: int = 1280, height: int = 1600, dark: bool = False) -> None:
    extra = ("--force-dark-mode",) if dark else ()
    done = run(page, f"--window-size={width},{height}", f"--screenshot={png.resolve()}", *extra)
    if not png.is_file():
        raise RuntimeError(f"chromium wrote no screenshot (exit {done.returncode}): {done.stderr[-2000:]}")


def pdf(page: Path, out: Path) -> None:
    done = run(page, f"--print-to-pdf={out.resolve()}", "--no-pdf-header-footer")
    if not out.is_file():
        raise RuntimeError(f"chromium wrote no PDF (exit {done.returncode}): {done.stderr[-2000:]}")


def dump_dom(page: Path) -> str:
    done = run(page, "--dump-dom")
    if done.returncode != 0 or "<html" not in done.stdout:
        raise RuntimeError(f"chromium --dump-dom failed (exit {done.returncode}): {done.stderr[-2000:]}")
    return done.stdout
