"""`python -m mlgreenlint`: prefer the `mlgreenlint` console script, or `python -P -m mlgreenlint`.

`python -m` puts the current folder first on sys.path, so a linted repository's own
`json.py` or `yaml.py` would shadow the standard library and dependencies. This package is
already imported when this runs (its submodules load through the package's own path), so
the current folder is dropped before anything else is imported.
"""

import os
import sys

if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from mlgreenlint.cli import main  # noqa: E402 -- after sys.path is made safe

raise SystemExit(main())
