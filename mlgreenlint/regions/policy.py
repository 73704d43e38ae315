"""Region verdicts shared by every input that names a cloud region: Python calls and job configs.

Which provider an API or an environment variable belongs to, how SkyPilot spells a placement,
and whether a region literal breaks the policy (above its provider's intensity limit, or not
on the organisation's allow-list), with the message and the replacement a fix writes. The
figures come from the shipped table (`regions`); nothing here knows about libcst or YAML.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from mlgreenlint.regions.table import (
    DEFAULT_THRESHOLDS,
    Region,
    describe,
    grams,
    greener_alternatives,
    lookup,
    normalize_provider,
    providers_of,
)

#: Qualified-name prefixes of APIs whose regions belong to one provider.
API_PROVIDERS: tuple[tuple[str, str], ...] = (
    ("boto3.", "aws"),
    ("botocore.", "aws"),
    ("sagemaker.", "aws"),
    ("google.cloud.", "gcp"),
    ("azure.", "azure"),
    ("azureml.", "azure"),
)

#: Environment variables that pin a region, and whose provider reads them.
ENV_PROVIDERS: Mapping[str, str] = MappingProxyType({
    "AWS_DEFAULT_REGION": "aws",
    "AWS_REGION": "aws",
    "GOOGLE_CLOUD_REGION": "gcp",
    "CLOUD_ML_REGION": "gcp",
    "CLOUDSDK_COMPUTE_REGION": "gcp",
    "CLOUDSDK_AI_REGION": "gcp",
})

#: Where an API runs when nothing pins a region, where the library itself documents a default:
#: Vertex AI uses `constants.DEFAULT_REGION` (google-cloud-aiplatform 2.7.0, initializer.py).
FALLBACKS: tuple[tuple[str, str, str], ...] = (
    ("google.cloud.aiplatform.", "gcp", "us-central1"),
)

#: SkyPilot clouds whose placement is a cluster or a machine pool, never a cloud region.
CLUSTER_CLOUDS = frozenset({"k8s", "kubernetes", "ssh", "slurm"})

#: Public clouds whose placement is one of their regions, besides the table's providers: the cloud
#: modules of SkyPilot's `sky/clouds/`. A config that names only one of them leaves its region open (RG001);
#: any other name (an HPC centre an Oumi job names, `polaris`, `perlmutter`) is never taken for a cloud.
REGION_CLOUDS = frozenset({
    "lambda", "runpod", "paperspace", "fluidstack", "cudo", "scp", "do", "nebius", "vast",
    "hyperbolic", "hyperstack", "cloudrift", "coreweave", "mithril", "novita", "ovhcloud",
    "primeintellect", "scaleway", "seeweb", "ppio",
})

#: The `provider` to pass to `judge` when a cloud is named but its value cannot be read: like a
#: cloud outside the table (Lambda, RunPod), it judges nothing. Lambda's region ids `us-east-1`,
#: `us-west-1`, `us-west-2` are AWS's too, so a region is never matched to the table by its id alone
#: once a cloud is named (SkyPilot 21e4f4c,
#: `sky/clouds/service_catalog/data_fetchers/fetch_lambda_cloud.py`, `REGIONS`).
UNREAD_CLOUD = "<unread cloud>"

#: Kubernetes well-known node labels that hold the cloud region, else the zone, a node runs in (set
#: by the cloud's controller manager; the `failure-domain.beta` spelling is the deprecated one).
NODE_REGION_LABELS = ("topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region")
NODE_ZONE_LABELS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")

#: Node-label prefixes that only one managed Kubernetes service writes: they name the provider.
NODE_LABEL_PROVIDERS: tuple[tuple[str, str], ...] = (
    ("cloud.google.com/", "gcp"),
    ("eks.amazonaws.com/", "aws"),
    ("karpenter.k8s.aws/", "aws"),
    ("kubernetes.azure.com/", "azure"),
    ("alibabacloud.com/", "alibaba"),
)


def provider_of(name: str) -> str | None:
    """The provider of an API's qualified name (`boto3.Session`) or a region variable (`AWS_REGION`)."""
    if name in ENV_PROVIDERS:
        return ENV_PROVIDERS[name]
    return next((p for prefix, p in API_PROVIDERS if name.startswith(prefix)), None)


def cloud_provider(cloud: str) -> str | None:
    """The table provider a SkyPilot or Modal cloud names (`aws`, `GCP`, `sky.clouds.OCI`); None for others."""
    try:
        return normalize_provider(cloud.rsplit(".", 1)[-1])
    except ValueError:
        return None


def node_label_placement(labels: Mapping[object, object]) -> tuple[str, str | None] | None:
    """Of a node selector's labels: the key that names a region (else a zone), and the provider its
    other labels name (None when none does); None when no such key, or its providers disagree."""
    key = next((k for k in (*NODE_REGION_LABELS, *NODE_ZONE_LABELS) if k in labels), None)
    if key is None:
        return None
    named = {p for label in labels if isinstance(label, str)
             for prefix, p in NODE_LABEL_PROVIDERS if label.startswith(prefix)}
    if len(named) > 1:
        return None
    return key, (named.pop() if named else None)


def region_cloud(name: str) -> bool:
    """Whether a cloud name places jobs in regions: a table provider (or alias) or `REGION_CLOUDS`."""
    return cloud_provider(name) is not None or name.strip().lower() in REGION_CLOUDS


def fallback_region(api: str) -> Region | None:
    """The region an API falls back to when nothing pins one, if its library documents one."""
    for prefix, provider, region in FALLBACKS:
        if api.startswith(prefix):
            return lookup(region, provider)
    return None


@dataclass(frozen=True)
class Placement:
    """Where a SkyPilot `infra` string puts a job; None where it leaves the choice open (`*`)."""

    cloud: str | None
    region: str | None
    zone: str | None

    @property
    def region_or_zone(self) -> str | None:
        """The region, else the zone: what the table is asked about."""
        return self.region or self.zone


def parse_infra(text: str) -> Placement:
    """`cloud`, `cloud/region` or `cloud/region/zone`, `*` for any; Kubernetes, SSH and Slurm name clusters."""
    parts = [p.strip() for p in text.strip().strip("/").split("/")]
    cloud, region, zone = (parts + [None, None])[:3]
    if cloud is not None and cloud.lower() in CLUSTER_CLOUDS:
        return Placement(cloud, None, None)
    return Placement(*(None if p in (None, "", "*") else p for p in (cloud, region, zone)))


@dataclass(frozen=True)
class RegionPolicy:
    """What counts as a bad region: above the provider's limit, or, when a list is given, not on it."""

    thresholds: Mapping[str, float] = field(default_factory=lambda: DEFAULT_THRESHOLDS)
    #: Allowed regions, `eu-north-1` or provider-qualified `aws/eu-north-1`; replaces the limits.
    allowed: tuple[str, ...] = ()

    @classmethod
    def from_options(cls, options: Mapping[str, object]) -> RegionPolicy:
        """From the rule options `max-intensity` (per provider, over the defaults) and `allowed-regions`."""
        thresholds = dict(DEFAULT_THRESHOLDS)
        for name, limit in dict(options.get("max-intensity") or {}).items():
            provider = cloud_provider(str(name))
            if provider is not None:
                thresholds[provider] = float(limit)
        return cls(MappingProxyType(thresholds), tuple(options.get("allowed-regions") or ()))

    def allowed_regions(self, provider: str) -> list[Region]:
        """The allowed regions of `provider` that the table knows, lowest intensity first."""
        found: dict[str, Region] = {}
        for entry in self.allowed:
            named = parse_infra(entry) if "/" in entry else Placement(None, entry, None)
            if named.cloud is not None and cloud_provider(named.cloud) != provider:
                continue
            region = lookup(named.region_or_zone, provider) if named.region_or_zone else None
            if region is not None:
                found[region.region] = region
        return sorted(found.values(), key=lambda r: (r.intensity, r.region))


@dataclass(frozen=True)
class Verdict:
    """Why a region breaks the policy, and what to use instead."""

    region: Region
    #: "above the aws limit of 450" or "not in allowed-regions".
    reason: str
    #: Regions to move to, best first (at most three).
    alternatives: tuple[Region, ...]
    #: The region a fix moves to: the best alternative on the same continent.
    suggestion: Region | None
    #: The literal's new text (a region id, or an infra string), or None when it cannot be rewritten.
    replacement: str | None

    @property
    def message(self) -> str:
        """E.g. `ap-south-1 (Mumbai) 653 gCO2e/kWh (2025, Electricity Maps), above the aws limit of 450;
        lower-carbon aws regions in Asia: me-central-1 348, ...`."""
        return f"{self.head}; {self.advice}"

    @property
    def head(self) -> str:
        """The region, its intensity, year and source, and the reason."""
        return f"{describe(self.region)}, {self.reason}"

    @property
    def advice(self) -> str:
        """The alternatives, with their intensities."""
        r = self.region
        listed = ", ".join(f"{a.region} {grams(a.intensity)}" for a in self.alternatives)
        if self.reason.startswith("not in"):
            return (f"move to an allowed {r.provider} region: {listed}" if listed
                    else f"no allowed {r.provider} region is known: add one to the allow-list")
        if listed:
            return f"move to a lower-carbon {r.provider} region in {r.continent}: {listed}"
        return f"no {r.provider} region in {r.continent} is lower-carbon: consider another continent or provider"

    @property
    def title(self) -> str:
        """The fix's title."""
        s = self.suggestion
        return f"Use {s.region} ({s.location}, {grams(s.intensity)} gCO2e/kWh)" if s else ""


def judge(text: str, provider: str | None = None, policy: RegionPolicy | None = None) -> Verdict | None:
    """The verdict on a region literal; None when it is fine, or unknown to the table.

    `text` is a region or zone id, an Azure display name, or a SkyPilot infra string
    (`aws/ap-south-1`). `provider` is the one the API implies (`provider_of`) or the cloud a
    config names; a cloud outside the table (`lambda`, `UNREAD_CLOUD`) judges nothing. Without
    it the infra string's cloud decides, else the only provider that has a region of that id.
    """
    policy = policy or RegionPolicy()
    placement = parse_infra(text) if "/" in text else Placement(None, text, None)
    if placement.region_or_zone is None:
        return None
    provider = _provider(placement, provider)
    region = lookup(placement.region_or_zone, provider) if provider else None
    if region is None:
        return None
    if policy.allowed:
        allowed = policy.allowed_regions(region.provider)
        if region in allowed:
            return None
        near = [r for r in allowed if r.continent == region.continent]
        reason, alternatives = "not in allowed-regions", near or allowed
    else:
        limit = policy.thresholds.get(region.provider)
        if limit is None or region.intensity <= limit:
            return None
        reason, near = f"above the {region.provider} limit of {limit:g}", greener_alternatives(region, limit=None)
        alternatives = near
    suggestion = near[0] if near else None
    replacement = _rewrite(text, region, suggestion) if suggestion else None
    return Verdict(region, reason, tuple(alternatives[:3]), suggestion, replacement)


def judge_all(texts: Iterable[str], provider: str | None = None, policy: RegionPolicy | None = None) -> list[Verdict]:
    """Verdicts on a list of acceptable regions (SkyPilot `any_of`, Modal or Azure region lists).

    A list is only as bad as its best entry: all verdicts when every entry breaks the policy,
    none when any entry is fine or unknown to the table.
    """
    verdicts = []
    for text in texts:
        verdict = judge(text, provider, policy)
        if verdict is None:
            return []
        verdicts.append(verdict)
    return verdicts


def combined_message(verdicts: list[Verdict]) -> str:
    """One message for a list whose every entry breaks the policy."""
    if len(verdicts) == 1:
        return verdicts[0].message
    advice = dict.fromkeys(v.advice for v in verdicts)
    return f"every listed region: {'; '.join(v.head for v in verdicts)}; {'; '.join(advice)}"


def _provider(placement: Placement, provider: str | None) -> str | None:
    if provider is not None:
        return cloud_provider(provider)
    if placement.cloud is not None:
        return cloud_provider(placement.cloud)
    owners = providers_of(placement.region_or_zone or "")
    return owners.pop() if len(owners) == 1 else None


def _rewrite(text: str, region: Region, new: Region) -> str | None:
    """The literal moved to `new`: infra strings keep their cloud (a zone is dropped); zones are not rewritten."""
    if "/" in text:
        return f"{text.strip().strip('/').split('/')[0].strip()}/{new.region}"
    if text.strip().lower().replace(" ", "") == region.region:
        return new.region
    return None
