"""Name matching shared by the screen and the analysis (mlgreenlint/match/names.py)."""

from __future__ import annotations

import pytest

from mlgreenlint.match import names


@pytest.mark.parametrize(("site", "patterns", "expected"), [
    (("transformers.TrainingArguments",), ("transformers.TrainingArguments",), True),
    (("trl.SFTConfig",), ("trl.*Config",), True),
    (("trl.SFTTrainer",), ("trl.*Config",), False),
    # A pattern is canonicalised: the old spelling matches the canonical name.
    (("lightning.pytorch.Trainer",), ("pytorch_lightning.Trainer",), True),
    (("torch.amp.autocast",), ("torch.autocast",), True),
    (("a.b",), ("a.?",), True),
    (("a.bc",), ("a.[bc]c",), True),
    ((), ("a.b",), False),
    (("a.b",), (), False),
])
def test_names_match(site, patterns, expected):
    assert names.names_match(site, patterns) is expected


def test_a_list_of_patterns_is_compiled_once():
    calls = ["torch.save", "keras.*.save"]
    assert names.patterns(calls) is names.patterns(calls)
    # Another list with the same names compiles to an equal matcher.
    assert names.patterns(list(calls)).exact == names.patterns(calls).exact


@pytest.mark.parametrize(("pattern", "last", "expected"), [
    ("transformers.TrainingArguments", "TrainingArguments", True),
    ("transformers.TrainingArguments", "Trainer", False),
    ("trl.*Config", "SFTConfig", True),
    ("trl.*Config", "SFTTrainer", False),
    ("keras.*.save", "save", True),
    ("foo.ba?", "anything", True),
    # Renamed re-exports keep their old last name.
    ("lightning.fabric.Fabric", "LightningLite", True),
])
def test_last_names_a_matching_call_may_be_written_with(pattern, last, expected):
    compiled = names.patterns((pattern,))
    assert compiled.last_match(last) is expected
    assert (last in compiled.last_names({last, "unrelated"})) is expected


def test_twenty_thousand_names_match_as_one_by_one():
    many = [f"org.tools.fn{i}" for i in range(20_000)] + ["org.globs.*_save"]
    compiled = names.patterns(many)
    assert compiled.match(["org.tools.fn19999"]) and compiled.match(["org.globs.model_save"])
    assert not compiled.match(["org.tools.fn20000", "org.globs.save"])
    assert compiled.last_names({"fn7", "model_save", "print"}) == {"fn7", "model_save"}


@pytest.mark.parametrize(("qualname", "shown"), [
    ("transformers.TrainingArguments", "TrainingArguments"),
    ("torch.save", "torch.save"),
    ("torch.distributed.checkpoint.save", "checkpoint.save"),
    ("print", "print"),
])
def test_display_name(qualname, shown):
    assert names.display_name(qualname) == shown
    assert isinstance(names.display_name(qualname), names.Symbol)
