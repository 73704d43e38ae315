"""The demo repository's HTML report in a real headless Chromium: drawn, not blank, complete in the DOM.

Skipped when Chromium is missing, except under .ci/run (MLGREENLINT_REQUIRE_BROWSER=1), which installs it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from html_checks import DEMO, demo_report, read

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import browser  # noqa: E402

if browser.executable() is None:
    if os.environ.get("MLGREENLINT_REQUIRE_BROWSER") == "1":
        raise RuntimeError("chromium is required here (MLGREENLINT_REQUIRE_BROWSER=1) but not installed")
    pytest.skip("chromium is not installed", allow_module_level=True)

Image = pytest.importorskip("PIL.Image")
ImageStat = pytest.importorskip("PIL.ImageStat")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "report.html"
    demo_report(out)
    return out


def _stats(png: Path):
    with Image.open(png) as image:
        grey = image.convert("L")
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
        return ImageStat.Stat(grey), len(colours or ())


def test_screenshot_is_drawn_in_light_and_dark(report, tmp_path):
    light, dark = tmp_path / "light.png", tmp_path / "dark.png"
    browser.screenshot(report, light, width=1280, height=1400)
    browser.screenshot(report, dark, width=1280, height=1400, dark=True)
    stats, colours = _stats(light)
    assert stats.stddev[0] > 15 and colours > 50, (stats.stddev, colours)  # text, bars and cards, not a blank page
    assert stats.mean[0] > 180  # a light page
    dark_stats, dark_colours = _stats(dark)
    assert dark_stats.mean[0] < 90 and dark_stats.stddev[0] > 15 and dark_colours > 50


def test_dom_holds_counts_chart_labels_and_every_finding(report):
    dom = browser.dump_dom(report)
    page = read(dom)
    expected = sorted(tuple(x) for x in json.loads((DEMO / "expected-findings.json").read_text(encoding="utf-8")))
    assert sorted(page.findings) == expected
    assert {"CK checkpointing", "MP mixed precision", "ET emissions tracking", "CW compute waste",
            "RG cloud region"} <= set(page.chart_labels)
    text = " ".join(" ".join(page.texts).split())
    assert "14 findings in 6 files of 13 checked, from 12 rules." in text
    assert "14 findings" in text and "10 ▲ warning" in text and "4 ● info" in text
    assert page.external == []


def test_page_prints(report, tmp_path):
    out = tmp_path / "report.pdf"
    browser.pdf(report, out)
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page") - data.count(b"/Type /Pages") >= 2
