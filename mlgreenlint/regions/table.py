"""Cloud-region grid carbon intensity: the shipped table, lookups and suggestions.

The table is ``mlgreenlint/data/regions.csv`` (see ``REGIONS-NOTICE.md`` beside it). GCP
figures are Google's operational values, all others Electricity Maps lifecycle values, so
regions are only ever ranked against regions of the same provider.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

PROVIDERS: tuple[str, ...] = ("aws", "azure", "gcp", "oracle", "ibm", "alibaba")

#: Names other tools use for a provider (Terraform, SkyPilot, Modal).
PROVIDER_ALIASES: Mapping[str, str] = MappingProxyType(
    {"google": "gcp", "azurerm": "azure", "oci": "oracle", "alicloud": "alibaba", "aliyun": "alibaba"}
)

#: Default maximum intensity (gCO2e/kWh) before a pinned region counts as high-carbon.
#: 400 on Google's operational scale; 450 on the Electricity Maps lifecycle scale, the
#: cut that best reproduces the 400 verdicts on grids both sources cover (docs/regions.md).
DEFAULT_THRESHOLDS: Mapping[str, float] = MappingProxyType(
    {"aws": 450.0, "azure": 450.0, "gcp": 400.0, "oracle": 450.0, "ibm": 450.0, "alibaba": 450.0}
)

_DATA = "data/regions.csv"
_GOOGLE = "google-region-carbon-info"
_EMAPS = "electricitymaps"


@dataclass(frozen=True)
class Region:
    """One cloud region and the annual average intensity of its grid."""

    provider: str
    region: str
    location: str
    country: str
    continent: str
    intensity: float
    year: int
    source: str

    @property
    def source_label(self) -> str:
        if self.source.startswith(_GOOGLE):
            return "Google"
        if self.source.startswith(_EMAPS):
            return "Electricity Maps"
        return self.source


def normalize_provider(name: str) -> str:
    """Return the canonical provider name for `name` or an alias; raise ValueError if unknown."""
    key = name.strip().lower()
    key = PROVIDER_ALIASES.get(key, key)
    if key not in PROVIDERS:
        raise ValueError(f"unknown provider {name!r} (expected one of: {', '.join(PROVIDERS)})")
    return key


@cache
def load_table() -> tuple[Region, ...]:
    """All regions of the shipped table, ordered by provider then region id."""
    from importlib.resources import files

    text = files("mlgreenlint").joinpath(_DATA).read_text(encoding="utf-8")
    rows = (
        Region(
            provider=row["provider"],
            region=row["region"],
            location=row["location"],
            country=row["country"],
            continent=row["continent"],
            intensity=float(row["gco2e_per_kwh"]),
            year=int(row["year"]),
            source=row["source"],
        )
        for row in csv.DictReader(io.StringIO(text))
    )
    return tuple(sorted(rows, key=lambda r: (PROVIDERS.index(r.provider), r.region)))


@cache
def _index() -> dict[str, tuple[Region, ...]]:
    index: dict[str, list[Region]] = {}
    for row in load_table():
        index.setdefault(row.region, []).append(row)
    return {key: tuple(rows) for key, rows in index.items()}


def _zone_parents(key: str) -> Iterator[tuple[str, frozenset[str]]]:
    """Region ids a zone id may belong to, with the providers whose zones are spelt that way."""
    if len(key) < 3:
        return
    last, before = key[-1], key[-2]
    if last.isascii() and last.isalpha() and before.isdigit():
        yield key[:-1], frozenset({"aws", "alibaba"})
    if before == "-" and last.isascii() and last.isalpha():
        yield key[:-2], frozenset({"gcp", "alibaba"})
    if before == "-" and last.isdigit():
        yield key[:-2], frozenset({"ibm"})


def _matches(region_id: str, provider: str | None) -> tuple[Region, ...]:
    key = region_id.strip().lower().replace(" ", "")
    index = _index()
    found = tuple(r for r in index.get(key, ()) if provider in (None, r.provider))
    if found:
        return found
    for parent, owners in _zone_parents(key):
        found = tuple(
            r for r in index.get(parent, ()) if r.provider in owners and provider in (None, r.provider)
        )
        if found:
            return found
    return ()


def lookup(region_id: str, provider: str | None = None) -> Region | None:
    """The region named `region_id`, or None if the table does not know it.

    Case-insensitive; spaces are ignored (Azure display names such as "West Europe"). An
    availability-zone id (``us-east-1a``, ``europe-west4-b``, ``cn-hangzhou-h``, IBM
    ``us-south-1``) resolves to its region when the exact id is unknown. When several
    providers use the id and `provider` is None, the first in PROVIDERS wins; use
    `providers_of` to detect that case.
    """
    found = _matches(region_id, normalize_provider(provider) if provider is not None else None)
    return found[0] if found else None


def providers_of(region_id: str) -> set[str]:
    """Every provider that has a region (or zone) with this id."""
    return {r.provider for r in _matches(region_id, None)}


def greener_alternatives(region: Region, limit: int | None = 3) -> list[Region]:
    """Regions of the same provider and continent with strictly lower intensity, lowest first."""
    found = sorted(
        (
            r
            for r in load_table()
            if r.provider == region.provider
            and r.continent == region.continent
            and r.intensity < region.intensity
        ),
        key=lambda r: (r.intensity, r.region),
    )
    return found if limit is None else found[:limit]


def grams(value: float) -> str:
    """An intensity as messages print it: whole grams, one decimal below 10."""
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def _head(region: Region, note: str) -> str:
    return f"{region.region} ({region.location}) {grams(region.intensity)} gCO2e/kWh ({note})"


def describe(region: Region) -> str:
    """E.g. ``ap-south-1 (Mumbai) 653 gCO2e/kWh (2025, Electricity Maps)``."""
    return _head(region, f"{region.year}, {region.source_label}")


def suggestion_text(region: Region, alternative: Region | None = None) -> str:
    """E.g. ``ap-south-1 (Mumbai) 653 gCO2e/kWh (2025); me-central-1 is 348``.

    `alternative` defaults to the greenest region of the same provider and continent; without
    one the sentence ends after the year. Raises ValueError if `alternative` belongs to another
    provider or is not strictly lower.
    """
    head = _head(region, str(region.year))
    if alternative is None:
        alternatives = greener_alternatives(region, limit=1)
        if not alternatives:
            return head
        alternative = alternatives[0]
    elif alternative.provider != region.provider:
        raise ValueError(
            f"cannot compare {alternative.provider} {alternative.region} with {region.provider} figures"
        )
    elif not alternative.intensity < region.intensity:
        raise ValueError(f"{alternative.region} is not lower-carbon than {region.region}")
    return f"{head}; {alternative.region} is {grams(alternative.intensity)}"


_HEADER = ("provider", "region", "location", "country", "continent", "gCO2e/kWh", "year", "source")
_RIGHT = {5, 6}


def _cells(region: Region) -> tuple[str, ...]:
    return (
        region.provider,
        region.region,
        region.location,
        region.country,
        region.continent,
        f"{region.intensity:g}",
        str(region.year),
        region.source_label,
    )


def _align(rows: list[tuple[str, ...] | None]) -> list[str]:
    """Aligned lines for `rows`; a None row becomes an empty line."""
    widths = [max(len(c[i]) for c in rows if c is not None) for i in range(len(_HEADER))]

    def line(cells: tuple[str, ...]) -> str:
        padded = (v.rjust(w) if i in _RIGHT else v.ljust(w) for i, (v, w) in enumerate(zip(cells, widths)))
        return "  ".join(padded).rstrip()

    return ["" if c is None else line(c) for c in rows]


_CREDITS = {
    "Electricity Maps": "Electricity Maps (electricitymaps.com) yearly carbon intensity {years} "
    "(lifecycle; ODbL 1.0)",
    "Google": "Google Cloud region-carbon-info {years} (operational; Apache-2.0)",
}


def _footer(regions: Iterable[Region]) -> str:
    """The closing line: sources, years and licences of `regions`, as ODbL asks of produced works."""
    years: dict[str, set[int]] = {}
    for r in regions:
        years.setdefault(r.source_label, set()).add(r.year)
    credits = "; ".join(
        _CREDITS.get(label, label + " {years}").format(years=", ".join(map(str, sorted(ys))))
        for label, ys in sorted(years.items())
    )
    return (
        f"Annual average grid intensity. Contains information from {credits}. "
        "Compare regions of one provider only."
    )


def render_table(provider: str | None = None, near: str | None = None) -> str:
    """The text of ``mlgreenlint regions [--provider P] [--near REGION]``.

    Without `near`: every region (of `provider`, if given) by ascending intensity, grouped by
    provider. With `near`: that region, then its lower-carbon alternatives of the same provider
    and continent. Raises ValueError for an unknown provider or region.
    """
    wanted = normalize_provider(provider) if provider is not None else None
    if near is None:
        shown = sorted(
            (r for r in load_table() if wanted in (None, r.provider)),
            key=lambda r: (PROVIDERS.index(r.provider), r.intensity, r.region),
        )
        rows: list[tuple[str, ...] | None] = [_HEADER]
        for i, r in enumerate(shown):
            if i and r.provider != shown[i - 1].provider:
                rows.append(None)
            rows.append(_cells(r))
        return "\n".join([*_align(rows), "", _footer(shown)])

    region = lookup(near, wanted)
    if region is None:
        of = f" for provider {wanted}" if wanted else ""
        raise ValueError(f"unknown region {near!r}{of}; run `mlgreenlint regions` to list known regions")
    alternatives = greener_alternatives(region, limit=None)
    lines = _align([_HEADER, _cells(region), *map(_cells, alternatives)])
    scope = f"{region.provider} region{'s' if alternatives else ''} in {region.continent}"
    lines.insert(2, f"Lower-carbon {scope}:" if alternatives else f"No lower-carbon {scope}.")
    others = sorted(providers_of(near) - {region.provider}, key=PROVIDERS.index)
    if wanted is None and others:
        lines.append(f"{near} is also a region id of {', '.join(others)}; choose with --provider.")
    return "\n".join([*lines, "", _footer([region, *alternatives])])
