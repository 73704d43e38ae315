"""Cost of the two screen inputs that used to explode (issue 20 items 12 and 17).

1. `chain`: a script calls, in its batch loop, a repository helper whose module rebinds one
   name many times (`x = x.permute(...)`), the shape of real audio and vision models.
2. `names`: a custom rule listing 20,000 qualified call names, over generated files that
   each call a few of them.

Each scenario is run as a whole `mlgreenlint check --no-cache --jobs 1` process; wall time,
CPU time and the largest RSS are printed, with the findings, so two checkouts can be
compared (`--pythonpath` runs another checkout's package with this interpreter):

    python benchmarks/screen_bounds.py [--pythonpath /path/to/old/checkout]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHAIN = "".join(f"    x = x.{m}(0, 1)\n" for m in ("permute", "transpose", "view", "reshape") * 15)
RULE = '''id = "XB001"
name = "big-call-list"
family = "XB"
severity = "warning"
message = "{{call}} is on the list"

[match]
[[match.python]]
call = [{names}]

[docs]
what = "test"
why = "test"
bad = "x"
good = "y"
references = []

[examples]
invalid = [ {{ code = "x" }} ]
valid = [ {{ code = "y" }} ]
'''


def chain(root: Path) -> None:
    (root / "utils").mkdir()
    (root / "utils" / "io.py").write_text(
        "import torch\n\ndef save(model, x):\n" + CHAIN + "    torch.save(model, 'm.pt')\n\nx = torch.zeros(1)\n")
    (root / "train.py").write_text("from utils.io import save\nfor batch in loader:\n    loss = model(batch)\n"
                                   "    loss.backward()\n    optimizer.step()\n    save(model, batch)\n")


def names(root: Path, files: int = 200) -> None:
    listed = ", ".join(f'"org.tools{i % 50}.fn{i}"' for i in range(20_000))
    (root / "rules").mkdir()
    (root / "rules" / "XB001.toml").write_text(RULE.format(names=listed))
    (root / "pyproject.toml").write_text('[tool.mlgreenlint]\nrule-paths = ["rules"]\n')
    for n in range(files):
        calls = "".join(f"    org.tools{k % 50}.fn{k}(batch)\n" for k in range(n, n + 40 * 997, 997))
        (root / f"job{n}.py").write_text(
            "import org\nimport torch\n\ndef step(batch):\n" + calls + "    torch.save(batch, 'b.pt')\n")


def run(root: Path, pythonpath: str | None) -> tuple[float, float, float, str]:
    env = dict(os.environ, PYTHONPATH=pythonpath) if pythonpath else dict(os.environ)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "mlgreenlint", "check", ".", "--no-cache", "--jobs", "1"],
                          cwd=root, env=env, capture_output=True, text=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = (proc.stdout.strip().splitlines() or [proc.stderr.strip()])[-1]
    return wall, cpu, after.ru_maxrss / 1024, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pythonpath", help="run the mlgreenlint package found here instead")
    args = parser.parse_args()
    print("| scenario | wall s | CPU s | max RSS MB (all runs so far) | result |\n|---|---|---|---|---|")
    for name, build in (("chain", chain), ("names", names)):
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            (root / ".git").mkdir()
            build(root)
            wall, cpu, rss, summary = run(root, args.pythonpath)
            print(f"| {name} | {wall:.2f} | {cpu:.2f} | {rss:.0f} | {summary} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
