"""Notebooks in the CI workflow: suppressions, baselines, --changed-since, the cache, the prefilter,
the output formats and fixes written back into the JSON."""

from __future__ import annotations

import json

from mlgreenlint.engine.driver import lint_text, may_parse
from tests.gitrepo import git, isolated_git  # noqa: F401 -- the fixture isolates git for every test here
from tests.notebook_helpers import HF_CELLS, cell, job
from tests.notebook_helpers import notebook as write_notebook

SETUP = ("pyproject.toml", "[project]\nname = 'x'\n")


def _cells(*sources: str, **kwargs) -> list[dict]:
    return [cell(s, **kwargs) for s in sources]


def lint(text: str, *ids: str):
    return lint_text("nb.ipynb", text, job(*ids)).findings


def test_an_ignore_comment_in_a_cell_silences_its_line_only():
    ignored = HF_CELLS[1].rstrip("\n") + "  # mlgreenlint: ignore[MP002]\n"
    assert lint(write_notebook(*_cells(HF_CELLS[0], ignored, HF_CELLS[2])), "MP002") == []
    assert [f.rule for f in lint(write_notebook(*_cells(*HF_CELLS)), "MP002")] == ["MP002"]


def test_ignore_file_in_the_first_code_cell_silences_the_notebook():
    first = "# mlgreenlint: ignore-file[MP002]\n" + HF_CELLS[0]
    text = write_notebook(cell("intro", "markdown"), *_cells(first, *HF_CELLS[1:]))
    assert [f.rule for f in lint(text, "MP002", "ET001")] == ["ET001"]


def test_an_unknown_code_in_a_cell_is_gl002_at_the_cell():
    text = write_notebook(*_cells(HF_CELLS[0], "x = 1  # mlgreenlint: ignore[ZZ9]\n"))
    [found] = lint(text, "GL002")
    assert (found.cell.cell, found.cell.span.line, found.cell.span.column) == (2, 1, 30)


def test_fingerprints_do_not_change_with_outputs_or_execution_counts():
    before = lint(write_notebook(*_cells(*HF_CELLS)), "MP002", "ET001")
    ran = [cell(s, count=i + 7, outputs=[{"output_type": "stream", "name": "stdout", "text": ["step 1\n"] * (i + 3)}])
           for i, s in enumerate(HF_CELLS)]
    after = lint(write_notebook(cell("# Notes\n", "markdown"), *ran, indent=2), "MP002", "ET001")
    assert [f.fingerprint for f in before] == [f.fingerprint for f in after]
    assert [f.span.line for f in before] != [f.span.line for f in after]


def test_the_byte_prefilter_lets_a_notebook_with_rule_tokens_through_and_skips_one_without():
    assert may_parse("nb.ipynb", write_notebook(*_cells(*HF_CELLS)).encode(), job("MP002"))
    assert not may_parse("nb.ipynb", write_notebook(*_cells("import os\nprint(os.getcwd())\n")).encode(), job("MP002"))


def test_a_notebook_with_megabytes_of_outputs_goes_to_a_worker_unsearched_and_lints_as_without_them():
    from mlgreenlint.engine.python_file import ROUTE_UNSEARCHED

    image = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0KGgo" * (ROUTE_UNSEARCHED // 10)}}
    big = write_notebook(cell("import os\nprint(os.getcwd())\n", outputs=[image])).encode()
    assert len(big) > ROUTE_UNSEARCHED and may_parse("nb.ipynb", big, job("MP002"))
    assert lint(big.decode(), "MP002") == []
    trains = write_notebook(*_cells(*HF_CELLS[:2]), cell(HF_CELLS[2], outputs=[image]))
    assert [(f.rule, f.cell.cell) for f in lint(trains, "MP002")] == [("MP002", 2)]


def test_routing_a_notebook_asks_each_rule_for_its_tokens_and_its_globs():
    """A notebook goes to a worker when some rule has a token in its JSON (outputs and markdown
    included) and the rule looks at its path; the joined code cells decide the rest."""
    from dataclasses import replace

    both = job("MP002", "ET001")
    data = write_notebook(cell("Trainer", "markdown"), *_cells("print('no tokens here')\n")).encode()
    assert may_parse("nb.ipynb", data, both)
    rules = [replace(a, rule=replace(a.rule, match={**a.rule.match, "exclude": ["nb.ipynb"]})) for a in both.rules]
    assert not may_parse("nb.ipynb", data, replace(both, rules=rules))
    assert may_parse("other.ipynb", data, replace(both, rules=rules))
    assert not may_parse("nb.ipynb", write_notebook(*_cells("print('no tokens here')\n")).encode(), both)


def test_a_token_with_a_quote_counts_as_present_in_notebook_json():
    """JSON spells `"` as `\\"`: such a token is never searched for in the raw bytes."""
    from mlgreenlint.engine.python_file import notebook_may_match, python_rules

    from dataclasses import replace

    quoted = job("MP002")
    rule = quoted.rules[0]
    active = replace(rule, rule=replace(rule.rule, tokens=('precision="bf16"',)))
    quoted.rules = [active]
    data = write_notebook(cell('Trainer(precision="bf16")\n')).encode()
    assert notebook_may_match("nb.ipynb", data, quoted)
    assert python_rules("nb.ipynb", data, quoted, encoded=True) == []


def test_the_cache_returns_the_same_cell_positions(project):
    project.write(*SETUP)
    project.write("nb.ipynb", write_notebook(*_cells(*HF_CELLS)))
    first = project.run("check", "--select", "MP002,ET001", "--format", "json", "nb.ipynb")
    again = project.run("check", "--select", "MP002,ET001", "--format", "json", "nb.ipynb")
    assert (project.root / ".mlgreenlint_cache").is_dir()
    assert json.loads(first.output) == json.loads(again.output)
    assert {e["cell"] for e in json.loads(again.output)} == {2, 3}


def test_changed_since_keeps_findings_on_changed_cell_lines(project):
    project.write(*SETUP)
    project.write("nb.ipynb", write_notebook(*_cells(*HF_CELLS)))
    git(project.root, "init", "-q")
    git(project.root, "add", "-A")
    git(project.root, "commit", "-qm", "start")
    # Only the execution output changes: nothing to report.
    ran = _cells(*HF_CELLS[:2]) + [cell(HF_CELLS[2], count=3, outputs=[{"output_type": "stream", "text": ["ok\n"]}])]
    project.write("nb.ipynb", write_notebook(*ran))
    quiet = project.run("check", "--no-cache", "--select", "MP002,ET001", "--changed-since", "HEAD", "nb.ipynb")
    assert "MP002" not in quiet.output and "ET001" not in quiet.output
    # The line of the TrainingArguments call changes: its finding is reported, the other is not.
    edited = HF_CELLS[1].replace("num_train_epochs=3", "num_train_epochs=4")
    project.write("nb.ipynb", write_notebook(*_cells(HF_CELLS[0], edited, HF_CELLS[2])))
    loud = project.run("check", "--no-cache", "--select", "MP002,ET001", "--changed-since", "HEAD", "nb.ipynb")
    assert "nb.ipynb:cell 2:1:8: MP002" in loud.output and "ET001" not in loud.output


def test_a_baseline_survives_running_the_notebook(project):
    project.write(*SETUP)
    project.write("nb.ipynb", write_notebook(*_cells(*HF_CELLS)))
    project.run("check", "--no-cache", "--select", "MP002,ET001", "--write-baseline", "base.json", "nb.ipynb")
    ran = [cell(s, count=i + 1, outputs=[{"output_type": "stream", "text": ["x\n"] * 5}]) for i, s in enumerate(HF_CELLS)]
    project.write("nb.ipynb", write_notebook(*ran))
    done = project.run("check", "--no-cache", "--select", "MP002,ET001", "--baseline", "base.json", "nb.ipynb")
    assert done.exit_code == 0, done.output


def test_sarif_github_and_junit_point_at_the_notebook_file_line(project):
    text = write_notebook(*_cells(*HF_CELLS))
    project.write("nb.ipynb", text)
    line = next(n for n, x in enumerate(text.splitlines(), 1) if "tf.TrainingArguments(" in x)
    sarif = json.loads(project.run("check", "--isolated", "--no-cache", "--select", "MP002", "--format", "sarif",
                                   "nb.ipynb").output)
    region = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == line
    github = project.run("check", "--isolated", "--no-cache", "--select", "MP002", "--format", "github", "nb.ipynb")
    assert f"file=nb.ipynb,line={line}" in github.output
    junit = project.run("check", "--isolated", "--no-cache", "--select", "MP002", "--format", "junit", "nb.ipynb")
    assert f'line="{line}"' in junit.output


def test_fix_edits_only_the_cell_source_and_keeps_every_other_byte(project):
    outputs = [{"output_type": "display_data", "data": {"text/plain": ["<Figure>"]}, "metadata": {"isolated": True}}]
    cells = [cell("Notes: caf\u00e9", "markdown"), cell(HF_CELLS[0], count=1),
             cell(HF_CELLS[1], count=2, outputs=outputs), cell(HF_CELLS[2], count=3)]
    for indent in (1, 2, None):
        text = write_notebook(*cells, indent=indent).rstrip("\n")  # also: no newline at the end
        project.write("nb.ipynb", text)
        (project.root / "nb.ipynb").write_text(text, encoding="utf-8")
        done = project.run("check", "--isolated", "--no-cache", "--select", "MP002", "--fix", "--unsafe-fixes",
                           "nb.ipynb")
        after = (project.root / "nb.ipynb").read_text(encoding="utf-8")
        old, new = "num_train_epochs=3)", "num_train_epochs=3, bf16=True)"
        assert after == text.replace(old, new, 1), done.output
        assert json.loads(after)["cells"][2]["outputs"] == outputs


def test_a_fix_that_would_touch_a_masked_line_or_cross_cells_is_dropped():
    from mlgreenlint import notebook
    from mlgreenlint.engine.notebook_file import placed
    from mlgreenlint.model import Edit, Finding, Fix, Severity, Span

    nb = notebook.read(write_notebook(*_cells("%load_ext autoreload\nimport os\n", "x = 1\n")))

    def fixed(*edits: Edit):
        finding = Finding("MP002", "nb.ipynb", Span(2, 1, 2, 3), "m", Severity.WARNING, Fix("t", edits))
        return placed([finding], nb)[0].fix

    assert fixed(Edit(Span(2, 1, 2, 10), "import sys")) is not None
    assert fixed(Edit(Span(1, 1, 1, 5), "x")) is None
    assert fixed(Edit(Span(2, 1, 3, 2), "y")) is None


def test_a_fix_over_several_lines_after_long_outputs_rewrites_only_the_cell(project):
    log = {"output_type": "stream", "name": "stdout", "text": [f"step {i} loss 0.{i}\n" for i in range(3000)]}
    loop = ("for step in range(3):\n"
            "    loss = model(torch.ones(2)).sum()\n"
            "    loss.backward()\n"
            "    opt.step()\n")
    cells = [cell("import torch\n", count=1),
             cell("model = torch.nn.Linear(2, 1)\nopt = torch.optim.SGD(model.parameters(), lr=0.1)\n", count=2,
                  outputs=[log]),
             cell(loop, count=3, outputs=[log])]
    for indent in (1, None):
        text = write_notebook(*cells, indent=indent)
        (project.root / "nb.ipynb").write_text(text, encoding="utf-8")
        done = project.run("check", "--isolated", "--no-cache", "--select", "ET001", "--fix", "--unsafe-fixes",
                           "nb.ipynb")
        after = json.loads((project.root / "nb.ipynb").read_text(encoding="utf-8"))
        sources = ["".join(c["source"]) for c in after["cells"]]
        # The import goes after the module's leading imports: at the top of the next cell.
        assert sources[:2] == ["import torch\n", "from codecarbon import EmissionsTracker\n" + cells[1]["source"][0]
                               + cells[1]["source"][1]], done.output
        assert sources[2] == "with EmissionsTracker():\n" + "".join("    " + line for line in loop.splitlines(True))
        assert [c["outputs"] for c in after["cells"]] == [[], [log], [log]]


def test_fixed_lines_are_spelled_as_the_file_spells_non_ascii():
    from mlgreenlint.fixes.edits import apply

    loop = "for step in range(3):  # entra\u00eener\n    loss = model(torch.ones(2)).sum()\n    loss.backward()\n"
    cells = [cell("import torch\nmodel = torch.nn.Linear(2, 1)\n"), cell(loop)]
    for ascii_only in (True, False):
        text = write_notebook(*cells, ascii_only=ascii_only)
        [found] = lint(text, "ET001")
        after = apply(text, [found.fix.edits])[0]
        assert ("\\u00ee" in after, "\u00ee" in after) == (ascii_only, not ascii_only)
        assert "with EmissionsTracker():\n    for step in range(3):  # entra\u00eener\n" in "".join(
            json.loads(after)["cells"][1]["source"])
