"""Hostile inputs: every bad file gets normal analysis or one clear GL finding, never a traceback.

Each test runs the real CLI in-process with `catch_exceptions=False`, so a traceback
fails the test. The input classes and their outcomes are listed in benchmarks/FUZZ.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlgreenlint import api, batch, checks, limits
from mlgreenlint.cli import main
from mlgreenlint.engine import driver

#: A line with a rule's token, so the file is parsed rather than skipped by the prefilter.
HEAD = b"from lightning.pytorch import Trainer\n"
LOOP = "import torch\n\nfor batch in loader:\n    loss = model(batch)\n    loss.backward()\n    opt.step()\n"
TRAIN = "from lightning.pytorch import Trainer\n\ntrainer = Trainer(precision=32)\ntrainer.fit(model)\n"


def run(*args: str):
    return CliRunner().invoke(main, ["check", "--isolated", "--select", "MP,GL", *args], catch_exceptions=False)


def found(result) -> list[tuple[str, str, int, int]]:
    return sorted((f["path"], f["rule"], f["line"], f["column"]) for f in json.loads(result.stdout))


def messages(result) -> dict[str, str]:
    return {f"{f['path']}:{f['rule']}": f["message"] for f in json.loads(result.stdout)}


@pytest.fixture
def tree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- 1. bad files -------------------------------------------------------------------------


HOSTILE_FILES: dict[str, tuple[bytes, list[tuple[str, int, int]]]] = {
    # name: (content, [(rule, line, column)]) -- the expected findings of that file alone
    "binary.py": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), [("GL003", 1, 1)]),
    "nul.py": (b"import torch\nx = 1\x00\n", [("GL003", 1, 1)]),
    "invalid_utf8.py": (b"import torch\ns = '\xff\xfe'\n", [("GL003", 1, 1)]),
    "latin1.py": ("# -*- coding: latin-1 -*-\ns = 'café'\n".encode("latin-1") + TRAIN.encode(), [("MP003", 5, 19)]),
    "cp1252_cookie.py": ("# coding: cp1252\n# “quoted”\n".encode("cp1252") + TRAIN.encode(), [("MP003", 5, 19)]),
    "bad_cookie.py": (b"# -*- coding: no-such-codec -*-\nx = 1\n", [("GL003", 1, 1)]),
    "bom_crlf.py": (b"\xef\xbb\xbf" + TRAIN.replace("\n", "\r\n").encode(), [("MP003", 3, 19)]),
    "crlf.py": (TRAIN.replace("\n", "\r\n").encode(), [("MP003", 3, 19)]),
    "cr_only.py": (TRAIN.replace("\n", "\r").encode(), [("MP003", 3, 19)]),
    "tabs.py": (b"from lightning.pytorch import Trainer\nif True:\n\ttrainer = Trainer(precision=32)\n\ttrainer.fit(m)\n",
                [("MP003", 3, 20)]),
    "mixed_tabs.py": (HEAD + b"if x:\n\tif y:\n        pass\n", [("GL001", 4, 1)]),
    "long_line.py": (("x = '" + "a" * 1_000_000 + "'\n" + TRAIN).encode(), [("MP003", 4, 19)]),
    "empty.py": (b"", []),
    "only_bom.py": (b"\xef\xbb\xbf", []),
    "whitespace.py": (b"\n\n   \n\t\n", []),
    "python2.py": (HEAD + b"print 'hello'\n", [("GL001", 2, 1)]),
    "deep_parens.py": (HEAD + b"x = " + b"(" * 5000 + b"1" + b")" * 5000 + b"\n", [("GL001", 2, 1)]),
    "deep_lists.py": (HEAD + b"x = " + b"[" * 10000 + b"]" * 10000 + b"\n", [("GL001", 2, 1)]),
    "long_sum.py": (HEAD + b"x = " + b"+".join([b"a"] * 100_000) + b"\n", [("GL001", 1, 1)]),
    "unary_run.py": (HEAD + b"x = (" + b"-\n" * 10000 + b"1)\n", [("GL001", 1, 1)]),
    "lambda_chain.py": (HEAD + b"x = (" + b"lambda:\n" * 10000 + b"1)\n", [("GL001", 1, 1)]),
    "deep_indent.py": (HEAD + b"".join(b" " * i + b"if x:\n" for i in range(120)) + b" " * 120 + b"pass\n",
                       [("GL001", 102, 1)]),
    # found by tests/test_fuzz.py: libcst parses, then refuses the identifier (CSTValidationError)
    "unassigned_identifier.py": (HEAD + "x\U00031350 = 1\n".encode(), [("GL001", 2, 2)]),
    "name with spaces é.py": (TRAIN.encode(), [("MP003", 3, 19)]),
    # configs: a recognised ML config that does not parse is GL001 at the parser's position
    "ds_config.json": (b'{\n  "fp16": {"enabled": false,\n}\n', [("GL001", 3, 1)]),
    "ds_dup.json": (b'{"zero_optimization": {"stage": 2}, "zero_optimization": {"stage": 3}}\n', [("GL001", 1, 37)]),
    "accelerate_config.yaml": (b"mixed_precision: [no\n", [("GL001", 2, 1)]),
    "accelerate_bomb.yaml": (b"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                             + b"".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n".encode()
                                        for i in range(8))
                             + b"mixed_precision: 'no'\n", [("GL001", 5, 36)]),
    "ds_deep.json": (b'{"fp16": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", [("GL001", 1, 265)]),
    "accelerate_tag.yaml": (b"mixed_precision: !!python/object/apply:os.system ['echo pwned']\n", []),
    # ... and one that is not recognisable (a Helm / Jinja template) stays silent
    "values.yaml": (b"image: {{ .Values.image }}\n{% if x %}\nresources: {{ toYaml . }}\n", []),
    "template.json": (b"{ {{ range .Values }} }\n", []),
    "pyproject_broken.toml": (b"[tool.x\nkey = \n", []),
    "deep.yaml": (b"fp16: " + b"[" * 100_000 + b"]" * 100_000 + b"\n", []),
    "deep.toml": (b"fp16 = " + b"[" * 100_000 + b"]" * 100_000 + b"\n", []),
    "bomb.yaml": (b"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                  + b"".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n".encode()
                             for i in range(8)) + b"mixed_precision: fp16\n", []),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_each_hostile_file_alone(tree, name):
    content, expected = HOSTILE_FILES[name]
    (tree / name).write_bytes(content)
    result = run("--format", "json", name)
    assert [(r, line, c) for _, r, line, c in found(result)] == [(r, line, c) for r, line, c in expected]
    assert result.exit_code == (1 if expected else 0)


def test_hostile_tree_in_one_run(tree):
    """All of them together, plus a 10 MB generated file: the run continues past each one."""
    for name, (content, _) in HOSTILE_FILES.items():
        (tree / "pkg" / name).parent.mkdir(exist_ok=True)
        (tree / "pkg" / name).write_bytes(content)
    (tree / "pkg" / "generated.py").write_bytes(b"DATA = [\n" + b"    1234567890,\n" * 700_000 + b"]\n")
    started = time.monotonic()
    result = run("--format", "json", "pkg")
    assert time.monotonic() - started < 60
    got = found(result)
    expected = sorted((f"pkg/{n}", r, line, c) for n, (_, e) in HOSTILE_FILES.items() for r, line, c in e)
    assert got == sorted(expected + [("pkg/generated.py", "GL003", 1, 1)])
    assert "over max-file-size" in messages(result)["pkg/generated.py:GL003"]
    assert result.exit_code == 1


def test_messages_name_the_reason(tree):
    for name in ("nul.py", "binary.py", "invalid_utf8.py", "python2.py", "deep_parens.py", "ds_config.json", "bad_cookie.py"):
        (tree / name).write_bytes(HOSTILE_FILES[name][0])
    got = messages(run("--format", "json", "."))
    assert got["nul.py:GL003"] == "binary content in a source file: not analysed"
    assert got["binary.py:GL003"] == "binary content in a source file: not analysed"
    assert got["invalid_utf8.py:GL003"] == "cannot decode file: utf-8 cannot decode byte b'\\xff' at offset 18"
    assert got["python2.py:GL001"] == "cannot parse: Missing parentheses in call to 'print'. Did you mean print(...)?"
    assert got["deep_parens.py:GL001"] == "cannot parse: too many nested parentheses"
    assert got["ds_config.json:GL001"].startswith("cannot parse: ")
    assert "no-such-codec" in got["bad_cookie.py:GL003"]


def test_unparsable_non_ml_config_is_silent_but_verbose_names_it(tree):
    (tree / "values.yaml").write_bytes(HOSTILE_FILES["values.yaml"][0])
    (tree / "ci.yaml").write_text("mixed_precision: fp16\n_target_: [\n", encoding="utf-8")
    result = run("--verbose", ".")
    assert result.exit_code == 0
    assert "ci.yaml: not parsed" in result.stderr


def test_fifo_named_like_source_is_not_read(tree):
    os.mkfifo(tree / "pipe.py")
    (tree / "ok.py").write_text(TRAIN, encoding="utf-8")
    started = time.monotonic()
    result = run("--format", "json", "--verbose", "pipe.py", "ok.py", ".")
    assert time.monotonic() - started < 30
    assert found(result) == [("ok.py", "MP003", 3, 19)]
    assert "note: pipe.py: not a regular file or folder, skipped" in result.stderr


def test_fifo_given_by_name_is_gl003(tree):
    os.mkfifo(tree / "pipe.py")
    from mlgreenlint.discovery import Target
    from mlgreenlint.settings import Settings

    settings = Settings()
    job = api.make_job(settings, api.load_rules(settings))
    result = api.lint_target(Target("pipe.py", tree / "pipe.py", explicit=True), job, settings)
    assert [(f.rule, f.message) for f in result.findings] == [("GL003", "not a regular file: not analysed")]


# --- vanishing and unreadable files -----------------------------------------------------


@pytest.mark.parametrize("error, reason", [
    (FileNotFoundError(2, "No such file or directory"), "No such file or directory"),
    (PermissionError(13, "Permission denied"), "Permission denied"),
    (IsADirectoryError(21, "Is a directory"), "Is a directory"),
])
def test_file_that_vanishes_or_becomes_unreadable_is_gl003(tree, monkeypatch, error, reason):
    (tree / "a.py").write_text(TRAIN, encoding="utf-8")
    (tree / "b.py").write_text(TRAIN, encoding="utf-8")
    real_open = os.open

    def flaky(path, *args, **kwargs):
        if str(path).endswith("a.py"):
            raise error
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(limits.os, "open", flaky)
    result = run("--format", "json", ".")
    assert found(result) == [("a.py", "GL003", 1, 1), ("b.py", "MP003", 3, 19)]
    assert messages(result)["a.py:GL003"] == f"cannot read file: {reason}"
    assert result.exit_code == 1


def test_file_deleted_between_discovery_and_read(tree, monkeypatch):
    (tree / "a.py").write_text(TRAIN, encoding="utf-8")
    (tree / "b.py").write_text(TRAIN, encoding="utf-8")
    real = limits.read_source

    def delete_first(path, limit):
        if str(path).endswith("a.py"):
            Path(path).unlink()
        return real(path, limit)

    monkeypatch.setattr(limits, "read_source", delete_first)
    monkeypatch.setattr(batch, "read_source", delete_first)
    result = run("--format", "json", ".")
    assert found(result) == [("a.py", "GL003", 1, 1), ("b.py", "MP003", 3, 19)]


def test_file_that_grows_past_the_limit_after_stat(tree, monkeypatch):
    (tree / "a.py").write_text(TRAIN, encoding="utf-8")
    (tree / "pyproject.toml").write_text("[tool.mlgreenlint]\nmax-file-size = 200\n", encoding="utf-8")
    real_fstat = os.fstat

    def small(fd):
        info = real_fstat(fd)
        return os.stat_result((info.st_mode, *info[1:6], 10, *info[7:]))

    (tree / "a.py").write_text(TRAIN + "#" * 500 + "\n", encoding="utf-8")
    monkeypatch.setattr(limits.os, "fstat", small)
    result = CliRunner().invoke(main, ["check", "--format", "json", "a.py"], catch_exceptions=False)
    assert messages(result)["a.py:GL003"] == "file is over max-file-size 200 bytes: not analysed"


# --- symbolic links -----------------------------------------------------------------------


def _links(root: Path, outside: Path) -> None:
    (root / "real.py").write_text(TRAIN, encoding="utf-8")
    (root / "dir with spaces").mkdir()
    (root / "dir with spaces" / "ünï cødé.py").write_text(TRAIN, encoding="utf-8")
    (root / "loop_a.py").symlink_to("loop_b.py")
    (root / "loop_b.py").symlink_to("loop_a.py")
    (root / "self.py").symlink_to("self.py")
    (root / "dangling.py").symlink_to("missing.py")
    (root / "inside.py").symlink_to("real.py")
    (outside / "secret.py").write_text(TRAIN, encoding="utf-8")
    (root / "outside.py").symlink_to(outside / "secret.py")
    (root / "outdir").symlink_to(outside, target_is_directory=True)
    (root / "sub").mkdir()
    (root / "sub" / "up").symlink_to("..", target_is_directory=True)


@pytest.mark.parametrize("use_git", [False, True], ids=["walk", "git-ls-files"])
def test_symlink_loops_and_links_outside_are_not_followed(tmp_path, monkeypatch, use_git):
    root, outside = tmp_path / "repo", tmp_path / "elsewhere"
    root.mkdir()
    outside.mkdir()
    _links(root, outside)
    if use_git:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    monkeypatch.chdir(root)
    result = run("--format", "json", "--verbose", ".")
    assert found(result) == [("dir with spaces/ünï cødé.py", "MP003", 3, 19), ("real.py", "MP003", 3, 19)]
    assert result.exit_code == 1
    assert "outside.py: symbolic link points outside" in result.stderr
    assert "loop_a.py: broken or looping symbolic link, skipped" in result.stderr
    assert "dangling.py: broken or looping symbolic link, skipped" in result.stderr
    assert "secret.py" not in result.stdout


# --- last-resort guard and time limit -----------------------------------------------------


@pytest.mark.parametrize("error", [ValueError("boom"), RecursionError("maximum recursion depth exceeded"),
                                   MemoryError(), KeyError("x")])
def test_an_exception_in_a_check_is_gl004_and_the_run_continues(tree, monkeypatch, error):
    (tree / "a.py").write_text(LOOP, encoding="utf-8")
    (tree / "b.json").write_text("{}", encoding="utf-8")

    def broken(ctx, rule, options):
        raise error

    monkeypatch.setitem(checks.CHECKS, "fp32-training-loop", broken)
    result = run("--format", "json", ".")
    got = messages(result)
    assert got["a.py:GL004"] == f"internal error while analysing the file: {driver.describe(error)}"
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_gl004_can_be_ignored_like_any_rule(tree, monkeypatch):
    (tree / "a.py").write_text(TRAIN, encoding="utf-8")
    monkeypatch.setattr("mlgreenlint.python.bindings.collect", lambda *a: 1 / 0)
    result = run("--format", "json", "--ignore", "GL004", "--verbose", ".")
    assert found(result) == [] and result.exit_code == 0
    assert "a.py: internal error while analysing the file: ZeroDivisionError: division by zero" in result.stderr


def test_slow_file_is_skipped_after_timeout_per_file(tree, monkeypatch):
    (tree / "slow.py").write_text(LOOP, encoding="utf-8")
    (tree / "fast.py").write_text(TRAIN, encoding="utf-8")
    (tree / "pyproject.toml").write_text("[tool.mlgreenlint]\ntimeout-per-file = 0.3\n", encoding="utf-8")
    real = checks.CHECKS["fp32-training-loop"]

    def slow(ctx, rule, options):
        if ctx.path == "slow.py":
            time.sleep(30)
        return real(ctx, rule, options)

    monkeypatch.setitem(checks.CHECKS, "fp32-training-loop", slow)
    started = time.monotonic()
    result = CliRunner().invoke(main, ["check", "--format", "json", "."], catch_exceptions=False)
    assert time.monotonic() - started < 10
    got = messages(result)
    assert got["slow.py:GL003"] == "analysis took longer than 0.3 s: skipped (timeout-per-file)"
    assert "fast.py:MP003" in got


def test_deadline_is_a_no_op_off_the_main_thread():
    import threading

    seen = []
    thread = threading.Thread(target=lambda: seen.append(limits.can_time_out()))
    thread.start()
    thread.join()
    assert seen == [False] and limits.can_time_out()


def test_nesting_guard_leaves_ordinary_files_alone():
    ordinary = "def f(x):\n    return [(x, {'a': (1, 2)})]\n" * 2000
    assert limits.too_complex(ordinary) is None
    assert limits.too_complex("x = " + "(" * 199 + "1" + ")" * 199 + "\n") is None
    assert limits.too_complex("x = " + "(" * 201 + "1" + ")" * 201 + "\n") == ("too many nested parentheses", 1)


def test_an_internal_error_outside_any_file_is_exit_2_without_traceback(tree, monkeypatch):
    (tree / "a.py").write_text(TRAIN, encoding="utf-8")

    def broken(*args, **kwargs):
        raise RuntimeError("discovery bug")

    monkeypatch.setattr(api, "iter_targets", broken)
    result = run(".")
    assert result.exit_code == 2
    assert result.stderr.startswith("mlgreenlint: error: internal error: RuntimeError: discovery bug; please report it")


def test_cpython_parse_prints_no_warnings(tree):
    """The nesting guard and syntax-error positions use compile(); its warnings must not leak."""
    import warnings

    odd = 'import re\nx = re.compile("\\d+")\ny = "a"()\nz = 1 is 1\n' * 1000 + "def f(:\n"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert limits.too_complex(odd) is None
        assert limits.syntax_error(odd) is not None
    assert caught == []
    (tree / "odd.py").write_text(HEAD.decode() + odd, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--isolated", "odd.py"], catch_exceptions=False)
    assert "Warning" not in result.stderr
