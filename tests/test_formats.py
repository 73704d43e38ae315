from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from mlgreenlint.formats import FORMATS, github, markdown, render
from mlgreenlint.model import Edit, Finding, Fix, Rule, Severity, Span

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text("utf-8"))


def make_rule(rule_id: str, name: str, severity: Severity = Severity.WARNING) -> Rule:
    return Rule(
        id=rule_id,
        name=name,
        family=rule_id[:2],
        severity=severity,
        message="msg",
        summary=f"Summary of {name}",
        docs={"what": f"What {name} flags.", "why": "Why it wastes energy.", "bad": "bad()", "good": "good()"},
        options={},
        match={},
        tokens=(),
        examples={},
        source=f"rules/{rule_id}-{name}.toml",
    )


RULES = [
    make_rule("MP001", "trainer-without-mixed-precision"),
    make_rule("CK002", "checkpoint-every-step", Severity.ERROR),
    make_rule("ET001", "entry-point-without-tracking", Severity.INFO),
]


def finding(rule="MP001", path="train.py", line=3, severity=Severity.WARNING, message="Trainer without precision",
            fingerprint="fp-trainer", fix=None, end_line=None) -> Finding:
    return Finding(
        rule=rule,
        path=path,
        span=Span(line, 5, end_line or line, 20),
        message=message,
        severity=severity,
        fix=fix,
        fingerprint=fingerprint,
    )


FIX = Fix(title="Add precision='bf16-mixed'", edits=(Edit(Span(3, 19, 3, 19), ", precision='bf16-mixed'"),), safe=True)

FINDINGS = [
    finding(fix=FIX),
    finding(rule="CK002", path="src/ckpt dir/säve.py", line=10, severity=Severity.ERROR,
            message="Checkpoint | every `step` <b>", fingerprint="fp-ckpt"),
    finding(rule="ET001", path="src/main.py", line=1, severity=Severity.INFO,
            message="No emissions tracking: 100% untracked,\nreally", fingerprint="", end_line=4),
    finding(rule="GL001", path="broken.yaml", line=2, severity=Severity.ERROR, message="could not parse"),
]


def shifted(f: Finding, n: int) -> Finding:
    s = f.span
    return dataclasses.replace(f, span=Span(s.line + n, s.column, s.end_line + n, s.end_column))


def sarif(findings: list[Finding]) -> dict:
    return json.loads(render("sarif", findings, RULES, tool_version="1.2.3"))


# SARIF

def test_sarif_validates_against_oasis_schema():
    log = sarif(FINDINGS)
    validator_cls = jsonschema.validators.validator_for(SCHEMA)
    assert validator_cls is jsonschema.Draft4Validator
    validator_cls.check_schema(SCHEMA)
    errors = sorted(validator_cls(SCHEMA).iter_errors(log), key=str)
    assert not errors, "\n".join(e.message for e in errors)


def test_sarif_empty_run_validates_and_has_results_array():
    log = sarif([])
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    assert log["runs"][0]["results"] == []
    assert [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]] == ["CK002", "ET001", "MP001"]


def test_sarif_driver_rule_metadata():
    driver = sarif(FINDINGS)["runs"][0]["tool"]["driver"]
    assert driver["name"] == "mlgreenlint" and driver["version"] == "1.2.3"
    assert driver["informationUri"].startswith("https://")
    rules = {r["id"]: r for r in driver["rules"]}
    mp = rules["MP001"]
    assert mp["name"] == "trainer-without-mixed-precision"
    assert mp["shortDescription"]["text"] == "Summary of trainer-without-mixed-precision"
    assert mp["fullDescription"]["text"] == "What trainer-without-mixed-precision flags."
    assert "Why it wastes energy." in mp["help"]["text"]
    assert "bad()" in mp["help"]["markdown"]
    assert mp["helpUri"] == RULES[0].help_uri
    assert mp["defaultConfiguration"]["level"] == "warning"
    assert rules["CK002"]["defaultConfiguration"]["level"] == "error"
    assert rules["ET001"]["defaultConfiguration"]["level"] == "note"
    assert rules["GL001"] == {"id": "GL001"}


def test_sarif_results():
    run = sarif(FINDINGS)["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["GL001", "CK002", "ET001", "MP001"]
    for result in results:
        assert ids[result["ruleIndex"]] == result["ruleId"]
    ck = results[1]
    assert ck["level"] == "error"
    assert ck["message"]["text"] == "Checkpoint | every `step` <b>"
    location = ck["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "src/ckpt%20dir/s%C3%A4ve.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 10, "startColumn": 5, "endLine": 10, "endColumn": 20}
    assert results[2]["level"] == "note"
    assert "%SRCROOT%" in run["originalUriBaseIds"]


def test_sarif_fix():
    mp = sarif(FINDINGS)["runs"][0]["results"][3]
    (fix,) = mp["fixes"]
    assert fix["description"]["text"] == FIX.title
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "train.py"
    assert change["replacements"] == [
        {
            "deletedRegion": {"startLine": 3, "startColumn": 19, "endLine": 3, "endColumn": 19},
            "insertedContent": {"text": ", precision='bf16-mixed'"},
        }
    ]
    assert all("fixes" not in r for r in sarif(FINDINGS)["runs"][0]["results"][:3])


def _fingerprints(findings):
    return {
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]): r["partialFingerprints"]
        for r in sarif(findings)["runs"][0]["results"]
    }


def test_sarif_fingerprints_stable_when_lines_move():
    before = _fingerprints(FINDINGS)
    after = _fingerprints([shifted(f, 7) for f in FINDINGS])
    assert before == after
    assert all(set(fp) == {"mlgreenlint/v1"} for fp in before.values())


def test_sarif_fingerprints_unique_for_duplicates():
    twins = [finding(line=3), finding(line=9)]
    fps = [r["partialFingerprints"]["mlgreenlint/v1"] for r in sarif(twins)["runs"][0]["results"]]
    assert len(set(fps)) == 2
    moved = [r["partialFingerprints"]["mlgreenlint/v1"] for r in sarif([shifted(f, 5) for f in twins])["runs"][0]["results"]]
    assert fps == moved


def test_sarif_fingerprint_changes_with_code():
    assert _fingerprints([finding()]) != _fingerprints([finding(fingerprint="other code")])


def test_sarif_output_is_deterministic():
    assert render("sarif", FINDINGS, RULES, tool_version="1") == render(
        "sarif", list(reversed(FINDINGS)), list(reversed(RULES)), tool_version="1"
    )


# GitHub

@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("plain", "plain", "plain"),
        ("100%", "100%25", "100%25"),
        ("a\nb", "a%0Ab", "a%0Ab"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("a: b, c", "a: b, c", "a%3A b%2C c"),
        ("%0A", "%250A", "%250A"),
        ("::x", "::x", "%3A%3Ax"),
    ],
)
def test_github_escaping(raw, data, prop):
    assert github.escape_data(raw) == data
    assert github.escape_property(raw) == prop


def test_github_commands():
    lines = render("github", FINDINGS, RULES, tool_version="1").splitlines()
    assert lines == [
        "::error file=broken.yaml,line=2,col=5,endLine=2,endColumn=19,title=GL001::could not parse",
        "::error file=src/ckpt dir/säve.py,line=10,col=5,endLine=10,endColumn=19,title=CK002::Checkpoint | every `step` <b>",
        "::notice file=src/main.py,line=1,endLine=4,title=ET001::No emissions tracking: 100%25 untracked,%0Areally",
        "::warning file=train.py,line=3,col=5,endLine=3,endColumn=19,title=MP001::Trainer without precision",
    ]


def test_github_escapes_properties():
    line = github.command(finding(path="dir,with:odd%name.py"))
    assert line.startswith("::warning file=dir%2Cwith%3Aodd%25name.py,line=3,")


def test_github_empty():
    assert render("github", [], RULES, tool_version="1") == ""


# Markdown

def test_markdown_counts_and_links():
    text = render("markdown", FINDINGS, RULES, tool_version="1.2.3")
    assert "Found **4 findings** in **4 files** (1 fixable)." in text
    assert "| Family | Error | Warning | Info | Total |" in text
    assert "| CK | 1 | 0 | 0 | 1 |" in text
    assert "| ET | 0 | 0 | 1 | 1 |" in text
    assert "| GL | 1 | 0 | 0 | 1 |" in text
    assert "| MP | 0 | 1 | 0 | 1 |" in text
    assert "| **Total** | **2** | **1** | **1** | **4** |" in text
    assert f"[MP001]({RULES[0].help_uri} " in text
    assert f"[CK002]({RULES[1].help_uri} " in text
    assert "| GL001 |" in text
    assert text.index("### broken.yaml") < text.index("### src/ckpt dir/säve.py") < text.index("### train.py")


def test_markdown_escapes_special_characters():
    text = render("markdown", FINDINGS, RULES, tool_version="1")
    assert r"Checkpoint \| every \`step\` \<b\>" in text
    assert "100% untracked, really" in text
    assert markdown.escape("a_b*c[d]|e") == r"a\_b\*c\[d\]\|e"
    for row in (line for line in text.splitlines() if line.startswith("| ") and "Checkpoint" in line):
        assert len(re.findall(r"(?<!\\)\|", row)) == 5


def test_markdown_empty():
    assert "No findings." in render("markdown", [], RULES, tool_version="1")


# JUnit

def test_junit_parses_back_with_counts():
    xml = render("junit", FINDINGS + [finding(line=4, message="bad \x00 char")], RULES, tool_version="1")
    root = ET.fromstring(xml)
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert suite.get("tests") == "5" and suite.get("failures") == "5" and suite.get("errors") == "0"
    assert len(cases) == 5 and all(case.find("failure") is not None for case in cases)
    ck = next(c for c in cases if c.find("failure").get("type") == "CK002")
    assert ck.get("classname") == "src/ckpt dir/säve.py"
    assert ck.get("line") == "10"
    assert ck.find("failure").get("message") == "Checkpoint | every `step` <b>"
    assert "src/ckpt dir/säve.py:10:5: CK002 [error]" in ck.find("failure").text
    assert len({c.get("name") for c in cases}) == 5


def test_junit_clean_run_has_one_passing_case():
    root = ET.fromstring(render("junit", [], RULES, tool_version="1"))
    suite = root.find("testsuite")
    assert suite.get("tests") == "1" and suite.get("failures") == "0"
    assert suite.find("testcase").find("failure") is None


# GitLab

def test_gitlab_code_quality_shape():
    issues = json.loads(render("gitlab", FINDINGS + [finding(line=30)], RULES, tool_version="1"))
    assert isinstance(issues, list) and len(issues) == 5
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert isinstance(issue["location"]["path"], str)
        assert issue["location"]["lines"]["begin"] <= issue["location"]["lines"]["end"]
    assert len({issue["fingerprint"] for issue in issues}) == 5
    by_rule = {issue["check_name"]: issue for issue in issues}
    assert by_rule["CK002"]["severity"] == "major"
    assert by_rule["MP001"]["severity"] == "minor"
    assert by_rule["ET001"]["severity"] == "info"
    assert by_rule["ET001"]["location"] == {"path": "src/main.py", "lines": {"begin": 1, "end": 4}}


def test_gitlab_fingerprints_stable_when_lines_move():
    def fps(findings):
        return [i["fingerprint"] for i in json.loads(render("gitlab", findings, RULES, tool_version="1"))]

    assert fps(FINDINGS) == fps([shifted(f, 3) for f in FINDINGS])


# Registry

def test_registry_and_unknown_format():
    assert sorted(FORMATS) == ["github", "gitlab", "junit", "markdown", "sarif"]
    with pytest.raises(ValueError, match="unknown format 'nope'"):
        render("nope", [], RULES, tool_version="1")


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_is_deterministic(name):
    first = render(name, FINDINGS, RULES, tool_version="1")
    assert first == render(name, list(reversed(FINDINGS)), RULES, tool_version="1")
    assert first.endswith("\n") or first == ""
