"""Findings on ML config files: exact positions in text and JSON output, fixes, and silence elsewhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlgreenlint.errors import RuleFileError
from mlgreenlint.ruleset import rulebook

# (path, text, rule, line, column, end_column) for one finding each.
CASES = [
    ("sky/train.yaml", """
        name: train
        resources:
          infra: aws
        run: python train.py
        """, "RG001", 2, 1, 10),
    (".dstack.yml", """
        type: task
        backends: [aws, gcp]
        commands:
          - python train.py
        """, "RG001", 2, 1, 9),
    ("sky/train.yaml", """
        resources:
          accelerators: A10G:1
          infra: "aws/ap-south-1"
        run: python train.py
        """, "RG002", 3, 3, 8),
    ("sky/train.yaml", """
        resources:
          any_of:
            - infra: aws/ap-south-1
            - infra: aws/af-south-1
        run: python train.py
        """, "RG002", 3, 7, 12),
    ("cluster.yaml", """
        cluster_name: c
        provider:
          type: azure
          location: centralindia
        head_node_type: head
        available_node_types: {}
        """, "RG002", 4, 3, 11),
    (".dstack.yml", """
        type: task
        backends: [aws]
        regions: [ap-south-1, af-south-1]
        commands: [python train.py]
        """, "RG002", 3, 11, 21),
    ("accelerate_sagemaker.yaml", """
        compute_environment: AMAZON_SAGEMAKER
        distributed_type: NO
        region: ap-south-1
        """, "RG002", 3, 1, 7),
    ("train_args.json", """
        {
          "output_dir": "out",
          "per_device_train_batch_size": 8,
          "save_steps": 20, "save_total_limit": 2
        }
        """, "CK002", 4, 3, 15),
    ("recipe.yaml", """
        output_dir: out
        per_device_train_batch_size: 4
        save_strategy: epoch
        num_train_epochs: 3
        """, "CK003", 3, 1, 14),
    ("configs/fit.yaml", """
        trainer:
          callbacks:
            - class_path: lightning.pytorch.callbacks.ModelCheckpoint
              init_args:
                every_n_train_steps: 10
        """, "CK004", 5, 9, 28),
    ("configs/callbacks/ckpt.yaml", """
        model_checkpoint:
          _target_: lightning.pytorch.callbacks.ModelCheckpoint
          save_top_k: -1
          every_n_train_steps: 1000
        """, "CK005", 3, 3, 13),
]


@pytest.mark.parametrize(("path", "text", "rule", "line", "column", "end_column"), CASES,
                         ids=[f"{c[2]}-{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_config_finding_positions(project, path, text, rule, line, column, end_column):
    project.write(path, text)
    result = project.run("check", path, "--select", rule, "--format", "json")
    findings = json.loads(result.output)
    assert [(f["rule"], f["line"], f["column"], f["end_line"], f["end_column"]) for f in findings] == [
        (rule, line, column, line, end_column)], result.output
    text_out = project.run("check", path, "--select", rule).output
    assert f"{path}:{line}:{column}: {rule}" in text_out


def test_high_carbon_region_fix_keeps_quotes(project):
    project.write("cluster.yaml", """
        cluster_name: c
        provider:
          type: aws
          region: 'ap-south-1'
        head_node_type: head
        available_node_types: {}
        """)
    findings = json.loads(project.run("check", "cluster.yaml", "--select", "RG002", "--format", "json").output)
    (finding,) = findings
    (edit,) = finding["fix"]["edits"]
    assert (edit["line"], edit["column"], edit["end_column"]) == (4, 11, 23)
    assert edit["replacement"] == "'me-central-1'"
    assert finding["fix"]["safe"] is False


def test_infra_fix_keeps_the_cloud(project):
    project.write("sky/train.yaml", """
        resources:
          infra: aws/ap-south-1
        run: python train.py
        """)
    (finding,) = json.loads(project.run("check", "sky/train.yaml", "--select", "RG002", "--format", "json").output)
    assert finding["fix"]["edits"][0]["replacement"] == "aws/me-central-1"


def test_region_list_with_a_low_carbon_entry_is_silent(project):
    project.write("sky/train.yaml", """
        resources:
          ordered:
            - infra: aws/ap-south-1
            - infra: gcp/europe-north1
        run: python train.py
        """)
    assert json.loads(project.run("check", "sky/train.yaml", "--select", "RG", "--format", "json").output) == []


def test_non_ml_config_files_produce_no_findings(project):
    project.write("package.json", '{"name": "x", "version": "1.0.0", "scripts": {"region": "ap-south-1"}}\n')
    project.write(".github/workflows/ci.yml", """
        on: push
        env:
          AWS_DEFAULT_REGION: ap-south-1
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - run: pytest
        """)
    project.write("k8s/deploy.yaml", """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          labels: {region: ap-south-1}
        spec:
          replicas: 1
        """)
    project.write("pyproject.toml", """
        [project]
        name = "x"
        [tool.region]
        region = "ap-south-1"
        """)
    project.write("docker-compose.yml", """
        services:
          app:
            image: app
            environment:
              AWS_REGION: ap-south-1
        """)
    result = project.run("check", ".", "--format", "json")
    assert json.loads(result.output) == [], result.output


def test_unknown_config_check_is_rejected(tmp_path: Path):
    source = Path(__file__).parent.parent / "rules" / "RG002-high-carbon-region.toml"
    text = source.read_text(encoding="utf-8").replace(
        'kinds = ["ray-cluster"]\nnode = "provider"\nreport = "location"\ncheck = "high-carbon-region"',
        'kinds = ["ray-cluster"]\nnode = "provider"\nreport = "location"\ncheck = "no-such-check"', 1)
    assert "no-such-check" in text
    bad = tmp_path / "RG002-high-carbon-region.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(RuleFileError, match="no-such-check"):
        rulebook.load_paths([bad])


def test_ray_zone_list_names_each_region_once(project):
    project.write("cluster.yaml", """
        cluster_name: c
        provider:
          type: aws
          availability_zone: ap-south-1a,ap-south-1b
        head_node_type: head
        available_node_types: {}
        """)
    (finding,) = json.loads(project.run("check", "cluster.yaml", "--select", "RG002", "--format", "json").output)
    assert (finding["line"], finding["column"]) == (4, 3)
    assert finding["message"].count("ap-south-1 (Mumbai)") == 1
    assert finding["fix"] is None
