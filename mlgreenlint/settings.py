"""Settings: defaults < [tool.mlgreenlint] (pyproject.toml or .mlgreenlint.toml) < command line."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path

from mlgreenlint.errors import SettingsError, did_you_mean
from mlgreenlint.model import Severity
from mlgreenlint.quickschema import certainly_valid
from mlgreenlint.tomlcompat import tomllib

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".venv", "venv", "env", ".env", ".tox", ".nox", "__pycache__",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".mlgreenlint_cache", ".ipynb_checkpoints",
    "node_modules", "build", "dist", "site-packages", "*.egg-info",
    "wandb", "mlruns", "lightning_logs", "outputs", "multirun",
)
DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024
#: Seconds one file may take before it is skipped with a GL003 finding (0: no limit).
DEFAULT_TIMEOUT_PER_FILE = 20.0
CONFIG_NAMES = (".mlgreenlint.toml", "pyproject.toml")


@dataclass(frozen=True)
class Settings:
    """The materialised settings of one run."""

    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    fail_on: Severity = Severity.WARNING
    rule_paths: tuple[Path, ...] = ()
    baseline: Path | None = None
    #: Exit 1 when the baseline has entries no finding matches any more.
    fail_on_stale_baseline: bool = False
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    timeout_per_file: float = DEFAULT_TIMEOUT_PER_FILE
    cache_dir: Path | None = None
    #: Autofix (see mlgreenlint/fixes/policy.py): apply fixes, unsafe ones too, and which rules' fixes.
    fix: bool = False
    unsafe_fixes: bool = False
    fixable: tuple[str, ...] = ("ALL",)
    unfixable: tuple[str, ...] = ()
    extend_safe_fixes: tuple[str, ...] = ()
    extend_unsafe_fixes: tuple[str, ...] = ()
    #: The report format when neither --output-format nor MLGREENLINT_OUTPUT_FORMAT names one.
    output_format: str = "text"
    #: Per-rule overrides: {"CK001": {"severity": "info", "min-save-steps": 50}}
    rules: dict[str, dict] = field(default_factory=dict)
    #: Where the settings came from, for --show-settings and messages.
    source: str = "defaults"
    #: Keys (as spelled in the configuration) given on the command line instead.
    from_cli: frozenset[str] = frozenset()
    root: Path = field(default_factory=Path.cwd)

    def with_overrides(self, **overrides) -> Settings:
        given = {k: v for k, v in overrides.items() if v is not None}
        return replace(self, **given, from_cli=self.from_cli | {k.replace("_", "-") for k in given})

    def origin(self, key: str) -> tuple[str, str]:
        """(source, key) for messages about `key`: the command-line flag or the configuration key."""
        if key.split(".")[0] in self.from_cli:
            return "", f"--{key}"
        return (self.source if self.source != "defaults" else ""), f"tool.mlgreenlint.{key}"


def find_config(start: Path) -> Path | None:
    """The nearest .mlgreenlint.toml, or pyproject.toml with a [tool.mlgreenlint] table."""
    start = start.resolve()
    for folder in (start, *start.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if not candidate.is_file():
                continue
            if name == "pyproject.toml":
                try:
                    if b"[tool.mlgreenlint" not in candidate.read_bytes():
                        continue
                except OSError:
                    continue
            return candidate
    return None


def load(config: Path | None = None, *, start: Path | None = None, isolated: bool = False) -> Settings:
    """Read and validate the configuration file; raises SettingsError naming the key."""
    root = (start or Path.cwd()).resolve()
    if isolated:
        return Settings(root=root)
    path = config if config is not None else find_config(root)
    if path is None:
        return Settings(root=root)
    table = _read_table(path)
    return from_table(table, source=str(path), root=path.resolve().parent)


def _read_table(path: Path) -> dict:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(str(path), "", f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise SettingsError(str(path), "", f"not UTF-8: {exc.reason}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(str(path), "", f"invalid TOML: {exc}") from None
    except RecursionError:
        raise SettingsError(str(path), "", "invalid TOML: nesting too deep") from None
    if path.name == "pyproject.toml":
        return data.get("tool", {}).get("mlgreenlint", {})
    # .mlgreenlint.toml: top-level keys, or a [tool.mlgreenlint] table for copy-paste symmetry.
    return data.get("tool", {}).get("mlgreenlint", data)


def from_table(table: dict, *, source: str, root: Path) -> Settings:
    validate_table(table, source)
    values: dict = {}
    codes = {"select", "ignore", "extend-select", "fixable", "unfixable", "extend-safe-fixes", "extend-unsafe-fixes"}
    globs = {"exclude", "extend-exclude"}
    for key, value in table.items():
        attr = key.replace("-", "_")
        # Rule codes are case-insensitive everywhere, as on the command line.
        if key in codes:
            values[attr] = tuple(c.upper() for c in value)
        elif key in globs:
            values[attr] = tuple(value)
        elif key == "per-file-ignores":
            values[attr] = {glob: tuple(c.upper() for c in ids) for glob, ids in value.items()}
        elif key == "fail-on":
            values[attr] = Severity.parse(value)
        elif key == "rule-paths":
            values[attr] = tuple((root / p) for p in value)
        elif key in ("baseline", "cache-dir"):
            values[attr] = root / value
        else:
            values[attr] = value
    return Settings(source=source, root=root, **values)


@lru_cache(maxsize=1)
def _schema() -> dict:
    return json.loads((Path(__file__).parent / "schemas" / "settings.schema.json").read_text(encoding="utf-8"))


def validate_table(table: dict, source: str) -> None:
    if not table:
        return
    timeout = table.get("timeout-per-file")
    if isinstance(timeout, float) and timeout != timeout:  # TOML's nan passes every JSON Schema bound
        raise SettingsError(source, "tool.mlgreenlint.timeout-per-file", "nan is not a number of seconds")
    schema = _schema()
    known = schema["properties"]
    for key in table:
        if key not in known:
            raise SettingsError(source, f"tool.mlgreenlint.{key}", f"unknown key{did_you_mean(key, known)}")
    # A one-sided check of the schema's own keywords: jsonschema (about 100 ms to import)
    # runs, and writes the message, only when the table may be invalid.
    if certainly_valid(table, schema):
        return
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(table), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        error = errors[0]
        key = ".".join(str(p) for p in error.absolute_path) or "(table)"
        raise SettingsError(source, f"tool.mlgreenlint.{key}" if key != "(table)" else "tool.mlgreenlint", error.message)


def show(settings: Settings) -> dict:
    """A JSON-ready view of the settings for --show-settings."""
    out = {}
    for f in fields(settings):
        if f.name == "from_cli":  # bookkeeping for messages, not a setting
            continue
        value = getattr(settings, f.name)
        if isinstance(value, Severity):
            value = value.label
        elif isinstance(value, Path):
            value = str(value)
        elif isinstance(value, tuple):
            value = [str(v) for v in value]
        out[f.name.replace("_", "-")] = value
    return out
