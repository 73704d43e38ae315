"""Build hook: record the commit a wheel or sdist was built from in mlgreenlint/_commit.txt.

Building from an sdist (no git) keeps the file the sdist carries; without either, nothing
is written and `mlgreenlint --version` says the commit is unknown.
"""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CommitHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version, build_data):
        spec = importlib.util.spec_from_file_location("_buildinfo", Path(self.root) / "mlgreenlint" / "buildinfo.py")
        buildinfo = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(buildinfo)
        commit = buildinfo.git_commit(Path(self.root))
        if not commit:
            return
        self._folder = tempfile.TemporaryDirectory()
        recorded = Path(self._folder.name) / "_commit.txt"
        recorded.write_text(commit + "\n", encoding="utf-8")
        build_data["force_include"][str(recorded)] = "mlgreenlint/_commit.txt"

    def finalize(self, version, build_data, artifact_path):
        folder = getattr(self, "_folder", None)
        if folder is not None:
            folder.cleanup()
