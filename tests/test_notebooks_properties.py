"""Property tests: a Python file cut into cells lints like the file, and every position maps back.

The rule examples that stand alone (no path, no repository) are cut at random statement
boundaries into code cells, with markdown cells, magic lines and cells whose last line has no
newline mixed in, written with random JSON layouts. The notebook must report what the flat file
reports, each finding's cell line must be the flat file's flagged line, and the notebook file's
line and column must be where that text is spelled in the JSON.
"""

from __future__ import annotations

import ast
import json
from unittest import mock

from hypothesis import example, given
from hypothesis import strategies as st

from mlgreenlint import magics, notebook, notebook_json
from mlgreenlint.engine.driver import lint_text
from mlgreenlint.ruleset.selection import ActiveRule
from mlgreenlint.engine.job import Job
from tests.notebook_helpers import RULES

EXAMPLES = [(rule, example["code"]) for rule in RULES.values() if not rule.match.get("tool")
            and not rule.docs.get("example-path")
            for example in rule.examples.get("invalid", []) if "files" not in example and "path" not in example]


def _boundaries(code: str) -> list[int]:
    """0-based lines where a top-level statement (with its decorators) starts."""
    tree = ast.parse(code)
    return sorted({min([n.lineno, *(d.lineno for d in getattr(n, "decorator_list", []))]) - 1 for n in tree.body})


@st.composite
def split_examples(draw):
    rule, code = draw(st.sampled_from(EXAMPLES))
    lines = code.lstrip("\n").splitlines(keepends=True)
    starts = [b for b in _boundaries("".join(lines)) if b > 0]
    cuts = sorted(draw(st.sets(st.sampled_from(starts), max_size=6))) if starts else []
    pieces = [lines[a:b] for a, b in zip([0, *cuts], [*cuts, len(lines)])]
    cells = []
    for piece in pieces:
        if draw(st.booleans()):
            cells.append({"cell_type": "markdown", "metadata": {}, "source": ["Some *text* `x = 1`\n"]})
        if draw(st.integers(0, 4)) == 0:
            cells.append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 3,
                          "source": ["%matplotlib inline\n", "!nvidia-smi"]})
        source = list(piece)
        if source and draw(st.booleans()):
            source[-1] = source[-1].rstrip("\n")  # Jupyter writes a cell's last line without its newline
        as_string = draw(st.booleans())
        cells.append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                      "source": "".join(source) if as_string else source})
    indent = draw(st.sampled_from([None, 1, 2, 4]))
    ascii_only = draw(st.booleans())
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
                      indent=indent, ensure_ascii=ascii_only)
    return rule, "".join(lines), text, ascii_only


def _job(rule) -> Job:
    return Job(rules=[ActiveRule(rule, rule.severity, rule.option_defaults())], known_ids=set(RULES))


@given(split_examples())
def test_cells_report_what_the_flat_file_reports_at_the_same_code(case):
    rule, flat_code, text, ascii_only = case
    flat = lint_text("example.py", flat_code, _job(rule)).findings
    cells = lint_text("example.ipynb", text, _job(rule)).findings
    assert [(f.rule, f.message) for f in cells] == [(f.rule, f.message) for f in flat]
    flat_lines = flat_code.splitlines()
    doc = json.loads(text)
    code_cells = [c for c in doc["cells"] if c["cell_type"] == "code"]
    file_lines = text.splitlines()
    for nb_finding, flat_finding in zip(cells, flat):
        source = code_cells[nb_finding.cell.cell - 1]["source"]
        cell_lines = ("".join(source) if isinstance(source, list) else source).splitlines()
        flagged = cell_lines[nb_finding.cell.span.line - 1]
        assert flagged == flat_lines[flat_finding.span.line - 1]
        assert nb_finding.cell.span.column == flat_finding.span.column
        # The file position is where the flagged text starts, spelled as JSON.
        rest = flagged[nb_finding.cell.span.column - 1:]
        spelled = json.dumps(rest, ensure_ascii=ascii_only)[1:-1]
        at = file_lines[nb_finding.span.line - 1][nb_finding.span.column - 1:]
        assert spelled and at.startswith(spelled[:20])
        assert nb_finding.fingerprint  # stamped on the code, not on the notebook's layout


#: Pieces of Python and of IPython escapes, so that random lines are often one or the other.
_PIECES = [" ", "\t", "\u00a0", "x", "f.y", "0", "?", "??", "!", "!ls", "%", "%time ", "%%bash", "=", "==", "(",
           ")", "[", "]", "'", '"', '"""', "#", "\\", "/f", ",", ";", ":", "pip install x"]
_LINE = st.lists(st.sampled_from(_PIECES), max_size=4).map(lambda pieces: "".join(pieces) + "\n")


@given(st.lists(_LINE, min_size=1, max_size=4))
@example(["x = 1\n", "model?\n"])
@example(["files = !ls\n", "x\n"])
@example(["  ,f a b\n", "x\n"])
def test_cells_the_quick_look_passes_over_mask_as_the_full_scan_would(lines):
    """The masking skips cells in which no line could be IPython syntax: it must skip nothing
    the full scan (strings, brackets and continuations followed line by line) would mask."""
    quick = magics.mask(lines)
    with mock.patch.object(magics, "_may_escape", lambda source: True):
        full = magics.mask(lines)
    assert quick == full


_JSON_TEXT = st.text(alphabet='ab"\\/\n\t{}[],: \u00e9\U0001f600', max_size=8)
_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _JSON_TEXT,
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_JSON_TEXT, inner, max_size=4),
                     max_leaves=12)


@given(_JSON, st.sampled_from([None, 0, 1, 2]), st.booleans())
@example("ends in a backslash \\", None, False)
@example(["a quote \" inside", "two backslashes \\\\", {"k\\": "\\\""}], 1, True)
def test_stepping_over_a_checked_value_ends_where_decoding_it_ends(value, indent, ascii_only):
    text = json.dumps([value, "after"], indent=indent, ensure_ascii=ascii_only)
    at = notebook_json._skip(text, 1)
    assert notebook_json._end_of_checked(text, at) == notebook_json._end_of(text, at)


@given(st.lists(st.tuples(st.sampled_from(["code", "markdown"]), _JSON_TEXT, _JSON), min_size=1, max_size=5),
       st.sampled_from([None, 1]))
def test_a_large_notebook_locates_its_sources_where_a_small_one_does(cells, indent):
    doc = {"cells": [{"cell_type": kind, "metadata": {"tags": [value]}, "outputs": [{"data": value}],
                      "source": [source, "x = 1\n"]} for kind, source, value in cells],
           "metadata": {"extra": cells[0][2]}, "nbformat": 4, "nbformat_minor": 5}
    text = json.dumps(doc, indent=indent)
    nb = notebook.read(text)
    numbers = [c.number for c in nb.cells]
    decoded = notebook_json.walk(text, nb._code, numbers)
    with mock.patch.object(notebook_json, "UNDECODED", 0):
        assert notebook_json.walk(text, nb._code, numbers) == decoded
    for c in nb.cells:
        strings, _ = decoded[c.number]
        assert "".join(json.loads(text[a:b]) for a, b in strings) == c.source
