"""Unit tests of pure modules: suppression directives, fingerprints, summary stores,
one-mapping config reads and the repository's recorded dependencies."""

from __future__ import annotations

from dataclasses import replace

from mlgreenlint import suppression
from mlgreenlint.configs import document
from mlgreenlint.fingerprints import fingerprinted
from mlgreenlint.model import Finding, Severity, Span
from mlgreenlint.repository.files import NO_MODULE, RepoFiles
from mlgreenlint.repository.stores import DirectoryStore, MemoryStore, summary_key

KNOWN = {"MP001", "MP002", "CK001", "ET001"}


# suppression -------------------------------------------------------------------------------

def test_a_line_directive_covers_its_line_and_prefixes_only():
    d = suppression.parse("x = 1  # mlgreenlint: ignore[MP001, ck]\ny = 2\n", KNOWN)
    assert d.suppresses("MP001", 1) and d.suppresses("CK001", 1)
    assert not d.suppresses("MP002", 1) and not d.suppresses("MP001", 2)


def test_a_bare_ignore_covers_every_rule_of_the_line_and_ignore_file_the_file():
    d = suppression.parse("a()  # mlgreenlint: ignore\n# mlgreenlint: ignore-file[ET]\nb()\n", KNOWN)
    assert d.suppresses("MP002", 1) and not d.suppresses("MP002", 3)
    assert d.suppresses("ET001", 3) and d.suppresses("ET001", 1)


def test_unknown_codes_are_reported_with_their_column():
    text = "z()  # mlgreenlint: ignore[MP001,XX9,MP9]\n"
    d = suppression.parse(text, KNOWN)
    assert [(line, text[col - 1:col - 1 + len(code)], code) for line, col, code in d.unknown] == [
        (1, "XX9", "XX9"), (1, "MP9", "MP9")]
    assert d.suppresses("MP001", 1)


def test_text_without_the_marker_has_no_directives():
    d = suppression.parse("# ignore[MP001]\n", KNOWN)
    assert d.lines == {} and d.file == set() and d.unknown == []


# fingerprints ------------------------------------------------------------------------------

def _finding(line: int, rule: str = "MP001") -> Finding:
    return Finding(rule, "train.py", Span.point(line), "message", Severity.WARNING)


def test_fingerprints_follow_the_code_not_the_line_number():
    before = fingerprinted([_finding(2)], "import torch\nmodel.half()\n")
    after = fingerprinted([_finding(5)], "import torch\n\n\n\n  model.half()  \n")
    assert before[0].fingerprint == after[0].fingerprint and len(before[0].fingerprint) == 16


def test_identical_lines_are_numbered_and_other_rules_differ():
    text = "f()\nf()\n"
    a, b, c = fingerprinted([_finding(1), _finding(2), _finding(1, "MP002")], text)
    assert len({a.fingerprint, b.fingerprint, c.fingerprint}) == 3
    assert fingerprinted([_finding(2)], text)[0].fingerprint == a.fingerprint  # the first f() line
    assert replace(a, fingerprint="") == _finding(1)


def test_a_position_outside_the_text_still_gets_a_fingerprint():
    (f,) = fingerprinted([_finding(9)], "one line\n")
    assert f.fingerprint and fingerprinted([], "x") == []


# summary stores ----------------------------------------------------------------------------

def test_summary_keys_change_with_content_and_module():
    assert summary_key("abc", "pkg.mod") != summary_key("abd", "pkg.mod") != summary_key("abc", "pkg.other")


def test_directory_store_round_trips_claims_once_and_ignores_bad_entries(tmp_path):
    claimed = []
    store = DirectoryStore(tmp_path / "cache", "summaries", claimed.append)
    assert store.get("k") is None
    store.put("k", {"module": "m"})
    store.put("k", {"module": "changed"})  # keyed by content: the first entry stands
    assert store.get("k") == {"module": "m"} and claimed == [tmp_path / "cache"]
    (tmp_path / "cache" / "summaries" / "bad.json").write_text("{not json", encoding="utf-8")
    assert store.get("bad") is None
    memory = MemoryStore()
    memory.put("k", {"a": 1})
    assert memory.get("k") == {"a": 1} and memory.get("other") is None


# one config read ---------------------------------------------------------------------------

def test_mapping_reads_one_mapping_in_any_format():
    # YAML 1.1 as PyYAML reads it: `1e-4` without a dot is a string.
    assert document.mapping("bf16: true\nlr: 1e-4\n", "yaml") == {"bf16": True, "lr": "1e-4"}
    assert document.mapping('{"fp16": false}', "json") == {"fp16": False}
    assert document.mapping("mixed_precision = 'no'\n", "toml") == {"mixed_precision": "no"}
    assert document.mapping("mixed_precision: no\n", "yaml") == {"mixed_precision": False}  # YAML 1.1


def test_mapping_is_none_when_not_exactly_one_readable_mapping():
    assert document.mapping("a: 1\n---\nb: 2\n", "yaml") is None
    assert document.mapping("- 1\n- 2\n", "yaml") is None
    assert document.mapping("a: 1\na: 2\n", "yaml") is None  # duplicate keys: unreadable
    assert document.mapping("", "yaml") is None
    assert document.mapping("a: 1", None) is None


# recorded dependencies ---------------------------------------------------------------------

def test_files_record_what_each_consumer_read_and_looked_for_in_vain(tmp_path):
    (tmp_path / "utils.py").write_text("X = 1\n", encoding="utf-8")
    files = RepoFiles(tmp_path, tmp_path)
    files.begin("train.py")
    assert files.module_path("utils") == "utils.py" and files.module_path("missing") is None
    assert files.text("utils.py", consumer="train.py") == "X = 1\n"
    deps = files.dependencies("train.py")
    assert set(deps) == {"utils.py", NO_MODULE + "missing"}
    assert RepoFiles(tmp_path, tmp_path).still_valid(deps, {})
    (tmp_path / "missing.py").write_text("", encoding="utf-8")
    assert not RepoFiles(tmp_path, tmp_path).still_valid(deps, {})
    (tmp_path / "missing.py").unlink()
    (tmp_path / "utils.py").write_text("X = 2\n", encoding="utf-8")
    assert not RepoFiles(tmp_path, tmp_path).still_valid(deps, {})
