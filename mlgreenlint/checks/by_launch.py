"""Judging a script by how the repository launches it, and a config by the scripts it launches.

Two sides of one check name:

* Python side (`CHECKS`): the script is linted; its launch commands (shell scripts,
  Makefiles, job specs) are looked up in the repository pass. A finding points at the call
  in the script and names the launch line.
* Config side (`LINK_CHECKS`): a config file passed by a launch command is linted; the
  scripts it launches are looked up. A finding points at the config's key and names the
  script and the launch line. It is reported only when the config file is part of the run.

A launch that cannot be read to the end (a config outside the repository, a variable set
elsewhere, `accelerate launch` without `--config_file`, which reads the user's default
config) makes the verdict unknown, and unknown never reports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlgreenlint.configs import document
from mlgreenlint.configs.nodes import Node
from mlgreenlint.match.names import names_match
from mlgreenlint.match.predicates import Hit
from mlgreenlint.model import Rule, Span
from mlgreenlint.python.context import FileContext
from mlgreenlint.python.vocabulary import ACCELERATORS, HF_PARSERS
from mlgreenlint.repository.launch import Launch
from mlgreenlint.versions import Versions

if TYPE_CHECKING:
    from mlgreenlint.repository.index import RepoIndex

TRAINING_ARGS = ("transformers.TrainingArguments", "transformers.Seq2SeqTrainingArguments", "trl.*Config")
PARSER = HF_PARSERS
ACCELERATOR = ACCELERATORS
_ON = ("bf16", "fp16", "fp8")


@dataclass
class LinkedConfig:
    """A config file being linted, with the repository pass that knows who launches it."""

    path: str
    rel: str
    text: str
    repo: RepoIndex
    versions: Versions


# verdicts ---------------------------------------------------------------------------------

def accelerate_precision(launch: Launch, repo, consumer: str | None) -> str | None:
    """The mixed precision an `accelerate launch` gives its script; None when unknown."""
    if launch.flag("mixed_precision"):
        return launch.flag("mixed_precision")
    ref = launch.config("accelerate")
    if ref is None or not ref.found:
        return None  # the user's default config decides
    data = repo.config(ref.path, consumer=consumer)
    if data is None or data.get("deepspeed_config"):
        return None
    value = data.get("mixed_precision", "no")
    if value is None or value is False:  # YAML 1.1 reads an unquoted `no` as false
        return "no"
    return str(value).lower()


def bf16_by_default(args: list[str], versions) -> bool:
    """TRL configs default to bf16 from trl 0.19 on; TrainingArguments never does."""
    if names_match(tuple(args), ("transformers.TrainingArguments", "transformers.Seq2SeqTrainingArguments")):
        return False
    return names_match(tuple(args), ("trl.*Config", "trl.experimental.*Config")) and not versions.below("trl", "0.19")


def hf_verdict(launch: Launch, repo, consumer: str | None, default_on: bool = False) -> str:
    """ok | unknown | cli (no precision on the command line) | file (the arguments file has none).

    With `default_on` (a TRL config on trl >= 0.19) only an explicit `bf16` off is fp32.
    """
    flags = launch.flags
    if any(flags.get(k) == "true" for k in ("bf16", "fp16", "use_cpu", "no_cuda")):
        return "ok"
    if "deepspeed" in flags or launch.config("deepspeed") or flags.get("use_deepspeed"):
        return "unknown"
    if launch.launcher == "accelerate":
        precision = accelerate_precision(launch, repo, consumer)
        if precision is None:
            return "unknown"
        if precision in _ON:
            return "ok"
    args = launch.config("args")
    if args is not None:
        if not args.found:
            return "unknown"
        data = repo.config(args.path, consumer=consumer)
        if data is None:
            return "unknown"
        if any(data.get(k) for k in ("bf16", "fp16", "use_cpu", "no_cuda")):
            return "ok"
        if data.get("deepspeed"):
            return "unknown"
        if default_on and data.get("bf16") is not False:
            return "ok"
        return "file"
    if default_on and flags.get("bf16") != "false":
        return "ok"
    return "cli"


def _script_sites(repo, script: str, names: tuple[str, ...], consumer: str | None) -> list[dict]:
    summary = repo.summary(script, consumer=consumer)
    if summary is None:
        return []
    return [s for s in summary["sites"] if names_match((s["name"],), names)]


def _parses_training_args(site_args: list[str]) -> bool:
    return names_match(tuple(site_args), TRAINING_ARGS)


# Python side --------------------------------------------------------------------------------

def hf_argparser_launch(ctx: FileContext, rule: Rule, options: dict) -> Iterator[Hit]:
    """An HfArgumentParser script every launch of which leaves precision off on the command line."""
    if ctx.repo is None or ctx.rel is None:
        return
    from mlgreenlint.repository.summaries import parser_classes

    parser = next((s for s in ctx.sites if names_match(s.names[:1], PARSER) and _parses_training_args(parser_classes(s))), None)
    if parser is None:
        return
    default_on = bf16_by_default(parser_classes(parser), ctx.versions)
    launches = ctx.repo.launches_of(ctx.rel, consumer=ctx.rel)
    verdicts = [(launch, hf_verdict(launch, ctx.repo, ctx.rel, default_on)) for launch in launches]
    if not verdicts or any(v in ("ok", "unknown") for _, v in verdicts):
        return
    cli = [launch for launch, v in verdicts if v == "cli"]
    if not cli:
        return  # every launch passes an arguments file: judged at the file
    more = f" (and {len(cli) - 1} more)" if len(cli) > 1 else ""
    said = "passes --bf16 false" if default_on else "passes neither --bf16 nor --fp16"
    message = (f"{parser.name.rsplit('.', 1)[-1]} takes precision from the command line, and no launch enables it: "
               f"{cli[0].source}{more} {said}; pass --bf16 true (or --fp16 true on GPUs without bf16) in the launch")
    yield Hit(parser.node, message)  # paths may hold braces: not a template


def accelerate_launch(ctx: FileContext, rule: Rule, options: dict) -> Iterator[Hit]:
    """`Accelerator()` without mixed_precision that no launch or file of the repository gives one.

    Reported at the call when a launch passes `--mixed_precision no`, and when nothing in the
    repository sets mixed precision at all (accelerate's default is 'no'). A launch that passes
    a config leaves the verdict to that config; any accelerate config, launch flag or
    ACCELERATE_MIXED_PRECISION that turns it on anywhere in the repository keeps it silent, since
    it may be the one the user launches with.
    """
    if ctx.repo is None or ctx.rel is None:
        return
    sites = [s for s in ctx.sites if names_match(s.names, ACCELERATOR) and "mixed_precision" not in s.keywords
             and not s.open_kwargs and len(s.positional) < 2 and not _OWN_PRECISION.intersection(s.keywords)]
    if not sites:
        return
    launches = [launch for launch in ctx.repo.launches_of(ctx.rel, consumer=ctx.rel) if launch.launcher == "accelerate"]
    off = [launch for launch in launches if launch.flag("mixed_precision") == "no"]
    if off:
        yield Hit(sites[0].node, f"Accelerator() takes mixed precision from the launch, and {off[0].source} "
                                 "launches it with --mixed_precision no: it trains in fp32; launch with --mixed_precision bf16")
        return
    if any(launch.config("accelerate") for launch in launches):
        return  # the config a launch passes decides, and is judged itself (config side)
    # Only an Accelerator that drives the file's own steps trains with its precision (a Trainer has its own).
    if not any(ctx.is_step(s, helpers=False) for s in ctx.sites) or any(ctx.is_fit(s) for s in ctx.sites):
        return
    if _PRECISION_SET.search(ctx.text) or _repository_sets_precision(ctx.repo):
        return
    yield Hit(sites[0].node, "Accelerator() sets no mixed_precision and nothing in the repository does (no accelerate "
                             "config, launch --mixed_precision or ACCELERATE_MIXED_PRECISION): accelerate's default is "
                             "fp32, unless the accelerate config of the machine that launches it says otherwise; "
                             "pass mixed_precision=\"bf16\" (or \"fp16\" on GPUs without bf16)")


#: Keywords with which an Accelerator takes precision from a plugin or runs on the CPU.
_OWN_PRECISION = {"cpu", "deepspeed_plugin", "fsdp_plugin", "megatron_lm_plugin"}
#: Any way a repository file can set accelerate's mixed precision on.
_PRECISION_SET = re.compile(r"ACCELERATE_MIXED_PRECISION|mixed[_-]precision\W{0,4}(?:bf16|fp16|fp8)\b")


def _repository_sets_precision(repo) -> bool:
    """Whether a launch file or config of the repository (shell, Makefile, YAML, Dockerfile) turns it on."""
    # launches_of() already made the verdict depend on every launch file.
    return any(_PRECISION_SET.search(repo.text(rel) or "") for rel in repo.launch_files)


# config side ------------------------------------------------------------------------------

def hf_args_file(cfg: LinkedConfig, rule: Rule, options: dict) -> Iterator[Hit]:
    """An arguments file passed to an HfArgumentParser script that enables neither bf16 nor fp16."""
    for launch, ref in cfg.repo.launches_with(cfg.rel, consumer=cfg.rel):
        if ref.role != "args":
            continue
        parsers = [s for s in _script_sites(cfg.repo, launch.script, PARSER, cfg.rel) if _parses_training_args(s["args"])]
        if not parsers:
            continue
        default_on = all(bf16_by_default(s["args"], cfg.versions) for s in parsers)
        if hf_verdict(launch, cfg.repo, cfg.rel, default_on) != "file":
            continue
        span = _key_span(cfg, "bf16", "fp16") or _first_key_span(cfg)
        yield Hit(span, f"arguments file for {launch.script} (launched by {launch.source}) trains in fp32: "
                        "neither bf16 nor fp16 is enabled; set bf16 to true (or fp16 on GPUs without bf16)")
        return


def accelerate_config(cfg: LinkedConfig, rule: Rule, options: dict) -> Iterator[Hit]:
    """An accelerate config that leaves mixed precision off for a script whose Accelerator() defers to it."""
    for launch, ref in cfg.repo.launches_with(cfg.rel, consumer=cfg.rel):
        if ref.role != "accelerate" or launch.launcher != "accelerate" or launch.flag("mixed_precision"):
            continue
        sites = _script_sites(cfg.repo, launch.script, ACCELERATOR, cfg.rel)
        if not sites or any("mixed_precision" in s["kw"] or s["open"] for s in sites):
            continue
        if accelerate_precision(launch, cfg.repo, cfg.rel) != "no":
            continue
        span = _key_span(cfg, "mixed_precision")
        said = "sets mixed_precision: 'no'" if span else "sets no mixed_precision (accelerate's default is 'no')"
        yield Hit(span or _first_key_span(cfg),
                  f"accelerate config {said}, so {launch.script} (launched by {launch.source}) trains in fp32; "
                  "set mixed_precision: bf16")
        return


# positions -----------------------------------------------------------------------------------

def _key_span(cfg: LinkedConfig, *keys: str) -> Span | None:
    """Where the first of `keys` present at the top of the config is written."""
    root = _root(cfg)
    found = (root.get(key) for key in keys) if root is not None else ()
    return next((node.key_span for node in found if node is not None and node.key_span is not None), None)


def _first_key_span(cfg: LinkedConfig) -> Span:
    root = _root(cfg)
    first = next(iter(root.value.values()), None) if root is not None else None
    return first.key_span if first is not None and first.key_span is not None else Span.point(1)


def _root(cfg: LinkedConfig) -> Node | None:
    """The config's top-level mapping, read by the positioned parser; None when unreadable."""
    try:
        docs = document.parse(cfg.text, document.format_of(cfg.path) or "yaml")
    except (document.ConfigError, RecursionError):
        return None
    return docs[0] if len(docs) == 1 and docs[0].kind == "map" else None
