from __future__ import annotations

import dataclasses
import json
import os
import stat

import pytest

from mlgreenlint import baseline
from mlgreenlint.baseline import Baseline, BaselineEntry, BaselineError
from mlgreenlint.model import Finding, Severity, Span


def finding(rule="MP001", path="train.py", line=3, fingerprint="fp-a", message="no precision") -> Finding:
    return Finding(rule, path, Span(line, 1, line, 10), message, Severity.WARNING, fingerprint=fingerprint)


def moved(f: Finding, n: int) -> Finding:
    return dataclasses.replace(f, span=Span(f.span.line + n, 1, f.span.end_line + n, 10))


FINDINGS = [
    finding(),
    finding(rule="CK001", path="src/ckpt.py", line=20, fingerprint="fp-ck"),
    finding(rule="ET001", path="src/main.py", line=1, fingerprint="", message="no tracking"),
]


def test_round_trip(tmp_path):
    target = tmp_path / "baseline.json"
    baseline.write(target, FINDINGS)
    loaded = baseline.load(target)
    assert len(loaded.entries) == 3
    assert baseline.apply(loaded, FINDINGS) == ([], [])


def test_file_is_sorted_deterministic_and_versioned(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    baseline.write(a, FINDINGS)
    baseline.write(b, list(reversed(FINDINGS)))
    assert a.read_bytes() == b.read_bytes()
    data = json.loads(a.read_text("utf-8"))
    assert data["version"] == 1
    assert [e["path"] for e in data["entries"]] == ["src/ckpt.py", "src/main.py", "train.py"]
    assert all("line" not in e for e in data["entries"])
    assert a.read_text("utf-8").endswith("}\n")


def test_write_keeps_permissions_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "baseline.json"
    target.write_text("old")
    os.chmod(target, 0o640)
    baseline.write(target, FINDINGS)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["baseline.json"]
    assert baseline.load(target).entries


def test_survives_lines_moving():
    base = Baseline(tuple(sorted(BaselineEntry.of(f) for f in FINDINGS)))
    assert baseline.apply(base, [moved(f, 12) for f in FINDINGS]) == ([], [])


def test_new_findings_are_reported():
    base = Baseline(tuple(BaselineEntry.of(f) for f in FINDINGS))
    extra = finding(line=40, fingerprint="fp-new")
    other_rule = finding(rule="MP002")
    new, stale = baseline.apply(base, FINDINGS + [extra, other_rule])
    assert new == [other_rule, extra]
    assert stale == []


def test_duplicates_are_counted(tmp_path):
    twins = [finding(line=3), finding(line=9)]
    target = tmp_path / "baseline.json"
    baseline.write(target, twins)
    loaded = baseline.load(target)
    assert len(loaded.entries) == 2
    assert baseline.apply(loaded, twins) == ([], [])
    third = finding(line=15)
    new, stale = baseline.apply(loaded, twins + [third])
    assert new == [third] and stale == []
    baseline.write(target, twins[:1])
    new, _ = baseline.apply(baseline.load(target), twins)
    assert new == [twins[1]]


def test_stale_entries_are_reported():
    base = Baseline(tuple(BaselineEntry.of(f) for f in FINDINGS + [finding(line=8)]))
    new, stale = baseline.apply(base, FINDINGS[1:])
    assert new == []
    assert stale == [BaselineEntry("train.py", "MP001", "fp-a", "no precision")] * 2


def test_fingerprint_fallback_when_engine_gave_none():
    f = FINDINGS[2]
    entry = BaselineEntry.of(f)
    assert entry.fingerprint
    assert entry == BaselineEntry.of(moved(f, 3))
    assert entry != BaselineEntry.of(dataclasses.replace(f, message="something else"))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "expected a JSON object"),
        ('{"entries": []}', "unsupported version None"),
        ('{"version": 2, "entries": []}', "unsupported version 2"),
        ('{"version": true, "entries": []}', "unsupported version True"),
        ('{"version": 1, "entries": {}}', "'entries' must be a list"),
        ('{"version": 1, "entries": [1]}', "entry 1 is not an object"),
        ('{"version": 1, "entries": [{"rule": "MP001", "path": "a.py"}]}', "entry 1 needs a non-empty string 'fingerprint'"),
        ('{"version": 1, "entries": [{"rule": "MP001", "path": "a.py", "fingerprint": "x", "message": 3}]}',
         "entry 1: 'message' must be a string"),
    ],
)
def test_malformed_file_names_the_file(tmp_path, text, problem):
    target = tmp_path / "broken baseline.json"
    target.write_text(text, encoding="utf-8")
    with pytest.raises(BaselineError) as info:
        baseline.load(target)
    assert str(target) in str(info.value)
    assert problem in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(BaselineError, match="cannot read baseline .*missing.json"):
        baseline.load(tmp_path / "missing.json")
