"""Notebooks: reading nbformat 4, masking IPython syntax, joining cells, GL001 and discovery."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from mlgreenlint import magics, notebook
from mlgreenlint.engine.driver import lint_text
from tests.notebook_helpers import HF_CELLS, cell, job
from tests.notebook_helpers import notebook as write_notebook

ROOT = Path(__file__).resolve().parents[1]


def lint(text: str, *ids: str, path: str = "nb.ipynb"):
    return lint_text(path, text, job(*ids)).findings


def test_code_cells_join_in_order_and_markdown_and_outputs_are_left_out():
    text = write_notebook(cell("# Title\nimport os\n", "markdown"), cell("import torch\n"),
                          cell("x = torch.ones(2)", outputs=[{"output_type": "stream", "text": ["import nope\n"]}]),
                          cell("raw text\n", "raw"), cell("y = x + 1\n"))
    nb = notebook.read(text)
    assert nb.source == "import torch\nx = torch.ones(2)\ny = x + 1\n"
    assert [(c.number, c.first) for c in nb.cells] == [(1, 1), (2, 2), (3, 3)]
    assert nb.place(3) == (nb.cells[2], 1)


@pytest.mark.parametrize("line, masked", [
    ("%matplotlib inline\n", "pass\n"),
    ("!nvidia-smi\n", "pass\n"),
    ("!!ls -la\n", "pass\n"),
    ("files = !ls data\n", "files = None\n"),
    ("t = %timeit -o f()\n", "t = None\n"),
    ("torch.compile?\n", "pass\n"),
    ("??torch.compile\n", "pass\n"),
    ("    %time f()\n", "    _=    f()\n"),
    ("%timeit -n 3 f(x)\n", "_=           f(x)\n"),
    ("%time import torch\n", "pass\n"),
    ("/print 'auto-called'\n", "pass\n"),
    ("    ,f a b\n", "    pass\n"),
    (";np.mean 1 2\n", "pass\n"),
])
def test_ipython_lines_are_masked_to_statements_at_their_indentation(line, masked):
    assert magics.mask([line]).lines == [masked]


def test_an_auto_call_escape_inside_brackets_stays_code():
    lines = ["total = (a\n", "  /b)\n", "items = [x\n", "  ,y]\n"]
    assert magics.mask(lines).lines == lines


def test_escape_characters_inside_strings_brackets_and_comments_stay_code():
    lines = ['s = """\n', "!not a shell line\n", '"""\n', "f(\n", "  !x,\n", ")\n", "# !comment\n",
             "y = a if b else c  # why?\n", "x = 3 % 2\n"]
    assert magics.mask(lines).lines == lines


def test_cell_magics_mask_the_cell_unless_their_body_is_python():
    assert magics.mask(["%%bash\n", "accelerate launch train.py\n"]).lines == ["\n", "\n"]
    assert magics.mask(["%%bash\n", "accelerate launch train.py\n"]).shell == [(1, "accelerate launch train.py")]
    assert magics.mask(["%%time\n", "model.fit(x)\n"]).lines == ["\n", "model.fit(x)\n"]
    assert magics.mask(["%%writefile train.py\n", "import torch\n"]).lines == ["\n", "\n"]


def test_shell_commands_are_collected_with_their_joined_line():
    text = write_notebook(cell("import os\n"), cell("!pip install codecarbon==2.3.4\n%pip install -q peft\nx = 1\n"),
                          cell("!accelerate launch --mixed_precision bf16 \\\n  train.py\n"))
    nb = notebook.read(text)
    assert nb.shell == [(2, "pip install codecarbon==2.3.4"), (3, "pip install -q peft"),
                        (5, "accelerate launch --mixed_precision bf16 train.py")]
    assert nb.source.splitlines() == ["import os", "pass", "pass", "x = 1", "pass", ""]


@pytest.mark.parametrize(("line", "command"), [
    ("%run train.py --lr 1e-4\n", "python train.py --lr 1e-4"),
    ("%run -i -N 2 scripts/train.py\n", "python scripts/train.py"),
    ("%run -m pkg.train --epochs 1\n", "python -m pkg.train --epochs 1"),
    ("%run\n", None),
])
def test_a_run_magic_is_the_command_line_that_runs_its_script(line, command):
    masked = magics.mask([line])
    assert masked.lines == ["pass\n"]
    assert masked.shell == ([(0, command)] if command else [])


def test_a_script_run_from_a_notebook_is_judged_by_the_arguments_it_is_run_with(project):
    project.write("pyproject.toml", "[project]\nname = 'x'\n")
    project.write("train.py", """
        from transformers import HfArgumentParser, Trainer, TrainingArguments
        (args,) = HfArgumentParser(TrainingArguments).parse_args_into_dataclasses()
        Trainer(model=None, args=args).train()
    """)
    found = {}
    for report_to in ("codecarbon", "none"):
        runner = cell(f"%run train.py --output_dir out --report_to {report_to}\n")
        (project.root / "run.ipynb").write_text(write_notebook(cell("import os\n"), runner))
        found[report_to] = project.run("check", "--no-cache", "--select", "ET001", "--output-format", "json", ".")
    assert not [f for f in json.loads(found["codecarbon"].output) if f["path"] == "train.py"]
    assert [f["rule"] for f in json.loads(found["none"].output) if f["path"] == "train.py"] == ["ET001"]


def test_findings_are_placed_in_cells_and_in_the_notebook_file():
    text = write_notebook(cell("# Fine-tune\n", "markdown"), *(cell(c) for c in HF_CELLS))
    found = {f.rule: f for f in lint(text, "MP002", "ET001")}
    mp = found["MP002"]
    assert (mp.cell.cell, mp.cell.span.line, mp.cell.span.column) == (2, 1, 8)
    file_line = text.splitlines()[mp.span.line - 1]
    assert file_line.strip().startswith('"args = tf.TrainingArguments(')
    assert file_line[mp.span.column - 1:].startswith("tf.TrainingArguments")
    assert found["ET001"].cell.cell == 3 and found["ET001"].cell.span.line == 2


def test_source_written_as_one_string_maps_to_its_line_and_column():
    text = write_notebook(cell("".join(HF_CELLS), split=False))
    mp = next(f for f in lint(text, "MP002") if f.rule == "MP002")
    assert mp.cell.span.line == 2
    file_line = text.splitlines()[mp.span.line - 1]
    assert file_line.lstrip().startswith('"source": "import transformers')
    assert file_line[mp.span.column - 1:].startswith("tf.TrainingArguments")


def test_escaped_characters_before_the_finding_shift_the_file_column():
    code = HF_CELLS[1].replace('"out"', '"sortie-\u00e9t\u00e9\\tx"')
    text = write_notebook(cell(HF_CELLS[0]), cell('label = "\u00e9\u00e9"; ' + code), cell(HF_CELLS[2]), ascii_only=True)
    mp = next(f for f in lint(text, "MP002"))
    assert text.splitlines()[mp.span.line - 1][mp.span.column - 1:].startswith("tf.TrainingArguments")


@pytest.mark.parametrize("text, where", [
    ("{not json", "invalid JSON"),
    ("[1, 2]", "not a JSON object"),
    (write_notebook(cell("x = 1\n"), nbformat=3), "nbformat 4"),
    ('{"nbformat": 4, "cells": [{"cell_type": "code", "source": 7}]}', "not a string or a list"),
    ('{"nbformat": 4, "cells": {}}', "not a list"),
    ('{"nbformat": 4, "cells": [{"cell_type": "markdown", "source": "x"}, 3]}', "a cell is not a JSON object"),
    ('{"nbformat": 4, "cells": [{"cell_type": "code", "outputs": []}]}', "code cell 1 has no source"),
    ('{"nbformat": 4, "cells": [{"cell_type": "code", "source": ["x", 2]}]}', "code cell 1 is not a string"),
    ('{"nbformat": 4, "cells": []} trailing', "invalid JSON"),
])
def test_documents_that_are_not_notebooks_are_gl001_never_a_crash(text, where):
    found = lint(text)
    assert [f.rule for f in found] == ["GL001"] and where in found[0].message


def test_invalid_json_is_reported_at_its_line():
    text = write_notebook(cell("import torch\n")).replace('"cell_type": "code"', '"cell_type" "code"')
    [found] = lint(text)
    assert found.rule == "GL001" and text.splitlines()[found.span.line - 1].strip().startswith('"cell_type" "code"')


def test_a_cell_that_does_not_parse_is_gl001_at_its_cell_and_the_others_are_still_linted():
    text = write_notebook(cell(HF_CELLS[0]), cell("def broken(:\n    pass\n"), cell(HF_CELLS[1]), cell(HF_CELLS[2]))
    found = {f.rule: f for f in lint(text, "GL001", "MP002")}
    assert found["GL001"].cell.cell == 2 and found["GL001"].cell.span.line == 1
    assert found["MP002"].cell.cell == 3


def test_cells_lint_like_the_flat_file_they_join_into():
    flat = lint_text("train.py", "".join(HF_CELLS), job("MP002", "ET001")).findings
    cells = lint(write_notebook(*(cell(c) for c in HF_CELLS)), "MP002", "ET001")
    assert [(f.rule, f.message) for f in flat] == [(f.rule, f.message) for f in cells]


def test_notebooks_are_discovered_in_folders_and_can_be_excluded(project):
    project.write("pyproject.toml", "[project]\nname = 'x'\n")
    (project.root / "nbs").mkdir()
    (project.root / "nbs" / "train.ipynb").write_text(write_notebook(*(cell(c) for c in HF_CELLS)))
    found = project.run("check", "--isolated", "--no-cache", "--select", "MP002", ".")
    assert "nbs/train.ipynb:cell 2:1:8: MP002" in found.output
    project.write("pyproject.toml", "[project]\nname = 'x'\n[tool.mlgreenlint]\nextend-exclude = ['*.ipynb']\n")
    quiet = project.run("check", "--no-cache", "--select", "MP002", ".")
    assert "MP002" not in quiet.output and quiet.exit_code == 0


def test_json_output_gives_the_cell_and_the_place_in_the_file(project):
    project.write("nb.ipynb", write_notebook(*(cell(c) for c in HF_CELLS)))
    done = project.run("check", "--isolated", "--no-cache", "--select", "MP002", "--format", "json", "nb.ipynb")
    [entry] = json.loads(done.output)
    assert (entry["cell"], entry["line"], entry["column"]) == (2, 1, 8)
    assert entry["file_line"] > entry["line"] and entry["file_column"] > entry["column"]


def test_both_lint_hooks_take_jupyter_files():
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert all("jupyter" in hooks[name]["types_or"] for name in ("mlgreenlint", "mlgreenlint-fix"))


def test_a_notebook_with_large_outputs_is_read_beyond_max_file_size(project):
    picture = {"output_type": "display_data", "data": {"image/png": "A" * 3_000_000}, "metadata": {}}
    project.write("nb.ipynb", write_notebook(*(cell(c) for c in HF_CELLS[:2]), cell(HF_CELLS[2], outputs=[picture])))
    done = project.run("check", "--isolated", "--no-cache", "--select", "MP002,GL", "nb.ipynb")
    assert "MP002" in done.output and "GL003" not in done.output


TRL_CELL = 'from trl import SFTConfig\nconfig = SFTConfig(output_dir="out")\n'


def test_pip_install_lines_pin_versions_for_that_notebook():
    pinned_old = write_notebook(cell("!pip install -q trl==0.12.0 peft\n"), cell(TRL_CELL))
    pinned_new = write_notebook(cell("%pip install 'trl==0.20.0'\n"), cell(TRL_CELL))
    [old] = lint(pinned_old, "MP002")
    assert "trl==0.12.0 pinned in nb.ipynb:cell 1:1" in old.message and old.cell.cell == 2
    assert lint(pinned_new, "MP002") == []


def test_installing_codecarbon_is_not_tracking_emissions():
    text = write_notebook(cell("!pip install codecarbon\n"), *(cell(c) for c in HF_CELLS))
    assert [f.rule for f in lint(text, "ET001")] == ["ET001"]
    tracked = write_notebook(cell("from codecarbon import EmissionsTracker\ntracker = EmissionsTracker()\n"
                                  "tracker.start()\n"), *(cell(c) for c in HF_CELLS), cell("tracker.stop()\n"))
    assert lint(tracked, "ET001") == []


def test_a_shell_line_in_a_notebook_launches_a_script_of_the_repository(project):
    project.write("pyproject.toml", "[project]\nname = 'x'\n")
    project.write("train.py", """
        from accelerate import Accelerator
        accelerator = Accelerator()
        model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
        for batch in loader:
            loss = model(batch)
            accelerator.backward(loss)
            optimizer.step()
    """)
    plain = project.run("check", "--no-cache", "--select", "MP004", ".")
    assert "train.py" in plain.output and "MP004" in plain.output
    launcher = cell("!accelerate launch --num_processes 2 \\\n    --mixed_precision bf16 train.py\n")
    (project.root / "run.ipynb").write_text(write_notebook(cell("import os\n"), launcher))
    launched = project.run("check", "--no-cache", "--select", "MP004", ".")
    assert "MP004" not in launched.output, launched.output


def test_a_notebook_for_another_language_is_not_read_as_python():
    text = json.dumps({"cells": [cell("x <- c(1, 2)\nsummary(x)\n")], "nbformat": 4, "nbformat_minor": 5,
                       "metadata": {"kernelspec": {"name": "ir", "language": "R"}, "language_info": {"name": "R"}}})
    result = lint_text("nb.ipynb", text, job())
    assert result.findings == [] and "notebook language is R, not Python" in result.notes[0]


def test_a_training_call_run_under_time_magic_is_still_training():
    loop = ("import torch\n"
            "def train(model, opt, loader):\n"
            "    for x, y in loader:\n"
            "        loss = model(x, y)\n"
            "        loss.backward()\n"
            "        opt.step()\n")
    assert [f.rule for f in lint(write_notebook(cell(loop), cell("%time train(m, o, dl)\n")), "ET001")] == ["ET001"]
    assert lint(write_notebook(cell(loop), cell("%time import os\n")), "ET001") == []


SECOND_RUN = ('args = tf.TrainingArguments(output_dir="second"{extra})\n'
              "trainer = tf.Trainer(model=None, args=args)\ntrainer.train()\n")


def test_training_arguments_bound_again_for_a_second_run_are_judged_binding_by_binding():
    first = [cell(c) for c in HF_CELLS]
    again = write_notebook(*first, cell(SECOND_RUN.format(extra="")))
    assert [f.rule for f in lint(again, "ET001")] == ["ET001"]
    tracked = write_notebook(*first, cell(SECOND_RUN.format(extra=', report_to="codecarbon"')))
    assert lint(tracked, "ET001") == []


def test_file_positions_asked_in_any_order_count_the_lines_before_them():
    import random

    text = write_notebook(cell("x = 1\n", outputs=[{"output_type": "stream", "name": "stdout",
                                                    "text": ["a line\n"] * 500}]), cell("y = 2\n"))
    nb = notebook.read(text)
    offsets = list(range(0, len(text) + 1, 7)) + [len(text)]
    random.Random(16).shuffle(offsets)
    for offset in offsets:
        line = text.count("\n", 0, offset) + 1
        assert nb.file_offset_position(offset) == (line, offset - text.rfind("\n", 0, offset)), offset


def test_where_a_source_sits_is_found_past_cells_and_outputs_that_hold_source_keys():
    vega = {"output_type": "display_data", "metadata": {"source": "x"},
            "data": {"application/vnd.vega+json": {"source": ["import torch\n"], "cells": [{"source": "y"}]}}}
    text = write_notebook(cell("# Notes\n`source`\n", "markdown"), cell("raw\n", "raw", split=False),
                          cell(HF_CELLS[0], outputs=[vega]), cell("# source: here\n", "markdown"),
                          cell(HF_CELLS[1] + "\n# more\n", split=False), cell(HF_CELLS[2]))
    nb = notebook.read(text)
    for c in nb.cells:
        strings, (start, end) = nb.source_of(c)
        assert "".join(json.loads(text[a:b]) for a, b in strings) == c.source
        value = json.loads(text[start:end])
        assert ("".join(value) if isinstance(value, list) else value) == c.source


def test_of_duplicated_cells_keys_the_last_one_counts_as_json_decoders_read_it():
    cells = json.dumps([cell(c) for c in HF_CELLS])
    text = '{"cells": {"not": "cells"},\n "nbformat": 4, "metadata": {},\n "cells": ' + cells + "}\n"
    found = lint(text, "MP002")
    assert [f.rule for f in found] == ["MP002"]
    assert text.splitlines()[found[0].span.line - 1][found[0].span.column - 1:].startswith("tf.TrainingArguments")


def test_a_cell_without_ipython_syntax_is_returned_as_written():
    lines = ["x = {'a': 1}  # a comment\n", "if x != 2:\n", "    print('100 %d' % 3)\n"]
    assert magics.mask(lines) == magics.Masked(lines)
