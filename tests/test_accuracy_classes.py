"""Issue 14's classes of misses and false alarms, each as a small repository with its traps."""

from __future__ import annotations

from tests.repo_helpers import builtin, found, lint, write_repo


def _run(tmp_path, files: dict[str, str], *rule_ids: str, paths=None):
    root = write_repo(tmp_path, files)
    return lint(root, [builtin(r) for r in rule_ids], [root / p for p in paths] if paths else None)


def test_keras_templated_checkpoint_under_a_directory_from_a_flag(tmp_path):
    run = _run(tmp_path, {"source/train.py": '''
        import os
        import tensorflow.compat.v2 as tf
        from tensorflow.keras.callbacks import ModelCheckpoint

        def main(args):
            callbacks = []
            if args.rank == 0:
                callbacks.append(ModelCheckpoint(args.model_dir + "/epoch-{epoch:02d}.h5"))
            callbacks.append(tf.keras.callbacks.ModelCheckpoint(os.path.join(args.model_dir, "w-{epoch}")))
            # Traps: a fixed name under the flag's folder, a whole path from the flag, best-only saves.
            callbacks.append(ModelCheckpoint(args.model_dir + "/latest.h5"))
            callbacks.append(ModelCheckpoint(args.checkpoint_path))
            callbacks.append(ModelCheckpoint(args.model_dir + "/b-{epoch}.h5", save_best_only=True))
    '''}, "CK007")
    assert found(run) == [("source/train.py", 8), ("source/train.py", 9)]
    assert "'…/epoch-{epoch:02d}.h5'" in run.findings[0].message


def test_nemo_run_recipe_defers_a_frequent_checkpoint_callback(tmp_path):
    run = _run(tmp_path, {"recipes/small.py": '''
        import fiddle as fdl
        import nemo_run as run
        from nemo import lightning as nl
        from lightning.pytorch.callbacks import ModelCheckpoint
        from omegaconf import OmegaConf as other

        def pretrain_recipe(dir=None, every=1000):
            ckpt = run.Config(nl.ModelCheckpoint, every_n_train_steps=20, dirpath=dir)
            plain = fdl.Partial(ModelCheckpoint, every_n_train_steps=8)
            # Traps: a recipe-level interval, a large one, another Config that defers nothing.
            late = run.Config(nl.ModelCheckpoint, every_n_train_steps=every)
            big = run.Config(nl.ModelCheckpoint, every_n_train_steps=5000)
            cfg = other.create(nl.ModelCheckpoint, every_n_train_steps=10)
            return run.Config(nl.Trainer, callbacks=[ckpt, plain, late, big])
    '''}, "CK004")
    assert found(run) == [("recipes/small.py", 8), ("recipes/small.py", 9)]


def test_a_run_of_at_most_two_intervals_saves_once_before_its_end(tmp_path):
    nanotron = '''
        checkpoints:
          checkpoints_path: ckpt
          checkpoint_interval: 10
        general:
          project: p
        parallelism:
          dp: 1
        tokens:
          train_steps: {steps}
    '''
    run = _run(tmp_path, {
        "examples/short.yaml": nanotron.format(steps=20),
        "examples/long.yaml": nanotron.format(steps=21),
        "train.py": '''
            from transformers import TrainingArguments
            short = TrainingArguments(output_dir="o", save_steps=50, max_steps=100)
            long = TrainingArguments(output_dir="o", save_steps=50, max_steps=101)
        ''',
    }, "CK002", "CK012")
    assert found(run) == [("examples/long.yaml", 3), ("train.py", 3)]


TUTORIAL = '''
    import lightning.pytorch as pl
    import torch

    class OnlineProbe(pl.Callback):
        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
            loss = pl_module.probe(batch)
            loss.backward()
            self.optimizer.step()

    probe = OnlineProbe()
    trainer = pl.Trainer(max_epochs=5, accelerator="gpu", callbacks=[probe])
    {fit}
'''


def test_training_commented_out_trains_nothing(tmp_path):
    # The callback's hooks run only inside trainer.fit: with the fit commented out nothing trains.
    run = _run(tmp_path, {
        "off.py": TUTORIAL.format(fit="# trainer.fit(model, loader)"),
        "on.py": TUTORIAL.format(fit="trainer.fit(model, loader)"),
    }, "MP003", "ET001")
    assert found(run) == [("on.py", 11), ("on.py", 12)]


def test_monorepo_projects_use_their_own_pins_and_helpers(tmp_path):
    script = '''
        from trl import SFTConfig, SFTTrainer
        from utils.carbon import start_tracking

        tracker = start_tracking()
        config = SFTConfig(output_dir="out", per_device_train_batch_size=4)
        SFTTrainer(model="m", args=config, train_dataset=ds).train()
        tracker.stop()
    '''
    carbon = '''
        from codecarbon import EmissionsTracker

        def start_tracking():
            tracker = EmissionsTracker()
            tracker.start()
            return tracker
    '''
    run = _run(tmp_path, {
        "requirements.txt": "trl>=0.20\n",
        # Its own project pins an old TRL (bf16 off by default) and holds the tracker helper.
        "projects/old/requirements.txt": "trl==0.18.1\n",
        "projects/old/src/train.py": script,
        "projects/old/src/utils/carbon.py": carbon,
        # Traps: a project without pins falls back to the repository's; no helper module here.
        "projects/new/train.py": script,
        "projects/new/README.md": "no project files",
    }, "MP002", "ET001", paths=["projects/old/src/train.py", "projects/new/train.py"])
    assert found(run, "MP002") == [("projects/old/src/train.py", 5)]
    assert "projects/old/requirements.txt" in next(f.message for f in run.findings if f.rule == "MP002")
    assert found(run, "ET001") == [("projects/new/train.py", 6)]


def test_values_through_a_local_dataclass(tmp_path):
    run = _run(tmp_path, {"train.py": '''
        from dataclasses import dataclass, field
        import lightning.pytorch as pl
        from transformers import Trainer, TrainingArguments

        @dataclass
        class Config:
            accelerator: str = "auto"
            cpu_only: str = "cpu"
            max_epochs: int = 3

        @dataclass
        class FrequentArgs(TrainingArguments):
            save_steps: int = 10
            bf16: bool = True

        @dataclass
        class SparseArgs(TrainingArguments):
            save_steps: int = field(default=2000)
            bf16: bool = True

        class NotADataclass(TrainingArguments):
            save_steps = 10  # the parent's __init__ sets save_steps=500 over this class attribute

        config = Config()
        changed = Config()
        changed.accelerator = "cpu"
        pl.Trainer(accelerator=config.accelerator, max_epochs=config.max_epochs).fit(model)
        # Traps: a field the call overrides, an instance the file changes, the CPU field.
        pl.Trainer(accelerator=changed.accelerator, max_epochs=1).fit(model)
        pl.Trainer(accelerator=Config(accelerator="cpu").accelerator, max_epochs=1).fit(model)
        pl.Trainer(accelerator=config.cpu_only, max_epochs=1).fit(model)
        frequent = FrequentArgs(output_dir="o")
        explicit = FrequentArgs(output_dir="o", save_steps=1000)
        sparse = SparseArgs(output_dir="o")
        plain = NotADataclass(output_dir="o", bf16=True)
        Trainer(model=model, args=frequent).train()
    '''}, "MP003", "CK002")
    assert found(run, "MP003") == [("train.py", 27)]
    assert found(run, "CK002") == [("train.py", 32)]


HF_FP32 = '''
    from transformers import Trainer, TrainingArguments
    args = TrainingArguments(output_dir="out", fp16=False, num_train_epochs=2)
    Trainer(model=model, args=args, train_dataset=ds).train()
'''
LAUNCHER = '''
    from sagemaker.huggingface import HuggingFace
    job = HuggingFace(entry_point="train.py", source_dir=".", instance_type={instance}, role=role)
    job.fit({{"train": "s3://bucket/data"}})
'''


def test_cpu_only_projects_are_not_told_to_lower_precision(tmp_path):
    run = _run(tmp_path, {
        "cpu_wheels/requirements.txt": "--extra-index-url https://download.pytorch.org/whl/cpu\ntorch==2.3.0\n",
        "cpu_wheels/train.py": HF_FP32,
        "cpu_job/train.py": HF_FP32,
        "cpu_job/launch.py": LAUNCHER.format(instance='"ml.m5.xlarge"'),
        # Traps: a GPU instance, an instance type from a variable, a CPU variant next to the
        # real requirements, a CPU Dockerfile, a launcher for another script.
        "gpu_job/train.py": HF_FP32,
        "gpu_job/launch.py": LAUNCHER.format(instance='"ml.g5.2xlarge"'),
        "any_job/train.py": HF_FP32,
        "any_job/launch.py": LAUNCHER.format(instance="instance"),
        "variant/requirements.txt": "torch==2.3.0\n",
        "variant/requirements-cpu.txt": "torch==2.3.0+cpu\n",
        "variant/Dockerfile": "RUN pip install torch --index-url https://download.pytorch.org/whl/cpu\n",
        "variant/train.py": HF_FP32,
        "other/train.py": HF_FP32,
        "other/launch.py": LAUNCHER.replace("train.py", "evaluate.py").format(instance='"ml.t3.medium"'),
    }, "MP002")
    assert found(run) == [("any_job/train.py", 2), ("gpu_job/train.py", 2), ("other/train.py", 2), ("variant/train.py", 2)]


def test_training_through_a_repository_class_loop_from_main(tmp_path):
    loop = '''
        class TrainLoop:
            def __init__(self, model, data):
                self.model, self.data = model, data

            def run_loop(self):
                for batch in self.data:
                    self.run_step(batch)

            def run_step(self, batch):
                self.forward_backward(batch)

            def forward_backward(self, batch):
                {body}
    '''
    script = '''
        from pkg.{module} import TrainLoop

        def main():
            TrainLoop(model=build(), data=load()).run_loop()

        if __name__ == "__main__":
            main()
    '''
    run = _run(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/train_util.py": loop.format(body="self.model(batch).loss.backward()"),
        # Trap: the same loop shape that only evaluates.
        "pkg/eval_util.py": loop.format(body="self.model(batch)"),
        "scripts/train.py": script.format(module="train_util"),
        "scripts/evaluate.py": script.format(module="eval_util"),
    }, "ET001", paths=["scripts"])
    assert found(run) == [("scripts/train.py", 4)]


def test_a_same_file_helper_that_saves_every_time_it_runs(tmp_path):
    run = _run(tmp_path, {"train.py": '''
        import torch

        def save_ckpt(model, path):
            torch.save(model.state_dict(), path)

        def maybe_save(model, step):
            if step % 1000 == 0:
                torch.save(model.state_dict(), "periodic.pt")

        def train_step(model, batch, opt):
            model(batch).backward()
            opt.step()
            torch.save(model.state_dict(), "in_step.pt")

        def train(model, loader, opt):
            for step, batch in enumerate(loader):
                train_step(model, batch, opt)
                save_ckpt(model, "last.pt")
                # Traps: the helper guards itself, the call is guarded here, the final save.
                maybe_save(model, step)
                if step % 500 == 0:
                    save_ckpt(model, "every500.pt")
            save_ckpt(model, "final.pt")

        if __name__ == "__main__":
            train(build(), load(), make_opt())
    '''}, "CK001")
    # The save in the step function runs every step too: reported where the loop calls it.
    assert found(run) == [("train.py", 17), ("train.py", 18)]
    assert all("in this file" in f.message for f in run.findings)


def test_a_tracker_imported_but_commented_out_is_not_tracking(tmp_path):
    script = '''
        from codecarbon import EmissionsTracker

        def main():
            {start}
            for batch in loader:
                model(batch).backward()
                optimizer.step()
            {stop}

        if __name__ == "__main__":
            main()
    '''
    run = _run(tmp_path, {
        "off.py": script.format(start="# tracker = EmissionsTracker(); tracker.start()", stop="# tracker.stop()"),
        "on.py": script.format(start="tracker = EmissionsTracker(); tracker.start()", stop="tracker.stop()"),
    }, "ET001")
    assert found(run) == [("off.py", 6)]


def test_report_to_chosen_by_a_conditional_expression(tmp_path):
    script = '''
        from transformers import Trainer, TrainingArguments

        def train(wandb_project=""):
            use_wandb = len(wandb_project) > 0
            args = TrainingArguments(output_dir="out", bf16=True, report_to={report_to})
            Trainer(model=model, args=args, train_dataset=ds).train()

        if __name__ == "__main__":
            train()
    '''
    run = _run(tmp_path, {
        "plain.py": script.format(report_to='"wandb" if use_wandb else "none"'),
        # Trap: one branch reports to codecarbon, so the run may be tracked.
        "tracked.py": script.format(report_to='"wandb" if use_wandb else "codecarbon"'),
    }, "ET001")
    assert found(run) == [("plain.py", 6)]


def test_launch_commands_resolve_scripts_from_their_project_folder(tmp_path):
    script = '''
        from accelerate import Accelerator

        accelerator = Accelerator()
        model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
        for batch in loader:
            accelerator.backward(model(batch).loss)
            optimizer.step()
    '''
    run = _run(tmp_path, {
        # Run from the project folder: `cd projects/a && bash scripts/train.sh`.
        "projects/a/requirements.txt": "accelerate\n",
        "projects/a/train.py": script,
        "projects/a/scripts/train.sh": "accelerate launch --mixed_precision no train.py\n",
    }, "MP004")
    assert found(run) == [("projects/a/train.py", 3)]
    assert "projects/a/scripts/train.sh:1 launches it with --mixed_precision no" in run.findings[0].message
