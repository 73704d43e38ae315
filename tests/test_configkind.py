from __future__ import annotations

import textwrap

import pytest

from mlgreenlint.configs.classify import (
    KINDS,
    classify,
    could_be_ml_config,
    iter_target_nodes,
    kinds_by_name,
    sniff_kinds,
    target_kwargs,
)
from mlgreenlint.configs.document import ConfigError, format_of, parse


def load(path: str, text: str):
    return parse(textwrap.dedent(text), format_of(path))


# Each case: (path, text, expected kinds). Written for these tests, in the shape the
# catalogue describes for each tool.
RECOGNISED = [
    ("configs/ds_config.json", """
        {"train_batch_size": 64, "fp16": {"enabled": true}}
     """, {"deepspeed"}),
    ("training/settings.json", """
        {
          "train_micro_batch_size_per_gpu": "auto",
          "gradient_accumulation_steps": "auto",
          "zero_optimization": {"stage": 3, "overlap_comm": true},
          "bf16": {"enabled": "auto"}
        }
     """, {"deepspeed"}),
    ("cfg/offload.json", """
        {"fp16": {"enabled": false}, "steps_per_print": 100, "gradient_clipping": 1.0}
     """, {"deepspeed"}),
    ("zero3_offload.json", '{"zero_optimization": {"stage": 3}}', {"deepspeed"}),
    ("accelerate/default_config.yaml", """
        compute_environment: LOCAL_MACHINE
        distributed_type: MULTI_GPU
        mixed_precision: fp16
        num_processes: 4
     """, {"accelerate"}),
    ("recipes/accelerate_configs/deepspeed_zero3.yaml", """
        compute_environment: LOCAL_MACHINE
        deepspeed_config:
          zero_stage: 3
          zero3_init_flag: true
        distributed_type: DEEPSPEED
        mixed_precision: bf16
     """, {"accelerate"}),
    ("launch/two_nodes.yaml", """
        distributed_type: FSDP
        num_processes: 16
        num_machines: 2
     """, {"accelerate"}),
    ("configs/fit.yaml", """
        seed_everything: 7
        trainer:
          accelerator: gpu
          devices: 4
          max_epochs: 30
          callbacks:
            - class_path: lightning.pytorch.callbacks.ModelCheckpoint
              init_args: {save_top_k: -1}
        model:
          class_path: mypkg.models.Classifier
          init_args: {lr: 0.01}
     """, {"lightning-cli"}),
    ("cli/subcommand.yaml", """
        fit:
          trainer:
            precision: bf16-mixed
            max_steps: 1000
     """, {"lightning-cli"}),
    ("configs/model/mnist.yaml", """
        _target_: mypkg.models.MNISTLitModule
        optimizer:
          _target_: torch.optim.Adam
          _partial_: true
          lr: 0.001
        net:
          _target_: mypkg.nets.SimpleDense
          hidden: 64
     """, {"hydra"}),
    ("configs/experiment/big.yaml", """
        defaults:
          - override /trainer: gpu
        trainer:
          _target_: lightning.pytorch.Trainer
          precision: 32
          max_epochs: 100
     """, {"hydra"}),
    ("conf/nemo_style.yaml", """
        trainer:
          devices: 8
          precision: 16
          max_steps: 50000
        model:
          optim:
            name: adamw
          tokenizer:
            _target_: mypkg.tokenizers.Bpe
     """, {"lightning-cli", "hydra"}),
    ("recipes/configs/llama/lora_single.yaml", """
        model:
          _component_: torchtune.models.llama3_2.lora_llama3_2_1b
          lora_rank: 8
        optimizer:
          _component_: torch.optim.AdamW
          lr: 3.0e-4
        dtype: fp32
     """, {"torchtune"}),
    ("args/sft.json", """
        {"output_dir": "out", "per_device_train_batch_size": 8, "learning_rate": 2e-5,
         "num_train_epochs": 3}
     """, {"hf-args"}),
    ("examples/train_lora/llama3_lora_sft.yaml", """
        model_name_or_path: some/model
        stage: sft
        finetuning_type: lora
        output_dir: saves/llama3/lora
        per_device_train_batch_size: 1
        gradient_accumulation_steps: 8
        learning_rate: 1.0e-4
        num_train_epochs: 3.0
        save_steps: 500
     """, {"llama-factory"}),
    ("recipes/zephyr/sft/config_full.yaml", """
        model_name_or_path: base/model
        torch_dtype: bfloat16
        bf16: true
        do_eval: true
        eval_strategy: epoch
        learning_rate: 2.0e-05
        max_steps: -1
        output_dir: data/zephyr-sft-full
        save_strategy: "steps"
        save_total_limit: 1
     """, {"hf-args"}),
    ("jobs/finetune.yaml", """
        name: finetune
        resources:
          accelerators: H100:8
          infra: aws
        setup: pip install -r requirements.txt
        run: python train.py
     """, {"skypilot"}),
    ("jobs/serve.yaml", """
        resources:
          cloud: gcp
          region: europe-west4
          cpus: 8+
        num_nodes: 2
        run: python serve.py
     """, {"skypilot"}),
    ("sky.yaml", """
        run: |
          python train.py --bf16
     """, {"skypilot"}),
    ("pipeline/sky_pipeline.yaml", """
        name: pipeline
        ---
        name: train
        resources:
          any_of:
            - infra: gcp/europe-north1
            - infra: gcp/northamerica-northeast1
        run: python train.py
        ---
        name: eval
        resources: {use_spot: true}
        run: python eval.py
     """, {"skypilot"}),
    ("infra/cluster.yaml", """
        cluster_name: research
        max_workers: 4
        provider:
          type: aws
          region: us-east-1
        available_node_types:
          head:
            node_config: {InstanceType: m5.2xlarge}
            resources: {}
        head_node_type: head
     """, {"ray-cluster"}),
    ("infra/minimal.yaml", """
        cluster_name: tiny
        provider:
          type: gcp
          region: us-west1
          project_id: my-project
     """, {"ray-cluster"}),
    (".dstack.yml", """
        type: task
        name: train
        python: "3.11"
        commands:
          - python train.py
        resources:
          gpu: 24GB
     """, {"dstack"}),
    ("examples/fine-tuning/train.dstack.yml", """
        type: service
        model: my-model
        port: 8000
     """, {"dstack"}),
    ("deploy/finetune.yml", """
        type: task
        image: pytorch/pytorch
        commands: [python train.py]
        regions: [eu-north-1]
        resources: {gpu: 80GB}
     """, {"dstack"}),
    (".dstack/profiles.yml", """
        profiles:
          - name: default
            backends: [aws]
     """, {"dstack"}),
]


SILENT = [
    (".github/workflows/train.yml", """
        on: [push]
        jobs:
          train:
            runs-on: ubuntu-latest
            steps:
              - run: python train.py --fp16 --output_dir out
     """),
    ("ci/workflow.yml", """
        name: nightly
        on:
          schedule: [{cron: "0 0 * * *"}]
        jobs:
          gpu:
            steps: [{run: "python -m trainer --per_device_train_batch_size 8"}]
     """),
    ("k8s/trainer.yaml", """
        apiVersion: batch/v1
        kind: Job
        metadata: {name: trainer}
        spec:
          template:
            spec:
              containers:
                - name: trainer
                  image: repo/trainer
                  resources:
                    limits: {nvidia.com/gpu: 8}
     """),
    ("k8s/raycluster.yaml", """
        apiVersion: ray.io/v1
        kind: RayCluster
        metadata: {name: raycluster}
        spec:
          headGroupSpec: {rayStartParams: {}}
     """),
    ("k8s/multi.yaml", """
        apiVersion: v1
        kind: Service
        metadata: {name: a}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: b}
     """),
    ("docker-compose.yml", """
        services:
          trainer:
            image: trainer:latest
            deploy:
              resources:
                reservations:
                  devices: [{driver: nvidia, count: 1, capabilities: [gpu]}]
     """),
    ("deploy/stack.yaml", """
        version: "3.9"
        services:
          trainer: {image: t, command: python train.py --output_dir o}
     """),
    ("pyproject.toml", """
        [project]
        name = "trainer"
        dependencies = ["torch"]
        [tool.pytest.ini_options]
        addopts = "-q"
     """),
    ("package.json", """
        {"name": "site", "version": "1.0.0", "scripts": {"build": "vite build"},
         "dependencies": {"vite": "^5"}}
     """),
    (".pre-commit-config.yaml", """
        repos:
          - repo: https://github.com/astral-sh/ruff-pre-commit
            rev: v0.6.0
            hooks: [{id: ruff}]
     """),
    ("hooks.yaml", """
        repos:
          - repo: local
            hooks: [{id: check, name: check, entry: mlgreenlint, language: python}]
     """),
    ("mkdocs.yml", """
        site_name: Trainer docs
        nav: [{Home: index.md}]
        theme: {name: material}
     """),
    ("environment.yml", """
        name: trainer
        channels: [conda-forge]
        dependencies: [python=3.11, pytorch]
     """),
    ("codecov.yml", """
        coverage:
          status: {project: {default: {target: 80%}}}
     """),
    (".github/dependabot.yml", """
        version: 2
        updates: [{package-ecosystem: pip, directory: /, schedule: {interval: weekly}}]
     """),
    ("charts/trainer/Chart.yaml", """
        apiVersion: v2
        name: trainer
        version: 0.1.0
     """),
    ("charts/trainer/values.yaml", """
        image: {repository: trainer, tag: latest}
        resources:
          limits: {cpu: 4, memory: 16Gi}
          requests: {cpu: 2}
        trainer: {replicas: 2}
     """),
    ("deploy/overrides.yaml", """
        replicaCount: 1
        resources:
          limits: {cpu: 4, memory: 16Gi}
        provider: {name: aws, region: us-east-1}
     """),
    ("models/bert/config.json", """
        {"architectures": ["BertModel"], "hidden_size": 768, "torch_dtype": "float32",
         "num_attention_heads": 12}
     """),
    ("models/bert/tokenizer_config.json", '{"do_lower_case": true, "model_max_length": 512}'),
    ("configs/app.json", """
        {"train_batch_size": 32, "optimizer": "adam", "gradient_accumulation_steps": 2}
     """),
    ("results/zero_shot.json", '{"accuracy": 0.71, "train_batch_size": 8}'),
    ("serverless.yml", """
        service: api
        provider: {name: aws, runtime: python3.11, region: us-east-1}
        functions: {hello: {handler: handler.hello}}
     """),
    ("configs/runner.yaml", """
        trainer:
          type: EpochBasedRunner
          epochs: 12
     """),
    ("ops/service.yaml", """
        type: service
        name: api
        port: 80
     """),
    ("configs/data.yaml", """
        output_dir: data/processed
        learning_rate: 0.1
     """),
    ("openapi.json", '{"openapi": "3.0.0", "paths": {}, "info": {"title": "x", "version": "1"}}'),
    ("Cargo.toml", '[package]\nname = "x"\nversion = "0.1.0"\n'),
    ("labels/classes.json", '{"cat": 0, "dog": 1}'),
]


@pytest.mark.parametrize(("path", "text", "expected"), RECOGNISED, ids=[c[0] for c in RECOGNISED])
def test_recognised_configs(path, text, expected):
    assert expected <= set(KINDS)
    assert classify(path, load(path, text)) == expected


@pytest.mark.parametrize(("path", "text"), SILENT, ids=[c[0] for c in SILENT])
def test_other_structured_files_are_silent(path, text):
    assert classify(path, load(path, text)) == set()


@pytest.mark.parametrize(("path", "text", "expected"), RECOGNISED, ids=[c[0] for c in RECOGNISED])
def test_precheck_never_skips_a_recognised_config(path, text, expected):
    assert could_be_ml_config(path, textwrap.dedent(text).encode())


@pytest.mark.parametrize(
    ("path", "head", "expected"),
    [
        ("pyproject.toml", b"[tool.x]\ntrainer = 1\n", False),
        (".github/workflows/ci.yml", b"jobs: {t: {steps: [{run: python train.py --fp16}]}}",
         False),
        ("package.json", b'{"name": "trainer"}', False),
        ("labels/classes.json", b'{"cat": 0, "dog": 1}', False),
        ("data/annotations.yaml", b"- image: a.png\n  box: [1, 2, 3, 4]\n", False),
        ("train.py", b"_target_", False),
        ("ds_config.json", b"{}", True),
        ("configs/x.yaml", b"model:\n  _target_: a.B\n", True),
    ],
)
def test_could_be_ml_config(path, head, expected):
    assert could_be_ml_config(path, head) is expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("ds_config.json", {"deepspeed"}),
        ("configs/ds_z3_offload.json", {"deepspeed"}),
        ("deepspeed_zero2.json", {"deepspeed"}),
        ("zero2.json", {"deepspeed"}),
        ("configs/zero_stage3_config.json", {"deepspeed"}),
        ("llama_zero3.json", {"deepspeed"}),
        ("deepspeed/custom.json", {"deepspeed"}),
        ("zero_shot.json", set()),
        ("dsl.json", set()),
        ("ds_config.yaml", set()),
        ("accelerate_config.yaml", {"accelerate"}),
        ("configs/accelerate/default_config.yaml", {"accelerate"}),
        ("recipes/accelerate_configs/fsdp.yaml", {"accelerate"}),
        ("default_config.yaml", set()),
        ("sky.yaml", {"skypilot"}),
        ("sky-train.yml", {"skypilot"}),
        ("jobs/train.sky.yaml", {"skypilot"}),
        ("skypilot/task.yaml", {"skypilot"}),
        ("skyline.yaml", set()),
        (".sky/config.yaml", set()),
        ("ray-cluster.yaml", {"ray-cluster"}),
        ("infra/ray_cluster_gpu.yaml", {"ray-cluster"}),
        (".dstack.yml", {"dstack"}),
        ("train.dstack.yml", {"dstack"}),
        (".dstack/profiles.yml", {"dstack"}),
        ("config.yaml", set()),
        ("pyproject.toml", set()),
        (".github/workflows/sky.yaml", set()),
        ("README.md", set()),
    ],
)
def test_kinds_by_name(path, expected):
    assert kinds_by_name(path) == expected


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("ds_config.json", '{\n  "fp16": {"enabled": true},\n  "fp16": {}\n}', {"deepspeed"}),
        ("conf/train.json", '{"zero_optimization": {"stage": 2},}', {"deepspeed"}),
        ("configs/model.yaml", "_target_: a.B\nlr: 1\nlr: 2\n", {"hydra"}),
        ("configs/cut.yaml", "trainer:\n  precision: 16\n  seed_everything: [\n",
         {"lightning-cli"}),
        ("chart/templates/ray-cluster.yaml",
         "cluster_name: {{ .Values.name }}\nhead_node_type: x\n", set()),
        ("templates/job.yaml", "{% if gpu %}\n_target_: a.B\n{% endif %}\n", set()),
        ("notes/broken.yaml", "a: [1\n", set()),
        ("pyproject.toml", "[tool\n_target_ = 1", set()),
    ],
)
def test_sniff_kinds_of_files_that_do_not_parse(path, text, expected):
    with pytest.raises(ConfigError):
        parse(text, format_of(path))
    assert sniff_kinds(path, text.encode()) == expected


HYDRA = """
    model:
      _target_: mypkg.Model
      net: {_target_: mypkg.Net, width: 4}
    trainer:
      _target_: lightning.pytorch.Trainer
      _recursive_: false
      precision: 16-mixed
    callbacks:
      - class_path: lightning.pytorch.callbacks.ModelCheckpoint
        init_args: {save_top_k: 2}
        dict_kwargs: {every_n_epochs: 1}
      - class_path: EarlyStopping
    tune:
      _component_: torchtune.training.FullModelHFCheckpointer
      output_dir: /tmp/out
    not_a_target: {_target_: 3}
"""


def test_iter_target_nodes_finds_every_callable_node():
    docs = load("configs/train.yaml", HYDRA)
    found = [(name, node.path) for name, node in iter_target_nodes(docs)]
    assert found == [
        ("mypkg.Model", ("model",)),
        ("mypkg.Net", ("model", "net")),
        ("lightning.pytorch.Trainer", ("trainer",)),
        ("lightning.pytorch.callbacks.ModelCheckpoint", ("callbacks", 0)),
        ("EarlyStopping", ("callbacks", 1)),
        ("torchtune.training.FullModelHFCheckpointer", ("tune",)),
    ]


def test_target_nodes_anchor_on_their_key_and_expose_call_kwargs():
    docs = load("configs/train.yaml", HYDRA)
    nodes = dict(iter_target_nodes(docs))
    trainer = nodes["lightning.pytorch.Trainer"]
    assert trainer.anchor_span().line == 5 and trainer.anchor_span().column == 1
    assert set(target_kwargs(trainer)) == {"precision"}
    assert target_kwargs(trainer)["precision"].value == "16-mixed"
    assert set(target_kwargs(nodes["mypkg.Model"])) == {"net"}
    ckpt = target_kwargs(nodes["lightning.pytorch.callbacks.ModelCheckpoint"])
    assert {k: v.value for k, v in ckpt.items()} == {"save_top_k": 2, "every_n_epochs": 1}
    assert target_kwargs(nodes["EarlyStopping"]) == {}
    assert set(target_kwargs(nodes["torchtune.training.FullModelHFCheckpointer"])) == {"output_dir"}


def test_aliased_target_nodes_are_reported_where_each_use_is_written():
    text = """
        base: &opt {_target_: torch.optim.SGD, lr: 0.1}
        first: *opt
    """
    docs = load("configs/opt.yaml", text)
    spans = [(name, node.anchor_span().line) for name, node in iter_target_nodes(docs)]
    assert spans == [("torch.optim.SGD", 2), ("torch.optim.SGD", 3)]
    assert classify("configs/opt.yaml", docs) == {"hydra"}


def test_kinds_are_unioned_across_documents():
    text = """
        compute_environment: LOCAL_MACHINE
        mixed_precision: bf16
        ---
        _target_: mypkg.Thing
    """
    docs = load("configs/mixed.yaml", text)
    assert classify("configs/mixed.yaml", docs) == {"accelerate", "hydra"}


def test_a_silenced_document_does_not_silence_its_neighbours():
    text = """
        apiVersion: v1
        kind: ConfigMap
        ---
        resources: {accelerators: A100:1}
        run: python train.py
    """
    assert classify("deploy/both.yaml", load("deploy/both.yaml", text)) == {"skypilot"}
