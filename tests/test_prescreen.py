"""The `ast` screen before libcst: it skips files no rule can fire on, and never drops a finding.

Each case is written so that a rule fires only through what pattern matching on the text
cannot see (an alias, a local subclass, an instance, a helper in another module); the case
passes only when the screen keeps the file and the findings equal those of a run without it.
"""

from __future__ import annotations

import dataclasses
import textwrap

import libcst
import pytest
from repo_helpers import write_repo

from mlgreenlint import api
from mlgreenlint.engine import driver
from mlgreenlint.engine.driver import Job
from mlgreenlint.match import names
from mlgreenlint.python import screen, vocabulary
from mlgreenlint.ruleset import rulebook
from mlgreenlint.ruleset.selection import ActiveRule
from mlgreenlint.settings import Settings

RULES = rulebook.load_builtin()


def _job(prefilter: bool) -> Job:
    return Job(rules=[ActiveRule(r, r.severity, r.option_defaults()) for r in RULES],
               known_ids={r.id for r in RULES}, prefilter=prefilter)


def _run(root, prefilter: bool) -> list[tuple[str, str, int]]:
    run = api.lint_paths([root], Settings(root=root), cwd=root, job=_job(prefilter))
    return sorted((f.rule, f.path, f.span.line) for f in run.findings)


LOOP = """
import torch
{imports}
model = model.cuda()
for step, batch in enumerate(loader):
    loss = model(batch)
    loss.backward()
    optimizer.step()
    {call}
"""

HF_SCRIPT = """
    from trl import SFTConfig, SFTTrainer, TrlParser

    def main(training_args):
        trainer = SFTTrainer(model="gpt2", args=training_args)
        trainer.train()

    if __name__ == "__main__":
        (training_args,) = TrlParser((SFTConfig,)).parse_args_and_config()
        main(training_args)
"""

CASES = {
    "alias-of-a-class": ("MP003", {"train.py": """
        import lightning.pytorch as pl
        T = pl.Trainer
        trainer = T(precision=32)
        trainer.fit(model)
    """}),
    "import-as": ("MP004", {"train.py": """
        from accelerate import Accelerator as Acc
        accelerator = Acc(mixed_precision="no")
    """}),
    "local-subclass-chain": ("CK003", {"train.py": """
        from transformers import TrainingArguments as TA
        class Base(TA):
            pass
        class Mine(Base):
            pass
        args = Mine(output_dir="out", save_steps=1000)
    """}),
    "instance-method-in-the-loop": ("CK001", {"train.py": LOOP.format(
        imports="from accelerate import Accelerator\nacc = Accelerator(mixed_precision='bf16')",
        call="acc.save_state('ckpt')")}),
    "save-through-a-renamed-function": ("CK001", {"train.py": LOOP.format(
        imports="keep = torch.save", call="keep(model.state_dict(), 'ckpt.pt')")}),
    # The token prefilter still asks for one of the rule's tokens in the file ("step(", "save").
    "step-in-a-repository-helper": ("CK001", {
        "utils/__init__.py": "",
        "utils/steps.py": """
            def train_step(model, batch, optimizer):
                loss = model(batch)
                loss.backward()
                optimizer.step()
        """,
        "train.py": """
            import torch
            from utils.steps import train_step
            for batch in loader:
                train_step(model, batch, optimizer)
                torch.save(model.state_dict(), "ckpt.pt")
        """}),
    "save-in-a-repository-helper": ("CK001", {
        "utils/__init__.py": "",
        "utils/io.py": """
            import torch

            def save_now(model):
                torch.save(model.state_dict(), "latest.pt")
        """,
        "train.py": LOOP.format(imports="from utils.io import save_now", call="save_now(model)")}),
    "fit-through-a-factory": ("ET001", {"train.py": """
        import lightning as L
        def make():
            return L.Trainer(precision="bf16-mixed")
        if __name__ == "__main__":
            trainer = make()
            trainer.fit(model)
    """}),
    "environment-name-in-a-constant": ("CW002", {"train.py": """
        import os
        BLOCKING = "CUDA_LAUNCH_BLOCKING"
        os.environ[BLOCKING] = "1"
        loss.backward()
    """}),
    "keras-fit": ("MP005", {"train.py": """
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, y, epochs=3)
    """}),
    "trl-config-before-0.19": ("MP002", {"requirements.txt": "trl==0.18.2\n", "train.py": """
        from trl import SFTConfig
        args = SFTConfig(output_dir="out")
    """}),
    "keyword-in-a-mapping": ("MP002", {"train.py": """
        from trl import SFTConfig
        precision = {"bf16": False}
        args = SFTConfig(output_dir="out", **precision)
    """}),
    # Tokens found missing on real repositories (a thin script; a loop that only steps).
    "a-script-that-trains-only-through-a-helper": ("ET001", {
        "utils/__init__.py": "",
        "utils/fitting.py": """
            def run_training(model, loader, optimizer):
                for batch in loader:
                    model(batch).loss.backward()
                    optimizer.step()
        """,
        "train.py": """
            from utils.fitting import run_training

            if __name__ == "__main__":
                run_training(model, loader, optimizer)
        """}),
    "a-loop-with-an-optimizer-step-only": ("MP001", {"train.py": """
        model = model.cuda()
        for batch in loader:
            loss = model(batch)
            optimizer.step()
    """}),
    "an-hf-script-its-launch-runs-without-a-tracker": ("ET001", {
        "run.sh": "python train.py --output_dir out --report_to none\n",
        "train.py": HF_SCRIPT}),
    "decorator-and-class-body-calls": ("MP004", {"train.py": """
        from accelerate import Accelerator
        class Job:
            accelerator = Accelerator(mixed_precision="no")
    """}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_screen_keeps_what_only_resolution_shows(tmp_path, name):
    rule_id, files = CASES[name]
    root = write_repo(tmp_path, files)
    screened = _run(root, prefilter=True)
    assert rule_id in {rule for rule, _, _ in screened}, screened
    assert screened == _run(root, prefilter=False)


SKIPPED = {
    "docstring-only": '''
        """Example:

            trainer = Trainer(model, args=TrainingArguments(output_dir="out"))
            loss.backward(); torch.save(model, "x.pt")
        """
        from transformers import Trainer, TrainingArguments
    ''',
    "parameters-named-like-apis": """
        def build(Trainer, TrainingArguments):
            return Trainer(args=TrainingArguments())
    """,
    "a-loop-that-never-steps": """
        import torch
        for shard in shards:
            torch.save(shard, "shard.pt")
        scheduler.step()
    """,
    "trl-config-with-its-bf16-default": """
        from trl import ModelConfig
        config = ModelConfig(model_name_or_path="gpt2")
    """,
    "other-libraries-configs": """
        from peft import LoraConfig  # for trl
        config = LoraConfig(r=8)
    """,
}


@pytest.mark.parametrize("name", sorted(SKIPPED))
def test_files_no_rule_can_fire_on_are_not_parsed_with_libcst(name, monkeypatch):
    code = textwrap.dedent(SKIPPED[name])
    job = _job(prefilter=True)
    assert driver.python_rules("train.py", code, job), "the token prefilter alone would parse it"
    assert driver.lint_text("train.py", code, dataclasses.replace(job, prefilter=False)).findings == []
    parses = []
    monkeypatch.setattr(libcst, "parse_module", lambda *a, **k: parses.append(1))
    assert driver.lint_text("train.py", code, job).findings == []
    assert parses == []


def test_a_file_cpython_rejects_goes_to_libcst_for_its_message():
    code = "from transformers import TrainingArguments\nargs = TrainingArguments(output_dir='x'\n"
    assert screen.parse(code) is None
    result = driver.lint_text("train.py", code, _job(prefilter=True))
    assert [f.rule for f in result.findings] == ["GL001"]


@pytest.mark.parametrize(("pattern", "glob"), [
    ("transformers.TrainingArguments", "TrainingArguments"),
    ("trl.*Config", "*Config"),
    ("keras.*.save", "save"),
    ("orbax.checkpoint.*Checkpointer.save", "save"),
    ("foo.bar*", "*"),
    ("foo.ba?", "*"),
])
def test_last_name_globs(pattern, glob):
    assert names.last_glob(pattern) == glob


def test_renamed_reexports_keep_their_old_last_name():
    # lightning.pytorch.lite.LightningLite is the canonical lightning.fabric.Fabric
    assert "LightningLite" in names.patterns(("lightning.fabric.Fabric",)).last_globs


def test_check_screens_name_the_checks_own_callees():
    from mlgreenlint.checks import CHECK_SCREENS, CHECKS, by_launch

    assert by_launch.PARSER == vocabulary.HF_PARSERS
    assert by_launch.ACCELERATOR == vocabulary.ACCELERATORS
    assert set(CHECK_SCREENS) == set(CHECKS)


def test_a_loop_header_keyword_makes_a_data_loop():
    """libcst counts keyword names among a header's names (`for x in chunks(batch_size=8)`)."""
    tree = screen.parse("for x in chunks(batch_size=8):\n    pass\n")
    sketch = screen.sketch(tree, "m")
    assert list(sketch.loop_headers.values()) == [True]
