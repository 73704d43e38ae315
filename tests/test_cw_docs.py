"""The CW rules quote the project's H200 measurements, or say plainly that there are none."""

from __future__ import annotations

import re

from mlgreenlint.ruleset import rulebook

CW = [r for r in rulebook.load_builtin() if r.family == "CW"]


def test_every_cw_rule_quotes_a_measured_figure_or_says_there_is_none():
    assert CW
    for rule in CW:
        why = rule.docs["why"]
        measured = "H200" in why and re.search(r"\d+(\.\d+)?x", why)
        assert measured or "no measured figure" in why, rule.id


def test_no_rule_claims_cudnn_benchmark_saves_energy():
    # On the H200 probe, cudnn.benchmark = True did not save energy (0.87x with it off).
    for rule in rulebook.load_builtin():
        text = " ".join(str(v) for v in rule.docs.values()) + rule.message
        assert "cudnn.benchmark" not in text, rule.id
