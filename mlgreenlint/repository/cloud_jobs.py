"""Cloud training jobs the repository submits for a script, and the machine they ask for.

A SageMaker estimator in a launcher beside the script (or in a folder above it, up to its
project folder) names it as `entry_point` and picks an `instance_type`. Read as text: a
launcher is matched by the script's file name, and an instance type that is not a string
literal could be any machine.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from mlgreenlint.repository.files import RepoFiles

_ENTRY_POINT = re.compile(r"""\bentry_point\s*=\s*["']([^"']+)["']""")
_INSTANCE_TYPE = re.compile(r"""\binstance_type\s*=\s*(["']?)([^"',)\s]*)""")
#: SageMaker CPU families: burstable (t), general purpose (m), compute (c), memory (r).
_CPU_INSTANCE = re.compile(r"ml\.[tmcr]\d+[a-z]*\.", re.I)


def cpu_instance(files: RepoFiles, rel: str, consumer: str | None = None) -> str | None:
    """The CPU instance type the repository's jobs run the script `rel` on, when every launcher
    that names it as entry point asks only for CPU instances; None otherwise."""
    script = PurePosixPath(rel)
    stop = files.project(rel) or ""
    folder = script.parent
    found = None
    while True:
        base = "" if str(folder) == "." else f"{folder}/"
        for path in sorted((files.root / base).glob("*.py")):
            launcher = f"{base}{path.name}"
            text = files.peek(launcher) if launcher != rel and files.kept(launcher) else None
            if not text or "entry_point" not in text:
                continue
            if all(PurePosixPath(e).name != script.name for e in _ENTRY_POINT.findall(text)):
                continue
            files.depend(consumer, launcher)
            types = _INSTANCE_TYPE.findall(text)
            if not types or any(not quoted or not _CPU_INSTANCE.match(value) for quoted, value in types):
                return None
            found = found or types[0][1]
        if str(folder) in (".", stop):
            return found
        folder = folder.parent
