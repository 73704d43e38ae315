"""Property-based fuzzing of the engine: no crash (no GL004) and deterministic output.

The CI profile (tests/conftest.py) runs a bounded, derandomized number of examples;
benchmarks/fuzz_long.py runs the same properties for longer (see benchmarks/FUZZ.md).
"""

from __future__ import annotations

import pytest
from fuzzing import config_file, job, lint_twice, ml_program
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

JOB = job()
EVERY_RULE = job(prefilter=False)
SUPPRESS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


@settings(suppress_health_check=SUPPRESS)
@given(st.text(max_size=400))
def test_arbitrary_text_as_python(text):
    lint_twice("train.py", text.encode("utf-8", "surrogatepass"), EVERY_RULE)


@settings(suppress_health_check=SUPPRESS)
@given(st.binary(max_size=400), st.sampled_from(["a.py", "ds_config.json", "accelerate_config.yaml", "c.toml"]))
def test_arbitrary_bytes_under_any_name(data, name):
    result = lint_twice(name, data, EVERY_RULE)
    assert {f.rule for f in result.findings} <= {"GL001", "GL002", "GL003", "ET001", "MP001", "MP006"} | {
        f.rule for f in result.findings if not f.rule.startswith("GL")}


@settings(suppress_health_check=SUPPRESS)
@given(ml_program())
def test_generated_ml_programs(source):
    lint_twice("train.py", source.encode(), JOB)
    lint_twice("pkg/train.py", source.encode(), EVERY_RULE)


@settings(suppress_health_check=SUPPRESS, max_examples=8)  # hypothesmith is slow: ~2 s an example
@given(st.data())
def test_grammar_generated_programs(data):
    hypothesmith = pytest.importorskip("hypothesmith")
    source = data.draw(hypothesmith.from_grammar())
    lint_twice("train.py", source.encode("utf-8", "surrogatepass"), EVERY_RULE)


@settings(suppress_health_check=SUPPRESS)
@given(config_file())
def test_generated_config_documents(named):
    name, data = named
    lint_twice(name, data, EVERY_RULE)


@settings(suppress_health_check=SUPPRESS)
@given(ml_program(), st.sampled_from(["\ufeff", ""]), st.sampled_from(["\n", "\r\n"]))
def test_bom_and_line_endings_do_not_move_findings(source, bom, newline):
    plain = source.replace("\r\n", "\n")
    base = lint_twice("train.py", plain.encode(), JOB).findings
    other = lint_twice("train.py", (bom + plain.replace("\n", newline)).encode(), JOB).findings
    assert [(f.rule, f.span) for f in other] == [(f.rule, f.span) for f in base]
