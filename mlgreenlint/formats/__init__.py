"""Machine- and CI-oriented output formats; `text` and `json` live in `mlgreenlint.formats.text`,
the HTML report (which also reads the flagged source) in `mlgreenlint.formats.html`."""

from __future__ import annotations

from typing import Protocol

from mlgreenlint.formats import github, gitlab, junit, markdown, sarif
from mlgreenlint.model import Finding, Rule


class Renderer(Protocol):
    def __call__(self, findings: list[Finding], rules: list[Rule], *, tool_version: str) -> str: ...


FORMATS: dict[str, Renderer] = {
    "github": github.render,
    "gitlab": gitlab.render,
    "junit": junit.render,
    "markdown": markdown.render,
    "sarif": sarif.render,
}


def render(name: str, findings: list[Finding], rules: list[Rule], *, tool_version: str) -> str:
    """Render `findings` in format `name`; `rules` are the enabled rules (for metadata and links)."""
    try:
        renderer = FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown format {name!r} (expected one of: {', '.join(sorted(FORMATS))})") from None
    return renderer(findings, rules, tool_version=tool_version)
