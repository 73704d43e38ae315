"""Read the framework versions a repository pins from its manifests.

Sources, most authoritative first: lock files (`uv.lock`, `poetry.lock`, `Pipfile.lock`:
exact resolved versions), `constraints*.txt`, `requirements*.txt` (and `requirements/*.txt`),
`pyproject.toml` (PEP 621, Poetry, dependency groups), `setup.cfg`, conda
`environment.yml`, and `pip install` lines of Dockerfiles. An exact pin anywhere beats a range; among equals the first source wins.
`==x` is exact; `>=`, `~=`, `^`, `~` and `<` give bounds, and a range is assumed to install
its newest allowed release. A file that cannot be read or parsed is skipped with a note:
reading pins never fails a run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from mlgreenlint.limits import read_source
from mlgreenlint.tomlcompat import tomllib
from mlgreenlint.versions import Pin, Versions, normalise, parse_version

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(\(?[^;#]*)")
_SPECIFIER = re.compile(r"(===|==|~=|>=|<=|!=|>|<)\s*([0-9A-Za-z.*+!-]+)")
_MAX_BYTES = 4 * 1024 * 1024
#: CPU-only PyTorch wheels: the CPU index, a `+cpu` local version, conda's `cpuonly` package.
_CPU_WHEELS = re.compile(r"download\.pytorch\.org/whl/cpu\b|\btorch(?:vision|audio)?\s*==\s*[\w.]+\+cpu\b|^[\s-]*cpuonly\b", re.M)
#: conda package names that differ from their PyPI names.
_CONDA_NAMES = {"pytorch": "torch", "pytorch-lightning": "pytorch-lightning", "tensorflow-gpu": "tensorflow"}


def read_pins(root: Path) -> Versions:
    """Pins of the repository rooted at `root`; never raises."""
    versions = Versions()
    found: list[Pin] = []
    for path, reader in _manifests(root):
        rel = path.relative_to(root).as_posix()
        try:
            text = _read(path)
            if isinstance(text, Exception):
                versions.notes.append(f"{rel}: {text}, pins not read")
                continue
            pins = list(reader(text, rel, path))
            # A Dockerfile or a manifest named for a CPU variant (requirements-cpu.txt) is one way
            # to run the project among others; the project's own manifests say how it runs.
            if versions.cpu_wheels is None and reader is not _dockerfile and "cpu" not in path.name.lower() \
                    and _CPU_WHEELS.search(text):
                versions.cpu_wheels = rel
        except Exception as exc:  # a broken manifest must never break linting
            versions.notes.append(f"{rel}: cannot read pins ({type(exc).__name__}: {_short(exc)}); ignored")
            continue
        versions.sources.append(rel)
        found.extend(pins)
    for pin in found:  # exact pins first, then ranges; each in source order
        if pin.exact:
            versions.pins.setdefault(normalise(pin.package), pin)
    for pin in found:
        if not pin.exact:
            versions.pins.setdefault(normalise(pin.package), pin)
    return versions


def _short(exc: Exception) -> str:
    return " ".join(str(exc).split())[:120]


def _manifests(root: Path) -> Iterator[tuple[Path, object]]:
    def files(*patterns: str) -> list[Path]:
        out: list[Path] = []
        for pattern in patterns:
            out.extend(p for p in sorted(root.glob(pattern)) if p.is_file() and p not in out)
        return out

    for path in files("uv.lock", "poetry.lock"):
        yield path, _toml_lock
    for path in files("Pipfile.lock"):
        yield path, _pipfile_lock
    reqs = files("constraints*.txt", "requirements/constraints*.txt", "requirements.txt",
                 "requirements*.txt", "requirements/*.txt", "requirements/*.in", "requirements*.in")
    for path in reqs:
        yield path, _requirements
    for path in files("pyproject.toml"):
        yield path, _pyproject
    for path in files("setup.cfg"):
        yield path, _setup_cfg
    for path in files("environment.yml", "environment.yaml", "conda.yml", "conda.yaml"):
        yield path, _environment
    for path in files("Dockerfile", "Dockerfile.*", "*.dockerfile", "docker/Dockerfile*"):
        yield path, _dockerfile


# requirement strings ---------------------------------------------------------------

def parse_requirement(line: str, source: str, name: str | None = None) -> Pin | None:
    """`trl[peft]>=0.17,<0.19 ; python_version>'3.9'` -> Pin; None when it pins nothing."""
    m = _REQUIREMENT.match(line)
    if m is None:
        return None
    package = name or m.group(1)
    return _from_specifiers(package, m.group(2), source)


def _from_specifiers(package: str, specs: str, source: str) -> Pin | None:
    lower: tuple[int, ...] | None = None
    lower_text = ""
    upper: str | None = None
    for op, version in _SPECIFIER.findall(specs):
        if op in ("==", "===") and "*" not in version:
            return Pin(package, version, source)
        version = version.rstrip(".*")
        if not parse_version(version):
            continue
        if op in ("==", "==="):  # `==1.2.*`
            op, upper = ">=", _next(version, len(parse_version(version)))
        if op in (">=", ">", "~="):
            if lower is None or parse_version(version) > lower:
                lower, lower_text = parse_version(version), version
            if op == "~=":
                parts = len(parse_version(version))
                upper = _min_upper(upper, _next(version, max(parts - 1, 1)))
        elif op in ("<", "<="):
            upper = _min_upper(upper, version if op == "<" else _next(version, len(parse_version(version))))
    if lower is None and upper is None:
        return None
    return Pin(package, lower_text, source, exact=False, upper=upper)


def _next(version: str, keep: int) -> str:
    """The release after every `version` sharing its first `keep` components: (0.18.2, 2) -> 0.19."""
    parts = list(parse_version(version))[:keep] or [0]
    parts[-1] += 1
    return ".".join(map(str, parts))


def _min_upper(current: str | None, new: str) -> str:
    if current is None or parse_version(new) < parse_version(current):
        return new
    return current


def _poetry_constraint(package: str, spec: str, source: str) -> Pin | None:
    """Poetry: `^0.18.2` -> >=0.18.2,<0.19; `~0.18.2` -> <0.19; a bare `0.18.2` is exact."""
    spec = spec.strip()
    if spec.startswith("^"):
        version = spec[1:].strip()
        parts = parse_version(version)
        if not parts:
            return None
        first = next((i for i, p in enumerate(parts) if p != 0), len(parts) - 1)
        return Pin(package, version, source, exact=False, upper=_next(version, first + 1))
    if spec.startswith("~") and not spec.startswith("~="):
        version = spec[1:].strip()
        parts = parse_version(version)
        if not parts:
            return None
        return Pin(package, version, source, exact=False, upper=_next(version, min(len(parts), 2)))
    if re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", spec):
        return Pin(package, spec, source)
    return _from_specifiers(package, spec, source)


def _line_of(text: str, package: str, written: str | None = None) -> int:
    """1-based line of a pin (for `file:line` sources): the line holding the requirement as
    `written`, else the first that names the package as a key or a requirement (a project
    name, author or description that merely mentions it does not count), else the first
    mention; 1 when not found."""
    lines = text.splitlines()
    if written:
        for n, line in enumerate(lines, start=1):
            if f'"{written}"' in line or f"'{written}'" in line:
                return n
    name = re.escape(package).replace(r"\-", "[-_.]")
    as_key = re.compile(r"""^\s*(["']?)""" + name + r"""\1\s*[=:]""", re.I)
    as_requirement = re.compile(r"""["']""" + name + r"(?![A-Za-z0-9._-])\s*[\[<>=!~;@\"']", re.I)
    mention = re.compile(r"(^|[\s\"'\[{,])" + name + r"(?![A-Za-z0-9._-])", re.I)
    for pattern in (as_key, as_requirement, mention):
        for n, line in enumerate(lines, start=1):
            if pattern.search(line):
                return n
    return 1


# readers ----------------------------------------------------------------------------

def _read(path: Path) -> str | Exception:
    """A manifest's text; only a regular file within the size limit is read (never a FIFO or a device)."""

    data = read_source(path, _MAX_BYTES)
    return OSError(data.removesuffix(": not analysed")) if isinstance(data, str) else data.decode("utf-8", errors="replace")


def _requirements(text: str, rel: str, path: Path, depth: int = 0) -> Iterator[Pin]:
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r", "-c", "--requirement", "--constraint")) and depth < 3:
            target = line.split(None, 1)[-1] if " " in line else line[2:]
            included = (path.parent / target.strip()).resolve()
            text = _read(included) if included != path.resolve() else None
            if isinstance(text, str):
                yield from _requirements(text, _rel_to(included, path, rel), included, depth + 1)
            continue
        if line.startswith("-") or "://" in line or line.startswith((".", "/")):
            continue
        pin = parse_requirement(line, f"{rel}:{n}")
        if pin is not None:
            yield pin


def _rel_to(included: Path, base: Path, base_rel: str) -> str:
    folder = base_rel.rsplit("/", 1)[0] + "/" if "/" in base_rel else ""
    try:
        return folder + included.relative_to(base.parent.resolve()).as_posix()
    except ValueError:
        return included.name


def _toml_lock(text: str, rel: str, path: Path) -> Iterator[Pin]:
    data = tomllib.loads(text)
    lines = text.splitlines()
    index = {}
    for n, line in enumerate(lines, start=1):
        m = re.match(r'\s*name\s*=\s*"([^"]+)"', line)
        if m:
            index.setdefault(normalise(m.group(1)), n)
    for package in data.get("package", []):
        name, version = package.get("name"), package.get("version")
        if isinstance(name, str) and isinstance(version, str):
            yield Pin(name, version, f"{rel}:{index.get(normalise(name), 1)}")


def _pipfile_lock(text: str, rel: str, path: Path) -> Iterator[Pin]:
    data = json.loads(text)
    for section in ("default", "develop"):
        for name, spec in (data.get(section) or {}).items():
            version = spec.get("version", "") if isinstance(spec, dict) else ""
            pin = _from_specifiers(name, version, f"{rel}:{_line_of(text, name)}") if version else None
            if pin is not None:
                yield pin


def _pyproject(text: str, rel: str, path: Path) -> Iterator[Pin]:
    data = tomllib.loads(text)
    project = data.get("project") or {}
    strings = list(project.get("dependencies") or [])
    for extra in (project.get("optional-dependencies") or {}).values():
        strings.extend(extra or [])
    for group in (data.get("dependency-groups") or {}).values():
        strings.extend(g for g in group or [] if isinstance(g, str))
    for spec in strings:
        if isinstance(spec, str):
            m = _REQUIREMENT.match(spec)
            if m:
                pin = parse_requirement(spec, f"{rel}:{_line_of(text, m.group(1), spec)}")
                if pin is not None:
                    yield pin
    poetry = (data.get("tool") or {}).get("poetry") or {}
    tables = [poetry.get("dependencies") or {}, poetry.get("dev-dependencies") or {}]
    tables += [(g or {}).get("dependencies") or {} for g in (poetry.get("group") or {}).values()]
    for table in tables:
        for name, spec in table.items():
            if isinstance(spec, dict):
                spec = spec.get("version", "")
            if isinstance(spec, str) and name.lower() != "python":
                pin = _poetry_constraint(name, spec, f"{rel}:{_line_of(text, name)}")
                if pin is not None:
                    yield pin


def _setup_cfg(text: str, rel: str, path: Path) -> Iterator[Pin]:
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    values = []
    if parser.has_option("options", "install_requires"):
        values.append(parser.get("options", "install_requires"))
    if parser.has_section("options.extras_require"):
        values.extend(v for _, v in parser.items("options.extras_require"))
    for value in values:
        for line in value.splitlines():
            m = _REQUIREMENT.match(line)
            if m:
                pin = parse_requirement(line.strip(), f"{rel}:{_line_of(text, m.group(1))}")
                if pin is not None:
                    yield pin


def _environment(text: str, rel: str, path: Path) -> Iterator[Pin]:
    import yaml

    data = yaml.safe_load(text) or {}
    for dep in data.get("dependencies") or []:
        if isinstance(dep, dict):
            for spec in dep.get("pip") or []:
                m = _REQUIREMENT.match(str(spec))
                if m:
                    pin = parse_requirement(str(spec), f"{rel}:{_line_of(text, m.group(1))}")
                    if pin is not None:
                        yield pin
        elif isinstance(dep, str):
            pin = _conda(dep, rel, text)
            if pin is not None:
                yield pin


def _conda(dep: str, rel: str, text: str) -> Pin | None:
    """conda specs: `pytorch=2.1.0` (`=2.1` means 2.1.*), `conda-forge::trl==0.18.2`, `trl>=0.17`."""
    spec = dep.split("::")[-1].strip()
    m = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)", spec)
    if m is None:
        return None
    name, rest = m.group(1), m.group(2).strip()
    package = _CONDA_NAMES.get(name.lower(), name)
    source = f"{rel}:{_line_of(text, name)}"
    if re.fullmatch(r"=[0-9][0-9A-Za-z.]*", rest):
        version = rest[1:]
        return Pin(package, version, source) if len(parse_version(version)) >= 3 else \
            Pin(package, version, source, exact=False, upper=_next(version, len(parse_version(version))))
    rest = rest.split()[0] if rest else ""
    return _from_specifiers(package, rest, source) if rest else None


def _dockerfile(text: str, rel: str, path: Path) -> Iterator[Pin]:
    """`RUN pip install torch==2.6.0 "trl>=0.19"`: continuations joined (comment lines inside
    them dropped, as Docker drops them), `RUN --mount=...` flags and the exec form
    `RUN ["pip", "install", ...]` read, each chained command looked at."""
    import shlex  # (only for repositories with a Dockerfile)

    lines = text.splitlines()
    instructions: list[tuple[int, str]] = []  # (0-based first line, the instruction's lines joined)
    continued = False
    for n, line in enumerate(lines):
        if continued and line.lstrip().startswith("#"):
            continue
        body = line.rstrip()
        if continued:
            instructions[-1] = (instructions[-1][0], instructions[-1][1] + " " + body.removesuffix("\\"))
        else:
            instructions.append((n, body.removesuffix("\\")))
        continued = body.endswith("\\")
    for first, line in instructions:
        if "install" not in line:
            continue
        command = re.sub(r"^\s*RUN\s+(?:--\S+\s+)*", "", line, flags=re.IGNORECASE)
        if command.startswith("["):
            try:
                command = " ".join(shlex.quote(str(word)) for word in json.loads(command))
            except ValueError:
                pass
        for word in pip_installed(command):
            if _SPECIFIER.search(word):
                at = next((n for n in range(first, len(lines)) if word in lines[n]), first)
                pin = parse_requirement(word, f"{rel}:{at + 1}")
                if pin is not None:
                    yield pin


#: The programs that install with pip's arguments: `pip`, `pip3`, `pip3.11`, `pip${PY}`;
#: `python -m pip` (after `_PYTHON`); `uv pip`; OpenMMLab's `mim`.
_PIP = re.compile(r"pip[\d.]*(?:\$\{?\w+\}?)?|mim")
_PYTHON = re.compile(r"python[\d.]*(?:\$\{?\w+\}?)?")
#: pip options followed by a value (global ones may come before `install`).
_PIP_VALUED = frozenset({
    "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url", "--extra-index-url",
    "-f", "--find-links", "-t", "--target", "--prefix", "--root", "--src", "--trusted-host", "--platform",
    "--python-version", "--implementation", "--abi", "--upgrade-strategy", "--cache-dir", "--log", "--proxy",
    "--retries", "--timeout", "--cert", "--client-cert", "--exists-action", "--progress-bar", "-C",
    "--config-settings", "--global-option", "--only-binary", "--no-binary", "--python", "--report",
})
#: Words before a command that run it: shell keywords, `sudo`, `env`, `time`...
_RUNNERS = frozenset({"sudo", "exec", "env", "time", "nohup", "command", "then", "do", "else", "!"})
#: `conda run -n env pip install ...` and its kin; their options with a value.
_ENV_RUNNERS = frozenset({"conda", "mamba", "micromamba"})
_ENV_VALUED = frozenset({"-n", "--name", "-p", "--prefix", "--cwd"})
_ASSIGNMENT = re.compile(r"[A-Za-z_]\w*=\S*")


def pip_installed(command: str) -> list[str]:
    """The requirements named by the `pip install` commands of a shell line: each of the
    commands chained with `&&`, `;`, `|` or in parentheses, after `sudo`, variable
    assignments, shell keywords or `conda run -n env`; pip's options and their values,
    requirement files, paths, URLs and shell variables left out."""
    import shlex

    try:
        lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|()")
        lexer.whitespace_split = True
        words = list(lexer)
    except ValueError:  # an unclosed quote
        words = command.split()
    out: list[str] = []
    start = 0
    for end in [*(i for i, word in enumerate(words) if not word.strip(";&|()")), len(words)]:
        out.extend(_pip_requirements(words[start:end]))
        start = end + 1
    return out


def _pip_requirements(words: list[str]) -> list[str]:
    while words:
        if words[0] in _RUNNERS or _ASSIGNMENT.fullmatch(words[0]):
            words = words[1:]
            while words and words[0].startswith("-"):  # `sudo -H`, `env -i`
                words = words[1:]
        elif words[0] in _ENV_RUNNERS and words[1:2] == ["run"]:
            words = words[2:]
            while words and words[0].startswith("-"):
                words = words[2:] if words[0] in _ENV_VALUED else words[1:]
        else:
            break
    if len(words) >= 3 and _PYTHON.fullmatch(words[0]) and words[1:3] == ["-m", "pip"]:
        words = words[2:]
    elif words[:2] == ["uv", "pip"]:
        words = words[1:]
    if not words or not _PIP.fullmatch(words[0]):
        return []
    i = 1
    while i < len(words) and words[i].startswith("-"):  # pip's global options
        i += 2 if words[i] in _PIP_VALUED else 1
    if words[i:i + 1] != ["install"]:
        return []
    out, skip = [], False
    for word in words[i + 1:]:
        if skip:
            skip = False
        elif word in _PIP_VALUED:
            skip = True
        elif not word.startswith(("-", "$", "{")) and "/" not in word:
            out.append(word)
    return out
