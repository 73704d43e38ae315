"""Traps met in the real-repository runs of docs/coverage-runs.md, rewritten as small configs:
each was a false finding before its fix, and must stay silent."""

from __future__ import annotations

import json
import textwrap

import pytest

from mlgreenlint import magics
from mlgreenlint.configs.classify import classify
from mlgreenlint.configs.document import parse
from mlgreenlint.engine.driver import lint_text
from tests.notebook_helpers import HF_CELLS, cell, job, notebook

# A custom torchtune recipe's config: `output_dir`, `gradient_accumulation_steps` and its own
# `save_steps` look like TrainingArguments keys, but the recipe reads `dtype`.
TORCHTUNE_CUSTOM = """
    output_dir: /runs/cpt
    model:
      _component_: torchtune.models.llama3_2.llama3_2_1b
    optimizer:
      _component_: torch.optim.AdamW
      lr: 2e-5
    batch_size: 4
    gradient_accumulation_steps: 16
    epochs: 5
    learning_rate: 2e-5
    save_steps: 500
    eval_steps: 500
    dtype: bf16
    """


def silent(project, path: str, text: str, rules: str) -> None:
    project.write(path, text)
    result = project.run("check", path, "--select", rules, "--format", "json")
    assert json.loads(result.output) == [], result.output


def test_torchtune_config_with_trainer_like_keys_is_not_a_training_arguments_file(project):
    assert classify("configs/cpt.yaml", parse(textwrap.dedent(TORCHTUNE_CUSTOM), "yaml")) == {"torchtune"}
    silent(project, "configs/cpt.yaml", TORCHTUNE_CUSTOM, "MP002,CK002,CK003")


def test_torchtune_validation_config_in_fp32_trains_nothing(project):
    silent(project, "configs/validate.yaml", """
        checkpointer:
          _component_: torchtune.training.FullModelHFCheckpointer
          checkpoint_dir: /runs/cpt/step-2000
          model_type: LLAMA3_2
        loss:
          _component_: torchtune.modules.loss.CEWithChunkedOutputLoss
        batch_size: 8
        device: cuda
        dtype: fp32
        """, "MP007")


def test_torchtune_training_config_in_fp32_is_still_reported(project):
    project.write("configs/cpt.yaml", TORCHTUNE_CUSTOM.replace("dtype: bf16", "dtype: fp32"))
    result = project.run("check", "configs/cpt.yaml", "--select", "MP007,MP002", "--format", "json")
    assert [(f["rule"], f["line"]) for f in json.loads(result.output)] == [("MP007", 13)]


# Notebook cells of one line that IPython runs as magics without `%` (automagic): a Microsoft MLOps
# template lists a folder with `ls "/tmp/train"`, an Oumi tutorial installs with `pip install -U ...`.
@pytest.mark.parametrize(("line", "shell"), [
    ('ls "/tmp/train" ', []),
    ("pip install -U -q matplotlib\n", [(0, "pip install -U -q matplotlib")]),
    ("cd data/raw\n", []),
])
def test_one_line_automagic_cell_is_masked(line, shell):
    masked = magics.mask([line])
    assert masked.lines[0].strip() == "pass" and masked.shell == shell


@pytest.mark.parametrize("lines", [
    ["pwd\n"],  # Python as written: a name
    ["time = 3\n"],
    ["import os\n", "pip install peft\n"],  # not one line: IPython 8 runs no automagic there
])
def test_python_and_multi_line_cells_are_left_as_written(lines):
    assert magics.mask(lines).lines == lines


def test_automagic_cell_is_no_parse_error_but_a_broken_multi_line_cell_is():
    training = [cell(c) for c in HF_CELLS]

    def parse_errors(*cells: dict) -> list[str]:
        return [f.rule for f in lint_text("nb.ipynb", notebook(*cells), job()).findings if f.rule == "GL001"]

    assert parse_errors(*training, cell("pip install -U -q matplotlib\n")) == []
    assert parse_errors(*training, cell("import os\npip install -U -q matplotlib\n")) == ["GL001"]


def test_template_named_like_an_ml_config_is_no_parse_error(project):
    """Kueue's Helm chart holds `templates/rbac/raycluster_editor_role.yaml`: named like a Ray
    cluster file, but a template that is YAML only once Helm renders it."""
    project.write("charts/kueue/templates/rbac/raycluster_editor_role.yaml", """
        {{- /* Copyright notice */ -}}
        {{- if .Values.enableRay }}
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        {{- end }}
        """)
    project.write("cluster/ray_cluster.yaml", "cluster_name: [unclosed\n")
    result = project.run("check", ".", "--select", "GL001,RG002", "--format", "json")
    assert [(f["rule"], f["path"]) for f in json.loads(result.output)] == [("GL001", "cluster/ray_cluster.yaml")]
