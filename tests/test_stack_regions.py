"""Launchers whose region is judged only where it is explicit: Kueue ResourceFlavors (their node
labels), Lambda (named, but no figures and AWS-like ids), Slurm (partitions and clusters, never
regions). Manifests and scripts written for these tests in the shapes each tool documents."""

from __future__ import annotations

import json
import textwrap

import pytest

from mlgreenlint.configs.classify import classify
from mlgreenlint.configs.document import format_of, parse

FLAVOR = """
    apiVersion: kueue.x-k8s.io/v1beta1
    kind: ResourceFlavor
    metadata:
      name: a100-pool
    spec:
      nodeLabels:
{labels}
    """


def flavor(*labels: str) -> str:
    return FLAVOR.format(labels="\n".join(f"        {label}" for label in labels))


def findings(project, *args: str) -> list[tuple[str, str, int]]:
    result = project.run("check", ".", "--select", "RG001,RG002", "--format", "json", *args)
    return sorted((f["rule"], f["path"], f["line"]) for f in json.loads(result.output))


def only_rg002(project) -> dict:
    result = project.run("check", ".", "--select", "RG002", "--format", "json")
    [finding] = json.loads(result.output)
    return finding


@pytest.mark.parametrize(("text", "expected"), [
    (flavor("topology.kubernetes.io/region: us-east-1"), {"kueue"}),
    ("""
    apiVersion: kueue.x-k8s.io/v1beta2
    kind: ResourceFlavor
    metadata: {name: default-flavor}
    """, {"kueue"}),
    # Other Kueue objects and plain Kubernetes manifests stay unrecognised, even with a region label.
    ("""
    apiVersion: kueue.x-k8s.io/v1beta1
    kind: ClusterQueue
    metadata: {name: team-a}
    spec:
      resourceGroups:
        - coveredResources: [nvidia.com/gpu]
          flavors: [{name: a100-pool, resources: [{name: nvidia.com/gpu, nominalQuota: 8}]}]
    """, set()),
    ("""
    apiVersion: batch/v1
    kind: Job
    spec:
      template:
        spec:
          nodeSelector: {topology.kubernetes.io/region: ap-south-1}
    """, set()),
])
def test_kueue_flavor_is_the_only_manifest_read(text, expected):
    assert classify("kueue/flavors.yaml", parse(textwrap.dedent(text), "yaml")) == expected


def test_kueue_region_label_is_judged_at_its_value(project):
    project.write("kueue/flavors.yaml", flavor(
        "node.kubernetes.io/instance-type: p4d.24xlarge",
        "topology.kubernetes.io/region: ap-south-1",
    ))
    finding = only_rg002(project)
    assert (finding["line"], finding["column"]) == (8, 5)  # at the label, as RG002 reports keys
    assert "ap-south-1 (Mumbai)" in finding["message"] and "aws" in finding["message"]
    assert finding["message"].startswith("Kueue ResourceFlavor selects nodes in")
    assert finding.get("fix") is None  # relabelling a flavor moves no node


def test_kueue_zone_label_with_a_gke_label_is_a_gcp_zone(project):
    project.write("flavors.yaml", flavor(
        "cloud.google.com/gke-accelerator: nvidia-tesla-a100",
        "topology.kubernetes.io/zone: asia-south1-a",
    ))
    finding = only_rg002(project)
    assert "asia-south1 (Mumbai)" in finding["message"] and "gcp limit" in finding["message"]


def test_kueue_shared_region_id_needs_a_provider_label(project):
    """`ap-southeast-3` is an AWS and an Alibaba region id: judged only once an EKS label says AWS."""
    project.write("a/flavor.yaml", flavor("topology.kubernetes.io/region: ap-southeast-3"))
    project.write("b/flavor.yaml", flavor(
        "eks.amazonaws.com/nodegroup: gpu", "topology.kubernetes.io/region: ap-southeast-3"))
    project.write("c/flavor.yaml", flavor(
        "eks.amazonaws.com/nodegroup: gpu", "kubernetes.azure.com/agentpool: gpu",
        "topology.kubernetes.io/region: ap-southeast-3"))
    project.write("d/flavor.yaml", flavor("topology.kubernetes.io/region: ${REGION}"))
    assert findings(project) == [("RG002", "b/flavor.yaml", 8)]


def test_lambda_regions_are_never_matched_to_aws_ids(project):
    """Lambda's `us-east-1` is Lambda's data centre, not AWS's: a limit that reports AWS us-east-1
    (418 g) reports it only where AWS is the cloud; Lambda placements are still unpinned or not."""
    project.write("pyproject.toml", """
        [tool.mlgreenlint.rules.RG002]
        max-intensity = { aws = 300 }
        """)
    project.write("sky/lambda.yaml", """
        resources:
          cloud: lambda
          region: us-east-1
          accelerators: H100:8
        run: python train.py
        """)
    project.write("sky/aws.yaml", """
        resources:
          cloud: aws
          region: us-east-1
          accelerators: H100:8
        run: python train.py
        """)
    project.write("sky/lambda-anywhere.yaml", """
        resources:
          infra: lambda
          accelerators: H100:8
        run: python train.py
        """)
    project.write(".dstack/lambda.dstack.yml", """
        type: task
        backends: [lambda]
        regions: [us-east-1]
        commands: [python train.py]
        """)
    project.write(".dstack/mixed.dstack.yml", """
        type: task
        backends: [aws, lambda]
        regions: [us-east-1]
        commands: [python train.py]
        """)
    project.write("launch.py", """
        import sky

        on_lambda = sky.Resources(cloud=sky.Lambda(), region="us-east-1")
        on_aws = sky.Resources(cloud=sky.AWS(), region="us-east-1")
        unread = sky.Resources(cloud=pick_cloud(), region="us-east-1")
        """)
    assert findings(project) == [
        ("RG001", "sky/lambda-anywhere.yaml", 1),
        ("RG002", "launch.py", 4),
        ("RG002", "sky/aws.yaml", 3),
    ]


def test_slurm_partitions_and_clusters_are_never_taken_for_regions(project):
    """An sbatch script names a partition and a cluster; SkyPilot's Slurm infra names a cluster."""
    project.write("slurm/train.sbatch", """
        #!/bin/bash
        #SBATCH --job-name=train
        #SBATCH --partition=ap-south-1
        #SBATCH --clusters=us-east-1
        #SBATCH --gres=gpu:8
        export AWS_DEFAULT_REGION=ap-south-1
        srun python train.py --config configs/train.yaml
        """)
    project.write("train.py", """
        import torch

        model = torch.nn.Linear(4, 4).cuda()
        opt = torch.optim.AdamW(model.parameters())
        """)
    project.write("sky/slurm.yaml", """
        resources:
          infra: slurm/ap-south-1
          accelerators: H100:8
        run: python train.py
        """)
    assert findings(project) == []


def test_job_config_naming_an_hpc_centre_is_not_an_unpinned_cloud(project):
    """Oumi job configs share SkyPilot's `resources` shape; their `polaris` / `frontier` /
    `perlmutter` are supercomputers its own launchers reach, not clouds with regions."""
    for cloud in ("polaris", "perlmutter", "gcp", "lambda"):
        project.write(f"configs/{cloud}_job.yaml", f"""
            name: sft
            resources:
              cloud: {cloud}
              accelerators: "A100:4"
            setup: pip install oumi
            run: oumi train -c configs/train.yaml
            """)
    assert findings(project) == [("RG001", "configs/gcp_job.yaml", 2), ("RG001", "configs/lambda_job.yaml", 2)]
