"""RG001 / RG002: rule examples, options, messages computed from the table, fixes, shared policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgreenlint import testing
from mlgreenlint.engine.driver import Job, lint_text
from mlgreenlint.errors import RuleFileError
from mlgreenlint.model import Finding
from mlgreenlint.regions import policy as region_policy
from mlgreenlint.regions.policy import (
    RegionPolicy,
    judge,
    judge_all,
    parse_infra,
    provider_of,
)
from mlgreenlint.regions.table import (
    DEFAULT_THRESHOLDS,
    describe,
    grams,
    greener_alternatives,
    load_table,
    lookup,
)
from mlgreenlint.ruleset import rulebook
from mlgreenlint.ruleset.selection import ActiveRule, activate
from mlgreenlint.settings import Settings

RULES = {r.id: r for r in rulebook.load_paths([Path(__file__).resolve().parents[1] / "rules"])}


@pytest.mark.parametrize("case", [c for rid in ("RG001", "RG002") for c in testing.cases(RULES[rid])], ids=lambda c: c.name)
def test_rule_examples(case):
    outcome = testing.run_case(case)
    assert outcome.ok, outcome.detail


def lint(code: str, rule_id: str = "RG002", **options) -> list[Finding]:
    rule = RULES[rule_id]
    job = Job(rules=[ActiveRule(rule, rule.severity, rule.option_defaults() | options)], known_ids={rule_id})
    return lint_text("launch.py", code, job).findings


def apply(text: str, finding: Finding) -> str:
    """The text with the finding's fix applied (spans are 1-based, end exclusive)."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    for edit in sorted(finding.fix.edits, key=lambda e: e.span, reverse=True):
        begin = starts[edit.span.line - 1] + edit.span.column - 1
        end = starts[edit.span.end_line - 1] + edit.span.end_column - 1
        text = text[:begin] + edit.replacement + text[end:]
    return text


SAGEMAKER_CLIENT = 'import boto3\n\nsm = boto3.client("sagemaker", region_name="{region}")\n'


def test_message_is_computed_from_the_table():
    region = lookup("ap-south-1", "aws")
    (finding,) = lint(SAGEMAKER_CLIENT.format(region="ap-south-1"))
    assert describe(region) in finding.message
    assert f"above the aws limit of {DEFAULT_THRESHOLDS['aws']:g}" in finding.message
    listed = ", ".join(f"{a.region} {grams(a.intensity)}" for a in greener_alternatives(region, limit=3))
    assert finding.message.endswith(f"move to a lower-carbon aws region in {region.continent}: {listed}")


def test_fix_replaces_the_literal_with_the_suggested_region():
    code = SAGEMAKER_CLIENT.format(region="ap-south-1")
    (finding,) = lint(code)
    best = greener_alternatives(lookup("ap-south-1", "aws"), limit=1)[0]
    assert finding.fix is not None and not finding.fix.safe
    assert [e.replacement for e in finding.fix.edits] == [f'"{best.region}"']
    assert apply(code, finding) == SAGEMAKER_CLIENT.format(region=best.region)
    assert best.region in finding.fix.title


def test_fix_keeps_the_quote_style_and_edits_the_constant_a_call_uses():
    code = "import boto3\n\nREGION = 'ap-south-1'\nsm = boto3.client('sagemaker', region_name=REGION)\n"
    (finding,) = lint(code)
    best = greener_alternatives(lookup("ap-south-1", "aws"), limit=1)[0]
    assert finding.span.line == 4
    assert finding.fix.edits[0].span.line == 3
    assert apply(code, finding) == code.replace("'ap-south-1'", f"'{best.region}'")


def test_fix_of_an_environment_pin_and_of_a_skypilot_infra_string():
    code = 'import os\nimport sagemaker\n\nos.environ["AWS_REGION"] = "ap-south-1"\nsagemaker.Session()\n'
    (finding,) = lint(code)
    best = greener_alternatives(lookup("ap-south-1", "aws"), limit=1)[0]
    assert finding.message.startswith("AWS_REGION pins ap-south-1")
    assert apply(code, finding) == code.replace('"ap-south-1"', f'"{best.region}"')

    sky = 'import sky\n\nr = sky.Resources(infra="aws/ap-south-1/ap-south-1a")\n'
    (finding,) = lint(sky)
    assert apply(sky, finding) == sky.replace("aws/ap-south-1/ap-south-1a", f"aws/{best.region}")


def test_zones_and_computed_strings_are_reported_without_a_fix():
    (zone,) = lint('import sky\n\nr = sky.Resources(cloud=sky.AWS(), zone="ap-south-1a")\n')
    assert zone.fix is None
    (fstring,) = lint('import boto3\n\nsm = boto3.client("sagemaker", region_name=f"ap-south-1")\n')
    assert fstring.fix is None


def test_provider_comes_from_the_api():
    gcp = lookup("asia-south1", "gcp")
    (finding,) = lint('from google.cloud import aiplatform\n\naiplatform.init(location="asia-south1")\n')
    assert describe(gcp) in finding.message and "gcp" in finding.message
    # An AWS API never reads a GCP id, and vice versa.
    assert lint(SAGEMAKER_CLIENT.format(region="asia-south1")) == []
    assert lint('from google.cloud import aiplatform\n\naiplatform.init(location="ap-south-1")\n') == []


@pytest.mark.parametrize("limits, flagged", [
    ({"aws": 700}, False),
    ({"aws": 600}, True),
    ({"gcp": 100}, True),  # other providers keep their defaults
])
def test_max_intensity_overrides_one_provider_at_a_time(limits, flagged):
    intensity = lookup("ap-south-1", "aws").intensity
    assert 600 < intensity <= 700
    assert bool(lint(SAGEMAKER_CLIENT.format(region="ap-south-1"), **{"max-intensity": limits})) is flagged


def test_max_intensity_below_every_region_reports_without_a_fix():
    lowest = min((r for r in load_table() if r.provider == "aws"), key=lambda r: r.intensity)
    (finding,) = lint(SAGEMAKER_CLIENT.format(region=lowest.region), **{"max-intensity": {"aws": 1}})
    assert finding.fix is None
    assert f"no aws region in {lowest.continent} is lower-carbon: consider another continent or provider" in finding.message


def test_max_intensity_accepts_provider_aliases():
    code = 'from google.cloud import aiplatform\n\naiplatform.init(location="asia-south1")\n'
    assert lint(code, **{"max-intensity": {"google": 1000}}) == []


def test_allowed_regions_replace_the_limits():
    allowed = {"allowed-regions": ["aws/eu-north-1", "eu-west-3", "gcp/europe-north1"]}
    assert lint(SAGEMAKER_CLIENT.format(region="eu-west-3"), **allowed) == []
    (finding,) = lint(SAGEMAKER_CLIENT.format(region="eu-west-1"), **allowed)
    stockholm, paris = lookup("eu-north-1", "aws"), lookup("eu-west-3", "aws")
    assert "not in allowed-regions" in finding.message
    assert f"move to an allowed aws region: eu-north-1 {grams(stockholm.intensity)}, eu-west-3 {grams(paris.intensity)}" in finding.message
    assert finding.fix.edits[0].replacement == '"eu-north-1"'
    # Allowed regions on another continent are named, but nothing is rewritten.
    (far,) = lint(SAGEMAKER_CLIENT.format(region="ap-south-1"), **allowed)
    assert far.fix is None and "eu-north-1" in far.message


def test_a_session_is_judged_when_the_file_makes_a_compute_client():
    code = ('import boto3\n\nsession = boto3.Session(region_name="ap-south-1")\n'
            'batch = session.client("batch")\n')
    (finding,) = lint(code)
    assert finding.span.line == 3
    assert lint(code, **{"compute-services": ["sagemaker"]}) == []


def test_settings_override_the_options():
    settings = Settings(rules={"RG002": {"max-intensity": {"aws": 100}, "allowed-regions": []}})
    (active,) = [a for a in activate(list(RULES.values()), settings) if a.id == "RG002"]
    assert active.options["max-intensity"] == {"aws": 100}
    policy = RegionPolicy.from_options(active.options)
    assert policy.thresholds["aws"] == 100 and policy.thresholds["gcp"] == DEFAULT_THRESHOLDS["gcp"]


def test_rule_defaults_match_the_shipped_thresholds():
    assert RULES["RG002"].option_defaults()["max-intensity"] == dict(DEFAULT_THRESHOLDS)


def test_vertex_fallback_message_names_us_central1_from_the_table():
    (finding,) = lint("import vertexai\n\nvertexai.init(project='p')\n", "RG001")
    assert finding.message.endswith(f"falls back to {describe(lookup('us-central1', 'gcp'))}; set location to a low-carbon region")


def test_unknown_environment_updates_keep_rg001_quiet():
    code = ("import os\nfrom sagemaker.pytorch import PyTorch\n\nos.environ.update(env)\n"
            "PyTorch(entry_point='t.py', role=r, instance_type='ml.g5.xlarge', instance_count=1).fit()\n")
    assert lint(code, "RG001") == []
    assert len(lint(code.replace("os.environ.update(env)\n", ""), "RG001")) == 1


def test_rule_files_naming_an_unregistered_check_are_rejected(tmp_path):
    text = (Path(RULES["RG002"].source).read_text(encoding="utf-8")
            .replace('check = "high-carbon-region"', 'check = "no-such-check"', 1)
            .replace('id = "RG002"', 'id = "RG902"'))
    path = tmp_path / "RG902-high-carbon-region.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleFileError, match="no-such-check"):
        rulebook.load_paths([path])


# The shared policy, as the config engine will call it --------------------------------------

def test_provider_of_apis_and_variables():
    assert provider_of("boto3.Session") == "aws"
    assert provider_of("sagemaker.train.ModelTrainer") == "aws"
    assert provider_of("google.cloud.aiplatform.init") == "gcp"
    assert provider_of("azure.ai.ml.entities.Workspace") == "azure"
    assert provider_of("AWS_DEFAULT_REGION") == "aws" and provider_of("CLOUD_ML_REGION") == "gcp"
    assert provider_of("sky.Resources") is None


@pytest.mark.parametrize("infra, expected", [
    ("aws", ("aws", None, None)),
    ("aws/*", ("aws", None, None)),
    ("aws/us-east-1/us-east-1a", ("aws", "us-east-1", "us-east-1a")),
    ("*/*/eu-north-1a", (None, None, "eu-north-1a")),
    ("k8s/my-context", ("k8s", None, None)),
    ("ssh/pool", ("ssh", None, None)),
])
def test_parse_infra(infra, expected):
    p = parse_infra(infra)
    assert (p.cloud, p.region, p.zone) == expected


def test_judge_without_a_provider_uses_the_infra_cloud_or_the_only_owner():
    assert judge("gcp/asia-south1").region == lookup("asia-south1", "gcp")
    assert judge("ap-south-1").region == lookup("ap-south-1", "aws")
    assert judge("lambda/us-east-1") is None  # a cloud the table does not cover
    assert judge("eu-north-1") is None  # low-carbon


def test_judge_all_reports_a_list_only_when_every_entry_is_bad():
    assert judge_all(["ap-south-1", "eu-north-1"], "aws") == []
    assert judge_all(["ap-south-1", "not-a-region"], "aws") == []
    verdicts = judge_all(["ap-south-1", "ap-east-1"], "aws")
    assert [v.region.region for v in verdicts] == ["ap-south-1", "ap-east-1"]
    message = region_policy.combined_message(verdicts)
    assert message.count("lower-carbon aws region in Asia") == 1


def test_environment_settings_become_sites_with_a_name_and_a_value():
    import libcst as cst

    from mlgreenlint.python import bindings
    from mlgreenlint.python.context import FileContext
    from mlgreenlint.python.values import UNKNOWN

    code = '''
import os
from os import environ

os.environ["A"] = "1"
environ.setdefault("B", "2")
os.putenv("C", "3")
os.environ.update({"D": "4"}, )
os.environ.update(E="5")
os.environ.update(loaded)
os.environ[key] = "6"
table = {}
table["F"] = "7"
'''
    ctx = FileContext("x.py", code, bindings.collect(cst.parse_module(code)))
    seen = [(s.names, s.keywords["value"].value) for s in ctx.env_sites]
    assert seen == [
        (("A",), "1"), ((), "6"), (("B",), "2"), (("C",), "3"), (("D",), "4"), (("E",), "5"), ((), UNKNOWN),
    ]
