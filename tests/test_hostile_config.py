"""Bad settings and bad rule files: exit 2 with a message naming the file, the place and the problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlgreenlint.cli import main

SCHEMA = json.loads((Path(__file__).parents[1] / "mlgreenlint" / "schemas" / "settings.schema.json").read_text())

#: A wrong value for every [tool.mlgreenlint] key, and the key path the message must name.
WRONG_TYPES: dict[str, list[tuple[str, str]]] = {
    "select": [('"MP"', "select"), ("[1]", "select.0"), ('["m-p"]', "select.0")],
    "ignore": [("true", "ignore"), ('["CK-1"]', "ignore.0")],
    "extend-select": [("{}", "extend-select"), ("[[]]", "extend-select.0")],
    "exclude": [('"build"', "exclude"), ('[""]', "exclude.0"), ("[3]", "exclude.0")],
    "extend-exclude": [("1", "extend-exclude"), ("[false]", "extend-exclude.0")],
    "per-file-ignores": [('["x"]', "per-file-ignores"), ('{"a.py" = "MP"}', "per-file-ignores.a.py"),
                         ('{"a.py" = [1]}', "per-file-ignores.a.py.0")],
    "fail-on": [('"fatal"', "fail-on"), ("1", "fail-on"), ('["error"]', "fail-on")],
    "rule-paths": [('"rules"', "rule-paths"), ('[""]', "rule-paths.0"), ("[1]", "rule-paths.0")],
    "baseline": [("1", "baseline"), ('""', "baseline"), ('["b.json"]', "baseline")],
    "fail-on-stale-baseline": [('"yes"', "fail-on-stale-baseline"), ("1", "fail-on-stale-baseline")],
    "max-file-size": [('"2MB"', "max-file-size"), ("0", "max-file-size"), ("1.5", "max-file-size"),
                      ("true", "max-file-size"), ("-1", "max-file-size")],
    "timeout-per-file": [('"20s"', "timeout-per-file"), ("-1", "timeout-per-file"), ("false", "timeout-per-file")],
    "cache-dir": [("1", "cache-dir"), ('""', "cache-dir")],
    "output-format": [('"yaml"', "output-format"), ('["json"]', "output-format")],
    "fix": [('"yes"', "fix"), ("1", "fix")],
    "unsafe-fixes": [('"true"', "unsafe-fixes")],
    "fixable": [('"MP"', "fixable"), ('["m1"]', "fixable.0")],
    "unfixable": [("true", "unfixable"), ("[1]", "unfixable.0")],
    "extend-safe-fixes": [('"MP003"', "extend-safe-fixes")],
    "extend-unsafe-fixes": [('["CK-1"]', "extend-unsafe-fixes.0")],
    "rules": [('"MP001"', "rules"), ('{MP001 = "info"}', "rules.MP001"), ('{MP001 = {severity = "loud"}}', "rules.MP001.severity"),
              ('{mp001 = {}}', "rules")],
}


def test_the_table_covers_every_settings_key():
    assert set(WRONG_TYPES) == set(SCHEMA["properties"]), "add a wrong value for each new settings key"


CASES = [(key, value, where) for key, rows in WRONG_TYPES.items() for value, where in rows]


@pytest.mark.parametrize("key, value, where", CASES, ids=[f"{k}={v}" for k, v, _ in CASES])
@pytest.mark.parametrize("name", ["pyproject.toml", ".mlgreenlint.toml"])
def test_wrong_type_for_each_key_is_exit_2_naming_the_key(tmp_path, monkeypatch, name, key, value, where):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / name).write_text(f"[tool.mlgreenlint]\n{key} = {value}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "a.py"], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"mlgreenlint: error: {tmp_path / name}: tool.mlgreenlint.{where}: ")
    assert "Traceback" not in result.output


@pytest.mark.parametrize("text, message", [
    ("[tool.mlgreenlint]\nunknown-key = 1\n", "tool.mlgreenlint.unknown-key: unknown key"),
    ('[tool.mlgreenlint]\nselect = ["ZZ999"]\n', "tool.mlgreenlint.select: unknown rule id or prefix 'ZZ999'"),
    ('[tool.mlgreenlint]\nignore = ["QQ"]\n', "tool.mlgreenlint.ignore: unknown rule id or prefix 'QQ'"),
    ('[tool.mlgreenlint]\nper-file-ignores = {"a.py" = ["MP999"]}\n',
     "tool.mlgreenlint.per-file-ignores.a.py: unknown rule id or prefix 'MP999'"),
    ('[tool.mlgreenlint.rules.ZZ001]\nseverity = "info"\n', "tool.mlgreenlint.rules.ZZ001: unknown rule id"),
    ("[tool.mlgreenlint.rules.CK002]\nno-such-option = 1\n", "tool.mlgreenlint.rules.CK002.no-such-option: unknown option"),
    ('[tool.mlgreenlint.rules.CK002]\nmin-save-steps = "often"\n', "tool.mlgreenlint.rules.CK002.min-save-steps: expected integer"),
    ("[tool.mlgreenlint]\nselect = [\n", "invalid TOML: "),
    ('[tool.mlgreenlint]\nselect = ["MP"]\nselect = ["CK"]\n', "invalid TOML: Cannot overwrite a value (at line 3"),
    ("[tool.mlgreenlint]\nselect = " + "[" * 5000 + "]" * 5000 + "\n", "invalid TOML: nesting too deep"),
    ("\xff", "not UTF-8"),
])
def test_bad_settings_file_is_exit_2_with_file_place_and_problem(tmp_path, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "cfg.toml").write_bytes(text.encode("utf-8") if text != "\xff" else b"\xff\xfe")
    result = CliRunner().invoke(main, ["check", "--config", "cfg.toml", "a.py"], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stderr.startswith("mlgreenlint: error: cfg.toml: ")
    assert message in result.stderr


def test_a_bad_code_on_the_command_line_names_the_flag(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--isolated", "--select", "QQ"], catch_exceptions=False)
    assert result.exit_code == 2 and result.stderr == "mlgreenlint: error: --select: unknown rule id or prefix 'QQ'\n"


# --- rule files -------------------------------------------------------------------------------

RULE = '''id = "XX001"
name = "thing"
family = "XX"
severity = "warning"
message = "m"
[match]
[[match.python]]
call = ["corp.train.launch"]
where = [ {{ keyword = "precision", present = false }} ]
{extra}
[docs]
what = "w"
why = "y"
bad = "import corp.train\\ncorp.train.launch(job)\\n"
good = "import corp.train\\ncorp.train.launch(job, precision='bf16')\\n"
references = []
[examples]
invalid = [ {{ code = "from corp.train import launch\\nlaunch(j)  # expect: XX001\\n" }} ]
valid = [ {{ code = "from corp.train import launch\\nlaunch(j, precision=p)\\n" }} ]
'''


@pytest.mark.parametrize("text, where, problem", [
    (RULE.format(extra="").replace('severity = "warning"', 'severity = "loud"'), "at severity", "'loud' is not one of"),
    (RULE.format(extra="").replace('message = "m"\n', ""), "", "'message' is a required property"),
    (RULE.format(extra="[match.unless]\n"), "at match/unless", "is not of type"),
    (RULE.format(extra="").replace('call = ["corp.train.launch"]', 'call = ["corp.train.launch"]\nregex = 1'),
     "at match/python/0", ""),
    (RULE.format(extra="").replace('where = [', 'where = [ { file-text = "([unclosed" },'),
     "at match/python/0/where/0/file-text", "invalid regular expression '([unclosed'"),
    ("id = [\n", "", "invalid TOML"),
    ("id = " + "[" * 5000 + "]" * 5000 + "\n", "", "invalid TOML: nesting too deep"),
    ("\xff", "", "not UTF-8"),
])
def test_invalid_rule_file_via_rule_paths_is_exit_2_naming_file_and_place(tmp_path, monkeypatch, text, where, problem):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "XX001-thing.toml").write_bytes(text.encode() if text != "\xff" else b"\xff")
    (tmp_path / "pyproject.toml").write_text('[tool.mlgreenlint]\nrule-paths = ["rules"]\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "a.py"], catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"mlgreenlint: error: {tmp_path / 'rules' / 'XX001-thing.toml'}{' ' + where if where else ''}")
    assert problem in result.stderr


def test_rule_files_are_data_never_code(tmp_path, monkeypatch):
    """Python in a rule file's strings, and Python files next to rule files, are never run."""
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "pwned"
    payload = f"__import__('os').system('touch {marker}')"
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "__init__.py").write_text(f"open({str(marker)!r}, 'w')\n", encoding="utf-8")
    (tmp_path / "rules" / "conftest.py").write_text(f"open({str(marker)!r}, 'w')\n", encoding="utf-8")
    text = RULE.format(extra="").replace('message = "m"', f'message = "{payload} {{call}}"')
    text = text.replace('what = "w"', f'what = "{{{{ {payload} }}}} ${{{payload}}}"')
    (tmp_path / "rules" / "XX001-thing.toml").write_text(text, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.mlgreenlint]\nrule-paths = ["rules"]\n', encoding="utf-8")
    (tmp_path / "a.py").write_text("import corp.train\ncorp.train.launch(job)\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["check", "--format", "json", "a.py"], catch_exceptions=False)
    assert result.exit_code == 1
    assert [f["message"].startswith(payload + " ") for f in json.loads(result.stdout)] == [True]
    for args in (["explain", "XX001"], ["rules"], ["validate-rules", "rules"], ["test-rules", "rules"]):
        assert runner.invoke(main, args, catch_exceptions=False).exit_code == 0
    assert not marker.exists()
