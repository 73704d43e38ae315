"""CK and ET behaviour the rule examples cannot express: settings overrides, messages, pins."""

from __future__ import annotations

import textwrap
from pathlib import Path

from mlgreenlint.engine.driver import Job, lint_text
from mlgreenlint.model import Severity
from mlgreenlint.ruleset import rulebook
from mlgreenlint.ruleset.selection import ActiveRule
from mlgreenlint.versions import Pin, Versions

RULES = Path(__file__).resolve().parent.parent / "rules"


def _rule(rule_id: str):
    return next(r for r in rulebook.load_paths([RULES]) if r.id == rule_id)


def _findings(rule_id: str, code: str, path: str = "train.py", versions: Versions | None = None, **options):
    rule = _rule(rule_id)
    active = ActiveRule(rule, rule.severity, rule.option_defaults() | options)
    job = Job(rules=[active], known_ids={rule_id}, versions=versions or Versions())
    return lint_text(path, textwrap.dedent(code), job).findings


HF_FREQUENT = '''
from transformers import TrainingArguments
args = TrainingArguments(output_dir="o", save_steps=250, save_total_limit=2)
'''


def test_ck002_threshold_option_and_message():
    assert _findings("CK002", HF_FREQUENT) == []
    found = _findings("CK002", HF_FREQUENT, **{"min-save-steps": 1000})
    assert [f.span.line for f in found] == [3]
    assert "every 250 steps (below 1000)" in found[0].message


def test_ck004_and_ck006_thresholds_from_options():
    lightning = '''
    from lightning.pytorch.callbacks import ModelCheckpoint
    cb = ModelCheckpoint(every_n_train_steps=500)
    '''
    keras = '''
    import keras
    cb = keras.callbacks.ModelCheckpoint("m.keras", save_freq=500)
    '''
    assert _findings("CK004", lightning) == []
    assert "every 500 training steps (below 1000)" in _findings("CK004", lightning, **{"min-save-steps": 1000})[0].message
    assert _findings("CK006", keras) == []
    assert len(_findings("CK006", keras, **{"min-save-batches": 1000})) == 1


def test_ck001_message_names_the_save():
    code = '''
    import torch
    for batch in loader:
        model(batch).backward()
        opt.step()
        torch.save(model.state_dict(), "c.pt")
    '''
    (finding,) = _findings("CK001", code)
    assert finding.message.startswith("torch.save runs on every training step")
    assert (finding.span.line, finding.severity) == (6, Severity.WARNING)


TRAIN_SCRIPT = '''
from transformers import Trainer, TrainingArguments

if __name__ == "__main__":
    args = TrainingArguments(output_dir="o", save_total_limit=1)
    Trainer(model=model, args=args, train_dataset=ds).train()
'''


def test_et001_reports_once_at_the_training_call_with_advice():
    (finding,) = _findings("ET001", TRAIN_SCRIPT)
    assert finding.span.line == 6
    assert finding.severity == Severity.INFO
    assert "EmissionsTracker" in finding.message and "trackers option" in finding.message


def test_et001_transformers_4_default_report_to_counts_only_with_codecarbon_pinned():
    old = Versions({"transformers": Pin("transformers", "4.57.6", "requirements.txt:1")})
    both = Versions(old.pins | {"codecarbon": Pin("codecarbon", "3.3.2", "requirements.txt:2")})
    assert len(_findings("ET001", TRAIN_SCRIPT, versions=old)) == 1
    assert _findings("ET001", TRAIN_SCRIPT, versions=both) == []


def test_et001_organisation_tracker_by_glob():
    code = '''
    from corp import telemetry

    def main():
        with telemetry.energy_span("train"):
            trainer.fit(model)

    if __name__ == "__main__":
        main()
    '''
    assert len(_findings("ET001", code)) == 1
    assert _findings("ET001", code, trackers=["corp.telemetry.*"]) == []


def test_et001_skips_tests_and_examples_are_kept():
    code = '''
    if __name__ == "__main__":
        trainer.fit(model)
    '''
    assert _findings("ET001", code, path="tests/test_fit.py") == []
    assert len(_findings("ET001", code, path="examples/fit.py")) == 1


def test_et002_message_says_which_stop():
    code = '''
    from zeus.monitor import ZeusMonitor
    m = ZeusMonitor()
    m.begin_window("all")
    '''
    (finding,) = _findings("ET002", code)
    assert finding.message.startswith("ZeusMonitor is started here but never stopped: call .end_window()")
