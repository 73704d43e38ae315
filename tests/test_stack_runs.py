"""Traps met in the real-repository runs of docs/coverage-runs.md, rewritten as small configs:
each was a false finding before its fix, and must stay silent."""

from __future__ import annotations

import json
import textwrap

from mlgreenlint.configs.classify import classify
from mlgreenlint.configs.document import parse

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
