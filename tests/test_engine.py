"""The engine on its own: import resolution, values, positions, suppression, parse errors."""

from __future__ import annotations

import textwrap

import pytest

from mlgreenlint.engine.driver import Job, lint_bytes, lint_text
from mlgreenlint.ruleset import rulebook
from mlgreenlint.ruleset.selection import ActiveRule

RULES = {r.id: r for r in rulebook.load_builtin()}


def job(*ids: str, **options) -> Job:
    active = [ActiveRule(RULES[i], RULES[i].severity, RULES[i].option_defaults() | options) for i in ids]
    return Job(rules=active, known_ids=set(RULES))


def findings(code: str, *ids: str, path: str = "train.py"):
    return lint_text(path, textwrap.dedent(code).lstrip("\n"), job(*ids)).findings


@pytest.mark.parametrize(
    "imports, call",
    [
        ("import pytorch_lightning as pl", "pl.Trainer"),
        ("import lightning as L", "L.Trainer"),
        ("import lightning.pytorch as lp", "lp.Trainer"),
        ("from lightning.pytorch import Trainer", "Trainer"),
        ("from lightning.pytorch.trainer.trainer import Trainer as T", "T"),
        ("from pytorch_lightning import Trainer\nMyTrainer = Trainer", "MyTrainer"),
    ],
)
def test_lightning_aliases_resolve(imports, call):
    code = f"{imports}\ntrainer = {call}(max_epochs=3)\ntrainer.fit(model)\n"
    assert [f.rule for f in findings(code, "MP003")] == ["MP003"]


def test_bare_name_from_another_library_is_not_matched():
    code = "from mylib import Trainer\ntrainer = Trainer(max_epochs=3)\ntrainer.fit(model)\n"
    assert findings(code, "MP003") == []


def test_local_reassignment_makes_value_unknown():
    code = """
    from lightning.pytorch import Trainer
    P = "32-true"
    if fast:
        P = "bf16-mixed"
    Trainer(max_epochs=1, precision=P).fit(m)
    """
    assert findings(code, "MP003") == []


def test_function_local_assignment_resolves():
    code = """
    from lightning.pytorch import Trainer
    def main():
        precision = 32
        trainer = Trainer(max_epochs=1, precision=precision)
        trainer.fit(model)
    """
    (f,) = findings(code, "MP003")
    assert (f.span.line, f.span.column) == (4, 37)
    assert "precision=32" in f.message


def test_positions_are_exact_and_fix_targets_the_value():
    code = 'from accelerate import Accelerator\n\nacc = Accelerator(\n    mixed_precision="no",\n)\n'
    (f,) = findings(code, "MP004")
    assert (f.span.line, f.span.column, f.span.end_line) == (4, 5, 4)
    (edit,) = f.fix.edits
    assert (edit.span.line, edit.span.column, edit.span.end_column) == (4, 21, 25)
    assert edit.replacement == '"bf16"'


def test_line_suppression_and_file_suppression():
    code = 'from accelerate import Accelerator\nacc = Accelerator(mixed_precision="no")  # mlgreenlint: ignore[MP004]\n'
    assert findings(code, "MP004") == []
    code = '# mlgreenlint: ignore-file[MP]\nfrom accelerate import Accelerator\nacc = Accelerator(mixed_precision="no")\n'
    assert findings(code, "MP004") == []
    code = 'from accelerate import Accelerator\nacc = Accelerator(mixed_precision="no")  # mlgreenlint: ignore[CK001]\n'
    assert [f.rule for f in findings(code, "MP004")] == ["MP004"]


def test_unknown_id_in_directive_is_reported():
    code = 'x = 1  # mlgreenlint: ignore[MP0O4]\n'
    result = lint_text("a.py", code, job("GL002"))
    (f,) = result.findings
    assert f.rule == "GL002" and (f.span.line, f.span.column) == (1, 30)


def test_parse_error_is_a_finding_at_the_parser_position():
    result = lint_text("bad.py", "from accelerate import Accelerator\ndef f(:\n", job("MP004", "GL001"))
    (f,) = result.findings
    assert f.rule == "GL001" and f.span.line == 2


def test_bom_and_crlf_keep_findings_at_their_lines():
    code = 'from accelerate import Accelerator\r\n\r\nacc = Accelerator(mixed_precision="no")\r\n'
    result = lint_bytes("a.py", b"\xef\xbb\xbf" + code.encode(), job("MP004"))
    assert [(f.rule, f.span.line) for f in result.findings] == [("MP004", 3)]


def test_undecodable_file_is_a_tool_finding():
    result = lint_bytes("a.py", b"x = '\xff\xfe'\n", job("MP004", "GL003"))
    (f,) = result.findings
    assert f.rule == "GL003" and "decode" in f.message


def test_fingerprint_survives_lines_moving():
    code = 'from accelerate import Accelerator\nacc = Accelerator(mixed_precision="no")\n'
    (a,) = findings(code, "MP004")
    (b,) = findings("import os\n\n\n" + code, "MP004")
    assert a.fingerprint == b.fingerprint and a.span.line != b.span.line
