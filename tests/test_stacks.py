"""Fine-tuning and training stacks: which files are recognised as whose config, and where
their findings point. Configs written for these tests in the shape each tool documents."""

from __future__ import annotations

import json
import textwrap

import pytest

from mlgreenlint.configs.classify import classify
from mlgreenlint.configs.document import format_of, parse


def kinds(path: str, text: str) -> set[str]:
    return classify(path, parse(textwrap.dedent(text), format_of(path)))


# (path, text, kinds): the stack's own files, and look-alikes that must not be taken for them.
KINDS = [
    # Axolotl: base_model with its own batch / length keys.
    ("examples/llama-3/lora-8b.yml", """
        base_model: org/base-8b
        datasets:
          - path: org/alpaca
            type: alpaca
        sequence_len: 4096
        micro_batch_size: 2
        num_epochs: 1
        output_dir: ./outputs/lora
        learning_rate: 0.0002
        save_steps: 100
     """, {"axolotl"}),
    # MergeKit and a Hugging Face model card's metadata also name a base_model.
    ("merge.yml", """
        base_model: org/base-7b
        merge_method: dare_ties
        dtype: bfloat16
        models:
          - model: org/tuned-7b
     """, set()),
    ("card.yaml", """
        base_model: org/base-7b
        datasets: [org/data]
        license: apache-2.0
        tags: [trl, sft]
     """, set()),
    # LLaMA-Factory v0: a training stage beside its model / template keys.
    ("examples/train_full/sft.yaml", """
        model_name_or_path: org/base
        stage: sft
        do_train: true
        finetuning_type: full
        dataset: alpaca_en_demo
        template: llama3
        output_dir: saves/full
        per_device_train_batch_size: 1
        learning_rate: 1.0e-5
     """, {"llama-factory"}),
    # A file naming a model and one dataset is not LLaMA-Factory v1.
    ("experiment.yaml", """
        model: resnet50
        train_dataset: imagenet
        epochs: 90
        output_dir: runs/r50
     """, set()),
    ("train.json", """
        {"model_name_or_path": "org/base", "stage": "dpo", "template": "qwen",
         "output_dir": "saves/dpo", "learning_rate": 5e-6, "num_train_epochs": 1}
     """, {"llama-factory"}),
    # A pipeline file with a `stage` and a model path is not LLaMA-Factory.
    ("pipeline.yaml", """
        stage: deploy
        model_name_or_path: org/base
        template: default
     """, set()),
    # LLaMA-Factory v1 files: their own kind, neither LLaMA-Factory v0 nor TrainingArguments files.
    ("examples/v1/train_full.yaml", """
        model: org/base-0.6b
        model_class: llm
        train_dataset: data/demo.yaml
        output_dir: outputs/full
        micro_batch_size: 1
        learning_rate: 1.0e-4
        max_steps: 10
     """, {"llama-factory-v1"}),
    # Composer / llm-foundry: max_duration with its batch and save keys.
    ("yamls/pretrain/mpt-125m.yaml", """
        max_duration: 4800ba
        global_train_batch_size: 256
        device_train_microbatch_size: 16
        precision: amp_bf16
     """, {"composer"}),
    # dstack's max_duration beside commands is a dstack task, not Composer.
    ("train.dstack.yml", """
        type: task
        max_duration: 2h
        commands: [python train.py]
     """, {"dstack"}),
    # MosaicML platform run: image, command and GPUs / a cluster (older spelling at the top).
    ("mcli/run.yaml", """
        name: ft
        image: mosaicml/llm-foundry:latest
        compute: {gpus: 8}
        command: composer train.py /mnt/config/parameters.yaml
        parameters: {}
     """, {"mcli"}),
    ("mcli/old.yaml", """
        run_name: ft
        image: mosaicml/pytorch
        gpu_num: 8
        command: python train.py
     """, {"mcli"}),
    # A container job with an image and a command but no GPUs or cluster is not MCLI.
    ("job.yaml", """
        image: python:3.12
        command: pytest
     """, set()),
    # NeMo: a Lightning trainer section beside exp_manager (also read as a trainer config).
    ("examples/asr/conf/conformer.yaml", """
        name: Conformer-CTC
        trainer:
          devices: -1
          precision: bf16-mixed
          max_epochs: 100
        exp_manager:
          exp_dir: null
     """, {"nemo", "lightning-cli"}),
    # NeMo inference configs hold a trainer section but train nothing.
    ("examples/nlp/conf/megatron_llama_inference.yaml", """
        inference:
          greedy: false
        trainer:
          devices: 1
          precision: 32
          accelerator: gpu
     """, set()),
    # nanotron: checkpoints.checkpoint_interval, tokens and parallelism.
    ("examples/config_tiny_llama.yaml", """
        checkpoints:
          checkpoint_interval: 1000
          checkpoints_path: checkpoints
        general: {project: debug}
        model: {dtype: bfloat16}
        parallelism: {dp: 2, tp: 1, pp: 1}
        tokens: {train_steps: 2000, sequence_length: 256}
     """, {"nanotron"}),
    # Detectron2 yacs configs: upper-case MODEL with SOLVER / INPUT / DATASETS, or a _BASE_ child.
    ("configs/Base-RCNN-FPN.yaml", """
        MODEL:
          META_ARCHITECTURE: GeneralizedRCNN
        SOLVER:
          IMS_PER_BATCH: 16
     """, {"detectron2"}),
    ("configs/COCO/faster_rcnn.yaml", """
        _BASE_: ../Base-RCNN-FPN.yaml
        MODEL:
          WEIGHTS: detectron2://R-50.pkl
     """, {"detectron2"}),
    # An upper-case MODEL key alone (a settings file) is not Detectron2.
    ("settings.yaml", """
        MODEL:
          NAME: gpt-4o
        TEMPERATURE: 0.2
     """, set()),
    # Ultralytics: a training cfg in the shape of its cfg/default.yaml.
    ("cfg/yolo-train.yaml", """
        task: detect
        mode: train
        model: yolo11n.pt
        data: coco8.yaml
        epochs: 100
        imgsz: 640
        amp: True
        close_mosaic: 10
        lr0: 0.01
     """, {"ultralytics"}),
    # ...but not a predict cfg, a YOLOv5 hyperparameter file or a dataset file.
    ("cfg/predict.yaml", """
        mode: predict
        imgsz: 640
        amp: False
        lr0: 0.01
        mosaic: 1.0
     """, set()),
    ("data/hyps/hyp.scratch-low.yaml", """
        lr0: 0.01
        lrf: 0.01
        momentum: 0.937
        warmup_epochs: 3.0
        box: 0.05
        mosaic: 1.0
     """, set()),
    ("data/coco8.yaml", """
        path: ../datasets/coco8
        train: images/train
        val: images/val
        names: {0: person, 1: bicycle}
     """, set()),
    # Azure ML CLI v2: compute and workspace YAML place compute; a job YAML names a compute only.
    ("azureml/cluster.yml", """
        $schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json
        name: gpu-cluster
        type: amlcompute
        location: westeurope
     """, {"azureml"}),
    ("azureml/cluster-noschema.yml", """
        name: gpu-cluster
        type: amlcompute
        size: Standard_NC6s_v3
        max_instances: 2
     """, {"azureml"}),
    ("azureml/job.yml", """
        $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
        command: python train.py
        compute: azureml:gpu-cluster
     """, set()),
    # A resource inventory with a type and a location is not an Azure ML file.
    ("infra/vm.yml", """
        type: amlcompute
        name: box
        location: centralindia
     """, set()),
]


@pytest.mark.parametrize(("path", "text", "expected"), KINDS, ids=[f"{i}-{c[0]}" for i, c in enumerate(KINDS)])
def test_stack_config_kinds(path, text, expected):
    assert kinds(path, text) == expected


# (path, text, rule, line, column, end_column): one finding each, at the key.
FINDINGS = [
    ("axolotl/lora.yml", """
        base_model: org/base-8b
        sequence_len: 4096
        micro_batch_size: 2
        tf32: false
        bf16: false
        """, "MP002", 5, 1, 5),
    ("axolotl/lora.yml", """
        base_model: org/base-8b
        sequence_len: 4096
        micro_batch_size: 2
        max_steps: 5000
        save_steps: 20
        """, "CK002", 5, 1, 11),
    ("lf/full.yaml", """
        model_name_or_path: org/base
        stage: sft
        do_train: true
        finetuning_type: full
        template: llama3
        output_dir: saves/full
        bf16: false
        save_total_limit: 1
        """, "MP002", 7, 1, 5),
    ("lf/lora.yaml", """
        model_name_or_path: org/base
        stage: sft
        do_train: true
        finetuning_type: lora
        template: llama3
        output_dir: saves/lora
        save_strategy: epoch
        num_train_epochs: 3
        bf16: true
        """, "CK003", 7, 1, 14),
    ("yamls/pretrain/run.yaml", """
        max_duration: 20000ba
        global_train_batch_size: 256
        precision: fp32
        save_folder: ./ckpt
        save_interval: 25ba
        save_num_checkpoints_to_keep: 2
        """, "MP007", 3, 1, 10),
    ("yamls/pretrain/run.yaml", """
        max_duration: 20000ba
        global_train_batch_size: 256
        save_folder: ./ckpt
        save_interval: 25ba
        save_num_checkpoints_to_keep: 2
        """, "CK012", 4, 1, 14),
    ("mcli/run.yaml", """
        image: mosaicml/llm-foundry:latest
        compute: {cluster: c1, gpus: 8}
        command: composer train.py /mnt/config/parameters.yaml
        parameters:
          max_duration: 2ep
          global_train_batch_size: 64
          save_folder: s3://bucket/run
          save_num_checkpoints_to_keep: -1
        """, "CK013", 7, 3, 14),
    ("examples/config.yaml", """
        checkpoints:
          checkpoint_interval: 10
          checkpoints_path: checkpoints
        general: {project: p}
        model: {dtype: float32}
        parallelism: {dp: 8}
        tokens: {train_steps: 30000}
        """, "CK012", 2, 3, 22),
    ("examples/config.yaml", """
        checkpoints:
          checkpoint_interval: 1000
          checkpoints_path: checkpoints
        general: {project: p}
        model: {dtype: float32}
        parallelism: {dp: 8}
        tokens: {train_steps: 30000}
        """, "MP007", 5, 9, 14),
    ("conf/megatron_gpt.yaml", """
        name: megatron_gpt
        trainer:
          precision: bf16-mixed
          max_steps: 300000
        exp_manager:
          checkpoint_callback_params:
            save_top_k: -1
            every_n_train_steps: 20
        """, "CK004", 8, 5, 24),
    ("recipes/configs/llama3/8B_full.yaml", """
        model:
          _component_: torchtune.models.llama3.llama3_8b
        optimizer:
          _component_: torch.optim.AdamW
        device: cuda
        dtype: fp32
        """, "MP007", 6, 1, 6),
    ("configs/my_rcnn.yaml", """
        _BASE_: Base-RCNN-FPN.yaml
        SOLVER:
          MAX_ITER: 90000
          CHECKPOINT_PERIOD: 20
        MODEL:
          WEIGHTS: r50.pkl
        """, "CK012", 4, 3, 20),
    ("cfg/train.yaml", """
        mode: train
        data: coco8.yaml
        epochs: 300
        imgsz: 640
        amp: false
        mosaic: 1.0
        lr0: 0.01
        """, "MP007", 5, 1, 4),
    ("train_yolo.py", """
        from ultralytics import YOLO

        model = YOLO("yolo11n.pt")
        results = model.train(data="coco8.yaml", epochs=50, amp=False)
        """, "MP007", 4, 53, 62),
    # Ultralytics through a chain of nn.Module calls that return the model itself.
    ("ultra/train.py", """
        from ultralytics import YOLO

        YOLO("yolov8.yaml").cuda().train(data="d.yaml", epochs=80, amp=False)
        """, "MP007", 3, 60, 69),
    ("ultra/train_to.py", """
        from ultralytics import RTDETR

        detector = RTDETR("rtdetr-l.pt").to("cuda:0")
        detector.train(data="d.yaml", amp=False, epochs=10)
        """, "MP007", 4, 31, 40),
    # Training entry points of Ultralytics and MMEngine: ET001 at the call that trains.
    ("yolo_train.py", """
        from ultralytics import YOLO

        if __name__ == "__main__":
            model = YOLO("yolo11n.pt")
            model.train(data="coco8.yaml", epochs=100)
        """, "ET001", 5, 5, 47),
    ("tools/train.py", """
        from mmengine.config import Config
        from mmengine.runner import Runner
        from mmdet.registry import RUNNERS

        def main():
            cfg = Config.fromfile(parse_args().config)
            if "runner_type" not in cfg:
                runner = Runner.from_cfg(cfg)
            else:
                runner = RUNNERS.build(cfg)
            runner.train()

        if __name__ == "__main__":
            main()
        """, "ET001", 11, 5, 19),
    ("examples/train_resnet.py", """
        from mmengine.model import BaseModel
        from mmengine.runner import Runner

        class Net(BaseModel):
            def train_step(self, data, optim_wrapper):
                return self._run(data, optim_wrapper)

        if __name__ == "__main__":
            Runner(model=Net(), train_dataloader=loader, train_cfg=dict(max_epochs=2)).train()
        """, "ET001", 9, 5, 87),
    ("tools/train_direct.py", """
        from mmengine.runner import Runner

        if __name__ == "__main__":
            Runner.from_cfg(load_cfg()).train()
        """, "ET001", 4, 5, 40),
    # LLaMA-Factory: report_to unset on transformers 5 (default "none") points at do_train.
    ("examples/train_full/sft.yaml", """
        model_name_or_path: org/base
        stage: pt
        do_train: true
        finetuning_type: full
        template: default
        output_dir: saves/pt
        """, "ET001", 3, 1, 9),
    ("examples/v1/ft.yaml", """
        model: Qwen/Qwen3-4B
        model_class: llm
        train_dataset: data/sft.yaml
        num_train_epochs: 10
        save_epochs: 0.5
        """, "CK013", 5, 1, 12),
    ("azureml/workspace.yml", """
        $schema: https://azuremlschemas.azureedge.net/latest/workspace.schema.json
        name: mlw-training
        location: southafricanorth
        """, "RG002", 3, 1, 9),
    ("recipes/configs/qwen2_5/3B_full.yaml", """
        model:
          _component_: torchtune.models.qwen2_5.qwen2_5_3b
        checkpointer:
          _component_: torchtune.training.FullModelHFCheckpointer
          checkpoint_dir: /tmp/Qwen2.5-3B
          model_type: QWEN2
        save_every_n_steps: 250
        dtype: bf16
        """, "CK013", 3, 1, 13),
]


@pytest.mark.parametrize(("path", "text", "rule", "line", "column", "end_column"), FINDINGS,
                         ids=[f"{c[2]}-{c[0]}-{i}" for i, c in enumerate(FINDINGS)])
def test_stack_finding_positions(project, path, text, rule, line, column, end_column):
    project.write(path, text)
    result = project.run("check", path, "--select", rule, "--format", "json")
    findings = json.loads(result.output)
    assert [(f["rule"], f["line"], f["column"], f["end_line"], f["end_column"]) for f in findings] == [
        (rule, line, column, line, end_column)], result.output


# (path, text, files, rules that must stay silent): version-aware defaults and traps.
SILENT = [
    # Axolotl 0.5+ reads an unset bf16 as "auto"; it always keeps 4 checkpoints by default.
    ("axolotl/qlora.yml", """
        base_model: org/base-8b
        sequence_len: 2048
        micro_batch_size: 1
        num_epochs: 3
        output_dir: ./out
        learning_rate: 0.0002
        per_device_train_batch_size: 1
        """, {"requirements.txt": "axolotl==0.8.0\n"}, ("MP002", "CK003")),
    # A MergeKit file in fp32 is not a training run.
    ("merge.yml", """
        base_model: org/base-7b
        merge_method: linear
        dtype: float32
        output_dir: merged
        learning_rate: 0
        num_train_epochs: 1
        """, {}, ("MP002", "CK003")),
    # Composer saves nothing without a save_folder, and an integer interval means epochs.
    ("yamls/ft.yaml", """
        max_duration: 8ep
        global_train_batch_size: 64
        save_folder: null
        save_interval: 5ba
        """, {}, ("CK012", "CK013")),
    ("yamls/ft.yaml", """
        max_duration: 8ep
        global_train_batch_size: 64
        save_folder: ./ckpt
        save_interval: 2
        save_num_checkpoints_to_keep: 1
        """, {}, ("CK012", "CK013")),
    # A Hydra composer.Trainer node leaves absent keys to other config files.
    ("yamls/hydra/sd.yaml", """
        trainer:
          _target_: composer.Trainer
          max_duration: 1000ba
          save_folder: s3://b/run
        """, {}, ("CK013", "MP007")),
    # nanotron smoke run shorter than one interval; NeMo interval from an interpolation.
    ("examples/config_resume.yaml", """
        checkpoints: {checkpoint_interval: 10, checkpoints_path: c}
        general: {project: p}
        parallelism: {dp: 1}
        tokens: {train_steps: 10}
        """, {}, ("CK012",)),
    ("conf/asr.yaml", """
        trainer: {max_steps: 100000, precision: 16-mixed}
        exp_manager:
          checkpoint_callback_params:
            save_top_k: -1
            every_n_train_steps: ${trainer.val_check_interval}
        """, {}, ("CK004", "CK005")),
    # torchtune: activation checkpointing recomputes activations; it saves nothing.
    ("recipes/configs/qwen2/lora.yaml", """
        model:
          _component_: torchtune.models.qwen2.lora_qwen2_1_5b
        dtype: bf16
        enable_activation_checkpointing: True
        epochs: 3
        """, {}, ("CK012", "MP007")),
    # A Detectron2 child config may get AMP from its base; a CPU config is fp32 on purpose.
    ("configs/child.yaml", """
        _BASE_: Base-RCNN-FPN.yaml
        SOLVER:
          BASE_LR: 0.01
        MODEL:
          WEIGHTS: r50.pkl
        """, {}, ("MP007",)),
    ("configs/Base-demo.yaml", """
        MODEL:
          META_ARCHITECTURE: GeneralizedRCNN
          DEVICE: cpu
        SOLVER:
          IMS_PER_BATCH: 2
        """, {}, ("MP007",)),
    # Ultralytics: amp unset is True; a CPU run; save_period counts epochs (no CK rule reads it).
    ("cfg/train.yaml", """
        mode: train
        epochs: 300
        imgsz: 640
        save_period: 1
        lr0: 0.01
        mosaic: 1.0
        """, {}, ("MP007", "CK012", "CK002", "CK003")),
    ("cfg/cpu.yaml", """
        mode: train
        epochs: 3
        imgsz: 320
        amp: False
        device: cpu
        lr0: 0.01
        """, {}, ("MP007",)),
    ("val_yolo.py", """
        from ultralytics import YOLO

        model = YOLO("best.pt")
        model.val(data="coco8.yaml", half=False)
        model.train(data="coco8.yaml", amp=True)
        """, {}, ("MP007",)),
    # Ultralytics runs that do not train: validation, prediction, export, and the inner
    # torch module's mode switch; a training run measured by codecarbon.
    ("yolo_eval.py", """
        from ultralytics import YOLO

        if __name__ == "__main__":
            model = YOLO("runs/train/weights/best.pt")
            model.val(data="coco8.yaml")
            model.predict("bus.jpg", half=True)
            model.export(format="onnx")
            model.model.train()
        """, {}, ("ET001",)),
    ("yolo_tracked.py", """
        from codecarbon import EmissionsTracker
        from ultralytics import YOLO

        if __name__ == "__main__":
            with EmissionsTracker(project_name="yolo"):
                YOLO("yolo11n.pt").cuda().train(data="coco8.yaml", epochs=100)
        """, {}, ("ET001",)),
    # MMEngine: a runner that only tests; nn.Module.train() is a mode switch, not training;
    # a `runner` of some other library.
    ("tools/test.py", """
        from mmengine.runner import Runner

        if __name__ == "__main__":
            runner = Runner.from_cfg(load_cfg())
            metrics = runner.test()
        """, {}, ("ET001",)),
    ("infer.py", """
        import torch
        from mmengine.runner import load_checkpoint

        if __name__ == "__main__":
            model = Net().cuda()
            load_checkpoint(model, "epoch_12.pth")
            model.train()  # BatchNorm statistics from the batch, no gradient step
            with torch.no_grad():
                out = model(batch)
        """, {}, ("ET001",)),
    # A runner stepping a model whose train_step does nothing only replays the LR schedule.
    ("tools/visualization/plot_lr.py", """
        from mmengine.model import BaseModel
        from mmengine.runner import Runner

        class Dummy(BaseModel):
            def train_step(self, data, optim_wrapper):
                'Nothing to learn: the hooks record the schedule.'
                pass

        def simulate(cfg, loader):
            runner = Runner(model=Dummy(), train_dataloader=loader, train_cfg=cfg.train_cfg,
                            optim_wrapper=cfg.optim_wrapper, param_scheduler=cfg.param_scheduler)
            runner.train()

        if __name__ == "__main__":
            simulate(load_cfg(), make_loader())
        """, {}, ("ET001",)),
    ("jobs.py", """
        from fabric_tasks import make_runner

        if __name__ == "__main__":
            runner = make_runner("nightly")
            runner.train()
        """, {}, ("ET001",)),
    # LLaMA-Factory: on transformers 4.x report_to unset is "all", which starts codecarbon when
    # it is installed; the Megatron Bridge backend ignores Trainer callbacks (no hook).
    ("examples/train_lora/sft.yaml", """
        model_name_or_path: org/base
        stage: sft
        do_train: true
        finetuning_type: lora
        template: llama3
        """, {"pyproject.toml": "[project]\nname = 'ft'\n",
                    "requirements.txt": "transformers==4.57.1\ncodecarbon==3.0.4\nllamafactory\n"}, ("ET001",)),
    ("examples/megatron_bridge/sft.yaml", """
        model_name_or_path: org/base
        stage: sft
        do_train: true
        finetuning_type: lora
        template: llama3
        tensor_model_parallel_size: 2
        export_hf_on_finish: true
        report_to: none
        """, {}, ("ET001",)),
    # Axolotl: report_to comes from use_wandb / use_mlflow / ... only; no key reaches a tracker.
    ("examples/axolotl/lora.yml", """
        base_model: org/base-8b
        sequence_len: 4096
        micro_batch_size: 2
        use_mlflow: true
        report_to: none
        """, {}, ("ET001",)),
    # LLaMA-Factory v1: save_total_limit 0 keeps none; save_epochs replaces a small save_steps;
    # with max_steps the number of epoch saves depends on the data.
    ("examples/v1/a.yaml", """
        model: Qwen/Qwen3-4B
        model_class: llm
        train_dataset: data/sft.yaml
        max_steps: 10000
        save_steps: 500
        save_total_limit: 0
        """, {}, ("CK013", "CK012")),
    ("examples/v1/b.yaml", """
        model: Qwen/Qwen3-4B
        model_class: llm
        train_dataset: data/sft.yaml
        save_steps: 10
        save_epochs: 1
        save_total_limit: 2
        max_steps: 100000
        """, {}, ("CK013", "CK012")),
    # torchtune: the Meta checkpointer has no retention setting; epoch-end saves alone are few.
    ("recipes/configs/llama2/7B_full.yaml", """
        checkpointer:
          _component_: torchtune.training.FullModelMetaCheckpointer
          checkpoint_dir: /tmp/Llama-2-7b
        save_every_n_steps: 250
        dtype: bf16
        """, {}, ("CK013",)),
    ("recipes/configs/llama3_2/1B_lora.yaml", """
        checkpointer:
          _component_: torchtune.training.FullModelHFCheckpointer
          checkpoint_dir: /tmp/Llama-3.2-1B
        epochs: 3
        dtype: bf16
        """, {}, ("CK013",)),
]


@pytest.mark.parametrize(("path", "text", "files", "rules"), SILENT, ids=[c[0] for c in SILENT])
def test_stack_traps_stay_silent(project, path, text, files, rules):
    project.write(path, text)
    for rel, body in files.items():
        project.write(rel, body)
    result = project.run("check", path, "--select", ",".join(rules), "--format", "json")
    assert json.loads(result.output) == [], result.output
