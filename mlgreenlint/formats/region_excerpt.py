"""The rows of the shipped regions table an RG finding is about: the flagged region and its greener peers."""

from __future__ import annotations

import re

from mlgreenlint.model import Finding
from mlgreenlint.regions import table
from mlgreenlint.regions.table import Region

#: How regions.table.describe writes a region into a message: `ap-south-1 (Mumbai) 653 gCO2e/kWh`.
_DESCRIBED = re.compile(r"([A-Za-z0-9][\w-]*) \(([^()]+)\) (\d+(?:\.\d+)?) gCO2e/kWh")


def _flagged(message: str) -> Region | None:
    """The region the message describes, checked against its location and intensity in the table."""
    match = _DESCRIBED.search(message)
    if match is None:
        return None
    region_id, location, grams = match.groups()
    return next((r for r in table.load_table() if r.region == region_id and r.location == location
                 and table.grams(r.intensity) == grams), None)


def rows(finding: Finding) -> list[tuple[Region, str]]:
    """(region, role) pairs, role one of "flagged", "suggested", "alternative"; [] when no region is named.

    The peers are the regions of the same provider the message names (its lower-carbon or
    allowed list), else the table's lower-carbon regions of that provider and continent;
    "suggested" is the one the fix writes, else the lowest.
    """
    if finding.family != "RG" or (flagged := _flagged(finding.message)) is None:
        return []
    words = set(re.findall(r"[\w-]+", finding.message.split(flagged.region, 1)[-1]))
    named = [r for r in table.load_table()
             if r.provider == flagged.provider and r.region in words and r.region != flagged.region]
    named.sort(key=lambda r: (r.intensity, r.region))
    if not named:  # a fallback region (RG001): its lower-carbon peers from the table
        named = table.greener_alternatives(flagged)
    replacement = " ".join(e.replacement for e in finding.fix.edits) if finding.fix else ""
    suggested = next((r for r in named if re.search(rf"(?<![\w-]){re.escape(r.region)}(?![\w-])", replacement)),
                     named[0] if named else None)
    return [(flagged, "flagged")] + [(r, "suggested" if r is suggested else "alternative") for r in named]
