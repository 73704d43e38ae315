"""Autofix: --fix, --unsafe-fixes, --diff, --fix-only and the fix settings, through the CLI."""

from __future__ import annotations

import os
import stat

import pytest
from gitrepo import isolated_git  # noqa: F401 - a fixture

from mlgreenlint.fixes import edits
from mlgreenlint.model import Edit, Span

LIGHTNING = '''\
import lightning as L
from accelerate import Accelerator

accelerator = Accelerator(mixed_precision="no")  # keep this comment
trainer = L.Trainer(max_epochs=20, accelerator='gpu', precision=32)
trainer.fit(model, datamodule=dm)
'''
FIXED = LIGHTNING.replace('"no"', '"bf16"').replace("precision=32", 'precision="bf16-mixed"')


def test_apply_skips_overlapping_fixes_and_keeps_line_endings():
    text = "a = f(1)\r\nb = 2\r\n"
    first = (Edit(Span(1, 7, 1, 8), "x\ny"),)
    overlapping = (Edit(Span(1, 5, 1, 9), "g()"),)
    later = (Edit(Span(2, 5, 2, 6), "3"),)
    new, applied, placed = edits.apply(text, [first, overlapping, later])
    assert new == "a = f(x\r\ny)\r\nb = 3\r\n"
    assert applied == [0, 2] and len(placed) == 2


def test_apply_skips_a_fix_outside_the_text():
    assert edits.apply("a = 1\n", [(Edit(Span(9, 1, 9, 2), "x"),)])[:2] == ("a = 1\n", [])


def test_minimal_edit_keeps_only_the_change():
    text = "f(a, b)\n"
    edit = edits.minimal(text, Edit(Span(1, 1, 1, 8), "f(a, b, c=1)"))
    assert edit == Edit(Span(1, 7, 1, 7), ", c=1")


@pytest.fixture
def no_et(project):
    """The tests below leave ET001 (its fix wraps the training call) out; it has its own test."""
    project.write("pyproject.toml", '[tool.mlgreenlint]\nignore = ["ET001"]\n')
    return project


def test_unsafe_fixes_are_hidden_without_the_flag(no_et):
    project = no_et
    project.write("train.py", LIGHTNING)
    result = project.run("check")
    assert result.exit_code == 1
    assert "2 hidden fixes can be enabled with `--unsafe-fixes`." in result.output
    shown = project.run("check", "--unsafe-fixes")
    assert "[*] 2 fixable with `--fix`." in shown.output
    assert project.run("check", "--fix").exit_code == 1
    assert (project.root / "train.py").read_text() == LIGHTNING


def test_diff_writes_nothing_and_exits_one_on_change(no_et):
    project = no_et
    project.write("train.py", LIGHTNING)
    result = project.run("check", "--diff", "--unsafe-fixes")
    assert result.exit_code == 1
    assert "--- a/train.py\n+++ b/train.py\n" in result.output
    assert '-accelerator = Accelerator(mixed_precision="no")  # keep this comment\n' in result.output
    assert '+accelerator = Accelerator(mixed_precision="bf16")  # keep this comment\n' in result.output
    assert (project.root / "train.py").read_text() == LIGHTNING
    assert project.run("check", "--diff").exit_code == 0  # only unsafe fixes: nothing to apply


def test_fix_applies_reports_remaining_and_is_idempotent(no_et):
    project = no_et
    path = project.write("train.py", LIGHTNING)
    result = project.run("check", "--fix", "--unsafe-fixes")
    assert path.read_text() == FIXED
    assert "Fixed 2 findings in 1 file." in result.output
    assert "MP003" not in result.output and "MP004" not in result.output
    assert "ET001" not in result.output
    assert project.run("check", "--diff", "--unsafe-fixes").exit_code == 0
    project.run("check", "--fix", "--unsafe-fixes")
    assert path.read_text() == FIXED


def test_fix_only_reports_nothing_else(no_et):
    project = no_et
    path = project.write("train.py", LIGHTNING)
    result = project.run("check", "--fix-only", "--unsafe-fixes")
    assert result.exit_code == 0
    assert "Fixed 2 findings in 1 file." in result.output
    assert path.read_text() == FIXED


def test_config_fix_settings(project):
    path = project.write("train.py", LIGHTNING)
    project.write("pyproject.toml", '[tool.mlgreenlint]\nfix = true\nextend-safe-fixes = ["MP"]\nunfixable = ["MP004"]\nignore = ["ET"]\n')
    project.run("check")
    assert path.read_text() == LIGHTNING.replace("precision=32", 'precision="bf16-mixed"')
    project.write("pyproject.toml", '[tool.mlgreenlint]\nunsafe-fixes = true\nfixable = ["MP004"]\nignore = ["ET"]\n')
    assert "[*] 1 fixable with `--fix`." in project.run("check").output
    project.write("pyproject.toml", '[tool.mlgreenlint]\nunsafe-fixes = true\nextend-unsafe-fixes = ["MP"]\n')
    assert project.run("check", "--diff").exit_code == 1  # unsafe-fixes applies the unsafe ones too


def test_fix_keeps_bom_cookie_crlf_and_mode(no_et):
    project = no_et
    source = "# -*- coding: latin-1 -*-\n# caf\xe9\n" + LIGHTNING
    path = project.root / "train.py"
    path.write_bytes(source.replace("\n", "\r\n").encode("latin-1"))
    os.chmod(path, 0o751)
    project.run("check", "--fix", "--unsafe-fixes")
    data = path.read_bytes()
    assert data == ("# -*- coding: latin-1 -*-\n# caf\xe9\n" + FIXED).replace("\n", "\r\n").encode("latin-1")
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    bom = project.root / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbf" + LIGHTNING.encode())
    project.run("check", "--fix", "--unsafe-fixes", "bom.py")
    assert bom.read_bytes() == b"\xef\xbb\xbf" + FIXED.encode()


def test_fix_with_baseline_touches_only_reported_findings(no_et):
    project = no_et
    path = project.write("train.py", LIGHTNING)
    project.run("check", "--select", "MP004", "--write-baseline", "base.json")
    project.run("check", "--fix", "--unsafe-fixes", "--baseline", "base.json")
    assert path.read_text() == LIGHTNING.replace("precision=32", 'precision="bf16-mixed"')


def test_a_fix_that_breaks_the_file_leaves_it_untouched(project, tmp_path):
    from mlgreenlint import api
    from mlgreenlint.fixes.policy import FixPolicy
    from mlgreenlint.fixes.session import fix_findings
    from mlgreenlint.model import Finding, Fix, Severity
    from mlgreenlint.settings import Settings

    path = project.write("train.py", LIGHTNING)
    bad = Finding("MP004", "train.py", Span(4, 1, 4, 1), "m", Severity.WARNING,
                  Fix("break it", (Edit(Span(4, 1, 4, 1), "("),), safe=True))
    job = api.make_job(Settings(root=tmp_path), api.load_rules(Settings(root=tmp_path)))
    [result] = fix_findings([bad], job, FixPolicy(), tmp_path)
    assert not result.changed and "would break the file" in result.error
    assert path.read_text() == LIGHTNING


def test_fix_and_write_baseline_conflict(project):
    project.write("train.py", LIGHTNING)
    assert project.run("check", "--fix", "--write-baseline", "b.json").exit_code == 2


# The building blocks rules' fixes are made of, through the CLI so that the edits are the real ones.

KEYWORD_STYLES = [
    ('t = L.Trainer(max_epochs=3)\n', 't = L.Trainer(max_epochs=3, precision="bf16-mixed")\n'),
    ('t = L.Trainer(max_epochs=3,)\n', 't = L.Trainer(max_epochs=3, precision="bf16-mixed",)\n'),
    ('t = L.Trainer(\n    max_epochs=3,\n    devices=2,  # two\n)\n',
     't = L.Trainer(\n    max_epochs=3,\n    devices=2,  # two\n    precision="bf16-mixed",\n)\n'),
    ('t = L.Trainer(\n    max_epochs=3,\n    devices=2  # two\n)\n',
     't = L.Trainer(\n    max_epochs=3,\n    devices=2,  # two\n    precision="bf16-mixed"\n)\n'),
    ('t = L.Trainer(\n        max_epochs=3,\n        # comment line\n)\n',
     't = L.Trainer(\n        max_epochs=3,\n        # comment line\n        precision="bf16-mixed",\n)\n'),
    ("t = L.Trainer(max_epochs=3, precision='32')\n", "t = L.Trainer(max_epochs=3, precision=\"bf16-mixed\")\n"),
]


def _fixed(project, rel: str, text: str, *args: str) -> str:
    path = project.write(rel, text)
    project.run("check", "--fix", "--unsafe-fixes", *args, rel)
    return path.read_text()


def test_add_keyword_follows_the_call_layout(project):
    for before, after in KEYWORD_STYLES:
        head = "import lightning as L\n"
        assert _fixed(project, "train.py", head + before + "t.fit(m)\n", "--select", "MP003") == head + after + "t.fit(m)\n"


def test_a_keyword_passed_through_a_mapping_is_not_edited(project):
    text = 'import lightning as L\nKW = {"precision": 32}\nt = L.Trainer(max_epochs=3, **KW)\nt.fit(m)\n'
    assert _fixed(project, "train.py", text, "--select", "MP003") == text


def test_remove_statement_keeps_comments_and_blocks(project):
    loop = "for x in loader:\n    model(x.cuda()).backward()\n    opt.step()\n"
    text = "import os\n\n# debugging aid\nos.environ['CUDA_LAUNCH_BLOCKING'] = '1'\nprint(1)\n" + loop
    assert _fixed(project, "a.py", text, "--select", "CW002") == "import os\n\n# debugging aid\nprint(1)\n" + loop
    alone = "import os\n\ndef main():\n    os.environ['CUDA_LAUNCH_BLOCKING'] = '1'  # sync\n" + loop
    assert _fixed(project, "b.py", alone, "--select", "CW002") == "import os\n\ndef main():\n    pass  # sync\n" + loop
    shared = "import os\nos.environ['CUDA_LAUNCH_BLOCKING'] = '1'; x = 1\n" + loop
    assert _fixed(project, "c.py", shared, "--select", "CW002") == shared  # the line does more: no fix


CONFIGS = [
    ("ds.json", '{\n  "train_batch_size": 8,\n  "fp16": {"enabled": false}  // n\n}\n', None),
    ("ds.json", '{\n    "train_batch_size": 8,\n    "fp16": {"enabled": false}\n}\n',
     '{\n    "train_batch_size": 8,\n    "fp16": {"enabled": false},\n    "bf16": {"enabled": true}\n}\n'),
    ("ds.json", '{"train_batch_size": 8, "bf16": {"enabled": false}}',
     '{"train_batch_size": 8, "bf16": {"enabled": true}}'),
    ("ds_config.yaml", "train_batch_size: 8\nbf16:\n    enabled: false   # off\nzero_optimization: {stage: 2}\n",
     "train_batch_size: 8\nbf16:\n    enabled: true   # off\nzero_optimization: {stage: 2}\n"),
    ("ds_config.yaml", "train_batch_size: 8\nzero_optimization:\n    stage: 2\n# end\n",
     "train_batch_size: 8\nzero_optimization:\n    stage: 2\nbf16:\n    enabled: true\n# end\n"),
    # A YAML boolean keeps the case it is written in.
    ("ds_config.yaml", "train_batch_size: 8\nbf16:\n  enabled: False\n", "train_batch_size: 8\nbf16:\n  enabled: True\n"),
    ("ds_config.yaml", "train_batch_size: 8\nfp16: {enabled: false}", "train_batch_size: 8\nfp16: {enabled: false}\nbf16:\n  enabled: true\n"),
]


def test_config_keys_are_set_or_added_in_the_file_style(project):
    for name, before, after in CONFIGS:
        got = _fixed(project, name, before, "--select", "MP006")
        assert got == (before if after is None else after), (name, before)


def test_a_wrong_fixed_example_fails(tmp_path):
    from mlgreenlint import testing
    from mlgreenlint.ruleset import rulebook

    rule = next(r for r in rulebook.load_builtin() if r.id == "MP004")
    example = {"code": 'from accelerate import Accelerator\na = Accelerator(mixed_precision="no")\n',
               "fixed": 'from accelerate import Accelerator\na = Accelerator(mixed_precision="fp16")\n'}
    outcome = testing.run_case(testing.Case(rule, "invalid", 0, example))
    assert not outcome.ok and "other code than `fixed`" in outcome.detail
    good = example | {"fixed": example["code"].replace('"no"', '"bf16"')}
    assert testing.run_case(testing.Case(rule, "invalid", 0, good)).ok


def test_emissions_tracker_wraps_the_training_call_and_imports_once(project):
    text = ("import torch\nfrom codecarbon import EmissionsTracker\n\ndef main():\n"
            "    for x, y in loader:\n        model(x).backward()\n        opt.step()\n\nmain()\n")
    assert _fixed(project, "train.py", text, "--select", "ET001") == (
        "import torch\nfrom codecarbon import EmissionsTracker\n\ndef main():\n    with EmissionsTracker():\n"
        "        for x, y in loader:\n            model(x).backward()\n            opt.step()\n\nmain()\n")


def test_markdown_shows_the_suggested_change_and_sarif_carries_it(no_et):
    import json

    project = no_et
    project.write("train.py", LIGHTNING)
    markdown = project.run("check", "--format", "markdown").output
    assert "Suggested change for line 4 (MP004, applied by <code>--fix --unsafe-fixes</code>)" in markdown
    assert '\n-accelerator = Accelerator(mixed_precision="no")  # keep this comment\n' \
           '+accelerator = Accelerator(mixed_precision="bf16")  # keep this comment\n' in markdown
    sarif = json.loads(project.run("check", "--format", "sarif").output)
    changes = [r["fixes"][0]["artifactChanges"][0] for r in sarif["runs"][0]["results"]]
    replacement = changes[0]["replacements"][0]
    assert changes[0]["artifactLocation"]["uri"] == "train.py"
    assert replacement["insertedContent"]["text"] == '"bf16"' and replacement["deletedRegion"]["startLine"] == 4


def test_fix_with_changed_since_touches_only_changed_lines(no_et, isolated_git):
    from gitrepo import git

    project = no_et
    path = project.write("train.py", LIGHTNING)
    git(project.root, "init", "-q")
    git(project.root, "add", "-A")
    git(project.root, "commit", "-q", "-m", "base")
    path.write_text(LIGHTNING.replace("precision=32", "precision=64"))
    project.run("check", "--fix", "--unsafe-fixes", "--changed-since", "HEAD")
    assert path.read_text() == LIGHTNING.replace("precision=32", 'precision="bf16-mixed"')


def test_a_fix_the_file_encoding_cannot_hold_leaves_it_untouched(project, tmp_path):
    from mlgreenlint import api
    from mlgreenlint.fixes.policy import FixPolicy
    from mlgreenlint.fixes.session import fix_findings
    from mlgreenlint.model import Finding, Fix, Severity
    from mlgreenlint.settings import Settings

    path = project.root / "train.py"
    path.write_bytes(b"# -*- coding: latin-1 -*-\nx = 1\n")
    fix = Fix("euro", (Edit(Span(2, 5, 2, 6), "'\u20ac'"),), safe=True)
    finding = Finding("MP004", "train.py", Span(2, 1, 2, 2), "m", Severity.WARNING, fix)
    job = api.make_job(Settings(root=tmp_path), api.load_rules(Settings(root=tmp_path)))
    [result] = fix_findings([finding], job, FixPolicy(), tmp_path)
    assert "cannot encode" in result.error and path.read_bytes() == b"# -*- coding: latin-1 -*-\nx = 1\n"


def test_standard_input_is_never_fixed(project):
    from click.testing import CliRunner

    from mlgreenlint.cli import main

    project.write("pyproject.toml", '[tool.mlgreenlint]\nfix = true\nunsafe-fixes = true\n')
    result = CliRunner().invoke(main, ["check", "-"], input=LIGHTNING)
    assert result.exit_code == 1 and "MP004" in result.output  # reported, nothing to write
    assert CliRunner().invoke(main, ["check", "--fix", "-"], input=LIGHTNING).exit_code == 2


def test_orbax_options_are_spelt_as_the_file_imports_them(project):
    # The options class is not imported: writing `CheckpointManagerOptions(...)` would be a NameError.
    bare = "from orbax.checkpoint import CheckpointManager\n\nm = CheckpointManager('/ckpt')\n"
    assert _fixed(project, "train.py", bare, "--select", "CK009") == bare
    assert "CK009" in project.run("check", "--select", "CK009", "train.py").output
    # A module alias is used as written.
    nested = "import orbax.checkpoint as ocp\n\nm = ocp.checkpoint_manager.CheckpointManager('/c')\n"
    assert _fixed(project, "train.py", nested, "--select", "CK009") == nested.replace(
        "('/c')", "('/c', options=ocp.checkpoint_manager.CheckpointManagerOptions(max_to_keep=3))")


@pytest.mark.parametrize("before, after", [
    ('"wandb"', '["wandb", "codecarbon"]'),
    ("('wandb', 'tensorboard',)", "('wandb', 'tensorboard', 'codecarbon',)"),
    ("[]", '["codecarbon"]'),
    ("'none'", "'codecarbon'"),
    ('[\n    "wandb",  # charts\n]', '[\n    "wandb",  # charts\n    "codecarbon",\n]'),
    ('[\n    "wandb"\n]', '[\n    "wandb",\n    "codecarbon"\n]'),
    ('(\n    "wandb",\n    "mlflow",\n)', '(\n    "wandb",\n    "mlflow",\n    "codecarbon",\n)'),
])
def test_report_to_gets_codecarbon_in_its_own_spelling(before, after):
    import libcst as cst

    from mlgreenlint.fixes.python_edits import add_string, code

    assert code(add_string(cst.parse_expression(before), "codecarbon")) == after
    assert add_string(cst.parse_expression("REPORT"), "codecarbon") is None
    assert add_string(cst.parse_expression('["wandb", name]'), "codecarbon") is None


def test_keras_policy_needs_a_module_import_to_spell_it(project):
    names_only = ("from keras.models import Sequential\nfrom keras.layers import Dense\n\n"
                  "model = Sequential([Dense(1)])\nmodel.compile(optimizer='adam', loss='mse')\nmodel.fit(x, y)\n")
    assert _fixed(project, "train.py", names_only, "--select", "MP005") == names_only
    assert "MP005" in project.run("check", "--select", "MP005", "train.py").output


def test_every_rule_has_a_fix_or_says_why_not():
    from mlgreenlint.ruleset import rulebook

    rules = [r for r in rulebook.load_builtin() if not r.match.get("tool")]
    missing = [r.id for r in rules if not r.fix and "No automatic fix" not in r.docs.get("fix", "")]
    assert missing == []
    assert not [r.id for r in rules if r.fix and "No automatic fix" in r.docs.get("fix", "")]


def test_a_keyword_added_to_a_call_one_argument_per_line_inside_a_block_keeps_its_indentation(project):
    head = "from transformers import TrainingArguments\n\n"
    before = ("def main():\n    if True:\n        args = TrainingArguments(\n            output_dir='o',\n"
              "            report_to='none',  # quiet\n        )\n")
    after = before.replace("  # quiet\n        )", "  # quiet\n            bf16=True,\n        )")
    assert _fixed(project, "train.py", head + before, "--select", "MP002") == head + after
