"""What kind of ML config a YAML, JSON or TOML file is, by name and by content.

Only recognised ML configs get config rules; every other structured file (CI workflows,
Kubernetes manifests, compose files, package manifests, ...) classifies as the empty
set and stays silent. Key sets follow the ML API catalogue (sections 1.2-1.7, 3.1,
3.6, 3.8 of the design notes).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator
from typing import Any

from mlgreenlint.configs.document import Node, format_of
from mlgreenlint.configs.keys import (
    DS_KEYS,
    DS_ONLY,
    DSTACK_KEYS,
    DSTACK_TYPES,
    AXOLOTL_ONLY,
    COMPOSER_KEYS,
    HF_KEYS,
    LLAMA_FACTORY_KEYS,
    LLAMA_FACTORY_STAGES,
    LLAMA_FACTORY_V1_KEYS,
    MCLI_COMPUTE,
    MCLI_TOP,
    SILENT_NAMES,
    SKY_RESOURCES,
    SKY_RESOURCES_WEAK,
    SKY_TASK,
    TRAINER_KEYS,
    AZUREML_PLACED_SCHEMAS,
    TRAINER_ONLY,
    ULTRALYTICS_KEYS,
    ULTRALYTICS_MODES,
)

KINDS = ("deepspeed", "accelerate", "lightning-cli", "hydra", "torchtune", "hf-args",
         "skypilot", "ray-cluster", "dstack", "axolotl", "llama-factory", "llama-factory-v1", "composer", "mcli", "nemo", "nanotron",
         "detectron2", "ultralytics", "azureml", "kueue")

# --- names ---------------------------------------------------------------------------

_SILENT_NAME_RE = re.compile(r"(docker-)?compose[-._].*\.ya?ml|values([-_.].*)?\.ya?ml")
_SILENT_DIRS = frozenset({".github", ".gitlab", ".circleci", ".vscode", ".devcontainer",
                          ".idea", "node_modules", ".sky"})

_DEEPSPEED_NAME = re.compile(
    r"ds([-_.].*)?|deepspeed.*|(.*[-_.])?(zero|ds_?z)[-_]?(stage[-_]?)?[0-3]([-_.+].*)?")
_DEEPSPEED_DIRS = frozenset({"deepspeed", "ds_configs", "deepspeed_configs"})
_SKYPILOT_NAME = re.compile(r"sky(pilot)?([-_.].*)?|.*[-_.]sky(pilot)?")
_RAY_NAME = re.compile(r".*ray[-_]?cluster.*")


def _split(path: str) -> tuple[str, str, list[str]]:
    """Lower-cased file name, stem and parent directory names."""
    parts = path.replace("\\", "/").lower().split("/")
    name = parts[-1]
    return name, posixpath.splitext(name)[0], parts[:-1]


def _silent_name(path: str) -> bool:
    name, _, dirs = _split(path)
    return (name in SILENT_NAMES or bool(_SILENT_NAME_RE.fullmatch(name))
            or any(d in _SILENT_DIRS for d in dirs))


def kinds_by_name(path: str) -> set[str]:
    """Kinds the file name alone suggests (a hint: `classify` has the final word)."""
    fmt = format_of(path)
    if fmt is None or _silent_name(path):
        return set()
    name, stem, dirs = _split(path)
    kinds = set()
    if fmt == "json" and (_DEEPSPEED_NAME.fullmatch(stem) or _DEEPSPEED_DIRS & set(dirs)):
        kinds.add("deepspeed")
    if fmt == "yaml":
        if name.endswith((".dstack.yml", ".dstack.yaml")) or ".dstack" in dirs:
            kinds.add("dstack")
        elif stem.startswith("accelerate") or any("accelerate" in d for d in dirs):
            kinds.add("accelerate")
        elif _SKYPILOT_NAME.fullmatch(stem) or "skypilot" in dirs:
            kinds.add("skypilot")
        elif _RAY_NAME.fullmatch(stem):
            kinds.add("ray-cluster")
    return kinds


# --- cheap byte checks ---------------------------------------------------------------

_TOKENS = (
    b"_target_", b"_component_", b"class_path", b"zero_optimization", b"train_micro_batch_size",
    b"train_batch_size", b"fp16", b"bf16", b"bfloat16", b"steps_per_print",
    b"wall_clock_breakdown", b"zero_allow_untested_optimizer", b"prescale_gradients",
    b"gradient_predivide_factor", b"compute_environment", b"distributed_type", b"trainer",
    b"output_dir", b"resources", b"provider", b"commands", b"dev-environment", b"fleet",
    b"sequence_len", b"micro_batch_size", b"finetuning_type", b"model_class", b"dist_config", b"kernel_config",
    b"max_duration", b"integration_type",
    b"gpus", b"gpu_num", b"exp_manager", b"checkpoint_interval", b"MODEL", b"imgsz", b"azuremlschemas", b"amlcompute",
    b"ResourceFlavor",
)
_TEMPLATE_MARKERS = (b"{{", b"{%")
_STRONG_TOKENS: tuple[tuple[str, tuple[bytes, ...]], ...] = (
    ("deepspeed", (b"zero_optimization",)),
    ("deepspeed", (b"train_micro_batch_size_per_gpu",)),
    ("accelerate", (b"compute_environment",)),
    ("accelerate", (b"distributed_type", b"mixed_precision")),
    ("hydra", (b"_target_",)),
    ("torchtune", (b"_component_",)),
    ("lightning-cli", (b"trainer:", b"seed_everything")),
    ("lightning-cli", (b"trainer:", b"class_path")),
    ("hf-args", (b"output_dir", b"per_device_train_batch_size")),
    ("axolotl", (b"base_model", b"sequence_len")),
    ("llama-factory", (b"stage", b"finetuning_type")),
    ("ray-cluster", (b"available_node_types",)),
    ("ray-cluster", (b"head_node_type",)),
)


def could_be_ml_config(path: str, head: bytes) -> bool:
    """Whether a file is worth parsing: a name hint or a telling key in its bytes.

    Never False for a file `classify` would recognise from its full bytes.
    """
    if format_of(path) is None or _silent_name(path):
        return False
    return bool(kinds_by_name(path)) or any(token in head for token in _TOKENS)


def templated(head: bytes) -> bool:
    """A Helm or Jinja template: not YAML until rendered, so its parse error says nothing."""
    return any(marker in head for marker in _TEMPLATE_MARKERS)


def sniff_kinds(path: str, head: bytes) -> set[str]:
    """Kinds of a file that failed to parse, from its name and unmistakable keys.

    A non-empty answer makes the parse error worth reporting; templates (Helm, Jinja)
    and files of no recognisable kind give the empty set and stay silent.
    """
    if format_of(path) is None or _silent_name(path):
        return set()
    if templated(head):
        return set()
    kinds = kinds_by_name(path)
    for kind, tokens in _STRONG_TOKENS:
        if all(token in head for token in tokens):
            kinds.add(kind)
    return kinds


# --- content -------------------------------------------------------------------------


def _keys(node: Node | None) -> set[Any]:
    return set(node.value) if node is not None and node.kind == "map" else set()


def _scalar(node: Node | None) -> Any:
    return node.value if node is not None and node.kind == "scalar" else None


def _not_ml(root: Node, keys: set[Any]) -> bool:
    """Documents that are well-known non-ML files whatever their name."""
    repos = root.get("repos")
    return bool(
        "apiVersion" in keys  # Kubernetes manifests, Helm charts
        # GitHub Actions (YAML 1.1 reads the `on` key as True)
        or ("jobs" in keys and ("on" in keys or True in keys))
        or _keys(root.get("services"))  # docker-compose
        or (repos is not None and repos.kind == "seq")  # pre-commit
        or {"site_name", "cff-version", "build-system", "openapi", "swagger"} & keys
        or "merge_method" in keys  # MergeKit: merges trained weights, trains nothing
        or {"dependencies", "channels"} <= keys  # conda environment
        or {"version", "updates"} <= keys  # dependabot
    )


def _deepspeed(root: Node, keys: set[Any], hinted: bool) -> bool:
    if hinted:
        return bool(keys & DS_KEYS)
    if keys & {"zero_optimization", "train_micro_batch_size_per_gpu"}:
        return True
    # `train_batch_size`, `optimizer`, ... alone are common in any training config.
    sections = (root.get(k) for k in ("fp16", "bf16", "bfloat16"))
    evidence = bool(keys & DS_ONLY) or any("enabled" in _keys(s) for s in sections)
    return evidence and len(keys & DS_KEYS) >= 2


def _accelerate(keys: set[Any], hinted: bool) -> bool:
    if "compute_environment" in keys:
        return True
    if "distributed_type" in keys and keys & {"mixed_precision", "num_processes"}:
        return True
    return hinted and bool(keys & {"distributed_type", "mixed_precision", "num_processes"})


def _lightning(root: Node) -> bool:
    fit = root.get("fit")
    trainer = root.get("trainer") or (fit.get("trainer") if fit is not None else None)
    keys = _keys(trainer)
    if "_target_" in keys:  # a Hydra node: treated as a call, not as LightningCLI
        return False
    return bool(keys & TRAINER_ONLY) or len(keys & TRAINER_KEYS) >= 2 or _cli_callbacks(trainer)


def _cli_callbacks(trainer: Node | None) -> bool:
    """`trainer.callbacks` written the LightningCLI way: entries with `class_path` (a config of callbacks only)."""
    callbacks = trainer.get("callbacks") if trainer is not None else None
    entries = callbacks.value if callbacks is not None and callbacks.kind == "seq" else []
    return any(e.kind == "map" and isinstance(_scalar(e.get("class_path")), str) for e in entries)


def _skypilot(root: Node, keys: set[Any], hinted: bool) -> bool:
    if _scalar(root.get("type")) in DSTACK_TYPES:
        return False
    resources = _keys(root.get("resources"))
    if resources & SKY_RESOURCES:
        return True
    if resources & SKY_RESOURCES_WEAK and keys & SKY_TASK:
        return True
    return hinted and bool(keys & (SKY_TASK | {"resources"}))


def _ray(root: Node, keys: set[Any]) -> bool:
    provider = root.get("provider")
    if provider is None or not isinstance(_scalar(provider.get("type")), str):
        return False
    return "cluster_name" in keys or bool(keys & {"available_node_types", "head_node_type"})


def _dstack(root: Node, keys: set[Any], hinted: bool) -> bool:
    if hinted:
        return True
    kind = _scalar(root.get("type"))
    if kind not in DSTACK_TYPES:
        return False
    return ("commands" in keys or kind in ("dev-environment", "fleet")) and (
        len(keys & DSTACK_KEYS) >= 2)


def _axolotl(keys: set[Any]) -> bool:
    return "base_model" in keys and bool(keys & AXOLOTL_ONLY)


def _llama_factory(root: Node, keys: set[Any]) -> bool:
    return _scalar(root.get("stage")) in LLAMA_FACTORY_STAGES and len(keys & LLAMA_FACTORY_KEYS) >= 2


def _composer(keys: set[Any]) -> bool:
    return "max_duration" in keys and len(keys & COMPOSER_KEYS) >= 2


def _mcli(root: Node, keys: set[Any]) -> bool:
    """A MosaicML run: image and command, and GPUs or a cluster (`compute:` or older top keys)."""
    if not {"image", "command"} <= keys:
        return False
    return bool(_keys(root.get("compute")) & MCLI_COMPUTE or keys & MCLI_TOP)


def _nemo(root: Node) -> bool:
    """A NeMo (1.x) Hydra experiment: a Lightning `trainer` beside NeMo's `exp_manager`."""
    return bool(_keys(root.get("exp_manager"))) and bool(_keys(root.get("trainer")))


def _nanotron(root: Node, keys: set[Any]) -> bool:
    checkpoints = root.get("checkpoints")
    return ("checkpoint_interval" in _keys(checkpoints) and "tokens" in keys
            and bool(keys & {"parallelism", "general"}))


def _detectron2(root: Node, keys: set[Any]) -> bool:
    """A Detectron2 yacs config: upper-case MODEL with SOLVER / INPUT / DATASETS, or a `_BASE_` child."""
    model = _keys(root.get("MODEL"))
    if not model:
        return False
    return "META_ARCHITECTURE" in model or bool(keys & {"SOLVER", "INPUT", "DATASETS", "_BASE_"})


def _ultralytics(root: Node, keys: set[Any]) -> bool:
    """An Ultralytics training cfg (the keys of its `cfg/default.yaml`): `imgsz` with three more
    of its own keys, and no mode other than train (a predict or export cfg trains nothing)."""
    mode = _scalar(root.get("mode"))
    return "imgsz" in keys and len(keys & ULTRALYTICS_KEYS) >= 3 and mode in (None, *ULTRALYTICS_MODES)


def _azureml(root: Node, keys: set[Any]) -> bool:
    """An Azure ML CLI v2 compute or workspace YAML: its `$schema` names one of Azure ML's
    compute or workspace schemas, or (without `$schema`) `type: amlcompute` with its size keys."""
    schema = _scalar(root.get("$schema"))
    if isinstance(schema, str) and "azuremlschemas" in schema:
        return schema.rsplit("/", 1)[-1].lower() in AZUREML_PLACED_SCHEMAS
    return _scalar(root.get("type")) == "amlcompute" and bool(keys & {"size", "min_instances", "max_instances"})


def _kueue_flavor(root: Node) -> bool:
    """A Kueue ResourceFlavor (`kueue.x-k8s.io/v1beta1` or `v1beta2`): the one Kubernetes manifest
    read, because its `spec.nodeLabels` may name the cloud region its nodes run in."""
    api = _scalar(root.get("apiVersion"))
    return (isinstance(api, str) and api.startswith("kueue.x-k8s.io/")
            and _scalar(root.get("kind")) == "ResourceFlavor")


def _hf_args(keys: set[Any], found: set[str]) -> bool:
    """A TrainingArguments file, unless a tool that sets its own defaults reads it: Axolotl,
    LLaMA-Factory, LLaMA-Factory v1, or a torchtune recipe (`_component_` nodes: its recipes read
    `dtype`, never TrainingArguments)."""
    if found & {"axolotl", "llama-factory", "llama-factory-v1", "torchtune"}:
        return False
    return "output_dir" in keys and len(keys & HF_KEYS) >= 2


def _llama_factory_v1(keys: set[Any]) -> bool:
    """LLaMA-Factory v1 (`llamafactory/v1/config`): `model` and two of its own keys; bf16 is on
    by default and nothing is saved before the end without `save_steps` / `save_epochs`."""
    return "model" in keys and len(keys & LLAMA_FACTORY_V1_KEYS) >= 2


def _document_kinds(root: Node, hints: set[str]) -> set[str]:
    keys = _keys(root)
    if root.kind == "map" and _kueue_flavor(root):
        return {"kueue"}
    if root.kind == "map" and _not_ml(root, keys):
        return set()
    kinds = set()
    for _, node in iter_target_nodes([root]):
        if "_component_" in node.value:
            kinds.add("torchtune")
        elif "_target_" in node.value:
            kinds.add("hydra")
    if root.kind != "map":
        return kinds
    checks = {
        "deepspeed": _deepspeed(root, keys, "deepspeed" in hints),
        "accelerate": _accelerate(keys, "accelerate" in hints),
        # NeMo inference / evaluation configs carry a trainer section too, but train nothing.
        "lightning-cli": _lightning(root) and not keys & {"infer", "inference"},
        "axolotl": _axolotl(keys),
        "llama-factory": _llama_factory(root, keys),
        "llama-factory-v1": _llama_factory_v1(keys),
        "composer": _composer(keys),
        "mcli": _mcli(root, keys),
        "nemo": _nemo(root),
        "nanotron": _nanotron(root, keys),
        "detectron2": _detectron2(root, keys),
        "ultralytics": _ultralytics(root, keys),
        "azureml": _azureml(root, keys),
        "skypilot": _skypilot(root, keys, "skypilot" in hints),
        "ray-cluster": _ray(root, keys),
        "dstack": _dstack(root, keys, "dstack" in hints),
    }
    found = {kind for kind, hit in checks.items() if hit}
    if _hf_args(keys, kinds | found):
        found.add("hf-args")
    return kinds | found


def classify(path: str, docs: list[Node]) -> set[str]:
    """The kinds of ML config this file is (several for mixed files); empty = silent."""
    if _silent_name(path):
        return set()
    hints = kinds_by_name(path)
    kinds: set[str] = set()
    for doc in docs:
        kinds |= _document_kinds(doc, hints)
    return kinds


# --- Hydra / torchtune / LightningCLI nodes ------------------------------------------

_TARGET_KEYS = ("_target_", "_component_", "class_path")
_RESERVED = frozenset({"_target_", "_component_", "_partial_", "_recursive_", "_convert_",
                       "_args_"})


def iter_target_nodes(docs: Iterable[Node]) -> Iterator[tuple[str, Node]]:
    """Every mapping that names a callable: Hydra `_target_`, torchtune `_component_`,
    LightningCLI / jsonargparse `class_path`; yields (qualified name, the mapping)."""
    for doc in docs:
        for node in doc.walk():
            if node.kind != "map":
                continue
            for key in _TARGET_KEYS:
                name = _scalar(node.value.get(key))
                if isinstance(name, str) and name.strip():
                    yield name.strip(), node
                    break


def target_kwargs(node: Node) -> dict[str, Node]:
    """The keyword arguments of a node from `iter_target_nodes`, as its call would get them."""
    if "class_path" in node.value and not ({"_target_", "_component_"} & set(node.value)):
        kwargs: dict[str, Node] = {}
        for key in ("init_args", "dict_kwargs"):
            section = node.value.get(key)
            if section is not None and section.kind == "map":
                kwargs.update(section.value)
        return kwargs
    return {k: v for k, v in node.value.items() if k not in _RESERVED}
