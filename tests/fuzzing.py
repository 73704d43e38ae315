"""Hypothesis strategies for fuzzing the engine: ML-flavoured Python programs and config documents.

Shared by tests/test_fuzz.py (a bounded, derandomized run in CI) and
benchmarks/fuzz_long.py (the long run recorded in benchmarks/FUZZ.md).
"""

from __future__ import annotations

import json

import yaml
from hypothesis import strategies as st

from mlgreenlint.engine.driver import Job, lint_bytes
from mlgreenlint.model import FileResult
from mlgreenlint.ruleset import rulebook
from mlgreenlint.ruleset.selection import ActiveRule

RULES = rulebook.load_builtin()


def job(*, prefilter: bool = True) -> Job:
    """Every built-in rule, default options; without the prefilter every rule sees every file."""
    active = [ActiveRule(r, r.severity, r.option_defaults()) for r in RULES]
    return Job(rules=active, known_ids={r.id for r in RULES}, prefilter=prefilter, timeout=None)


def lint_twice(path: str, data: bytes, j: Job) -> FileResult:
    """Lint `data` twice; fail on a GL004 (a crash the guard caught) or on different output."""
    first = lint_bytes(path, data, j)
    second = lint_bytes(path, data, j)
    crashes = [f.message for f in first.findings if f.rule == "GL004"]
    assert not crashes, f"{path}: {crashes}"
    assert first.findings == second.findings, f"{path}: output differs between two runs"
    assert first.notes == second.notes
    return first


# --- Python programs that reach the rules ----------------------------------------------------

IMPORTS = [
    "import torch", "import torch.nn as nn", "from torch.cuda.amp import autocast, GradScaler",
    "from lightning.pytorch import Trainer", "import pytorch_lightning as pl", "import lightning as L",
    "from lightning.fabric import Fabric", "from transformers import Trainer as HFTrainer, TrainingArguments",
    "from accelerate import Accelerator", "import tensorflow as tf", "from tensorflow import keras",
    "from codecarbon import EmissionsTracker, track_emissions", "import deepspeed", "import os",
    "from lightning.pytorch.callbacks import ModelCheckpoint", "import orbax.checkpoint as ocp",
]
NAMES = st.sampled_from(["model", "args", "cfg", "x", "loader", "opt", "trainer", "acc", "i", "step", "epoch", "kw"])
LITERALS = st.sampled_from([
    "32", "16", "64", "'32'", "'bf16'", "'bf16-mixed'", "'16-mixed'", "'32-true'", "'fp16'", "'no'", "None", "True",
    "False", "1", "0", "-1", "500", "1e9", "[]", "{}", "'auto'", "'cpu'", "'gpu'", "'deepspeed'", "...", "'\\x00'",
    "os.environ['P']", "args.precision", "f'{x}'", "lambda: 0", "(1, 2)", "{'enabled': False}",
])
CALLEES = st.sampled_from([
    "Trainer", "pl.Trainer", "L.Trainer", "Fabric", "HFTrainer", "TrainingArguments", "Accelerator",
    "torch.save", "torch.autocast", "autocast", "keras.mixed_precision.set_global_policy", "tf.keras.Model.fit",
    "ModelCheckpoint", "keras.callbacks.ModelCheckpoint", "ocp.CheckpointManager", "tf.train.CheckpointManager",
    "deepspeed.initialize", "EmissionsTracker", "model.fit", "trainer.fit", "acc.save_state", "dict", "f",
])
KEYWORDS = st.sampled_from([
    "precision", "fp16", "bf16", "mixed_precision", "save_steps", "save_strategy", "save_total_limit",
    "every_n_train_steps", "save_top_k", "save_freq", "max_to_keep", "max_steps", "max_epochs", "accelerator",
    "strategy", "plugins", "devices", "config", "save_on_each_node", "filepath", "callbacks", "output_dir",
])


@st.composite
def call(draw) -> str:
    args = []
    for _ in range(draw(st.integers(0, 3))):
        args.append(f"{draw(KEYWORDS)}={draw(st.one_of(LITERALS, NAMES))}")
    if draw(st.booleans()) and draw(st.integers(0, 4)) == 0:
        args.append(f"**{draw(NAMES)}")
    if draw(st.integers(0, 5)) == 0:
        args.insert(0, draw(NAMES))
    return f"{draw(CALLEES)}({', '.join(args)})"


@st.composite
def statement(draw, depth: int = 0) -> list[str]:
    kind = draw(st.integers(0, 9 if depth < 3 else 4))
    if kind == 0:
        return [f"{draw(NAMES)} = {draw(call())}"]
    if kind == 1:
        return [draw(call())]
    if kind == 2:
        return [f"{draw(NAMES)}.{draw(st.sampled_from(['backward', 'step', 'zero_grad', 'fit', 'stop', 'start']))}()"]
    if kind == 3:
        return [f"{draw(NAMES)} = {draw(LITERALS)}"]
    if kind == 4:
        return [f"torch.save({draw(NAMES)}, f'ckpt_{{step}}.pt')"]
    body = [line for _ in range(draw(st.integers(1, 4))) for line in draw(statement(depth + 1))]
    indented = ["    " + line for line in body]
    if kind == 5:
        return [f"for {draw(NAMES)} in {draw(st.sampled_from(['loader', 'range(10)', 'enumerate(loader)', 'x']))}:", *indented]
    if kind == 6:
        cond = draw(st.sampled_from(["step % 100 == 0", "is_best", "i == len(loader) - 1", "rank == 0", "x", "time.time() > t"]))
        return [f"if {cond}:", *indented]
    if kind == 7:
        return [f"def {draw(st.sampled_from(['train', 'step', 'main', 'fit', 'g']))}({draw(NAMES)}):", *indented]
    if kind == 8:
        manager = draw(st.sampled_from(["torch.autocast('cuda')", "autocast()", "EmissionsTracker()", "open(x)"]))
        return [f"with {manager}:", *indented]
    return ["class M(pl.LightningModule):", *indented]


@st.composite
def ml_program(draw) -> str:
    lines = draw(st.lists(st.sampled_from(IMPORTS), min_size=1, max_size=5, unique=True))
    for _ in range(draw(st.integers(1, 8))):
        lines.extend(draw(statement()))
    if draw(st.booleans()):
        lines.append("if __name__ == '__main__':")
        lines.append(f"    {draw(st.sampled_from(['main()', 'train(model)', 'trainer.fit(model)']))}")
    if draw(st.integers(0, 4)) == 0:  # a suppression comment, possibly for an unknown code
        lines[-1] += f"  # noqa: {draw(st.sampled_from(['MP003', 'XX999', 'GL', 'ALL', 'MP']))}"
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(lines) + newline


# --- config documents ------------------------------------------------------------------------

CONFIG_KEYS = st.sampled_from([
    "fp16", "bf16", "enabled", "mixed_precision", "_target_", "trainer", "precision", "resources", "accelerators",
    "zero_optimization", "stage", "train_batch_size", "train_micro_batch_size_per_gpu", "save_steps", "callbacks",
    "class_path", "init_args", "distributed_type", "num_processes", "compute_environment", "defaults",
    "every_n_train_steps", "save_top_k", "cloud", "region", "instance_type", "setup", "run", "name", "<<",
])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["no", "fp16", "bf16", "32", "16-mixed", "lightning.pytorch.Trainer", "auto", "A100:8", "???",
                     "${trainer.precision}", "torch.float32", "", "yes", "on", "~"]),
    st.text(max_size=12),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(CONFIG_KEYS, children, max_size=5)),
    max_leaves=25,
)
DOCUMENTS = st.dictionaries(CONFIG_KEYS, VALUES, min_size=1, max_size=6)
CONFIG_NAMES = {
    "json": ["ds_config.json", "deepspeed/zero2.json", "config.json", "package.json"],
    "yaml": ["accelerate_config.yaml", "conf/trainer/default.yaml", "sky.yaml", "config.yaml", "cluster.yaml",
             "x.dstack.yml", "values.yaml"],
    "toml": ["config.toml", "pyproject.toml", "train.toml"],
}


def _toml_key(key: str) -> str:
    return json.dumps(key)


def _toml_value(value) -> str:
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if abs(value) < 2**63 else json.dumps(str(value))
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"


def dump(doc: dict, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(doc, indent=2)
    if fmt == "yaml":
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    return "".join(f"{_toml_key(k)} = {_toml_value(v)}\n" for k, v in doc.items())


@st.composite
def config_file(draw) -> tuple[str, bytes]:
    """A config file name and its bytes: a valid document, sometimes damaged."""
    fmt = draw(st.sampled_from(sorted(CONFIG_NAMES)))
    name = draw(st.sampled_from(CONFIG_NAMES[fmt]))
    text = dump(draw(DOCUMENTS), fmt)
    damage = draw(st.integers(0, 5))
    if damage == 1:  # truncated
        text = text[: draw(st.integers(0, len(text)))]
    elif damage == 2:  # a foreign fragment spliced in
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(["{{ .Values.x }}", "{% if x %}", "&a", "*a", "<<: *a", "]", "\t",
                                                 "\ufeff", "\x00", "!!python/object:os.system", "---\n", "..."])) + text[at:]
    elif damage == 3:  # repeated (duplicate keys, several YAML documents)
        text = text + ("---\n" if fmt == "yaml" else "") + text
    return name, text.encode("utf-8", "surrogatepass")
