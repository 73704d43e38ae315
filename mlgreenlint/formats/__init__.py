"""Machine- and CI-oriented output formats; `text` and `json` live in `mlgreenlint.formats.text`,
the HTML report (which also reads the flagged source) in `mlgreenlint.formats.html`.

Importing this package loads no format: a run imports only the one it writes (JUnit's XML
library alone costs more than a warm one-file run's analysis).
"""

from __future__ import annotations

from importlib import import_module

from mlgreenlint.model import Finding, Rule, Severity

#: The formats `render` writes, each the module of that name here with a `render` function.
FORMATS = ("github", "gitlab", "junit", "markdown", "sarif")


def render(name: str, findings: list[Finding], rules: list[Rule], *, tool_version: str,
           fail_on: Severity = Severity.INFO) -> str:
    """Render `findings` in format `name`; `rules` are the enabled rules (for metadata and links);
    `fail_on` tells JUnit which findings fail their test case."""
    if name not in FORMATS:
        raise ValueError(f"unknown format {name!r} (expected one of: {', '.join(sorted(FORMATS))})")
    renderer = import_module(f"{__name__}.{name}").render
    if name == "junit":
        return renderer(findings, rules, tool_version=tool_version, fail_on=fail_on)
    return renderer(findings, rules, tool_version=tool_version)
