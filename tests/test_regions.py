from __future__ import annotations

import csv
import dataclasses
import datetime
import importlib.util
import io
import math
import re
from pathlib import Path

import pytest

from mlgreenlint.regions.table import (
    DEFAULT_THRESHOLDS,
    PROVIDERS,
    Region,
    describe,
    greener_alternatives,
    load_table,
    lookup,
    providers_of,
    render_table,
    suggestion_text,
)

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "mlgreenlint" / "data" / "regions.csv"
STEERING_CSV = ROOT.parent / "shared" / "data" / "regions" / "cloud-regions.csv"
CONTINENTS = {"Africa", "Asia", "Europe", "North America", "South America", "Oceania"}


def _load_script():
    spec = importlib.util.spec_from_file_location("refresh_regions", ROOT / "scripts" / "refresh_regions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


refresh = _load_script()


def csv_rows() -> list[dict[str, str]]:
    """The shipped table read with the csv module only, independent of the API under test."""
    with SHIPPED.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def csv_row(provider: str, region: str) -> dict[str, str]:
    (row,) = [r for r in csv_rows() if r["provider"] == provider and r["region"] == region]
    return row


def grams(text: str) -> str:
    value = float(text)
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def data_lines(text: str) -> list[str]:
    """Table lines naming a region: skips header, section lines, blank lines and the footer."""
    return [line for line in text.splitlines() if line.split(" ", 1)[0] in PROVIDERS]


# --- the table -----------------------------------------------------------------------------


def test_table_loads_every_row_once_and_is_cached():
    table = load_table()
    assert len(table) == len(csv_rows()) > 200
    assert load_table() is table
    assert len({(r.provider, r.region) for r in table}) == len(table)
    assert {r.provider for r in table} == set(PROVIDERS)


def test_every_row_is_valid():
    this_year = datetime.date.today().year
    for r in load_table():
        assert r.provider in PROVIDERS
        assert r.region and r.region == r.region.lower() and " " not in r.region
        assert r.location
        assert re.fullmatch(r"[A-Z]{2}", r.country), r
        assert r.continent in CONTINENTS, r
        assert isinstance(r.intensity, float) and math.isfinite(r.intensity) and r.intensity > 0, r
        assert isinstance(r.year, int) and 2019 <= r.year <= this_year + 1, r
        assert r.source_label in {"Google", "Electricity Maps"}, r


def test_region_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        load_table()[0].intensity = 1.0  # type: ignore[misc]


def test_source_labels_follow_the_source_column():
    gcp = lookup("europe-west4", "gcp")
    aws = lookup("eu-north-1", "aws")
    assert gcp.source == "google-region-carbon-info" and gcp.source_label == "Google"
    assert aws.source.startswith("electricitymaps-lca:") and aws.source_label == "Electricity Maps"


def test_thresholds_cover_every_provider():
    assert set(DEFAULT_THRESHOLDS) == set(PROVIDERS)
    assert DEFAULT_THRESHOLDS["gcp"] == 400
    assert all(100 < t < 1000 for t in DEFAULT_THRESHOLDS.values())
    with pytest.raises(TypeError):
        DEFAULT_THRESHOLDS["gcp"] = 1  # type: ignore[index]


# --- lookups -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "provider", "expected"),
    [
        ("eu-north-1", None, ("aws", "eu-north-1")),
        ("ap-south-1", "aws", ("aws", "ap-south-1")),
        ("europe-west4", None, ("gcp", "europe-west4")),
        ("us-central1", "gcp", ("gcp", "us-central1")),
        ("westeurope", None, ("azure", "westeurope")),
        ("West Europe", "azure", ("azure", "westeurope")),
        ("EU-North-1", None, ("aws", "eu-north-1")),
        (" us-east1 ", None, ("gcp", "us-east1")),
        ("us-east-1a", None, ("aws", "us-east-1")),
        ("europe-west4-b", None, ("gcp", "europe-west4")),
        ("us-central1-a", "gcp", ("gcp", "us-central1")),
        ("cn-hangzhou-h", None, ("alibaba", "cn-hangzhou")),
        ("us-south-1", None, ("ibm", "us-south")),
        ("us-east-1", "alibaba", ("alibaba", "us-east-1")),
        ("us-east-1", "ibm", ("ibm", "us-east")),
        ("us-east-1", "AWS", ("aws", "us-east-1")),
        ("us-east-1", "oci", None),
    ],
)
def test_lookup(query, provider, expected):
    found = lookup(query, provider)
    if expected is None:
        assert found is None
        return
    row = csv_row(*expected)
    assert found == Region(
        provider=row["provider"],
        region=row["region"],
        location=row["location"],
        country=row["country"],
        continent=row["continent"],
        intensity=float(row["gco2e_per_kwh"]),
        year=int(row["year"]),
        source=row["source"],
    )


@pytest.mark.parametrize(
    ("query", "provider"),
    [("mars-north-1", None), ("us-east-9z", None), ("", None), ("a", None), ("europe-west4-b1", None),
     ("us-east1", "aws"), ("westeurope", "gcp")],
)
def test_unknown_ids_give_none(query, provider):
    assert lookup(query, provider) is None


def test_lookup_rejects_unknown_provider():
    with pytest.raises(ValueError, match="unknown provider 'digitalocean'"):
        lookup("us-east-1", "digitalocean")


def test_provider_specific_and_ambiguous_ids():
    assert providers_of("us-east1") == {"gcp"}
    assert providers_of("us-east-1") == {"aws", "alibaba"}
    assert providers_of("us-east-1b") == {"aws", "alibaba"}
    assert providers_of("westeurope") == {"azure"}
    assert providers_of("nowhere-1") == set()
    shared = [rid for rid in {r.region for r in load_table()} if len(providers_of(rid)) > 1]
    for rid in shared:
        assert lookup(rid).provider == min(providers_of(rid), key=PROVIDERS.index)


# --- alternatives and messages -------------------------------------------------------------


@pytest.mark.parametrize("region", load_table(), ids=lambda r: f"{r.provider}:{r.region}")
def test_greener_alternatives(region):
    everything = greener_alternatives(region, limit=None)
    expected = sorted(
        (
            (float(r["gco2e_per_kwh"]), r["region"])
            for r in csv_rows()
            if r["provider"] == region.provider
            and r["continent"] == region.continent
            and float(r["gco2e_per_kwh"]) < region.intensity
        )
    )
    assert [(r.intensity, r.region) for r in everything] == expected
    assert all(r.provider == region.provider and r.continent == region.continent for r in everything)
    assert greener_alternatives(region) == everything[:3]
    assert greener_alternatives(region, limit=1) == everything[:1]


def test_greenest_region_has_no_alternative():
    europe = [r for r in load_table() if r.provider == "aws" and r.continent == "Europe"]
    greenest = min(europe, key=lambda r: (r.intensity, r.region))
    assert greener_alternatives(greenest) == []
    value = grams(str(greenest.intensity))
    expected = f"{greenest.region} ({greenest.location}) {value} gCO2e/kWh ({greenest.year})"
    assert suggestion_text(greenest) == expected


def test_describe_uses_table_values():
    row = csv_row("aws", "ap-south-1")
    text = describe(lookup("ap-south-1", "aws"))
    assert re.fullmatch(r"ap-south-1 \(.+\) \d+ gCO2e/kWh \(\d{4}, Electricity Maps\)", text)
    value = grams(row["gco2e_per_kwh"])
    assert text == f"ap-south-1 ({row['location']}) {value} gCO2e/kWh ({row['year']}, Electricity Maps)"


def test_describe_keeps_a_decimal_below_ten_grams():
    row = min((r for r in csv_rows() if r["provider"] == "gcp"), key=lambda r: float(r["gco2e_per_kwh"]))
    assert float(row["gco2e_per_kwh"]) < 10
    text = describe(lookup(row["region"], "gcp"))
    assert f" {float(row['gco2e_per_kwh']):.1f} gCO2e/kWh ({row['year']}, Google)" in text


def test_example_sentence_for_ap_south_1():
    row = csv_row("aws", "ap-south-1")
    asia = [r for r in csv_rows() if r["provider"] == "aws" and r["continent"] == row["continent"]]
    best = min(asia, key=lambda r: (float(r["gco2e_per_kwh"]), r["region"]))
    head = f"ap-south-1 ({row['location']}) {grams(row['gco2e_per_kwh'])} gCO2e/kWh ({row['year']})"

    text = suggestion_text(lookup("ap-south-1"))
    assert re.fullmatch(r"ap-south-1 \(Mumbai\) \d+ gCO2e/kWh \(\d{4}\); [a-z0-9-]+ is \d+", text)
    assert text == f"{head}; {best['region']} is {grams(best['gco2e_per_kwh'])}"

    north = csv_row("aws", "eu-north-1")
    issue_example = suggestion_text(lookup("ap-south-1"), lookup("eu-north-1"))
    assert issue_example == f"{head}; eu-north-1 is {grams(north['gco2e_per_kwh'])}"


def test_suggestion_rejects_bad_alternatives():
    mumbai = lookup("ap-south-1", "aws")
    with pytest.raises(ValueError, match="cannot compare"):
        suggestion_text(mumbai, lookup("europe-north2", "gcp"))
    with pytest.raises(ValueError, match="not lower-carbon"):
        suggestion_text(lookup("eu-north-1", "aws"), mumbai)


# --- render_table --------------------------------------------------------------------------


def _intensity(line: str, header: str) -> float:
    end = header.index("gCO2e/kWh") + len("gCO2e/kWh")
    return float(line[:end].split()[-1])


def test_render_table_for_one_provider():
    text = render_table(provider="aws")
    lines = data_lines(text)
    assert len(lines) == sum(r["provider"] == "aws" for r in csv_rows())
    header = text.splitlines()[0]
    assert header.split() == [
        "provider", "region", "location", "country", "continent", "gCO2e/kWh", "year", "source"
    ]
    values = [_intensity(line, header) for line in lines]
    assert values == sorted(values)
    region_at, year_at = header.index("region"), header.index("year")
    value_end = header.index("gCO2e/kWh") + len("gCO2e/kWh")
    for line in lines:
        assert line[region_at:].split()[0] == line.split()[1]
        assert line[region_at - 1] == " " and line[value_end] == " " and line[value_end - 1].isdigit()
        assert re.fullmatch(r"\d{4}", line[year_at : year_at + 4])
    footer = text.splitlines()[-1]
    years = sorted({r["year"] for r in csv_rows() if r["provider"] == "aws"})
    assert "Electricity Maps" in footer and "ODbL" in footer and "Google" not in footer
    assert all(y in footer for y in years)


def test_render_table_for_all_providers_groups_by_provider():
    text = render_table()
    lines = data_lines(text)
    assert len(lines) == len(csv_rows())
    order = [line.split()[0] for line in lines]
    assert order == sorted(order, key=PROVIDERS.index)
    for provider in PROVIDERS:
        values = [_intensity(line, text.splitlines()[0]) for line in lines if line.startswith(provider + " ")]
        assert values == sorted(values)
    footer = text.splitlines()[-1]
    for needle in ("Electricity Maps", "ODbL", "Google", "Apache-2.0", "one provider"):
        assert needle in footer
    assert render_table("Google") == render_table("gcp")


def test_render_table_near_lists_lower_carbon_alternatives():
    text = render_table(near="ap-south-1")
    lines = data_lines(text)
    assert lines[0].split()[:2] == ["aws", "ap-south-1"]
    alternatives = greener_alternatives(lookup("ap-south-1"), limit=None)
    assert [line.split()[1] for line in lines[1:]] == [r.region for r in alternatives]
    assert "Lower-carbon aws regions in Asia:" in text.splitlines()
    assert "also a region id" not in text


def test_render_table_near_zone_and_greenest():
    assert data_lines(render_table("gcp", "europe-west4-b"))[0].split()[:2] == ["gcp", "europe-west4"]
    text = render_table(near="eu-north-1")
    assert len(data_lines(text)) == 1
    assert "No lower-carbon aws region in Europe." in text


def test_render_table_near_ambiguous_id_names_other_providers():
    note = "us-east-1 is also a region id of alibaba; choose with --provider."
    assert note in render_table(near="us-east-1").splitlines()
    assert "also a region id" not in render_table("aws", "us-east-1")
    assert data_lines(render_table("alibaba", "us-east-1"))[0].split()[:2] == ["alibaba", "us-east-1"]


@pytest.mark.parametrize(
    ("provider", "near", "message"),
    [
        ("digitalocean", None, "unknown provider 'digitalocean'"),
        ("nope", "us-east-1", "unknown provider 'nope'"),
        (None, "mars-north-1", "unknown region 'mars-north-1'"),
        ("gcp", "us-east-1", "unknown region 'us-east-1' for provider gcp"),
    ],
)
def test_render_table_errors(provider, near, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        render_table(provider, near)


# --- shipped data and refresh script -------------------------------------------------------


def _as_steering_csv(text: str) -> str:
    """The shipped table spelt as the steering repo's cloud-regions.csv."""
    header, *rows = csv.reader(io.StringIO(text))
    renamed = {"country": "country_iso", "gco2e_per_kwh": "grid_gco2e_per_kwh"}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([renamed.get(c, c) for c in header] + ["google_cfe_pct"])
    writer.writerows(row + [""] for row in rows)
    return out.getvalue()


def test_script_and_module_agree_on_providers():
    assert refresh.PROVIDERS == PROVIDERS
    assert tuple(refresh.COLUMNS) == ("provider", "region", "location", "country", "continent",
                                      "gco2e_per_kwh", "year", "source")


def test_refresh_round_trips_the_shipped_table():
    shipped = SHIPPED.read_text(encoding="utf-8")
    assert refresh.build(_as_steering_csv(shipped)) == shipped


@pytest.mark.skipif(not STEERING_CSV.is_file(), reason=f"no steering data beside the checkout ({STEERING_CSV})")
def test_shipped_table_matches_steering_data():
    assert refresh.build(STEERING_CSV.read_text(encoding="utf-8")) == SHIPPED.read_text(encoding="utf-8")


def test_refresh_check_rebuild_and_errors(tmp_path, capsys):
    target = tmp_path / "regions.csv"
    target.write_text(SHIPPED.read_text(encoding="utf-8"), encoding="utf-8")
    source = tmp_path / "src"
    source.mkdir()
    steering = _as_steering_csv(SHIPPED.read_text(encoding="utf-8"))
    (source / "cloud-regions.csv").write_text(steering, encoding="utf-8")

    assert refresh.main(["--source", str(source), "--check", "--target", str(target)]) == 0

    changed = re.sub(r"(?m)^(aws,eu-north-1,[^,]*,SE,Europe,)[^,]+", r"\g<1>999", steering)
    assert changed != steering
    (source / "cloud-regions.csv").write_text(changed, encoding="utf-8")
    before = target.read_text(encoding="utf-8")
    assert refresh.main(["--source", str(source), "--check", "--target", str(target)]) == 1
    assert "changed aws eu-north-1" in capsys.readouterr().out
    assert target.read_text(encoding="utf-8") == before

    assert refresh.main(["--source", str(source / "cloud-regions.csv"), "--target", str(target)]) == 0
    assert refresh.main(["--source", str(source), "--check", "--target", str(target)]) == 0
    rebuilt = csv.DictReader(io.StringIO(target.read_text(encoding="utf-8")))
    assert any(r["region"] == "eu-north-1" and r["gco2e_per_kwh"] == "999" for r in rebuilt)

    bad = steering.replace("\naws,", "\ndigitalocean,", 1)
    (source / "cloud-regions.csv").write_text(bad, encoding="utf-8")
    assert refresh.main(["--source", str(source), "--check", "--target", str(target)]) == 2
    assert "unknown provider 'digitalocean'" in capsys.readouterr().err
