"""Economies, blocs and flows (transforms/blocs.py), and the marts and site figures built on them.

* unit tests of the module on a hand-made trade table (values worked out by hand);
* the EU27 rule — EU27 is always a bloc importer, the alliance is only what is configured —
  for an alliance that holds only some EU members (USA, FRA, DEU, ITA, JPN), in the dependence
  and supply-risk marts and in every scenario mart;
* every import figure the site's pages are built from equals the dependence mart's value, on
  the clean trade of the committed snapshot.
"""

from __future__ import annotations

import polars as pl
import pytest

from tests._helpers import one
from tests.test_marts_metrics import TRADE_SCHEMA, production_rows
from tests.test_marts_scenarios import clean_sources
from tests.test_marts_supply_risk import governance_rows, wmd_rows
from transforms import blocs, policy_frames
from transforms.marts import dependence, export_ban, price_floor, scenarios, stockpile, supply_risk
from transforms.reference import policy
from transforms.reference.trade_coverage import trade_coverage_frame

# An alliance with three EU members; ESP is in the EU but not an ally.
ALLIANCE = ("DEU", "FRA", "ITA", "JPN", "USA")
EU27 = ("DEU", "ESP", "FRA", "ITA")
ECONOMIES = blocs.Economies(alliance=ALLIANCE, eu27=EU27, china=("CHN",))

GRAPHITE = ("250410", "graphite", "mine")


def _trade(rows: list[tuple]) -> pl.DataFrame:
    """rows: (year, exporter, importer, value_usd, quantity_t), graphite ore."""
    hs6, mineral, stage = GRAPHITE
    return pl.DataFrame(
        [
            (y, e, i, hs6, mineral, stage, v, q, "gross_weight", "CEPII BACI HS92", "V202401b")
            for y, e, i, v, q in rows
        ],
        schema=TRADE_SCHEMA,
        orient="row",
    )


TRADE = _trade(
    [
        (2024, "CHN", "DEU", 60.0, 6.0),
        (2024, "FRA", "DEU", 30.0, 3.0),  # intra-EU and intra-alliance
        (2024, "CHN", "ESP", 40.0, 4.0),  # the EU's, not the alliance's
        (2024, "BRA", "ESP", 20.0, None),
        (2024, "ESP", "FRA", 25.0, 2.5),  # intra-EU; from outside the alliance
        (2024, "MOZ", "JPN", 10.0, None),
        (2024, "KOR", "JPN", 10.0, None),  # a tie with MOZ: KOR wins by code
        (2024, "DEU", "USA", 5.0, 0.5),  # intra-alliance
        (2024, "ITA", "BRA", 7.0, 0.7),  # an EU export to outside
    ]
)
PRODUCTION = production_rows(
    [("DEU", 100.0, None), ("ESP", 50.0, None), ("WORLD", 1000.0, None)],
    mineral="graphite",
    stage="mine",
    year=2024,
    basis="gross_weight",
    edition=2025,
)


@pytest.fixture(scope="module")
def flows() -> pl.DataFrame:
    return blocs.importer_flows(TRADE, ECONOMIES)


# --- the module ---------------------------------------------------------------------------------


def test_importers_are_the_allies_eu27_always_and_the_alliance() -> None:
    entities = ECONOMIES.entities()
    members = {k: sorted(v) for k, v in entities.group_by("importer").agg("member").iter_rows()}
    assert members["EU27"] == sorted(EU27)  # ESP counts in the EU bloc though not an ally
    assert members["ALLIANCE"] == sorted(ALLIANCE)  # and not in the alliance
    assert "ESP" not in members  # nor as an importer of its own
    with pytest.raises(ValueError, match="overlap"):
        blocs.Economies(alliance=("CHN", "USA"), eu27=(), china=("CHN",))


def test_flows_flag_intra_bloc_trade(flows: pl.DataFrame) -> None:
    imports = blocs.outside(flows, "import")
    eu = imports.filter(pl.col("importer") == "EU27")
    # EU27 imports from outside: CHN->DEU 60, CHN->ESP 40, BRA->ESP 20 (FRA->DEU, ESP->FRA dropped).
    assert eu["value_usd"].sum() == 120.0
    alliance = imports.filter(pl.col("importer") == "ALLIANCE")
    # ALLIANCE: CHN->DEU 60, ESP->FRA 25, MOZ->JPN 10, KOR->JPN 10 (FRA->DEU, DEU->USA dropped).
    assert alliance["value_usd"].sum() == 105.0
    exports = blocs.outside(flows, "export")
    assert exports.filter(pl.col("importer") == "EU27")["value_usd"].sum() == 12.0  # ITA, DEU


def test_unknown_tonnage_stays_null_and_ties_go_to_the_first_code(flows: pl.DataFrame) -> None:
    summary = blocs.import_summary(
        blocs.by_partner(blocs.outside(flows, "import"), all_stages=True), ECONOMIES.china
    )
    jpn = one(summary, importer="JPN", stage="mine")
    # Neither of JPN's flows carries a quantity: unknown, not 0 t.
    assert jpn["imports_t"] is None and jpn["import_qty_coverage"] == 0.0
    assert (jpn["top_supplier"], jpn["top_supplier_share"]) == ("KOR", 0.5)
    esp_bloc = one(summary, importer="EU27", stage="all")
    # Known tonnes only: 6 + 4 (BRA's 20 USD carry none); China 100 of 120 USD.
    assert esp_bloc["imports_t"] == 10.0 and esp_bloc["china_share"] == pytest.approx(100 / 120)


# --- the EU27 rule in every mart ----------------------------------------------------------------


def test_eu27_rule_in_dependence_and_supply_risk(flows: pl.DataFrame) -> None:
    dep = dependence.dependence(
        flows, PRODUCTION, economies=ECONOMIES, coverage=trade_coverage_frame()
    )
    assert set(dep["importer"]) == {"DEU", "FRA", "JPN", "USA", "ITA", "EU27", "ALLIANCE"}
    eu = one(dep, importer="EU27")
    assert (eu["imports_usd"], eu["exports_usd"]) == (120.0, 12.0)
    # EU production counts ESP; the alliance's does not.
    assert eu["production_t"] == 150.0 and one(dep, importer="ALLIANCE")["production_t"] == 100.0
    assert dependence.reconcile_trade_totals(dep, TRADE, economies=ECONOMIES).height == 0

    wmd = wmd_rows([("DEU", 100.0), ("ESP", 50.0)], mineral="graphite", year=2024)
    governance = governance_rows({"CHN": 0.6}, year=2024)
    eol = pl.DataFrame({"mineral": ["graphite"], "eol_rir": [0.0]})
    risk = supply_risk.supply_risk(wmd, flows, governance, eol, economies=ECONOMIES)
    eu_risk = one(risk, importer="EU27")
    # Imports with a quantity: CHN 6 + CHN 4 from outside, FRA->DEU 3 and ESP->FRA 2.5 inside.
    assert eu_risk["imports_t"] == 15.5 and eu_risk["domestic_production_t"] == 150.0
    assert one(risk, importer="ALLIANCE")["domestic_production_t"] == 100.0


def test_eu27_rule_in_every_scenario_mart(flows: pl.DataFrame) -> None:
    ban = export_ban.scenario_export_ban(flows, PRODUCTION, economies=ECONOMIES)
    eu = one(ban, importer="EU27", mineral="graphite", stage="mine")
    # China's 6 + 4 t into DEU and ESP; the alliance loses only DEU's 6 t.
    assert (eu["imports_from_china_t"], eu["imports_from_china_usd"]) == (10.0, 100.0)
    assert one(ban, importer="ALLIANCE", mineral="graphite")["imports_from_china_t"] == 6.0

    series = policy_frames.price_series_frame(
        [policy.PriceSeries("graphite", "mine", ("Price",), "flake graphite", True)]
    )
    salient = pl.DataFrame(
        [("graphite", "graph", "Price", "usd_per_t", 2024, 1000.0)],
        schema={
            "mineral": pl.Utf8,
            "usgs_commodity": pl.Utf8,
            "statistic": pl.Utf8,
            "unit": pl.Utf8,
            "year": pl.Int16,
            "value": pl.Float64,
        },
        orient="row",
    )
    no_benchmarks = pl.DataFrame(
        schema={"economy": pl.Utf8, "programme": pl.Utf8, "days": pl.Int32}
    )
    stock = stockpile.scenario_stockpile(
        flows,
        salient,
        china=ECONOMIES.china,
        days=[365],
        benchmarks=no_benchmarks,
        price_series=series,
        thresholds=scenarios.Thresholds(0.0, 0.0),
        # The blocs' arithmetic is under test, not the coverage rule: the ore counts here.
        coverage=scenarios.trade_coverage().with_columns(pl.lit(True).alias("used_as_mined")),
    )
    assert one(stock, importer="EU27", mineral="graphite")["stock_t"] == pytest.approx(10.0)

    budget = stockpile.scenario_reserve_budget(
        flows,
        salient,
        PRODUCTION,
        budget_aud=2000.0,
        aud_usd=0.5,
        minerals=["graphite"],
        china=ECONOMIES.china,
        price_series=series,
        economy="DEU",
    )
    # The alliance's China-sourced imports leave out ESP's (EU, not allied): 6 t, as DEU's own.
    row = one(budget, mineral="graphite")
    assert row["alliance_china_imports_t"] == 6.0 == row["economy_china_imports_t"]

    floors = policy_frames.floors_frame([policy.PriceFloor("gr", "graphite", 1500.0)])
    floor = price_floor.scenario_price_floor(
        flows, salient, floors, china=ECONOMIES.china, price_series=series, years=(2024, 2024)
    )
    # Covered: the alliance's imports from outside it and China with a quantity: ESP->FRA 2.5 t
    # (ESP is outside this alliance; MOZ and KOR carry no quantity).
    assert one(floor, year=2024)["covered_t"] == 2.5


# --- the site's import figures are the dependence mart's ----------------------------------------

REAL_FROM_YEAR = 2020
KEY = ["importer", "mineral", "stage", "year"]


@pytest.fixture(scope="module")
def real() -> dict[str, pl.DataFrame]:
    from tests._clean_tables import clean_table
    from transforms import reference
    from transforms.site import figures

    groups = reference.load_groups()
    economies = blocs.Economies(
        alliance=tuple(groups["alliance"]), eu27=tuple(groups["eu27"]), china=tuple(groups["china"])
    )
    trade = clean_table("trade").filter(pl.col("year") >= REAL_FROM_YEAR)
    mart = dependence.dependence(
        blocs.importer_flows(trade, economies),
        clean_table("production"),
        economies=economies,
        coverage=trade_coverage_frame(),
    )
    # The site's supplier tables, built as transforms/site/builder.py builds them for the pages
    # (its China shares are the dependence marts' own rows: china_import_shares).
    site_flows = figures.importer_flows(
        figures.trade_flows(trade), groups["alliance"], groups["eu27"]
    )
    return {"mart": mart, "site_flows": site_flows}


def _same(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """Equal within float rounding, or both null."""
    close = (a - b).abs() <= 1e-9 * pl.max_horizontal(a.abs(), b.abs(), pl.lit(1.0))
    return (a.is_null() & b.is_null()) | close.fill_null(False)


def test_site_supplier_tables_add_up_the_mart_imports(real: dict[str, pl.DataFrame]) -> None:
    """The suppliers the pages list for an importer, mineral, stage and year add up to the
    dependence mart's imports (the China shares the pages quote are the mart's own rows)."""
    mart = real["mart"].filter(pl.col("imports_usd") > 0)
    flows = real["site_flows"].filter(pl.col("stage") != blocs.STAGE_ALL)
    totals = flows.group_by(KEY).agg(pl.col("value_usd").sum())
    both = totals.join(mart.select(*KEY, "imports_usd"), on=KEY, how="full", coalesce=True)
    assert both.height > 1000
    missing = both.filter(pl.col("value_usd").is_null() | pl.col("imports_usd").is_null())
    assert missing.filter(pl.col("value_usd").fill_null(0) > 0).is_empty(), missing.head()
    differ = both.filter(~_same(pl.col("value_usd"), pl.col("imports_usd")) & pl.col("imports_usd").is_not_null())
    assert differ.is_empty(), differ.head()


def _clean_or_empty(name: str) -> pl.DataFrame:
    from tests._clean_tables import clean_table
    from transforms.metadata import dtypes

    try:
        return clean_table(name)
    except KeyError:
        return pl.DataFrame(schema=dtypes(name))


@pytest.mark.slow
def test_metric_marts_materialise_for_the_readme_alliance() -> None:
    """The README's example alliance (g7, AUS, KOR) through the Dagster layer: importer flows,
    the metric marts and all their checks; EU27 is an importer though only three of its
    members are allies."""
    import dagster as dg

    from orchestration.assets.mart_factory import FLOWS_KEY
    from orchestration.assets.marts_metrics import marts_metrics_assets, marts_metrics_checks
    from orchestration.scenario_settings import ScenarioSettings
    from orchestration.settings import BriefingSettings

    # Every clean table the metric marts read, from the assets' own inputs.
    names = sorted(
        {
            key.path[-1]
            for a in marts_metrics_assets
            for key in a.keys_by_input_name.values()
            if key.path[0] == "clean"
        }
    )
    # Tables the test helper does not build from the snapshot are empty, of their registry schema:
    # the marts that read them are empty too, and still checked.
    frames = {n: _clean_or_empty(n) for n in names}
    frames["trade"] = frames["trade"].filter(pl.col("year") >= 2023)
    # Snapshot tables a mart reads directly come from the embedded snapshot.
    from orchestration.paths import DEFAULT_SNAPSHOT_DIR
    from orchestration.snapshot_store import read_table

    def snapshot_source(name: str) -> dg.AssetsDefinition:
        @dg.asset(key=["snapshot", name])
        def _source() -> pl.DataFrame:
            return read_table(name, DEFAULT_SNAPSHOT_DIR)

        return _source

    snapshots = sorted(
        {
            key.path[-1]
            for a in marts_metrics_assets
            for key in a.keys_by_input_name.values()
            if key.path[0] == "snapshot"
        }
    )
    result = dg.materialize(
        [
            *clean_sources(frames),
            *(snapshot_source(n) for n in snapshots),
            *marts_metrics_assets,
            *marts_metrics_checks,
        ],
        resources={
            "settings": BriefingSettings(alliance=["g7", "AUS", "KOR"]),
            "scenario_settings": ScenarioSettings(),
        },
    )
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    flows = result.output_for_node(FLOWS_KEY.to_python_identifier())
    # Trade between EU members is intra-EU trade, whoever the allies are.
    intra_eu = flows.filter((pl.col("importer") == "EU27") & pl.col("intra"))
    assert intra_eu["partner"].n_unique() == 27
    for table in ("dependence", "supply_risk"):
        df = result.output_for_node(f"marts__{table}")
        assert {"EU27", "ALLIANCE", "USA", "KOR"} <= set(df["importer"])
        assert not set(df["importer"]) & {"ESP", "NLD", "POL"}  # EU members, not allies
