"""Build small example repositories in a folder and lint them with the real pipeline."""

from __future__ import annotations

import textwrap
from pathlib import Path

from mlgreenlint import api
from mlgreenlint.engine.driver import Job
from mlgreenlint.ruleset import rulebook
from mlgreenlint.ruleset.selection import ActiveRule
from mlgreenlint.settings import Settings

RULE_TEMPLATE = '''
id = "{id}"
name = "test-rule-{lower}"
family = "{family}"
severity = "warning"
message = "{message}"
{extra}

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

#: A checkpointing rule in the shape of CK001: a save in the batch loop with no guard.
SAVE_RULE = dict(id="XK001", family="XK", message="{call} runs on every training step", extra='''
[match]
[[match.python]]
call = ["torch.save", "safetensors.torch.save_file"]
inside = "batch-loop"
unguarded = true

[[match.python]]
method = ["save_pretrained", "save_state"]
inside = "batch-loop"
unguarded = true
''')

#: An emissions-tracking rule in the shape of ET001: training without a tracker.
TRACK_RULE = dict(id="XT001", family="XT", message="training without an emissions tracker", extra='''
[match]
scope = "training"
unless = [ { file-calls = ["codecarbon.EmissionsTracker", "codecarbon.OfflineEmissionsTracker", "codecarbon.track_emissions"] } ]
[[match.python]]
method = ["backward"]
''')


def write_repo(root: Path, files: dict[str, str]) -> Path:
    (root / ".git").mkdir(exist_ok=True)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def custom_rule(tmp: Path, spec: dict):
    folder = tmp / "_rules"
    folder.mkdir(exist_ok=True)
    path = folder / f"{spec['id']}.toml"
    path.write_text(RULE_TEMPLATE.format(lower=spec["id"].lower(), **spec), encoding="utf-8")
    return rulebook.load_paths([path])[0]


def builtin(rule_id: str):
    return next(r for r in rulebook.load_builtin() if r.id == rule_id)


def lint(root: Path, rules, paths: list[Path] | None = None):
    job = Job(rules=[ActiveRule(r, r.severity, r.option_defaults()) for r in rules], known_ids={r.id for r in rules})
    return api.lint_paths(paths or [root], Settings(root=root), cwd=root, job=job)


def found(run, rule_id: str | None = None) -> list[tuple[str, int]]:
    return sorted((f.path, f.span.line) for f in run.findings if rule_id is None or f.rule == rule_id)
