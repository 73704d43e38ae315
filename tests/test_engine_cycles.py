"""Self-referential values found on the benchmark tree must not crash the driver."""

from __future__ import annotations

from mlgreenlint import api
from mlgreenlint.engine import driver
from mlgreenlint.ruleset import rulebook
from mlgreenlint.settings import Settings

CYCLE = '''
from transformers import TrainingArguments, convert

kwargs = dict(output_dir="o")
kwargs = convert(**kwargs)
args = TrainingArguments(**kwargs)
plain = TrainingArguments(output_dir="p")
'''


def test_a_name_rebound_through_a_call_on_its_own_kwargs_is_unknown_not_a_crash():
    job = api.make_job(Settings(), rulebook.load_builtin())
    findings = driver.lint_text("train.py", CYCLE, job).findings
    # `kwargs` is unknown (it may carry bf16), so only the plain call is reported.
    assert [(f.rule, f.span.line) for f in findings if f.rule == "MP002"] == [("MP002", 7)]
