#!/usr/bin/env python3
"""Rebuild mlgreenlint/data/regions.csv from the steering repo's cloud-regions.csv.

    python scripts/refresh_regions.py --source ../shared/data/regions
    python scripts/refresh_regions.py --source ../shared/data/regions --check

``--source`` is the folder holding ``cloud-regions.csv`` (or the file itself).
``--check`` writes nothing and exits 1 when the shipped table differs from what the
source would produce. A malformed source exits 2. Standard library only.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "mlgreenlint" / "data" / "regions.csv"
SOURCE_NAME = "cloud-regions.csv"

PROVIDERS = ("aws", "azure", "gcp", "oracle", "ibm", "alibaba")
CONTINENTS = frozenset({"Africa", "Asia", "Europe", "North America", "South America", "Oceania"})
SOURCE_PREFIXES = ("google-region-carbon-info", "electricitymaps-lca:")

COLUMNS = ("provider", "region", "location", "country", "continent", "gco2e_per_kwh", "year", "source")
SOURCE_COLUMNS = {"country": "country_iso", "gco2e_per_kwh": "grid_gco2e_per_kwh"}


class SourceError(ValueError):
    """The source table is missing a column or holds a row the product cannot use."""


def _convert(line: int, raw: dict[str, str]) -> dict[str, str]:
    row = {col: (raw.get(SOURCE_COLUMNS.get(col, col)) or "").strip() for col in COLUMNS}
    where = f"line {line} ({row['provider']} {row['region']})"
    if row["provider"] not in PROVIDERS:
        raise SourceError(f"{where}: unknown provider {row['provider']!r}")
    region = row["region"]
    if not region or region != region.lower() or " " in region:
        raise SourceError(f"{where}: region id must be non-empty, lowercase, without spaces")
    if not row["location"]:
        raise SourceError(f"{where}: empty location")
    if len(row["country"]) != 2 or not row["country"].isalpha() or not row["country"].isupper():
        raise SourceError(f"{where}: country {row['country']!r} is not an ISO 3166-1 alpha-2 code")
    if row["continent"] not in CONTINENTS:
        raise SourceError(f"{where}: unknown continent {row['continent']!r}")
    try:
        intensity = float(row["gco2e_per_kwh"])
    except ValueError:
        raise SourceError(f"{where}: intensity {row['gco2e_per_kwh']!r} is not a number") from None
    if not math.isfinite(intensity) or intensity <= 0:
        raise SourceError(f"{where}: intensity must be positive, got {row['gco2e_per_kwh']!r}")
    if not row["year"].isdigit() or not 2000 <= int(row["year"]) <= 2100:
        raise SourceError(f"{where}: implausible year {row['year']!r}")
    if not row["source"].startswith(SOURCE_PREFIXES):
        raise SourceError(f"{where}: unknown source {row['source']!r}; add its notice before shipping it")
    return row


def parse(text: str) -> list[dict[str, str]]:
    """Validate the source CSV text and return its rows in shipped column names and order."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {SOURCE_COLUMNS.get(c, c) for c in COLUMNS} - set(reader.fieldnames or ())
    if missing:
        raise SourceError(f"missing column(s): {', '.join(sorted(missing))}")
    rows = [_convert(n, raw) for n, raw in enumerate(reader, start=2)]
    if not rows:
        raise SourceError("no rows")
    dupes = [key for key, n in Counter((r["provider"], r["region"]) for r in rows).items() if n > 1]
    if dupes:
        raise SourceError(f"duplicate region(s): {', '.join(' '.join(k) for k in sorted(dupes))}")
    rows.sort(key=lambda r: (PROVIDERS.index(r["provider"]), r["region"]))
    return rows


def build(text: str) -> str:
    """The shipped regions.csv text for the text of cloud-regions.csv."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(parse(text))
    return out.getvalue()


def source_file(path: Path) -> Path:
    return path / SOURCE_NAME if path.is_dir() else path


def summary(rows: list[dict[str, str]]) -> str:
    counts = Counter((r["source"].split(":")[0], r["year"]) for r in rows)
    return ", ".join(f"{source} {year}: {n} rows" for (source, year), n in sorted(counts.items()))


def _differences(old: str, new: str) -> list[str]:
    def keyed(text: str) -> dict[str, dict[str, str]]:
        return {f"{r.get('provider')} {r.get('region')}": r for r in csv.DictReader(io.StringIO(text))}

    before, after = keyed(old), keyed(new)
    lines = [f"added {k}" for k in sorted(after.keys() - before.keys())]
    lines += [f"removed {k}" for k in sorted(before.keys() - after.keys())]
    for k in sorted(before.keys() & after.keys()):
        old_row, new_row = before[k], after[k]
        changes = [
            f"{c} {old_row.get(c)!r} -> {new_row.get(c)!r}" for c in COLUMNS if old_row.get(c) != new_row.get(c)
        ]
        if changes:
            lines.append(f"changed {k}: {', '.join(changes)}")
    return lines or ["format or column order differs"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True, help=f"folder with {SOURCE_NAME}, or the file")
    parser.add_argument("--check", action="store_true", help="exit 1 if the table is stale; write nothing")
    parser.add_argument("--target", type=Path, default=TARGET, help="table to write or check (%(default)s)")
    args = parser.parse_args(argv)

    src = source_file(args.source)
    try:
        text = src.read_text(encoding="utf-8")
        new = build(text)
    except OSError as exc:
        print(f"error: cannot read {src}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except SourceError as exc:
        print(f"error: {src}: {exc}", file=sys.stderr)
        return 2
    old = args.target.read_text(encoding="utf-8") if args.target.is_file() else ""

    if args.check:
        if old == new:
            print(f"{args.target} is up to date ({summary(parse(text))})")
            return 0
        print(f"{args.target} is stale; run without --check to rebuild:")
        for line in (_differences(old, new) if old else ["file is missing"])[:20]:
            print(f"  {line}")
        return 1

    args.target.parent.mkdir(parents=True, exist_ok=True)
    args.target.write_text(new, encoding="utf-8", newline="")
    print(f"wrote {args.target} ({summary(parse(text))})")
    if old != new:
        print("check that REGIONS-NOTICE.md and docs/regions.md still name the right sources and years")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
