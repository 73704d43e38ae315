"""Reading an HTML report back: its findings, and every reference it makes to something outside itself."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

from click.testing import CliRunner

from mlgreenlint.cli import main

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo"

#: Attributes through which a page can load or point at a resource.
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "poster", "data", "background", "cite",
                  "xlink:href", "ping", "manifest"}
_CSS_REFERENCE = re.compile(r"url\s*\(|@import|image-set\s*\(", re.IGNORECASE)
VOID = {"meta", "br", "hr", "img", "input", "link", "wbr", "col", "source", "area", "base", "embed", "track", "param"}
SVG_SELF_CLOSING = {"rect", "path", "line", "circle"}


class ReportReader(HTMLParser):
    """Collects the findings (file, rule, line), the external references and tag-nesting errors."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.findings: list[tuple[str, int, str]] = []
        self.external: list[str] = []
        self.errors: list[str] = []
        self.texts: list[str] = []
        self.chart_labels: list[str] = []
        self._stack: list[str] = []
        self._file = ""
        self._capture: str | None = None
        self._buffer = ""
        self._rule = ""
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name in URL_ATTRIBUTES and value is not None and not value.startswith("#"):
                self.external.append(f"<{tag} {name}={value!r}>")
            if name == "style" and value and _CSS_REFERENCE.search(value):
                self.external.append(f"<{tag} style={value!r}>")
        if tag in {"script", "link", "iframe", "img", "object", "embed", "base", "audio", "video", "image"} or (
                tag == "meta" and attributes.get("http-equiv", "").lower() == "refresh"):
            self.external.append(f"<{tag}>")
        if tag == "style":
            self._in_style = True
        if tag not in VOID and not (tag in SVG_SELF_CLOSING and self.get_starttag_text().endswith("/>")):
            self._stack.append(tag)
        classes = (attributes.get("class") or "").split()
        if tag == "code" and self._stack[-3:-1] == ["summary", "h3"]:
            self._start("file")
        elif tag == "a" and "h4" in self._stack and not self._rule:
            self._start("rule")
        elif tag == "span" and "loc" in classes:
            self._start("loc")
        elif tag == "text" and "bl" in classes:
            self._start("chart")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()

    def _start(self, what: str) -> None:
        self._capture, self._buffer = what, ""

    def handle_data(self, data):
        self.texts.append(data)
        if self._in_style and _CSS_REFERENCE.search(data):
            self.external.append("url()/@import in <style>")
        if self._capture:
            self._buffer += data

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False
        if tag in VOID:
            return
        if not self._stack or self._stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self._stack[-1] if self._stack else None}>")
            if tag in self._stack:
                while self._stack.pop() != tag:
                    pass
            return
        self._stack.pop()
        if tag == "h4":
            self._rule = ""
        if self._capture and tag in {"code", "a", "span", "text"}:
            what, text = self._capture, self._buffer.strip()
            self._capture = None
            if what == "file":
                self._file = text
            elif what == "rule":
                self._rule = text
            elif what == "loc":
                self.findings.append((self._file, int(text.split()[1].split(":")[0]), self._rule))
            elif what == "chart":
                self.chart_labels.append(text)


def read(page: str) -> ReportReader:
    reader = ReportReader()
    reader.feed(page)
    reader.close()
    return reader


def text_references(page: str) -> list[str]:
    """Every http(s) or protocol-relative URL anywhere in the page, text included."""
    return re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}", page, re.IGNORECASE)


def demo_report(out: Path) -> str:
    """`mlgreenlint report` of examples/demo into `out`; returns what it printed to stderr."""
    old = Path.cwd()
    os.chdir(DEMO)
    try:
        result = CliRunner().invoke(main, ["report", ".", "--isolated", "--no-cache", "-o", str(out)])
    finally:
        os.chdir(old)
    assert result.exit_code == 1, result.output  # the demo's findings fail the gate, as check does
    return result.stderr
