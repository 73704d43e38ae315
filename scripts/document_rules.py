"""Regenerate docs/rules/*.md, the README rule list and the fix table of docs/usage.md from the rule files.

Run: python scripts/document_rules.py   (tests/test_docs.py fails when they are stale)
"""

from __future__ import annotations

import re
from pathlib import Path

from mlgreenlint.formats import text as text_format
from mlgreenlint.ruleset import rulebook

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    rules = rulebook.load_builtin()
    out = ROOT / "docs" / "rules"
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.md"):
        stale.unlink()
    for rule in rules:
        (out / f"{rule.id}-{rule.name}.md").write_text(text_format.rule_page(rule), encoding="utf-8")
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    table = text_format.rules_markdown(rules)
    text = re.sub(r"(<!-- rules:start.*?-->\n).*?(\n<!-- rules:end -->)", lambda m: m.group(1) + table + m.group(2), text, flags=re.S)
    readme.write_text(text, encoding="utf-8")
    usage = ROOT / "docs" / "usage.md"
    text = usage.read_text(encoding="utf-8")
    table = text_format.fixes_markdown(rules)
    text = re.sub(r"(<!-- fixes:start.*?-->\n).*?(\n<!-- fixes:end -->)", lambda m: m.group(1) + table + m.group(2), text, flags=re.S)
    usage.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
