"""The words the analysis judges training code by, held once for the `ast` screen and the
libcst analysis alike (no parser imported here).

A screen may only drop a rule when the analysis could not fire it, so both sides must read
the same names: a pattern edited here reaches both.
"""

from __future__ import annotations

import re

#: Loop headers worth asking repository helpers about (`for batch in loader`, `while step < n`).
DATA_LOOP = re.compile(r"batch|load|data|epoch|step|sample|train|iter|\bdl\b|\bds\b|range", re.I)
#: Names of trainers, whose `.fit()`/`.train()` trains.
TRAINER_NAME = re.compile(r"trainer$", re.I)
#: Names of optimizers and gradient scalers, whose `.step()` is a training step.
OPTIMIZER_NAME = re.compile(r"(^|[._])(optim|optimi[sz]er|opt|scaler)s?$", re.I)
#: A `.step()` on anything under this module is an optimizer (or scheduler) step.
OPTIMIZER_MODULE = "torch.optim."
#: Methods that are a training step: a backward pass on anything, `step` on an optimizer.
BACKWARD = "backward"
STEP = "step"
#: Methods that train on a trainer (or a compiled Keras model: `fit`).
FIT_METHODS = frozenset({"fit", "train"})
#: MMEngine runner classes (constructors); their `model=` decides what `train()` steps.
MMENGINE_RUNNER = re.compile(r"mmengine\.runner(\.\w+)?\.(Runner|FlexibleRunner)")
#: Classes (and factories) whose `.train()` runs a whole training rather than switching an
#: `nn.Module` to training mode: Ultralytics models (`engine/model.py`: `Model.train` builds
#: the task's trainer and runs it) and MMEngine runners (`Runner.train` runs its train loop;
#: `Runner.from_cfg` returns a Runner).
TRAINING_CLASS = re.compile(
    rf"ultralytics(\.models(\.\w+)*)?\.(YOLO|RTDETR|YOLOWorld|YOLOE)|(?:{MMENGINE_RUNNER.pattern})(\.from_cfg)?")
#: `runner.train()` in a file that uses MMEngine: OpenMMLab's `tools/train.py` binds `runner`
#: to `Runner.from_cfg(cfg)` or to its own registry's `RUNNERS.build(cfg)`.
RUNNER_NAME = re.compile(r"(^|\.)runner$", re.I)
RUNNER_ROOTS = frozenset({"mmengine"})
#: `nn.Module` methods that return the module itself: `YOLO(...).cuda().train()` trains the
#: YOLO model, so name resolution looks through these calls in a chain.
SELF_RETURNING = frozenset({"to", "cuda", "cpu", "xpu", "half", "float", "double", "bfloat16",
                            "requires_grad_", "share_memory"})
#: A Keras model is fitted after `compile` in a file that uses one of these packages.
KERAS_FIT = "fit"
KERAS_COMPILE = "compile"
KERAS_ROOTS = frozenset({"keras", "tensorflow"})
#: Functions whose call computes gradients (JAX trains through them).
GRAD_CALLS = ("jax.grad", "jax.value_and_grad")
#: Framework hooks called once per training step (Lightning, HF Trainer subclasses).
STEP_HOOKS = frozenset({"training_step"})

#: Callback classes of training frameworks: their hooks run only inside a trainer's fit, which
#: is itself a training call, so a backward pass in a hook does not make a file train.
CALLBACK_BASES = (
    "lightning.pytorch.Callback", "lightning.pytorch.callbacks.Callback", "lightning.pytorch.callbacks.callback.Callback",
    "keras.callbacks.Callback", "transformers.TrainerCallback", "transformers.trainer_callback.TrainerCallback",
)

#: Argument parsers whose script takes its training arguments from the command line.
HF_PARSERS = ("transformers.HfArgumentParser", "trl.TrlParser")
#: `accelerate.Accelerator()`: its precision may come from `accelerate launch`.
ACCELERATORS = ("accelerate.Accelerator",)

#: Deferred calls (NeMo-Run / Fiddle): `run.Config(Cls, k=v)` builds `Cls(k=v)` when the recipe
#: runs, so rules judge it as that call.
DEFERRED_CALLS = ("nemo_run.Config", "nemo_run.Partial", "fiddle.Config", "fiddle.Partial")

#: NeMo 2.0 API functions that train when called: each ends in `trainer.fit` or in `train(...)`
#: (nemo/collections/llm/api.py, nemo/collections/speechlm/api.py).
NEMO_TRAIN_CALLS = (
    "nemo.collections.llm.train", "nemo.collections.llm.pretrain", "nemo.collections.llm.finetune",
    "nemo.collections.llm.distill",
    "nemo.collections.llm.api.train", "nemo.collections.llm.api.pretrain", "nemo.collections.llm.api.finetune",
    "nemo.collections.llm.api.distill",
    "nemo.collections.speechlm.train", "nemo.collections.speechlm.pretrain", "nemo.collections.speechlm.finetune",
    "nemo.collections.speechlm.api.train", "nemo.collections.speechlm.api.pretrain", "nemo.collections.speechlm.api.finetune",
)
#: NeMo 2.0 recipe factories: a `run.Partial` of one of those functions.
NEMO_RECIPES = ("nemo.collections.*.pretrain_recipe", "nemo.collections.*.finetune_recipe")
#: The configured object a recipe holds at a field path, so `recipe.log.ckpt.every_n_train_steps = 10`
#: sets a keyword of the `nl.ModelCheckpoint` the recipe builds (`default_log`, `default_finetune_log`;
#: `bf16_mixed()` / `fp16_mixed()` in every built-in recipe that sets a precision plugin).
NEMO_RECIPE_FIELDS = {
    ("log", "ckpt"): "nemo.lightning.ModelCheckpoint",
    ("trainer", "plugins"): "nemo.lightning.MegatronMixedPrecision",
}
#: NeMo-Run calls that run a configured task, in the process or on an executor: `run.run(task)`,
#: an Experiment's `run()`, and `run.cli.main(fn)`, which runs `fn` as a command line.
NEMO_RUN_TASK = "nemo_run.run"
NEMO_RUN_EXPERIMENT = "nemo_run.Experiment.run"
NEMO_RUN_CLI = "nemo_run.cli.main"
#: What the screen knows of all these: their last names, in a file that imports NeMo or NeMo-Run.
NEMO_ROOTS = frozenset({"nemo", "nemo_run"})
NEMO_LAST_NAMES = frozenset(n.rsplit(".", 1)[-1] for n in (*NEMO_TRAIN_CALLS, NEMO_RUN_TASK, NEMO_RUN_EXPERIMENT, NEMO_RUN_CLI))

#: Environment variables: the mapping, the calls that set one, and the bulk update.
ENVIRON = "os.environ"
ENV_SETTERS = ("os.environ.setdefault", "os.environ.__setitem__", "os.putenv")
ENV_UPDATE = "os.environ.update"


def last(qualname: str) -> str:
    """The last name of a qualified name: what a call is written with at the least."""
    return qualname.rsplit(".", 1)[-1]
