"""Every rule message says what to do, not only what is wrong (issue 18, item 4)."""

from __future__ import annotations

import re

import pytest

from mlgreenlint.ruleset import rulebook

#: The verbs a message's last clause starts with: an instruction to the reader.
IMPERATIVE = {"add", "call", "consider", "give", "guard", "keep", "launch", "list", "move", "name", "pass", "pin",
              "raise", "remove", "save", "set", "unset", "use", "wrap"}


def templates():
    for rule in rulebook.load_builtin():
        if rule.family == "GL":  # the tool's own notices: the reason is the message
            continue
        yield rule.id, rule.message
        for kind in ("python", "config"):
            for pattern in rule.match.get(kind, ()):
                if "message" in pattern:
                    yield rule.id, pattern["message"]


@pytest.mark.parametrize(("rule_id", "message"), list(templates()))
def test_message_ends_with_what_to_do(rule_id, message):
    if re.search(r"\{verdict\}$", message):
        pytest.skip("the region verdict brings its own advice (test below)")
    # The instruction follows the last "; " (or, in messages without one, the last ": ").
    tail = message.rsplit("; " if "; " in message else ": ", 1)[-1]
    assert tail.split()[0].lower() in IMPERATIVE, f"{rule_id}: {message!r} ends with no instruction"


def test_region_advice_is_an_instruction():
    from mlgreenlint.regions.policy import RegionPolicy, judge

    assert judge("ap-south-1", "aws").message.split("; ")[-1].startswith("move to a lower-carbon aws region in Asia: ")
    allowed = RegionPolicy(allowed=("eu-north-1",))
    assert judge("us-east-1", "aws", allowed).advice.startswith("move to an allowed aws region: eu-north-1")
