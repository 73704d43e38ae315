"""Region checks: judge the region a matched call or environment setting pins, using the shipped table."""

from __future__ import annotations

from collections.abc import Iterator

from mlgreenlint.match.predicates import FixSpec, Hit, PatternMatch
from mlgreenlint.python.values import CallValue
from mlgreenlint.regions import policy as region_policy
from mlgreenlint.regions.table import describe


def high_carbon_region(match: PatternMatch) -> Iterator[Hit]:
    """The region at the pattern's `report` keyword breaks the policy: fills `{verdict}`, offers a fix.

    A list of regions (Modal, Azure `locations`) is reported only when every entry breaks the
    policy, and is not rewritten.
    """
    value = match.values.get("value")
    policy = region_policy.RegionPolicy.from_options(match.options)
    provider = _provider(match)
    if isinstance(value, str):
        verdict = region_policy.judge(value, provider, policy)
        if verdict is not None:
            yield match.hit(_fix(match, value, verdict), verdict=verdict.message)
    elif isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        verdicts = region_policy.judge_all(value, provider, policy)
        if verdicts:
            yield match.hit(verdict=region_policy.combined_message(verdicts))


def unpinned_region(match: PatternMatch) -> Iterator[Hit]:
    """Fills `{fallback}`: the region the API falls back to, with its intensity, when its library names one."""
    region = region_policy.fallback_region(match.site.name)
    yield match.hit(fallback=describe(region) if region else "a region chosen outside the repository")


def _provider(match: PatternMatch) -> str | None:
    """From the API or variable name, else from a `cloud=` argument (SkyPilot `sky.AWS()`, Modal `"aws"`):
    the cloud as written, which `judge` reads (a cloud outside the table, or one it cannot read, judges
    nothing); None, so the region id decides, when no cloud is named or Modal's `"auto"` is."""
    provider = region_policy.provider_of(match.site.name)
    if provider is not None:
        return provider
    cloud = match.site.argument("cloud")
    if cloud is None:
        return None
    value = cloud.value.name if isinstance(cloud.value, CallValue) else cloud.value
    if not isinstance(value, str):
        return region_policy.UNREAD_CLOUD
    return None if value == "auto" else value


def _fix(match: PatternMatch, value: str, verdict: region_policy.Verdict) -> FixSpec | None:
    literal = match.arg.literal() if match.arg is not None else None
    if verdict.replacement is None or literal is None or literal.evaluated_value != value:
        return None
    text = f"{literal.prefix}{literal.quote}{verdict.replacement}{literal.quote}"
    return FixSpec(((literal, text),), verdict.title)
