"""NeMo 2.0 in Python: nl.Trainer and its precision plugin, NeMo's ModelCheckpoint, built-in
recipes and NeMo-Run launches, each with the traps a NeMo user's scripts hold."""

from __future__ import annotations

from tests.repo_helpers import builtin, found, lint, write_repo


def _run(tmp_path, files: dict[str, str], *rule_ids: str):
    return lint(write_repo(tmp_path, files), [builtin(r) for r in rule_ids])


LAUNCH = '''
    import nemo_run as run
    import torch
    from nemo import lightning as nl
    from nemo.collections import llm
    from nemo.collections.llm.recipes.precision.mixed_precision import bf16_mixed, fp16_mixed

    def megatron():
        return run.Config(nl.MegatronStrategy, tensor_model_parallel_size=4)

    def build(kind):
        if kind == "fp32":
            plugins = run.Config(nl.MegatronMixedPrecision, precision="fp32", params_dtype=torch.float32)
        elif kind == "half":
            plugins = fp16_mixed()
        else:
            plugins = bf16_mixed()
        no_plugin = run.Config(nl.Trainer, devices=8, max_steps=20000, strategy=run.Config(nl.MegatronStrategy))
        chosen = run.Config(nl.Trainer, devices=8, strategy=megatron(), plugins=plugins)
        on_cpu = nl.Trainer(accelerator="cpu", strategy=nl.MegatronStrategy(), max_steps=10)
        half = nl.Trainer(devices=2, strategy=nl.MegatronStrategy(), precision="bf16-mixed")
        return run.Partial(llm.pretrain, trainer=no_plugin)

    if __name__ == "__main__":
        run.run(build("fp32"), executor=run.LocalExecutor())
'''


def test_nemo_trainer_without_a_plugin_and_an_fp32_plugin_are_reported(tmp_path):
    run = _run(tmp_path, {"pretrain.py": LAUNCH}, "MP003")
    # The fp32 plugin and the Trainer with a MegatronStrategy and no plugin. Traps: the
    # strategy from a local factory is unknown (the plugin decides anyway), a CPU trainer,
    # a bf16 precision on the Trainer, and the recipe plugins bf16_mixed() / fp16_mixed().
    assert found(run) == [("pretrain.py", 12), ("pretrain.py", 17)]
    assert "precision='fp32'" in run.findings[0].message
    assert "MegatronStrategy" in run.findings[1].message


def test_nemo_precision_outside_a_training_file_is_not_judged(tmp_path):
    # The same Trainers in a module that only defines recipes: MP003 is scoped to training files.
    library = LAUNCH.split("    if __name__")[0]
    assert found(_run(tmp_path, {"recipes/mine.py": library}, "MP003")) == []


def test_built_in_recipes_are_bf16_already(tmp_path):
    run = _run(tmp_path, {"finetune.py": '''
        import nemo_run as run
        from nemo.collections import llm

        recipe = llm.llama3_8b.finetune_recipe(name="ft", dir="/ckpt", num_nodes=1, num_gpus_per_node=8)
        recipe.trainer.max_steps = 2000
        run.run(recipe, executor=run.LocalExecutor(ntasks_per_node=8))
    '''}, "MP003", "ET001")
    # Only the missing tracker: the recipe's own trainer carries plugins=bf16_mixed().
    assert [(f.rule, f.span.line) for f in run.findings] == [("ET001", 6)]


def test_nemo_checkpoint_interval_and_retention(tmp_path):
    run = _run(tmp_path, {"ckpt.py": '''
        import nemo_run as run
        from nemo import lightning as nl
        from nemo.lightning.pytorch.callbacks import ModelCheckpoint

        often = run.Config(nl.ModelCheckpoint, every_n_train_steps=25, save_top_k=-1)
        forever = ModelCheckpoint("val_loss", True, True, -1, every_n_train_steps=2000)
        # Traps: NeMo's default keeps 3; keep-all on a time interval; a NeMoLogger keyword.
        kept = nl.ModelCheckpoint(every_n_train_steps=2000)
        timed = nl.ModelCheckpoint(save_top_k=-1, train_time_interval=run.Config(dict))
        logger = nl.NeMoLogger(every_n_train_steps=10)
    '''}, "CK004", "CK005")
    assert [(f.rule, f.span.line) for f in run.findings] == [
        ("CK004", 5), ("CK005", 5), ("CK005", 6)]


def test_nemo_launches_are_training_entry_points(tmp_path):
    run = _run(tmp_path, {
        "direct.py": '''
            from nemo.collections.llm import finetune
            from nemo import lightning as nl

            finetune(model=m, data=d, trainer=nl.Trainer(devices=1))
        ''',
        # `llm.train` is a method-shaped call named like a trainer's train().
        "api.py": '''
            from nemo.collections import llm

            def main(trainer):
                llm.train(model=m, data=d, trainer=trainer)

            if __name__ == "__main__":
                main(None)
        ''',
        "cli.py": '''
            import nemo_run as run
            from nemo.collections import llm

            if __name__ == "__main__":
                run.cli.main(llm.pretrain, default_factory=my_recipe)
        ''',
        "experiment.py": '''
            import nemo_run as run
            from nemo.collections.llm.recipes import llama3_8b

            def go(executor):
                recipe = llama3_8b.pretrain_recipe(num_nodes=2, num_gpus_per_node=8)
                with run.Experiment("llama") as exp:
                    exp.add(recipe, executor=executor)
                    exp.run(sequential=True)

            if __name__ == "__main__":
                go(run.SlurmExecutor(account="a"))
        ''',
        # Traps: a dry run, a script that prints a recipe, a task of another NeMo function,
        # a recipe only configured (run.Partial of llm.pretrain is not a call of it).
        "dry.py": '''
            import nemo_run as run
            from nemo.collections import llm

            recipe = llm.llama3_8b.pretrain_recipe()
            run.run(recipe, run.LocalExecutor(), None, "x", True)
        ''',
        "show.py": '''
            from nemo.collections import llm

            print(llm.llama3_8b.pretrain_recipe())
        ''',
        "evaluate.py": '''
            import nemo_run as run
            from nemo.collections import llm

            run.run(run.Partial(llm.evaluate, nemo_checkpoint="ckpt"), executor=run.LocalExecutor())
        ''',
        "configured.py": '''
            import nemo_run as run
            from nemo.collections import llm

            task = run.Partial(llm.pretrain, model=m, data=d)
        ''',
    }, "ET001")
    assert found(run) == [("api.py", 4), ("cli.py", 5), ("direct.py", 4), ("experiment.py", 8)]
    by_path = {f.path.rsplit("/", 1)[-1]: f for f in run.findings}
    # A tracker around a launch would measure the launcher, not a Slurm job: no fix there.
    assert by_path["experiment.py"].fix is None and by_path["direct.py"].fix is not None


def test_a_callback_that_starts_a_tracker_counts(tmp_path):
    run = _run(tmp_path, {"train.py": '''
        import lightning.pytorch as pl
        import nemo_run as run
        from codecarbon import EmissionsTracker
        from nemo.collections import llm

        class Carbon(pl.Callback):
            def on_train_start(self, trainer, module):
                self.tracker = EmissionsTracker()
                self.tracker.start()

            def on_train_end(self, trainer, module):
                self.tracker.stop()

        recipe = llm.llama3_8b.pretrain_recipe()
        recipe.trainer.callbacks.append(run.Config(Carbon))
        run.run(recipe, executor=run.LocalExecutor())
    '''}, "ET001")
    assert found(run) == []


def test_recipe_fields_set_by_assignment(tmp_path):
    run = _run(tmp_path, {"custom.py": '''
        import nemo_run as run
        from nemo.collections import llm
        from nemo.collections.llm.recipes import llama3_8b

        def fast(size):
            if size == "8b":
                recipe = llama3_8b.pretrain_recipe(num_nodes=1)
            else:
                recipe = llm.llama3_70b.pretrain_recipe(num_nodes=8)
            recipe.log.ckpt.every_n_train_steps = 25
            recipe.log.ckpt.save_top_k = -1
            recipe.trainer.plugins.precision = "32-true"
            return recipe

        def traps(args, other):
            ft = llm.llama3_8b.finetune_recipe(name="ft")
            ft.log.ckpt.every_n_train_steps = args.every   # from the command line
            ft.log.ckpt.save_top_k = -1                     # every_n_train_steps unknown
            ft.trainer.plugins.precision = "bf16-mixed"
            ft.trainer.max_steps = 10                       # not a checkpoint or precision field
            other.log.ckpt.every_n_train_steps = 5          # not a recipe
            twice = llm.llama3_8b.pretrain_recipe()
            twice.log.ckpt.every_n_train_steps = 10
            twice.log.ckpt.every_n_train_steps = 5000      # flow-insensitive: unknown
            return ft

        if __name__ == "__main__":
            run.run(fast("8b"), executor=run.LocalExecutor())
    '''}, "CK004", "CK005", "MP003")
    assert [(f.rule, f.span.line) for f in run.findings] == [("CK004", 10), ("CK005", 11), ("MP003", 12)]
    # The finding points at the assigned value.
    assert [f.span.column for f in run.findings] == [43, 34, 40]


def test_the_screen_keeps_nemo_launches_and_drops_other_mains():
    import ast

    from mlgreenlint.python.sketch import sketch
    from mlgreenlint.python.sketch_training import may_train

    def trains(code: str) -> bool:
        return may_train(sketch(ast.parse(code), "m"))

    # A NeMo 1.x example: imports NeMo and calls its own main(); nothing NeMo 2.0 trains there.
    assert not trains("from nemo.core.config import hydra_runner\ndef main(cfg): pass\nmain(None)\n")
    # An Experiment entered with `with ... as`: the sketch cannot follow `exp`, the analysis can.
    assert trains("import nemo_run as run\nwith run.Experiment('x') as exp:\n    exp.run()\n")
    assert trains("from nemo.collections import llm\nllm.finetune(model=m)\n")
