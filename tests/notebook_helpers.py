"""Write small notebooks for the tests: nbformat 4 JSON in the layouts Jupyter and others use."""

from __future__ import annotations

import json
import textwrap

from mlgreenlint.engine.driver import Job
from mlgreenlint.ruleset import rulebook
from mlgreenlint.ruleset.selection import ActiveRule

RULES = {r.id: r for r in rulebook.load_builtin()}


def job(*ids: str) -> Job:
    chosen = ids or tuple(RULES)
    active = [ActiveRule(RULES[i], RULES[i].severity, RULES[i].option_defaults()) for i in chosen]
    return Job(rules=active, known_ids=set(RULES))


def cell(source: str, kind: str = "code", *, split: bool = True, outputs=None, count=None) -> dict:
    """A cell; `split=False` writes its source as one string instead of a list of lines."""
    text = textwrap.dedent(source).lstrip("\n")
    data: dict = {"cell_type": kind, "metadata": {}}
    if kind == "code":
        data["execution_count"] = count
        data["outputs"] = outputs or []
    data["source"] = text.splitlines(keepends=True) if split else text
    return data


def notebook(*cells: dict, indent: int | None = 1, ascii_only: bool = False, nbformat: int = 4) -> str:
    doc = {"cells": list(cells), "metadata": {"kernelspec": {"name": "python3", "language": "python"}},
           "nbformat": nbformat, "nbformat_minor": 5}
    return json.dumps(doc, indent=indent, ensure_ascii=ascii_only) + "\n"


HF_CELLS = (
    "import transformers as tf\n",
    'args = tf.TrainingArguments(output_dir="out", num_train_epochs=3)\n',
    "trainer = tf.Trainer(model=None, args=args)\ntrainer.train()\n",
)
