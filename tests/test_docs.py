"""Documentation that is generated must stay in sync with its source."""

from __future__ import annotations

import re
from pathlib import Path

from mlgreenlint.formats import text as text_format
from mlgreenlint.ruleset import rulebook

ROOT = Path(__file__).resolve().parents[1]


def test_readme_rule_list_is_generated_from_the_rule_files():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- rules:start.*?-->\n(.*?)\n<!-- rules:end -->", readme, re.S).group(1)
    assert block == text_format.rules_markdown(rulebook.load_builtin()), "run: mlgreenlint rules --format markdown"


def test_usage_fix_table_is_generated_from_the_rule_files():
    usage = (ROOT / "docs" / "usage.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- fixes:start.*?-->\n(.*?)\n<!-- fixes:end -->", usage, re.S).group(1)
    assert block == text_format.fixes_markdown(rulebook.load_builtin()), "run: python scripts/document_rules.py"


def test_readme_has_the_two_setup_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install . && mlgreenlint check examples/demo" in readme
    assert "pip install '.[test]' && python -m pytest" in readme
    assert "python -m pytest" in (ROOT / ".ci" / "run").read_text()


def test_rule_pages_are_generated_from_the_rule_files():
    pages = ROOT / "docs" / "rules"
    rules = rulebook.load_builtin()
    assert sorted(p.name for p in pages.glob("*.md")) == sorted(f"{r.id}-{r.name}.md" for r in rules)
    for rule in rules:
        text = (pages / f"{rule.id}-{rule.name}.md").read_text(encoding="utf-8")
        assert text == text_format.rule_page(rule), f"stale page for {rule.id}: run scripts/document_rules.py"
