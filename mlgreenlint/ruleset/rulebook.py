"""Load rule files: the built-in ones shipped with the package and custom ones from rule-paths."""

from __future__ import annotations

import hashlib
import json
import os
import re
from functools import lru_cache
from pathlib import Path

from mlgreenlint.errors import RuleFileError
from mlgreenlint.model import Rule, Severity
from mlgreenlint.tomlcompat import tomllib

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_FILE_NAME = re.compile(r"^([A-Z]{2}[0-9]{3})-([a-z0-9]+(?:-[a-z0-9]+)*)\.toml$")


def builtin_rules_dir() -> Path:
    """The shipped rules: inside the installed package, or the checkout's top-level rules/."""
    installed = _PACKAGE_DIR / "rules"
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent / "rules"


def schema() -> dict:
    return json.loads((builtin_rules_dir() / "schema.json").read_text(encoding="utf-8"))


def rule_files(path: Path) -> list[Path]:
    """Rule files at a path: the file itself, or the *.toml files of a folder."""
    if path.is_dir():  # listed, not globbed: pathlib's glob compiles patterns (a millisecond of each run)
        return sorted(path / name for name in os.listdir(path) if name.endswith(".toml") and (path / name).is_file())
    if path.is_file():
        return [path]
    raise RuleFileError(str(path), "", "no such file or folder")


def load_builtin() -> list[Rule]:
    return list(_load_builtin_cached()[0])


def builtin_identity() -> tuple[str, dict[str, Rule]]:
    """What the built-in rules this process loaded are built from, as one digest (their folder,
    rule files, schema and stamp), and those rules by id: cache keys name a rule object of
    this table by its id instead of spelling out its content (an equal copy is spelled out)."""
    rules, digest = _load_builtin_cached()
    return digest, {r.id: r for r in rules}


@lru_cache(maxsize=1)
def _load_builtin_cached() -> tuple[tuple[Rule, ...], str]:
    folder = builtin_rules_dir()
    raw = [(f, f.read_bytes()) for f in rule_files(folder)]
    # Built-in rules are validated by the test suite and `python -m mlgreenlint.ruleset.stamp`;
    # the stamp it writes beside them records their digest and their parsed documents,
    # so a run neither imports jsonschema nor parses TOML unless somebody edited the
    # installed files or the schema.
    digest, docs, stamp = _read_stamp()
    files_digest = _stamped_digest(raw)
    identity = hashlib.sha256(f"{folder}\0{files_digest}\0{stamp}".encode("utf-8", "surrogateescape")).hexdigest()
    if files_digest != digest:
        validator = _validator()
        return tuple(_parse(f, data, validator, builtin=True) for f, data in raw), identity
    return tuple(_rule(f, docs[f.name], None, builtin=True) if f.name in docs else _parse(f, data, None, builtin=True)
                 for f, data in raw), identity


def load_paths(paths: list[Path]) -> list[Rule]:
    """Load and validate custom rule files; raises RuleFileError on the first invalid one or a repeated id."""
    validator = _validator()
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in paths:
        for f in rule_files(path):
            rule = _parse(f, _read(f), validator, builtin=False)
            if seen.get(rule.id) == str(f):
                continue  # the same file named twice (a file and its folder)
            if rule.id in seen:
                raise RuleFileError(str(f), "id", f"duplicate id {rule.id} (also in {seen[rule.id]})")
            seen[rule.id] = str(f)
            rules.append(rule)
    return rules


def check_files(paths: list[Path], *, custom: bool = True) -> list[RuleFileError]:
    """Validate rule files and report every problem instead of stopping at the first.

    `custom`: the files are a team's own rules, so a built-in id is a clash (the built-in
    folder itself is exempt); the stamp tool validates built-in rules with False.
    """
    validator = _validator()
    errors: list[RuleFileError] = []
    seen: dict[str, str] = {}
    builtin_dir = builtin_rules_dir().resolve()
    builtin_ids = {r.id for r in load_builtin()} if custom else set()
    for path in paths:
        try:
            files = rule_files(path)
        except RuleFileError as exc:
            errors.append(exc)
            continue
        for f in files:
            try:
                rule = _parse(f, _read(f), validator, builtin=False)
            except RuleFileError as exc:
                errors.append(exc)
                continue
            if rule.id in seen:
                errors.append(RuleFileError(str(f), "id", f"duplicate id {rule.id} (also in {seen[rule.id]})"))
            elif rule.id in builtin_ids and f.resolve().parent != builtin_dir:
                errors.append(builtin_clash(rule))
            seen[rule.id] = str(f)
    return errors


def builtin_clash(rule: Rule) -> RuleFileError:
    """A custom rule that takes a built-in rule's id (`check` would stop with this error)."""
    return RuleFileError(rule.source, "id", f"{rule.id} is a built-in rule id; choose another")


def digest_of_builtin(folder: Path | None = None) -> str:
    """What rules/VALIDATED records: the digest of the rule files and the schema."""
    folder = folder or builtin_rules_dir()
    return _stamped_digest([(f, f.read_bytes()) for f in rule_files(folder)], folder)


def _stamped_digest(raw: list[tuple[Path, bytes]], folder: Path | None = None) -> str:
    schema_file = (folder or builtin_rules_dir()) / "schema.json"
    try:
        schema_bytes = schema_file.read_bytes()
    except OSError:
        schema_bytes = b""
    return _digest([*raw, (schema_file, schema_bytes)])


def _digest(raw: list[tuple[Path, bytes]]) -> str:
    h = hashlib.sha256()
    for f, data in raw:
        h.update(f.name.encode() + b"\0" + data + b"\0")
    return h.hexdigest()


def stamp_text(folder: Path) -> str:
    """rules/VALIDATED: the digest on the first line, then the parsed rule files as JSON."""
    raw = [(f, f.read_bytes()) for f in rule_files(folder)]
    docs = {f.name: _toml(f, data) for f, data in raw}
    return _stamped_digest(raw, folder) + "\n" + json.dumps(docs, indent=1, ensure_ascii=False) + "\n"


def _read_stamp() -> tuple[str, dict, str]:
    """The digest VALIDATED records, its parsed rule documents, and its size and mtime (as
    the build fingerprint of the cache notes modules: hashing 300 KB would cost a millisecond)."""
    path = builtin_rules_dir() / "VALIDATED"
    try:
        text = path.read_text(encoding="utf-8")
        st = path.stat()
    except (OSError, UnicodeDecodeError):
        return "", {}, ""
    stamp = f"{st.st_size}:{st.st_mtime_ns}"
    digest, _, bundle = text.partition("\n")
    try:
        docs = json.loads(bundle) if bundle.strip() else {}
    except ValueError:
        return "", {}, stamp
    return digest.strip(), docs if isinstance(docs, dict) else {}, stamp


def _read(f: Path) -> bytes:
    try:
        return f.read_bytes()
    except OSError as exc:
        raise RuleFileError(str(f), "", f"cannot read: {exc.strerror or exc}") from None


def _validator():
    import jsonschema

    cls = jsonschema.validators.validator_for(schema())
    return cls(schema(), format_checker=cls.FORMAT_CHECKER)


def _parse(path: Path, data: bytes, validator, *, builtin: bool) -> Rule:
    return _rule(path, _toml(path, data), validator, builtin=builtin)


def _toml(path: Path, data: bytes) -> dict:
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise RuleFileError(str(path), "", f"not UTF-8: {exc.reason} at byte {exc.start}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError(str(path), "", f"invalid TOML: {exc}") from None
    except RecursionError:
        raise RuleFileError(str(path), "", "invalid TOML: nesting too deep") from None


def _rule(path: Path, doc: dict, validator, *, builtin: bool) -> Rule:
    if validator is not None:
        problems = sorted(validator.iter_errors(doc), key=lambda e: (list(e.absolute_path), e.message))
        if problems:
            best = problems[0]
            where = "/".join(str(p) for p in best.absolute_path)
            raise RuleFileError(str(path), where, _problem(best))
        _check_semantics(path, doc)
    return Rule(
        id=doc["id"],
        name=doc["name"],
        family=doc["family"],
        severity=Severity.parse(doc["severity"]),
        message=doc["message"],
        summary=doc.get("summary") or _first_sentence(doc["docs"]["what"]),
        docs=doc["docs"],
        options=doc.get("options", {}),
        match=doc["match"],
        tokens=tuple(doc.get("tokens", ())),
        examples=doc["examples"],
        source=str(path),
        builtin=builtin,
        impact=doc.get("impact"),
        fix=doc.get("fix"),
        opt_in=doc.get("opt-in", False),
    )


def _problem(error) -> str:
    """The schema's message, with the regex engine's reason for an invalid regular expression."""
    if error.validator == "format" and error.validator_value == "regex" and isinstance(error.instance, str):
        try:
            re.compile(error.instance)
        except re.error as exc:
            return f"invalid regular expression {error.instance!r}: {exc}"
    return error.message


def _check_semantics(path: Path, doc: dict) -> None:
    """What JSON Schema cannot say: file name, family prefix, option references, regexes."""
    m = _FILE_NAME.match(path.name)
    if m and (m.group(1), m.group(2)) != (doc["id"], doc["name"]):
        raise RuleFileError(str(path), "id", f"file name {path.name} does not match id {doc['id']} and name {doc['name']}")
    if not doc["id"].startswith(doc["family"]):
        raise RuleFileError(str(path), "family", f"id {doc['id']} does not start with family {doc['family']}")
    options = doc.get("options", {})
    for name, spec in options.items():
        problem = option_type_problem(spec["type"], spec["default"])
        if problem:
            raise RuleFileError(str(path), f"options/{name}/default", problem)
    for where, name in _option_references(doc.get("match", {}), "match"):
        if name not in options:
            raise RuleFileError(str(path), where, f"refers to option {name!r}, which the rule does not declare")
    for where, name, known in _check_names(doc.get("match", {})):
        if name not in known:
            raise RuleFileError(str(path), where, f"names check {name!r}, which is not registered (known: {', '.join(sorted(known))})")
    for where, name, fillable in _placeholders(path, doc):
        if name not in fillable:
            raise RuleFileError(str(path), where, f"placeholder {{{name}}} is never filled here "
                                f"(available: {', '.join(sorted(fillable))}); it would print literally")
    fixes = [where for where, key, _ in _walk(doc.get("match", {}), "match") if key == "fix"]
    if fixes and "fix" not in doc:
        raise RuleFileError(str(path), fixes[0], "a pattern writes a fix, but the rule declares none: add [fix] with its safety and title")
    for where, pattern in _regexes(doc.get("match", {}), "match"):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise RuleFileError(str(path), where, f"invalid regular expression {pattern!r}: {exc}") from None


def _placeholders(path: Path, doc: dict):
    """(where, name, fillable names) for each `{name}` in a message a declared pattern fills.

    A pattern fills the rule's options, `call` and `pin`, and with `report` also `keyword`
    and `value`. Patterns and rules with a check registered in code, and the tool's own
    rules, fill their own placeholders and are not judged here.
    """
    import string

    match = doc.get("match", {})
    if "check" in match or "tool" in match:
        return
    options = set(doc.get("options", {}))
    for kind in ("python", "config"):
        for n, pattern in enumerate(match.get(kind, ())):
            if "check" in pattern:
                continue
            own = "message" in pattern
            template = pattern["message"] if own else doc["message"]
            where = f"match/{kind}/{n}/message" if own else "message"
            fillable = options | {"call", "pin"} | ({"keyword", "value"} if pattern.get("report") else set())
            try:
                fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
            except ValueError as exc:
                raise RuleFileError(str(path), where, f"message is not a valid template: {exc}") from None
            for field in fields:
                yield where, re.match(r"[^.\[]*", field).group(0), fillable


def option_type_problem(kind: str, value) -> str | None:
    """Why `value` is not of option type `kind`, or None when it is."""
    ok = {
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "string": lambda v: isinstance(v, str),
        "boolean": lambda v: isinstance(v, bool),
        "string-list": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
        "number-map": lambda v: isinstance(v, dict)
        and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v.values()),
    }[kind]
    return None if ok(value) else f"expected {kind}, got {json.dumps(value)}"


def _walk(node, where: str):
    if isinstance(node, dict):
        for key, value in node.items():
            yield f"{where}/{key}", key, value
            yield from _walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{where}/{i}")


def _option_references(node, where: str):
    for path, key, value in _walk(node, where):
        if key == "option" and isinstance(value, str):
            yield path, value
        elif key in ("in-option", "not-in-option", "file-calls-option", "value-option") and isinstance(value, str):
            yield path, value


def _check_names(match: dict):
    """(where, name, registered names) for the file check and every pattern's site check."""
    from mlgreenlint.checks import CHECKS, CONFIG_CHECKS, SITE_CHECKS

    if "check" in match:
        yield "match/check", match["check"], CHECKS
    for i, pattern in enumerate(match.get("python", ())):
        if "check" in pattern:
            yield f"match/python/{i}/check", pattern["check"], SITE_CHECKS
    for i, pattern in enumerate(match.get("config", ())):
        if "check" in pattern:
            yield f"match/config/{i}/check", pattern["check"], CONFIG_CHECKS


def _regexes(node, where: str):
    for path, key, value in _walk(node, where):
        if key in ("regex", "mentions", "file-text", "not-inside-if", "not-inside-def", "not-commented") and isinstance(value, str):
            yield path, value


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]
