"""JUnit XML: one test suite, one failing test case per finding (as ruff and flake8-junit do)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from mlgreenlint.escape import printable
from mlgreenlint.model import Finding, Rule, Severity

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _testcase(suite: ET.Element, finding: Finding, fails: bool) -> None:
    span = finding.span
    path = printable(finding.path)  # a newline or ESC in a file name must not reach the report raw
    where = f"{path}:{span.line}:{span.column}"
    case = ET.SubElement(
        suite,
        "testcase",
        classname=path,
        name=_clean(f"{finding.rule} at {where}"),
        file=path,
        line=str(span.line),
        time="0",
    )
    text = _clean(f"{where}: {finding.rule} [{finding.severity.label}] {finding.message}")
    if fails:
        ET.SubElement(case, "failure", message=_clean(finding.message), type=finding.rule).text = text
    else:  # below fail-on: the gate passes it, so the test passes and carries the finding as output
        ET.SubElement(case, "system-out").text = text


def render(findings: list[Finding], rules: list[Rule], *, tool_version: str,
           fail_on: Severity = Severity.INFO) -> str:
    """A report that CI systems show as tests: a finding at or above `fail-on` fails its
    test case, one below it passes with the finding in system-out; a clean run is one
    passing test case."""
    ordered = sorted(findings, key=Finding.sort_key)
    tests = str(max(1, len(ordered)))
    failing = sum(f.severity >= fail_on for f in ordered)
    counts = {"tests": tests, "failures": str(failing), "errors": "0", "skipped": "0", "time": "0"}
    root = ET.Element("testsuites", name="mlgreenlint", **counts)
    suite = ET.SubElement(root, "testsuite", name="mlgreenlint", **counts)
    ET.SubElement(ET.SubElement(suite, "properties"), "property", name="version", value=_clean(tool_version))
    for finding in ordered:
        _testcase(suite, finding, finding.severity >= fail_on)
    if not ordered:
        ET.SubElement(suite, "testcase", classname="mlgreenlint", name="no findings", time="0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
