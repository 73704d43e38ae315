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
