"""Vocabulary added for the CK and ET families: guards, keyword limits, option-driven file-calls."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from mlgreenlint.engine.driver import Job, lint_text
from mlgreenlint.ruleset import rulebook
from mlgreenlint.ruleset.selection import ActiveRule

_RULE = '''
id = "ZZ001"
name = "probe"
family = "ZZ"
severity = "warning"
message = "hit"
{options}
[match]
{match}
[docs]
what = "w"
why = "w"
bad = "x = 1"
good = "x = 1"
references = []
[examples]
invalid = [{{ code = "x = 1" }}]
valid = [{{ code = "x = 1" }}]
'''


def _rule(tmp_path: Path, match: str, options: str = ""):
    path = tmp_path / "ZZ001-probe.toml"
    path.write_text(_RULE.format(match=textwrap.dedent(match), options=textwrap.dedent(options)), encoding="utf-8")
    return rulebook.load_paths([path])[0]


def _lines(rule, code: str, **options) -> list[int]:
    job = Job(rules=[ActiveRule(rule, rule.severity, rule.option_defaults() | options)], known_ids={rule.id})
    return [f.span.line for f in lint_text("train.py", textwrap.dedent(code), job).findings]


SAVE_IN_LOOP = '''
[[match.python]]
call = ["torch.save"]
inside = "batch-loop"
unguarded = true
'''


@pytest.mark.parametrize(
    ("condition", "guarded"),
    [
        ("accelerator.is_main_process", False),
        ("rank == 0", False),
        ("dist.get_rank() == 0", False),
        ("trainer.is_global_zero", False),
        ("mode == 'train'", False),
        ("step % 100 == 0", True),
        ("val_acc > best_acc", True),
        ("i == len(loader) - 1", True),
        ("should_save", True),
        ("time.time() - start > 600", True),
        ("accelerator.is_main_process and step % 50 == 0", True),
    ],
)
def test_frequency_guards(tmp_path, condition, guarded):
    rule = _rule(tmp_path, SAVE_IN_LOOP)
    code = f'''
    import time
    import torch
    for i, batch in enumerate(loader):
        loss = model(batch)
        loss.backward()
        opt.step()
        if {condition}:
            torch.save(model.state_dict(), "c.pt")
    '''
    assert _lines(rule, code) == ([] if guarded else [9])


def test_else_branch_of_interval_test_is_guarded(tmp_path):
    rule = _rule(tmp_path, SAVE_IN_LOOP)
    code = '''
    import torch
    for step, batch in enumerate(loader):
        loss = model(batch)
        loss.backward()
        opt.step()
        if step % 100:
            pass
        else:
            torch.save(model.state_dict(), "c.pt")
    '''
    assert _lines(rule, code) == []


KEYWORD_LIMIT = '''
[[match.python]]
call = ["transformers.TrainingArguments"]
where = [ { keyword = "max_steps", le = { keyword = "save_steps", default = 500 } } ]
'''


@pytest.mark.parametrize(
    ("args", "hit"),
    [
        ("max_steps=100", True),
        ("max_steps=600", False),
        ("max_steps=100, save_steps=50", False),
        ("max_steps=100, save_steps=n", False),
        ("save_steps=50", False),
    ],
)
def test_limit_from_another_keyword(tmp_path, args, hit):
    rule = _rule(tmp_path, KEYWORD_LIMIT)
    code = f'''
    from transformers import TrainingArguments
    def f(n):
        return TrainingArguments(output_dir="o", {args})
    '''
    assert _lines(rule, code) == ([4] if hit else [])


def test_file_calls_option(tmp_path):
    rule = _rule(
        tmp_path,
        '''
        unless = [ { file-calls-option = "trackers" } ]
        [[match.python]]
        call = ["torch.save"]
        ''',
        '''
        [options.trackers]
        type = "string-list"
        default = ["codecarbon.*"]
        description = "d"
        ''',
    )
    tracked = '''
    import torch
    from codecarbon import EmissionsTracker
    with EmissionsTracker():
        torch.save(1, "x")
    '''
    custom = '''
    import torch
    from corp.telemetry import track_energy

    @track_energy
    def main():
        torch.save(1, "x")
    '''
    assert _lines(rule, tracked) == []
    assert _lines(rule, custom) == [7]
    assert _lines(rule, custom, trackers=["corp.telemetry.track_energy"]) == []
    assert _lines(rule, tracked, trackers=[]) == [5]


def test_unknown_option_reference_is_rejected(tmp_path):
    with pytest.raises(Exception, match="trackers"):
        _rule(tmp_path, 'unless = [ { file-calls-option = "trackers" } ]\n[[match.python]]\ncall = ["x"]\n')


def test_self_referencing_kwargs_unpacking_terminates(tmp_path):
    rule = _rule(tmp_path, '[[match.python]]\ncall = ["mylib.Config"]\nwhere = [ { keyword = "x", equals = 1 } ]\n')
    code = '''
    from mylib import Config
    config = {"x": 1}
    config = Config(**config)
    '''
    assert _lines(rule, code) == []


def test_attribute_of_a_runtime_object_is_unknown(tmp_path):
    rule = _rule(tmp_path, '[[match.python]]\ncall = ["mylib.Config"]\nwhere = [ { keyword = "mode", not-in = ["fast"] } ]\n')
    code = '''
    import argparse
    from mylib import Config
    args = argparse.ArgumentParser().parse_args()
    a = Config(mode=args.mode)
    b = Config(mode=argparse.SUPPRESS)
    '''
    assert _lines(rule, code) == [6]
