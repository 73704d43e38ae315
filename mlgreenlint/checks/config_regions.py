"""Region checks for job configs (SkyPilot, dstack, Ray cluster, accelerate SageMaker, Azure ML, Kueue YAML).

The config pattern selects the node (`resources`, `provider`, the document) and, for
`high-carbon-region`, the key whose value is a region; the verdicts, messages and replacement
text come from `regions.policy`, as for Python. A value that is not a literal region (`${{ env.X }}`,
`${oc.env:REGION}`, a region the table does not know) is unknown and never reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from mlgreenlint.configs.document import Node
from mlgreenlint.match.predicates import FixSpec, Hit, PatternMatch
from mlgreenlint.model import Span
from mlgreenlint.regions import policy as region_policy

#: Keys of a placement mapping (SkyPilot resources or an any_of/ordered entry) that name a region.
_PLACE_KEYS = ("infra", "region", "zone")


def high_carbon_region(match: PatternMatch) -> Iterator[Hit]:
    """The region at `report` breaks the policy: a scalar (fixable), a list of regions or of
    SkyPilot placements (reported at the first entry when every entry breaks it). Without
    `report`, each region variable of the selected `env`/`envs` mapping is judged."""
    node: Node = match.site.node
    policy = region_policy.RegionPolicy.from_options(match.options)
    if "report" not in match.pattern:
        for key, child in (node.value.items() if node.kind == "map" else ()):
            provider = region_policy.ENV_PROVIDERS.get(key) if isinstance(key, str) else None
            if provider is not None:
                yield from _judge_scalar(replace(match, node=child.anchor_span()), child, provider, policy)
        return
    if match.arg is None:
        return
    value: Node = match.arg.node
    provider = _provider(match)
    if value.kind == "scalar":
        yield from _judge_scalar(match, value, provider, policy)
    elif value.kind == "seq" and any("=" in (_text(e) or "") for e in value.value):
        yield from _judge_env_list(match, value.value, policy)
    elif value.kind == "seq" and value.value:
        yield from _judge_list(match, value.value, provider, policy)


def _judge_env_list(match: PatternMatch, entries: list[Node], policy) -> Iterator[Hit]:
    """dstack `env: [AWS_REGION=ap-south-1, ...]`: each region variable, reported at its entry (no fix)."""
    for entry in entries:
        name, _, text = (_text(entry) or "").partition("=")
        provider = region_policy.ENV_PROVIDERS.get(name.strip())
        if provider is None or not text.strip() or _templated(text):
            continue
        verdict = region_policy.judge(text.strip(), provider, policy)
        if verdict is not None:
            yield replace(match, node=entry.span).hit(verdict=verdict.message)


def node_label_region(match: PatternMatch) -> Iterator[Hit]:
    """A Kueue ResourceFlavor's `nodeLabels` select nodes by the cloud region (else zone) label the
    cloud's controller writes: judged for the provider another label names (`cloud.google.com/...`),
    else only when the id belongs to one provider of the table. No fix: a flavor's labels must match
    nodes the cluster has, and moving them moves no node."""
    node: Node = match.site.node
    if node.kind != "map":
        return
    placed = region_policy.node_label_placement(node.value)
    if placed is None:
        return
    key, provider = placed
    value = node.value[key]
    text = _text(value)
    if text is None or _templated(text):
        return
    verdict = region_policy.judge(text, provider, region_policy.RegionPolicy.from_options(match.options))
    if verdict is not None:
        yield replace(match, node=value.anchor_span()).hit(verdict=verdict.message)


def unpinned_region(match: PatternMatch) -> Iterator[Hit]:
    """The selected placement names no region: SkyPilot `resources` whose `infra` names only a
    cloud (or `cloud:` without `region`/`zone`), unless every `any_of`/`ordered` entry pins one;
    a dstack configuration without `regions` whose `backends` are all clouds. Kubernetes, SSH and
    Slurm placements, unclear backends and a region variable set in `envs`/`env` stay silent."""
    node: Node = match.site.node
    root = match.root if isinstance(match.root, Node) else None
    if node.kind != "map" or (root is not None and _env_pinned(root)):
        return
    if _pinned(node) is False:
        yield match.hit()


def _pinned(node: Node) -> bool | None:
    """True when the placement pins a region, False when it does not, None when unknown or a cluster."""
    if node.kind != "map":
        return None
    if node.get("regions") is not None or node.get("region") is not None or node.get("zone") is not None:
        return True
    cloud = _text(node.get("cloud"))
    if cloud is not None and not region_policy.region_cloud(cloud):
        return None  # a cluster (Kubernetes, Slurm) or a name that is not a cloud of regions
    infra = node.get("infra")
    if infra is not None:
        text = _text(infra)
        if text is None or _templated(text):
            return None
        placement = region_policy.parse_infra(text)
        if placement.region_or_zone is not None:
            return True
        if placement.cloud is not None and not region_policy.region_cloud(placement.cloud):
            return None
    backends = node.get("backends")
    if backends is not None and not _all_clouds(backends):
        return None
    for key in ("any_of", "ordered"):
        entries = node.get(key)
        if entries is not None and entries.kind == "seq" and entries.value:
            verdicts = [_pinned(e) for e in entries.value]
            if None in verdicts:
                return None
            if all(verdicts):
                return True
    if node.get("backends") is None and node.get("infra") is None and cloud is None and _is_dstack(node):
        return None  # dstack without backends: whatever the project configures, unclear
    return False


def _is_dstack(node: Node) -> bool:
    return _text(node.get("type")) in ("task", "service", "dev-environment", "fleet")


def _all_clouds(backends: Node) -> bool:
    """Every backend is a cloud the table knows (not kubernetes, vastai, runpod, ...)."""
    names = [_text(b) for b in backends.value] if backends.kind == "seq" else []
    return bool(names) and all(n is not None and region_policy.cloud_provider(n) is not None for n in names)


def _env_pinned(root: Node) -> bool:
    """A region variable set in SkyPilot `envs` or dstack `env` (a mapping or `KEY=value` list)."""
    for key in ("envs", "env"):
        env = root.get(key)
        if env is None:
            continue
        if env.kind == "map" and any(k in region_policy.ENV_PROVIDERS for k in env.value):
            return True
        if env.kind == "seq":
            for item in env.value:
                text = _text(item)
                if text is not None and text.split("=", 1)[0].strip() in region_policy.ENV_PROVIDERS:
                    return True
    return False


def _judge_scalar(match: PatternMatch, value: Node, provider: str | None, policy) -> Iterator[Hit]:
    text = _text(value)
    if text is None or _templated(text):
        return
    if "," in text:  # Ray availability_zone: "us-west-2a,us-west-2b"
        verdicts = region_policy.judge_all([t for t in text.split(",") if t.strip()], provider, policy)
        unique = list({v.region.region: v for v in verdicts}.values())  # zones of one region
        if unique:
            yield match.hit(verdict=region_policy.combined_message(unique))
        return
    verdict = region_policy.judge(text, provider, policy)
    if verdict is not None:
        yield match.hit(_fix(match.text, value, verdict), verdict=verdict.message)


def _judge_list(match: PatternMatch, entries: list[Node], provider: str | None, policy) -> Iterator[Hit]:
    """Only as bad as the best entry; reported at the first entry."""
    verdicts, anchors = [], []
    for entry in entries:
        own, where = provider, entry
        if entry.kind == "map":
            own = _cloud_of(entry) or provider
            where = next((entry.get(k) for k in _PLACE_KEYS if entry.get(k) is not None), None)
            if where is None:
                return
        text = _text(where)
        if text is None or _templated(text):
            return
        verdict = region_policy.judge(text, own, policy)
        if verdict is None:
            return
        verdicts.append(verdict)
        anchors.append(where.anchor_span())
    yield replace(match, node=anchors[0]).hit(verdict=region_policy.combined_message(verdicts))


def _provider(match: PatternMatch) -> str | None:
    """From the variable's name, the node's `cloud` / Ray `type`, dstack's backends, or SageMaker;
    a cloud outside the table (`cloud: lambda`, `backends: [runpod]`) is returned as written, so
    `judge` judges nothing rather than guess the provider from the region id."""
    key = match.pattern.get("report", "").rsplit(".", 1)[-1]
    if key in region_policy.ENV_PROVIDERS:
        return region_policy.ENV_PROVIDERS[key]
    node: Node = match.site.node
    own = _cloud_of(node)
    if own is not None:
        return own
    root = match.root if isinstance(match.root, Node) else None
    if root is not None:
        backends = root.get("backends")
        if backends is not None and backends.kind == "seq" and backends.value:
            names = [_text(b) or region_policy.UNREAD_CLOUD for b in backends.value]
            outside = [n for n in names if region_policy.cloud_provider(n) is None]
            if outside or len(names) == 1:
                return (outside or names)[0]
        if _text(root.get("compute_environment")) == "AMAZON_SAGEMAKER":
            return "aws"
    return None


def _cloud_of(node: Node) -> str | None:
    """SkyPilot `cloud` as written (any cloud, or `UNREAD_CLOUD` when not a plain string), else a Ray
    `provider.type` the table knows (dstack's `type` is a configuration kind, not a cloud)."""
    cloud = node.get("cloud")
    if cloud is not None:
        name = _text(cloud)
        return region_policy.UNREAD_CLOUD if name is None or _templated(name) else name
    name = _text(node.get("type"))
    return name if name is not None and region_policy.cloud_provider(name) is not None else None


def _text(node: Node | None) -> str | None:
    if node is None or node.kind != "scalar" or not isinstance(node.value, str):
        return None
    return node.value


def _templated(text: str) -> bool:
    """`${{ env.REGION }}`, `${oc.env:REGION}`, `$REGION`: chosen elsewhere, unknown."""
    return "$" in text or "{{" in text


def _fix(text: str, value: Node, verdict: region_policy.Verdict) -> FixSpec | None:
    """Replace the scalar's text, keeping its quotes; single-line scalars only."""
    span: Span = value.span
    if verdict.replacement is None or span.line != span.end_line or not text:
        return None
    lines = text.split("\n")
    if span.line > len(lines):
        return None
    written = lines[span.line - 1][span.column - 1 : span.end_column - 1]
    quote = written[0] if written[:1] in ("'", '"') and written[-1:] == written[:1] else ""
    inner = written[1:-1] if quote else written
    if inner.strip() != value.value.strip():
        return None
    return FixSpec(((span, f"{quote}{verdict.replacement}{quote}"),), verdict.title)
