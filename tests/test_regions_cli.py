"""`mlgreenlint regions`: the table sorted by intensity, alternatives near a region, usage errors."""

from __future__ import annotations

from click.testing import CliRunner

from mlgreenlint.cli import main
from mlgreenlint.regions.table import (
    PROVIDERS,
    greener_alternatives,
    load_table,
    lookup,
)


def run(*args: str):
    return CliRunner().invoke(main, ["regions", *args])


def rows(output: str) -> list[list[str]]:
    """Data rows: lines starting with a provider name, split on runs of two spaces."""
    out = []
    for line in output.splitlines():
        cells = [c.strip() for c in line.split("  ") if c.strip()]
        if cells and cells[0] in PROVIDERS:
            out.append(cells)
    return out


def test_whole_table_is_grouped_by_provider_and_sorted_by_intensity():
    result = run()
    assert result.exit_code == 0, result.output
    table = rows(result.output)
    assert len(table) == len(load_table())
    providers = [r[0] for r in table]
    assert providers == sorted(providers, key=PROVIDERS.index)
    for provider in set(providers):
        values = [float(r[5]) for r in table if r[0] == provider]
        assert values == sorted(values)
    assert "ODbL" in result.output.splitlines()[-1]


def test_provider_filter_accepts_aliases():
    result = run("--provider", "google")
    assert result.exit_code == 0, result.output
    table = rows(result.output)
    assert {r[0] for r in table} == {"gcp"}
    assert len(table) == sum(1 for r in load_table() if r.provider == "gcp")


def test_near_lists_the_lower_carbon_regions_of_the_same_provider_and_continent():
    result = run("--near", "ap-south-1", "--provider", "aws")
    assert result.exit_code == 0, result.output
    table = rows(result.output)
    region = lookup("ap-south-1", "aws")
    assert table[0][1] == region.region
    assert [r[1] for r in table[1:]] == [a.region for a in greener_alternatives(region, limit=None)]
    assert f"Lower-carbon aws regions in {region.continent}:" in result.output


def test_unknown_provider_exits_2_with_a_message_on_stderr():
    result = run("--provider", "nimbus")
    assert result.exit_code == 2
    assert "unknown provider 'nimbus'" in result.stderr
    assert result.stdout == ""


def test_unknown_region_exits_2():
    result = run("--near", "mars-north-1")
    assert result.exit_code == 2
    assert "unknown region 'mars-north-1'" in result.stderr
