"""Canonical qualified names: one spelling for each API that frameworks re-export."""

from __future__ import annotations

from functools import lru_cache

# Module prefixes that are the same API under another name. tf.keras is Keras 3 on
# TensorFlow >= 2.16 and keeps the legacy names the rules use.
_PREFIXES = (
    ("pytorch_lightning.", "lightning.pytorch."),
    ("lightning_fabric.", "lightning.fabric."),
    ("tensorflow.keras.", "keras."),
    ("tensorflow.compat.v2.keras.", "keras."),
    ("tf_keras.", "keras."),
    ("keras.src.", "keras."),
    ("vertexai.", "google.cloud.aiplatform."),
)

_EXACT = {
    "torch.autocast": "torch.amp.autocast",
    "torch.amp.autocast_mode.autocast": "torch.amp.autocast",
    "torch.GradScaler": "torch.amp.GradScaler",
    "torch.amp.grad_scaler.GradScaler": "torch.amp.GradScaler",
    "torch.cuda.amp.autocast_mode.autocast": "torch.cuda.amp.autocast",
    "torch.cuda.amp.grad_scaler.GradScaler": "torch.cuda.amp.GradScaler",
    "torch.cpu.amp.autocast_mode.autocast": "torch.cpu.amp.autocast",
    "torch.utils.data.dataloader.DataLoader": "torch.utils.data.DataLoader",
    "torch.utils.data.dataset.TensorDataset": "torch.utils.data.TensorDataset",
    "torch.utils.data.dataset.IterableDataset": "torch.utils.data.IterableDataset",
    "torch.autograd.anomaly_mode.set_detect_anomaly": "torch.autograd.set_detect_anomaly",
    "torch.autograd.anomaly_mode.detect_anomaly": "torch.autograd.detect_anomaly",
    "torch.profiler.profiler.profile": "torch.profiler.profile",
    "torch.cuda.memory.empty_cache": "torch.cuda.empty_cache",
    "lightning.Trainer": "lightning.pytorch.Trainer",
    "lightning.pytorch.trainer.Trainer": "lightning.pytorch.Trainer",
    "lightning.pytorch.trainer.trainer.Trainer": "lightning.pytorch.Trainer",
    "lightning.Fabric": "lightning.fabric.Fabric",
    "lightning.fabric.fabric.Fabric": "lightning.fabric.Fabric",
    "lightning.pytorch.lite.LightningLite": "lightning.fabric.Fabric",
    "lightning.pytorch.callbacks.model_checkpoint.ModelCheckpoint": "lightning.pytorch.callbacks.ModelCheckpoint",
    "nemo_run.config.Config": "nemo_run.Config",
    "nemo_run.config.Partial": "nemo_run.Partial",
    "nemo.lightning.pytorch.callbacks.ModelCheckpoint": "nemo.lightning.ModelCheckpoint",
    "nemo.lightning.pytorch.callbacks.model_checkpoint.ModelCheckpoint": "nemo.lightning.ModelCheckpoint",
    "nemo.lightning.pytorch.trainer.Trainer": "nemo.lightning.Trainer",
    "nemo.lightning.pytorch.plugins.MegatronMixedPrecision": "nemo.lightning.MegatronMixedPrecision",
    "nemo.lightning.pytorch.plugins.mixed_precision.MegatronMixedPrecision": "nemo.lightning.MegatronMixedPrecision",
    "nemo.lightning.pytorch.strategies.MegatronStrategy": "nemo.lightning.MegatronStrategy",
    "nemo.lightning.pytorch.strategies.megatron_strategy.MegatronStrategy": "nemo.lightning.MegatronStrategy",
    "lightning.pytorch.callbacks.early_stopping.EarlyStopping": "lightning.pytorch.callbacks.EarlyStopping",
    "transformers.training_args.TrainingArguments": "transformers.TrainingArguments",
    "transformers.training_args_seq2seq.Seq2SeqTrainingArguments": "transformers.Seq2SeqTrainingArguments",
    "transformers.trainer.Trainer": "transformers.Trainer",
    "transformers.trainer_seq2seq.Seq2SeqTrainer": "transformers.Seq2SeqTrainer",
    "transformers.integrations.integration_utils.CodeCarbonCallback": "transformers.integrations.CodeCarbonCallback",
    "accelerate.accelerator.Accelerator": "accelerate.Accelerator",
    "accelerate.utils.dataclasses.ProjectConfiguration": "accelerate.utils.ProjectConfiguration",
    "keras.config.set_dtype_policy": "keras.mixed_precision.set_global_policy",
    "keras.mixed_precision.set_dtype_policy": "keras.mixed_precision.set_global_policy",
    "keras.mixed_precision.experimental.set_policy": "keras.mixed_precision.set_global_policy",
    "codecarbon.emissions_tracker.EmissionsTracker": "codecarbon.EmissionsTracker",
    "codecarbon.emissions_tracker.OfflineEmissionsTracker": "codecarbon.OfflineEmissionsTracker",
    "codecarbon.emissions_tracker.track_emissions": "codecarbon.track_emissions",
    "torch.distributed.checkpoint.state_dict_saver.save": "torch.distributed.checkpoint.save",
    # Cloud job APIs (catalogue section 3): public names over their defining modules.
    "boto3.session.Session": "boto3.Session",
    "sagemaker.session.Session": "sagemaker.Session",
    "sagemaker.pytorch.estimator.PyTorch": "sagemaker.pytorch.PyTorch",
    "sagemaker.huggingface.estimator.HuggingFace": "sagemaker.huggingface.HuggingFace",
    "sagemaker.tensorflow.estimator.TensorFlow": "sagemaker.tensorflow.TensorFlow",
    "sagemaker.sklearn.estimator.SKLearn": "sagemaker.sklearn.SKLearn",
    "sagemaker.xgboost.estimator.XGBoost": "sagemaker.xgboost.XGBoost",
    "sagemaker.mxnet.estimator.MXNet": "sagemaker.mxnet.MXNet",
    "sagemaker.chainer.estimator.Chainer": "sagemaker.chainer.Chainer",
    "sagemaker.rl.estimator.RLEstimator": "sagemaker.rl.RLEstimator",
    "sagemaker.algorithm.AlgorithmEstimator": "sagemaker.AlgorithmEstimator",
    "sagemaker.train.model_trainer.ModelTrainer": "sagemaker.train.ModelTrainer",
    "google.cloud.aiplatform.initializer.global_config.init": "google.cloud.aiplatform.init",
    "google.cloud.aiplatform.jobs.CustomJob": "google.cloud.aiplatform.CustomJob",
    "google.cloud.aiplatform.jobs.HyperparameterTuningJob": "google.cloud.aiplatform.HyperparameterTuningJob",
    "google.cloud.aiplatform.training_jobs.CustomTrainingJob": "google.cloud.aiplatform.CustomTrainingJob",
    "google.cloud.aiplatform.training_jobs.CustomContainerTrainingJob": "google.cloud.aiplatform.CustomContainerTrainingJob",
    "google.cloud.aiplatform.training_jobs.CustomPythonPackageTrainingJob": "google.cloud.aiplatform.CustomPythonPackageTrainingJob",
    "sky.resources.Resources": "sky.Resources",
    "sky.K8s": "sky.Kubernetes",
    "sky.clouds.Kubernetes": "sky.Kubernetes",
    "sky.clouds.SSH": "sky.SSH",
    "sky.clouds.Slurm": "sky.Slurm",
    "runpod.api.ctl_commands.create_pod": "runpod.create_pod",
    "modal.app.App": "modal.App",
}


@lru_cache(maxsize=4096)
def canonical(name: str) -> str:
    """The canonical spelling of a qualified name (unchanged when it has no alias)."""
    for old, new in _PREFIXES:
        if name.startswith(old):
            name = new + name[len(old):]
            break
    return _EXACT.get(name, name)


def exact_aliases() -> tuple[tuple[str, str], ...]:
    """(alias, canonical) pairs of the exact renames, for screens that work on last names."""
    return tuple(_EXACT.items())
