"""The names and keys `classify` recognises files by (see the ML API catalogue)."""

from __future__ import annotations

#: Structured files that are never ML configs, whatever keys they hold.
SILENT_NAMES = frozenset({
    "pyproject.toml", "cargo.toml", "poetry.lock", "pixi.toml", "ruff.toml", ".ruff.toml",
    "netlify.toml", "rust-toolchain.toml", ".mlgreenlint.toml", "package.json",
    "package-lock.json", "composer.json", "tsconfig.json", "jsconfig.json", "lerna.json",
    "renovate.json", ".eslintrc.json", ".prettierrc.json", "deno.json", "manifest.json",
    "tokenizer.json", "tokenizer_config.json", "vocab.json", "special_tokens_map.json",
    ".pre-commit-config.yaml", ".pre-commit-hooks.yaml", "mkdocs.yml", "mkdocs.yaml",
    "environment.yml", "environment.yaml", "codecov.yml", ".codecov.yml", "codecov.yaml",
    "dependabot.yml", "chart.yaml", "compose.yml", "compose.yaml", ".readthedocs.yml",
    ".readthedocs.yaml", ".gitlab-ci.yml", ".travis.yml", "azure-pipelines.yml",
    "bitbucket-pipelines.yml", "cloudbuild.yaml", "appveyor.yml", ".golangci.yml",
    "_config.yml", "meta.yaml", ".yamllint.yml", ".yamllint.yaml", "citation.cff",
})

#: Top-level keys of a DeepSpeed config (deepspeed/runtime/constants.py).
DS_KEYS = frozenset({
    "train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps",
    "zero_optimization", "fp16", "bf16", "bfloat16", "amp", "torch_autocast", "optimizer",
    "scheduler", "gradient_clipping", "steps_per_print", "wall_clock_breakdown",
    "zero_allow_untested_optimizer", "activation_checkpointing", "flops_profiler",
    "prescale_gradients", "gradient_predivide_factor", "communication_data_type",
    "data_types", "checkpoint", "aio", "tensorboard", "wandb", "csv_monitor", "comms_logger",
    "elasticity", "autotuning", "pipeline", "compression_training", "data_efficiency",
    "memory_breakdown", "sparse_attention", "zero_force_ds_cpu_optimizer",
})
#: ...of which these names occur in no other tool's configs.
DS_ONLY = frozenset({
    "zero_optimization", "train_micro_batch_size_per_gpu", "steps_per_print",
    "wall_clock_breakdown", "zero_allow_untested_optimizer", "prescale_gradients",
    "gradient_predivide_factor",
})

#: Lightning `Trainer(...)` arguments, as keys of a LightningCLI `trainer:` section.
TRAINER_KEYS = frozenset({
    "precision", "accelerator", "strategy", "devices", "num_nodes", "max_epochs", "min_epochs",
    "max_steps", "min_steps", "max_time", "callbacks", "logger", "plugins", "profiler",
    "accumulate_grad_batches", "gradient_clip_val", "gradient_clip_algorithm",
    "check_val_every_n_epoch", "val_check_interval", "log_every_n_steps",
    "enable_checkpointing", "enable_progress_bar", "enable_model_summary",
    "num_sanity_val_steps", "limit_train_batches", "limit_val_batches", "limit_test_batches",
    "fast_dev_run", "overfit_batches", "default_root_dir", "deterministic", "benchmark",
    "inference_mode", "use_distributed_sampler", "detect_anomaly", "barebones",
    "sync_batchnorm", "reload_dataloaders_every_n_epochs",
})
#: ...minus the generic ones other trainers share (one of the rest is enough).
TRAINER_ONLY = TRAINER_KEYS - {
    "devices", "num_nodes", "max_epochs", "min_epochs", "max_steps", "min_steps", "max_time",
    "callbacks", "logger", "plugins", "profiler", "deterministic", "benchmark",
}

#: `TrainingArguments` fields telling an HfArgumentParser file (with `output_dir`).
HF_KEYS = frozenset({
    "per_device_train_batch_size", "per_device_eval_batch_size", "learning_rate",
    "num_train_epochs", "max_steps", "save_steps", "save_strategy", "save_total_limit",
    "eval_strategy", "evaluation_strategy",
})

#: SkyPilot `resources:` keys no Kubernetes or Helm `resources:` block has.
SKY_RESOURCES = frozenset({
    "accelerators", "infra", "any_of", "ordered", "use_spot", "spot_recovery", "job_recovery",
    "image_id", "disk_tier", "network_tier", "autostop",
})
#: SkyPilot `resources:` keys that need a task key beside them to count.
SKY_RESOURCES_WEAK = frozenset({
    "cloud", "region", "zone", "cpus", "memory", "instance_type", "disk_size", "ports", "labels",
})
SKY_TASK = frozenset({
    "run", "setup", "num_nodes", "workdir", "file_mounts", "envs", "service", "secrets",
    "volumes",
})

#: dstack configuration `type:` values and top-level keys.
DSTACK_TYPES = frozenset({"task", "service", "dev-environment", "fleet", "gateway", "volume"})
DSTACK_KEYS = frozenset({
    "commands", "ide", "nodes", "python", "image", "resources", "backends", "regions",
    "spot_policy", "max_price", "idle_duration", "max_duration", "retry", "placement", "nvcc",
    "creation_policy", "termination_policy", "utilization_policy", "inactivity_duration",
    "env", "ports", "port", "replicas", "working_dir", "model", "scaling", "files", "volumes",
    "availability_zones", "instance_types", "privileged", "registry_auth", "entrypoint",
    "auth", "name",
})

#: Axolotl configs: `base_model` with one of its own batch / length keys
#: (axolotl/utils/schemas/config.py); MergeKit and model-card YAMLs also have `base_model`.
AXOLOTL_ONLY = frozenset({"sequence_len", "micro_batch_size"})

#: LLaMA-Factory (v0) training stages (llamafactory/hparams/finetuning_args.py) and the keys
#: beside `stage` that tell its YAML / JSON from other files with a `stage`.
LLAMA_FACTORY_STAGES = frozenset({"pt", "sft", "rm", "ppo", "dpo", "kto"})
LLAMA_FACTORY_KEYS = frozenset({"model_name_or_path", "finetuning_type", "template", "dataset"})
#: LLaMA-Factory v1 configs (llamafactory/v1/config): `model` plus two of these; not
#: TrainingArguments files (bf16 defaults on, nothing is saved without save_steps). A file
#: with two of them has one besides `train_dataset`, and `classify._TOKENS` lists those.
LLAMA_FACTORY_V1_KEYS = frozenset({"model_class", "train_dataset", "micro_batch_size",
                                   "dist_config", "kernel_config"})

#: Composer / llm-foundry training YAML (llmfoundry/utils/config_utils.py TrainConfig): two of
#: these beside `max_duration` (dstack also has a `max_duration`).
COMPOSER_KEYS = frozenset({
    "train_loader", "eval_loader", "global_train_batch_size", "device_train_microbatch_size",
    "device_eval_batch_size", "precision", "save_interval", "save_folder",
    "save_num_checkpoints_to_keep", "eval_interval", "fsdp_config", "algorithms",
    "console_log_interval",
})
#: MosaicML platform (MCLI) run configs: placement keys, under `compute` or (older) at the top.
MCLI_COMPUTE = frozenset({"gpus", "gpu_type", "cluster", "instance", "nodes", "cpus"})
MCLI_TOP = frozenset({"gpu_num", "gpu_type", "cluster"})

#: Training keys of Ultralytics' `ultralytics/cfg/default.yaml` that other tools' files lack
#: (YOLOv5 `hyp.*.yaml` files share the augmentation keys but have no `imgsz` or `amp`).
ULTRALYTICS_KEYS = frozenset({
    "amp", "save_period", "close_mosaic", "cos_lr", "patience", "mosaic", "mixup", "copy_paste",
    "lr0", "lrf", "warmup_epochs", "warmup_bias_lr", "box", "cls", "dfl", "hsv_h", "hsv_s", "hsv_v",
    "fliplr", "nbs", "overlap_mask", "single_cls", "rect",
})
#: `mode` values of a cfg that trains (unset means train for `yolo train cfg=...`).
ULTRALYTICS_MODES = ("train",)

#: Azure ML CLI v2 schemas (https://azuremlschemas.azureedge.net/latest/...) of the resources
#: whose `location` places compute: clusters, compute instances, workspaces and hubs.
AZUREML_PLACED_SCHEMAS = frozenset({
    "amlcompute.schema.json", "computeinstance.schema.json", "workspace.schema.json", "hub.schema.json",
})
