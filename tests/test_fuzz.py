"""Property-based fuzzing of the engine: no crash (no GL004) and deterministic output.

The CI profile (tests/conftest.py) runs a bounded, derandomized number of examples;
benchmarks/fuzz_long.py runs the same properties for longer (see benchmarks/FUZZ.md).
"""

from __future__ import annotations

import pytest
from fuzzing import config_file, job, lint_twice, ml_program
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

try:
    import hypothesmith
except ImportError:  # optional: the own ML program strategy still runs
    hypothesmith = None

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


@pytest.mark.skipif(hypothesmith is None, reason="hypothesmith (optional) is not installed")
@settings(suppress_health_check=SUPPRESS, max_examples=8)  # hypothesmith is slow: ~2 s an example
@given(st.deferred(lambda: hypothesmith.from_grammar()))
def test_grammar_generated_programs(source):
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


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_output_is_identical_under_different_hash_seeds(fmt):
    """Determinism across processes: set and dict orders must not leak into the report."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    outputs = set()
    for seed in ("1", "2", "12345"):
        proc = subprocess.run([sys.executable, "-m", "mlgreenlint", "check", "--isolated", "--exit-zero", "--format", fmt,
                               "examples", "tests/data"], cwd=root, capture_output=True, text=True, timeout=300,
                              env={**os.environ, "PYTHONHASHSEED": seed}, check=True)
        outputs.add(proc.stdout)
    assert len(outputs) == 1


@settings(suppress_health_check=SUPPRESS)
@given(ml_program())
def test_the_prefilter_and_the_screen_never_change_a_finding(source):
    """Generated ML programs: the token prefilter and the `ast` screen keep every finding."""
    screened = lint_twice("train.py", source.encode(), JOB).findings
    every = lint_twice("train.py", source.encode(), EVERY_RULE).findings
    assert [(f.rule, f.span, f.message) for f in screened] == [(f.rule, f.span, f.message) for f in every]
