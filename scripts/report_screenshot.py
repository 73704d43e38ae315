"""Regenerate docs/images/report.png, the README's screenshot of the demo repository's HTML report.

    python scripts/report_screenshot.py [--height 1500]

Runs `mlgreenlint report` on examples/demo and photographs the top of the page in
headless Chromium (scripts/browser.py).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import browser  # noqa: E402

TARGET = ROOT / "docs" / "images" / "report.png"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "report.html"
        subprocess.run([sys.executable, "-m", "mlgreenlint", "report", ".", "--isolated", "--no-cache",
                        "--exit-zero", "-o", str(page)], cwd=ROOT / "examples" / "demo", check=True)
        TARGET.parent.mkdir(parents=True, exist_ok=True)
        browser.screenshot(page, TARGET, width=args.width, height=args.height)
    print(f"Wrote {TARGET.relative_to(ROOT)}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
