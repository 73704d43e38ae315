"""MMEngine / OpenMMLab Python configs: findings land where the deciding key is written, with
the repository's `_base_` files merged in the way `mmengine.Config` merges them.

Each case is a small repository written for the test: {path: text}, the file checked, and
the (rule, line, column) findings expected on it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from mlgreenlint.api import NO_PREFILTER_ENV

SCHEDULE_FP32 = """
    train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)
    optim_wrapper = dict(
        type='OptimWrapper',
        optimizer=dict(type='SGD', lr=0.02, momentum=0.9))
"""
SCHEDULE_AMP = """
    optim_wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16', optimizer=dict(type='AdamW', lr=1e-4))
"""
SCHEDULE_ITERS = """
    optim_wrapper = dict(type='AmpOptimWrapper', optimizer=dict(type='SGD', lr=0.01))
    train_cfg = dict(type='IterBasedTrainLoop', max_iters=80000, val_interval=8000)
    default_hooks = dict(
        timer=dict(type='IterTimerHook'),
        checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=8000))
"""

CASES = [
    # The base that writes the plain wrapper is reported at its type key.
    ("base writes OptimWrapper", {"configs/_base_/schedules/schedule_1x.py": SCHEDULE_FP32},
     "configs/_base_/schedules/schedule_1x.py", [("MP007", 3, 5)]),
    # No file names a type: MMEngine's constructor picks OptimWrapper; reported at the name.
    ("no type anywhere", {"configs/lenet.py": """
        model = dict(type='ImageClassifier', backbone=dict(type='LeNet5'))
        optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01))
        """}, "configs/lenet.py", [("MP007", 2, 1)]),
    # A child extending the base's optim_wrapper: the base carries the finding, once.
    ("child inherits the type", {
        "configs/_base_/schedules/schedule_1x.py": SCHEDULE_FP32,
        "configs/faster_rcnn/frcnn_2x.py": """
            _base_ = ['../_base_/schedules/schedule_1x.py']
            optim_wrapper = dict(optimizer=dict(lr=0.04))
            """}, "configs/faster_rcnn/frcnn_2x.py", []),
    # A child that switches to AMP, and one that writes the plain wrapper again.
    ("child switches to AMP", {
        "configs/_base_/schedules/schedule_1x.py": SCHEDULE_FP32,
        "configs/frcnn_amp.py": """
            _base_ = './_base_/schedules/schedule_1x.py'
            optim_wrapper = dict(type='AmpOptimWrapper', loss_scale='dynamic')
            """}, "configs/frcnn_amp.py", []),
    ("child of an AMP base writes no type", {
        "configs/_base_/schedules/adamw.py": SCHEDULE_AMP,
        "configs/vit.py": """
            _base_ = ['_base_/schedules/adamw.py']
            optim_wrapper = dict(clip_grad=dict(max_norm=1.0))
            """}, "configs/vit.py", []),
    # `_delete_=True` drops the base's AMP wrapper: the child's own dict has no type.
    ("_delete_ replaces the AMP base", {
        "configs/_base_/schedules/adamw.py": SCHEDULE_AMP,
        "configs/vit_sgd.py": """
            _base_ = ['_base_/schedules/adamw.py']
            optim_wrapper = dict(_delete_=True, optimizer=dict(type='SGD', lr=0.1))
            """}, "configs/vit_sgd.py", [("MP007", 2, 1)]),
    # A base of another package (`mmdet::`) may set the type: unknown, silent.
    ("base outside the repository", {"configs/rtm.py": """
        _base_ = 'mmdet::rtmdet/rtmdet_l_8xb32-300e_coco.py'
        optim_wrapper = dict(optimizer=dict(lr=0.004))
        """}, "configs/rtm.py", []),
    # New-style configs: bases imported inside `with read_base():`, types written as classes.
    ("new-style base with the AMP class", {
        "pkg/configs/_base_/schedule.py": """
            from mmengine.optim import AmpOptimWrapper
            optim_wrapper = dict(type=AmpOptimWrapper, optimizer=dict(lr=0.1))
            """,
        "pkg/configs/resnet/r50.py": """
            from mmengine.config import read_base
            with read_base():
                from .._base_.schedule import *
            optim_wrapper.update(dict(clip_grad=None))
            """}, "pkg/configs/resnet/r50.py", []),
    ("new-style plain wrapper class", {"pkg/configs/_base_/schedule.py": """
        from mmengine.optim import OptimWrapper
        from torch.optim import SGD
        optim_wrapper = dict(type=OptimWrapper, optimizer=dict(type=SGD, lr=0.1))
        """}, "pkg/configs/_base_/schedule.py", [("MP007", 3, 22)]),
    # GAN configs build one wrapper per model with their own constructor.
    ("multi-optimizer constructor", {"configs/gan.py": """
        optim_wrapper = dict(
            constructor='MultiOptimWrapperConstructor',
            generator=dict(optimizer=dict(type='Adam', lr=2e-4)),
            discriminator=dict(optimizer=dict(type='Adam', lr=2e-4)))
        """}, "configs/gan.py", []),
    # OpenMMLab names configs that are launched with `--amp` after it.
    ("amp in the file name", {"configs/milan_vit-b_amp-coslr-400e.py": SCHEDULE_FP32},
     "configs/milan_vit-b_amp-coslr-400e.py", []),
    # Code that builds an optim_wrapper dict is not a config.
    ("a module with functions", {"tools/build.py": """
        optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1))

        def build(runner):
            return runner.build_optim_wrapper(optim_wrapper)
        """}, "tools/build.py", []),
    # CK012: a child lowers the interval of its base's iteration-based hook.
    ("child saves every 50 iterations", {
        "configs/_base_/schedules/schedule_80k.py": SCHEDULE_ITERS,
        "configs/seg/fcn.py": """
            _base_ = ['../_base_/schedules/schedule_80k.py']
            default_hooks = dict(checkpoint=dict(interval=50))
            """}, "configs/seg/fcn.py", [("CK012", 2, 38)]),
    # The base alone saves every 8000 iterations: fine.
    ("base saves every 8000 iterations", {"configs/_base_/schedules/schedule_80k.py": SCHEDULE_ITERS},
     "configs/_base_/schedules/schedule_80k.py", []),
    # The interval comes from the base, by_epoch=False from the child: reported at by_epoch.
    ("child turns epochs into iterations", {
        "configs/_base_/rt.py": """
            default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=2))
            """,
        "configs/iter.py": """
            _base_ = '_base_/rt.py'
            default_hooks = dict(checkpoint=dict(by_epoch=False))
            """}, "configs/iter.py", [("CK012", 2, 38)]),
    # MMEngine saves by epoch unless told otherwise: interval=1 is once per epoch.
    ("epoch-based saving", {"configs/rt.py": """
        default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1))
        """}, "configs/rt.py", []),
    # A smoke run no longer than the interval saves only at its end.
    ("short run", {"configs/smoke.py": """
        train_cfg = dict(type='IterBasedTrainLoop', max_iters=20)
        default_hooks = dict(checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=20))
        """}, "configs/smoke.py", []),
    # A later statement may change the hook in a way the reader does not follow.
    ("changed after assignment", {"configs/x.py": """
        default_hooks = dict(checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=10))
        default_hooks['checkpoint']['interval'] = 5000
        """}, "configs/x.py", []),
]


@pytest.mark.parametrize(("files", "target", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_mmengine_configs(project, files, target, expected):
    project.write("pyproject.toml", "[project]\nname = 'demo'\n")  # the repository root
    for rel, text in files.items():
        project.write(rel, textwrap.dedent(text).lstrip("\n"))
    result = project.run("check", target, "--select", "MP007,CK012", "--format", "json")
    findings = json.loads(result.output)
    assert [(f["rule"], f["line"], f["column"]) for f in findings] == expected, result.output


def test_mmengine_messages_name_the_setting(project):
    project.write("pyproject.toml", "[project]\nname = 'demo'\n")
    project.write("configs/_base_/s.py", textwrap.dedent(SCHEDULE_ITERS))
    project.write("configs/c.py", "_base_ = ['_base_/s.py']\ndefault_hooks = dict(checkpoint=dict(interval=10))\n")
    project.write("configs/k.py", "_base_ = ['_base_/s.py']\n"
                                  "default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3))\n")
    findings = json.loads(project.run("check", "configs", "--select", "CK012", "--format", "json").output)
    messages = {f["path"].rsplit("/", 1)[-1]: f["message"] for f in findings}
    assert "every 10 iterations" in messages["c.py"] and "keeps every one" in messages["c.py"]
    assert "every 10 iterations" in messages["k.py"] and "keeps every one" not in messages["k.py"]


# A config only source-only checks may fire on is linted without libcst ----------------------------
_PROBE = """
import sys
from mlgreenlint.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("\\nLIBCST", "libcst" in sys.modules)
"""


def _check(project, *args: str, prefilter: bool = True) -> tuple[list[dict], bool]:
    """Findings (as JSON) of a CLI run in a fresh process, and whether it imported libcst."""
    env = {k: v for k, v in os.environ.items() if k != NO_PREFILTER_ENV}
    if not prefilter:
        env[NO_PREFILTER_ENV] = "1"  # no screen: every rule through the libcst analysis
    proc = subprocess.run([sys.executable, "-c", _PROBE, "check", "--no-cache", "--format", "json", *args],
                          cwd=project.root, env=env, capture_output=True, text=True, check=True)
    report, _, imported = proc.stdout.rpartition("\nLIBCST ")
    return json.loads(report), imported.strip() == "True"


@pytest.mark.parametrize(("files", "target"), [c[1:3] for c in CASES], ids=[c[0] for c in CASES])
def test_mmengine_findings_are_those_of_the_libcst_pipeline(project, files, target):
    project.write("pyproject.toml", "[project]\nname = 'demo'\n")
    for rel, text in files.items():
        project.write(rel, textwrap.dedent(text).lstrip("\n"))
    args = (".", "--select", "MP007,CK012")
    findings, _ = _check(project, *args)
    assert findings == _check(project, *args, prefilter=False)[0]  # fingerprints and spans included


def test_a_config_is_linted_without_libcst_and_keeps_suppressions_and_baseline(project):
    project.write("pyproject.toml", "[project]\nname = 'demo'\n")
    project.write("configs/_base_/s.py", textwrap.dedent(SCHEDULE_FP32))
    project.write("configs/c.py", "_base_ = ['_base_/s.py']\n"
                                  "default_hooks = dict(checkpoint=dict(by_epoch=False, interval=10))\n")
    findings, libcst = _check(project, "configs")
    assert [(f["path"], f["rule"]) for f in findings] == [("configs/_base_/s.py", "MP007"), ("configs/c.py", "CK012")]
    assert not libcst
    project.write("configs/c.py", "_base_ = ['_base_/s.py']\n"
                                  "default_hooks = dict(checkpoint=dict(by_epoch=False, interval=10))"
                                  "  # mlgreenlint: ignore[CK012]\n")
    findings, libcst = _check(project, "configs")
    assert [f["rule"] for f in findings] == ["MP007"] and not libcst
    project.run("check", "configs", "--write-baseline", "baseline.json")
    assert _check(project, "configs", "--baseline", "baseline.json") == ([], False)


def test_a_config_that_also_calls_a_trainer_is_parsed_with_libcst(project):
    """MP007's Composer pattern may fire too: the analysis decides, and both findings come."""
    project.write("pyproject.toml", "[project]\nname = 'demo'\n")
    project.write("configs/x.py", textwrap.dedent(SCHEDULE_FP32) + "import composer\n"
                                  "composer.Trainer(model=model, precision='fp32')\n")
    findings, libcst = _check(project, "configs", "--select", "MP007")
    assert [(f["rule"], f["line"]) for f in findings] == [("MP007", 3), ("MP007", 6)] and libcst
