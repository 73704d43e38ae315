"""Launch command scanning: what ties a script to its configs and flags, and what stays unknown."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mlgreenlint.repository import launch

FILES = {"train.py", "src/pkg/main.py", "configs/acc.yaml", "configs/args.json", "ds.json", "scripts/local.py"}


def resolve(written: str, folder: str):
    written = written.removeprefix("./")
    for candidate in ([f"{folder}/{written}"] if folder else []) + [written, f"src/{written}"]:
        if candidate in FILES:
            return candidate
    return None


def one(text: str, rel: str = "run.sh") -> launch.Launch:
    found = launch.scan(rel, text, resolve)
    assert len(found) == 1, found
    return found[0]


def test_accelerate_launch_with_config_flags_and_variables():
    got = one("CFG=configs/acc.yaml\naccelerate launch --config_file $CFG --num_processes 2 train.py --lr 1e-4 --bf16\n")
    assert (got.launcher, got.script, got.source) == ("accelerate", "train.py", "run.sh:2")
    assert got.config("accelerate").path == "configs/acc.yaml" and got.config("accelerate").found
    assert got.flags == {"lr": "1e-4", "bf16": "true"}


def test_single_arguments_file_and_explicit_false():
    got = one("python train.py configs/args.json --fp16 false\n")
    assert got.config("args").path == "configs/args.json"
    assert got.flag("fp16") == "false"


def test_deepspeed_torchrun_modules_and_continuations():
    assert one("deepspeed --num_gpus 8 train.py --deepspeed ds.json\n").config("deepspeed").path == "ds.json"
    assert one("torchrun --nproc_per_node=4 \\\n   train.py \\\n   --save_total_limit 3\n").flags == {"save_total_limit": "3"}
    assert one("CUDA_VISIBLE_DEVICES=0 python -u -m pkg.main --config configs/acc.yaml\n").script == "src/pkg/main.py"
    assert one("python -m torch.distributed.run --nproc_per_node 2 train.py\n").launcher == "torchrun"


def test_wrappers_dockerfile_yaml_and_make():
    assert one("codecarbon monitor -- python train.py\n").wrapper == "codecarbon"
    assert one('CMD ["python", "train.py", "--fp16"]\n', "Dockerfile").flags == {"fp16": "true"}
    assert one("jobs:\n  t:\n    steps:\n      - run: accelerate launch --mixed_precision no train.py\n", "ci.yml").flag("mixed_precision") == "no"
    assert one("train:\n\tpython train.py --report_to codecarbon\n", "Makefile").flag("report_to") == "codecarbon"


def test_paths_relative_to_the_launch_file_folder():
    assert one("python local.py\n", "scripts/run.sh").script == "scripts/local.py"


def test_unknown_scripts_and_configs():
    assert launch.scan("run.sh", "python missing.py\npython $SCRIPT\necho python\n", resolve) == []
    got = one("accelerate launch --config_file ~/acc.yaml train.py\n")
    assert got.config("accelerate").found is False


def test_comments_are_not_commands():
    assert launch.scan("run.sh", "# python train.py --bf16\n", resolve) == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("python accelerate launch deepspeed torchrun train.py --bf16 -m \\ \n\"'$={}[]#;&|:-\0")), max_size=200))
def test_scanning_never_fails(text):
    for found in launch.scan("run.sh", text, resolve):
        assert found.script in FILES


def test_wrapper_options_before_the_double_dash():
    got = one("codecarbon monitor --offline --country-iso-code SWE -- python train.py --epochs 3\n")
    assert (got.wrapper, got.script) == ("codecarbon", "train.py")
    assert one("perun monitor train.py\n").wrapper == "perun"


def test_deepspeed_config_as_a_launcher_option():
    got = one("deepspeed --deepspeed_config ds.json --num_gpus 2 train.py --epochs 1\n")
    assert (got.launcher, got.config("deepspeed").path) == ("deepspeed", "ds.json")
