"""Machine- and CI-oriented output formats; `text` and `json` live in `mlgreenlint.formats.text`,
the HTML report (which also reads the flagged source) in `mlgreenlint.formats.html`."""

from __future__ import annotations

from typing import Protocol

from mlgreenlint.formats import github, gitlab, junit, markdown, sarif
from mlgreenlint.model import Finding, Rule, Severity


class Renderer(Protocol):
    def __call__(self, findings: list[Finding], rules: list[Rule], *, tool_version: str) -> str: ...


FORMATS: dict[str, Renderer] = {
    "github": github.render,
    "gitlab": gitlab.render,
    "junit": junit.render,
    "markdown": markdown.render,
    "sarif": sarif.render,
}


def render(name: str, findings: list[Finding], rules: list[Rule], *, tool_version: str,
           fail_on: Severity = Severity.INFO) -> str:
    """Render `findings` in format `name`; `rules` are the enabled rules (for metadata and links);
    `fail_on` tells JUnit which findings fail their test case."""
    try:
        renderer = FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown format {name!r} (expected one of: {', '.join(sorted(FORMATS))})") from None
    if name == "junit":
        return junit.render(findings, rules, tool_version=tool_version, fail_on=fail_on)
    return renderer(findings, rules, tool_version=tool_version)
