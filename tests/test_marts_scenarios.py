"""Tests of the policy scenarios (export ban, stockpile, reserve budget, price floor).

The scenario tests run on small hand-made frames; every expected value is worked out by hand
in the test. A few assertions run on clean tables computed from the committed snapshot. The
event study and the curated policy tables are tested in tests/test_marts_events.py.
"""

from __future__ import annotations

import polars as pl
import pytest

from tests._helpers import PRODUCTION_COLUMNS, one, registry_frame
from transforms import blocs, policy_frames
from transforms.marts import export_ban, invariants, price_floor, scenarios, stockpile
from transforms.reference import policy

ALLIANCE = ["DEU", "FRA", "JPN"]
EU27 = ["DEU", "FRA"]
CHINA = ["CHN"]
ECONOMIES = blocs.Economies(alliance=tuple(ALLIANCE), eu27=tuple(EU27), china=tuple(CHINA))
# The hand-made trade is a few US$ a tonne: thresholds low enough that its rows are computable.
LOW = scenarios.Thresholds(min_china_imports_t=1.0, min_china_imports_usd=1.0)


def flows_of(trade: pl.DataFrame, economies: blocs.Economies = ECONOMIES) -> pl.DataFrame:
    """The importers' flows the scenario marts read (the intermediate/importer_flows asset)."""
    return blocs.importer_flows(trade, economies)


KNOWN = {
    "mineral": frozenset({"graphite", "rare-earths", "gallium", "tungsten", "antimony"}),
    "economy": frozenset({"DEU", "FRA", "JPN", "AUS", "USA", "CHN"}),
    "importer": frozenset({"DEU", "FRA", "JPN", "EU27", "ALLIANCE"}),
}


TRADE_COLUMNS = (
    "year",
    "exporter_code",
    "importer_code",
    "hs6",
    "mineral",
    "stage",
    "value_usd",
    "quantity_t",
)


def _trade(rows: list[tuple]) -> pl.DataFrame:
    """Rows of (year, exporter, importer, hs6, mineral, stage, usd, t) as the clean trade table."""
    return registry_frame("trade", TRADE_COLUMNS, rows).with_columns(
        pl.lit("gross_weight").alias("unit_basis"), pl.lit("CEPII BACI").alias("source")
    )


GR = ("250410", "graphite", "mine")
RE = ("284690", "rare-earths", "refinery")

TRADE = _trade(
    [
        (2024, "CHN", "DEU", *GR, 60.0, 60.0),
        (2024, "MOZ", "DEU", *GR, 20.0, 20.0),
        (2024, "FRA", "DEU", *GR, 10.0, 10.0),  # intra-EU and intra-alliance
        (2024, "CHN", "JPN", *GR, 30.0, 30.0),
        (2024, "BRA", "JPN", *GR, 10.0, 10.0),
        (2024, "DEU", "USA", *GR, 5.0, 5.0),  # export out of every bloc
        (2024, "JPN", "FRA", *GR, 4.0, 4.0),  # extra-EU, intra-alliance
        (2024, "CHN", "AUS", *GR, 5.0, 5.0),  # not an ally here
        (2024, "CHN", "DEU", *RE, 10.0, 10.0),
        (2023, "CHN", "DEU", *GR, 999.0, 999.0),  # another year: ignored by the 2024 scenarios
        (2023, "MOZ", "JPN", *GR, 7.0, 7.0),
    ]
)


def _production(rows: list[tuple]) -> pl.DataFrame:
    """Rows of (mineral, stage, country, kind, year, t, flag, basis) as the clean production table."""
    return registry_frame("production", PRODUCTION_COLUMNS, rows).with_columns(
        pl.lit("USGS MCS").alias("source"), pl.lit(2025, pl.Int16).alias("edition")
    )


PRODUCTION = _production(
    [
        ("graphite", "mine", "DEU", "economy", 2024, 100.0, None, "gross_weight"),
        ("graphite", "mine", "FRA", "economy", 2024, None, "W", "gross_weight"),  # withheld
        ("graphite", "mine", "CHN", "economy", 2024, 1000.0, None, "gross_weight"),
        ("graphite", "mine", "WORLD", "aggregate", 2024, 2000.0, None, "gross_weight"),
        (
            "graphite",
            "mine",
            "DEU",
            "economy",
            2025,
            500.0,
            None,
            "gross_weight",
        ),  # after the trade year
        ("graphite", "mine", "DEU", "economy", 2023, 90.0, None, "gross_weight"),
        ("rare-earths", "mine", "CHN", "economy", 2024, 270000.0, None, "oxide_equivalent"),
        # China refines 10% of this graphite and mines two thirds (2025, the latest year): its
        # hold is in mining, so the ore figures are findings (the dependence marts' rule,
        # transforms.marts.coverage).
        ("graphite", "mine", "CHN", "economy", 2025, 1000.0, None, "gross_weight"),
        ("graphite", "refinery", "CHN", "economy", 2024, 10.0, None, "gross_weight"),
        ("graphite", "refinery", "WORLD", "aggregate", 2024, 100.0, None, "gross_weight"),
    ]
)
COVERAGE = scenarios.scenario_coverage(PRODUCTION, ECONOMIES)


def _salient(rows: list[tuple]) -> pl.DataFrame:
    """Rows of (mineral, statistic, unit, year, value) as the clean us_salient table."""
    columns = ("mineral", "statistic", "unit", "year", "value")
    return registry_frame("us_salient", columns, rows).with_columns(
        pl.lit("graph").alias("usgs_commodity")
    )


SALIENT = _salient(
    [
        ("graphite", "Price_Flake", "usd_per_t", 2022, 1000.0),
        ("graphite", "Price_Flake", "usd_per_t", 2023, 1200.0),
        ("graphite", "Price_Lump", "usd_per_t", 2023, 9999.0),  # a series not chosen
        ("tungsten", "Price_WO3", "usd_per_t", 2023, 260.0),  # US$ per mtu: factor 100
        ("antimony", "Price_A", "usd_per_t", 2022, 10.0),
        ("antimony", "Price_A", "usd_per_t", 2023, None),
        ("antimony", "Price_B", "usd_per_t", 2022, 20.0),
        ("antimony", "Price_B", "usd_per_t", 2023, 30.0),
    ]
)

SERIES = policy_frames.price_series_frame(
    [
        policy.PriceSeries("graphite", "mine", ("Price_Flake",), "flake graphite", True),
        policy.PriceSeries(
            "tungsten",
            "mine",
            ("Price_WO3",),
            "WO3 in concentrate",
            False,
            unit_factor=100.0,
            note="mtu",
        ),
        policy.PriceSeries(
            "antimony", "mine", ("Price_A", "Price_B"), "antimony metal", False, note="metal"
        ),
    ]
)

BENCHMARKS = pl.DataFrame(
    {"economy": ["JPN", "KOR"], "programme": ["japan-jogmec", "korea-komir"], "days": [60, 100]},
    schema={"economy": pl.Utf8, "programme": pl.Utf8, "days": pl.Int32},
)


# --- export ban ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ban() -> pl.DataFrame:
    return export_ban.scenario_export_ban(
        flows_of(TRADE), PRODUCTION, economies=ECONOMIES, thresholds=LOW
    )


def test_export_ban_single_economy(ban: pl.DataFrame) -> None:
    deu = one(ban, importer="DEU", mineral="graphite")
    # Imports: CHN 60 + MOZ 20 + FRA 10 = 90 t; exports 5 t; production 100 t (2024, not 2025).
    assert deu["year"] == 2024
    assert deu["imports_t"] == 90.0
    assert deu["imports_from_china_t"] == 60.0
    assert deu["exports_t"] == 5.0
    assert deu["production_t"] == 100.0 and deu["production_year"] == 2024
    assert deu["lost_share_of_imports"] == pytest.approx(60 / 90)
    assert deu["lost_share_of_supply"] == pytest.approx(60 / 190)
    assert deu["remaining_supply_t"] == 130.0  # 100 produced + 30 from MOZ and FRA
    assert deu["use_t"] == 185.0  # 100 + 90 - 5
    assert deu["months_of_cover"] == pytest.approx(130 / (185 / 12))  # 8.43
    assert deu["months_of_cover_trade_only"] == pytest.approx(30 / (85 / 12))
    assert deu["shortfall_t"] == 55.0
    assert deu["basis_mismatch"] is False


def test_export_ban_blocs_remove_internal_trade(ban: pl.DataFrame) -> None:
    eu = one(ban, importer="EU27", mineral="graphite")
    # Extra-EU imports: CHN->DEU 60, MOZ->DEU 20, JPN->FRA 4 (FRA->DEU is internal).
    assert eu["importer_kind"] == "bloc"
    assert eu["imports_t"] == 84.0
    assert eu["production_t"] == 100.0 and eu["production_withheld"] is True  # FRA withheld
    assert eu["months_of_cover"] == pytest.approx((100 + 24) / ((100 + 84 - 5) / 12))
    bloc = one(ban, importer="ALLIANCE", mineral="graphite")
    # Extra-alliance: CHN->DEU 60, MOZ->DEU 20, CHN->JPN 30, BRA->JPN 10; JPN->FRA is internal.
    assert bloc["imports_t"] == 120.0 and bloc["imports_from_china_t"] == 90.0
    assert bloc["lost_share_of_supply"] == pytest.approx(90 / 220)
    assert bloc["months_of_cover"] == pytest.approx(130 / (215 / 12))  # 7.26
    # AUS is not an ally here: its imports are nobody's.
    assert "AUS" not in ban["importer"].to_list()


def test_export_ban_unlisted_producer_and_net_exporter(ban: pl.DataFrame) -> None:
    jpn = one(ban, importer="JPN", mineral="graphite")
    # JPN is not in the production table: it produces nothing, use = 40 - 4.
    assert jpn["production_t"] == 0.0
    assert jpn["months_of_cover"] == pytest.approx(10 / (36 / 12))
    fra = one(ban, importer="FRA", mineral="graphite")
    # FRA imports 4, exports 10: use is negative, so no months of cover.
    assert fra["use_t"] is None and fra["months_of_cover"] is None
    assert "net exporter" in fra["cover_note"]


def test_export_ban_stage_without_production(ban: pl.DataFrame) -> None:
    re = one(ban, importer="ALLIANCE", mineral="rare-earths")
    # Only mine production is published for rare earths: the refinery row has no use.
    assert re["production_t"] is None and re["months_of_cover"] is None
    assert "not published" in re["cover_note"]
    assert re["lost_share_of_imports"] == 1.0 and re["exposure_basis"] == "imports"
    assert re["months_of_cover_trade_only"] == 0.0
    # Ranked by exposure: rare earths lose 100% of imports, graphite 41% of supply.
    assert re["exposure_rank"] == 1
    assert one(ban, importer="ALLIANCE", mineral="graphite")["exposure_rank"] == 2
    # 12 months of imports lost, and the codes are of processed forms.
    assert re["lost_months_of_imports"] == 12.0 and re["trade_coverage"] == "processed forms only"
    # At the default thresholds these few dollars of trade are no finding: not ranked.
    default = export_ban.scenario_export_ban(flows_of(TRADE), PRODUCTION, economies=ECONOMIES)
    row = one(default, importer="ALLIANCE", mineral="rare-earths")
    assert row["exposure_rank"] is None and "below the threshold" in row["not_computable_reason"]


def _stock(coverage: pl.DataFrame, thresholds: scenarios.Thresholds = LOW) -> pl.DataFrame:
    """The stockpile scenario on the hand-made trade, 30 days and the benchmarks' days."""
    return stockpile.scenario_stockpile(
        flows_of(TRADE),
        SALIENT,
        china=CHINA,
        days=[30],
        benchmarks=BENCHMARKS,
        price_series=SERIES,
        thresholds=thresholds,
        coverage=coverage,
    )


def test_ore_figures_are_no_finding_where_china_holds_refining() -> None:
    # China now refines 90% of the graphite (mines two thirds): the ore codes miss its hold,
    # so the loss and the stock are not computable, with the dependence marts' reason.
    refining = PRODUCTION.with_columns(
        pl.when((pl.col("stage") == "refinery") & (pl.col("country_code") == "CHN"))
        .then(90.0)
        .otherwise(pl.col("production_t"))
        .alias("production_t")
    )
    coverage = scenarios.scenario_coverage(refining, ECONOMIES)
    ban = export_ban.scenario_export_ban(
        flows_of(TRADE), refining, economies=ECONOMIES, thresholds=LOW, coverage=coverage
    )
    row = one(ban, importer="ALLIANCE", mineral="graphite")
    assert row["finding_ok"] is False and row["exposure_rank"] is None
    assert row["not_computable_reason"].startswith("Ore only: China's hold is in refining")
    assert "synthetic graphite" in row["not_computable_reason"]
    stock = _stock(coverage)
    held = one(stock, importer="ALLIANCE", mineral="graphite", days=30)
    assert held["stock_t"] is None and held["cost_usd"] is None
    assert held["not_computable_reason"] == row["not_computable_reason"]
    # The refinery-stage rare earths stay computed.
    assert one(ban, importer="ALLIANCE", mineral="rare-earths")["finding_ok"] is True


def test_export_ban_validates_and_has_no_negative_tonnes(ban: pl.DataFrame) -> None:
    report = invariants.validate_mart("scenario_export_ban", ban, KNOWN)
    assert report.passed, report.counts()
    assert invariants.negative_tonnes("scenario_export_ban", ban).height == 0


def test_negative_tonnes_are_caught() -> None:
    bad = pl.DataFrame({"stock_t": [1.0, -0.5, None], "imports_from_china_t": [1.0, 1.0, 1.0]})
    assert invariants.negative_tonnes("scenario_stockpile", bad).height == 1


# --- prices and stockpile ---------------------------------------------------------------------


def test_price_history_priority_and_unit_factor() -> None:
    history = scenarios.price_history(SALIENT, SERIES)
    # Antimony: 2022 has both series, the first (A = 10) wins; 2023 only B has a number (30).
    assert one(history, mineral="antimony", year=2022)["price_usd_per_t"] == 10.0
    assert one(history, mineral="antimony", year=2023)["price_statistic"] == "Price_B"
    # Tungsten: 260 US$ per metric ton unit = 26,000 US$ per t.
    assert one(history, mineral="tungsten", year=2023)["price_usd_per_t"] == 26000.0
    latest = scenarios.latest_prices(SALIENT, SERIES)
    assert one(latest, mineral="graphite")["price_usd_per_t"] == 1200.0
    assert one(latest, mineral="graphite")["price_year"] == 2023


def test_stockpile_days_and_benchmarks() -> None:
    df = _stock(COVERAGE)
    assert sorted(df["days"].unique().to_list()) == [30, 60, 100]
    sixty = one(df, importer="ALLIANCE", mineral="graphite", days=60)
    # 90 t (US$90) a year from China: 60 days = 90 x 60 / 365 = 14.79 t, at the imports' own
    # unit value (US$1/t); the USGS flake price (US$1,200/t, 2023) is the market check.
    assert sixty["stock_t"] == pytest.approx(90 * 60 / 365)
    assert sixty["price_usd_per_t"] == 1.0 and sixty["price_matches_trade"] is True
    assert sixty["cost_usd"] == pytest.approx(90 * 60 / 365)
    assert sixty["cost_usd_at_market_price"] == pytest.approx(90 * 60 / 365 * 1200)
    assert sixty["market_price_year"] == 2023 and "2024" in sixty["price_source"]
    assert sixty["benchmark"] == "JPN japan-jogmec target (60 days)"
    assert one(df, importer="ALLIANCE", mineral="graphite", days=30)["benchmark"] is None
    # Rare earths have no USGS series in this test: priced at their unit value, no market check.
    re = one(df, importer="DEU", mineral="rare-earths", days=100)
    assert (
        re["cost_usd"] == pytest.approx(10 * 100 / 365) and re["cost_usd_at_market_price"] is None
    )
    assert invariants.validate_mart("scenario_stockpile", df, KNOWN).passed
    # At the default thresholds (US$100,000 a year) US$90 of imports is not computable.
    default = _stock(COVERAGE, scenarios.DEFAULT_THRESHOLDS)
    row = one(default, importer="ALLIANCE", mineral="graphite", days=30)
    assert row["stock_t"] is None and row["cost_usd"] is None
    assert "below the threshold" in row["not_computable_reason"]


def test_reserve_budget_split_and_days() -> None:
    # AUS is not an ally here: its flows come from the trade table.
    df = stockpile.scenario_reserve_budget(
        flows_of(TRADE),
        SALIENT,
        PRODUCTION,
        budget_aud=1_000,
        aud_usd=0.5,
        minerals=["graphite", "gallium"],
        china=CHINA,
        price_series=SERIES,
        trade=TRADE,
        note_budget_aud=400,
        extra_minerals=["antimony"],
        thresholds=LOW,
        coverage=COVERAGE,
    )
    assert df["mineral"].to_list() == ["graphite", "gallium", "antimony"]
    graphite = one(df, mineral="graphite")
    # A$1,000 x 0.5 = US$500, half each: US$250 at the alliance's unit value of imports from
    # China (US$90 / 90 t = US$1/t) = 250 t.
    assert graphite["mineral_budget_usd"] == 250.0 and graphite["budget_share"] == 0.5
    assert graphite["price_usd_per_t"] == 1.0 and graphite["tonnes"] == pytest.approx(250.0)
    # Australia imports 5 t a year from China, the alliance 90 t.
    assert graphite["days_of_economy_china_imports"] == pytest.approx(250 / (5 / 365))
    assert graphite["days_of_alliance_china_imports"] == pytest.approx(250 / (90 / 365))
    assert graphite["months_of_alliance_china_imports"] == pytest.approx(
        250 / (90 / 365) / (365 / 12)
    )
    assert graphite["share_of_world_production"] == pytest.approx(250 / 2000)
    # The note's A$400 = US$200 buys 200 t at the same price.
    assert graphite["note_budget_tonnes"] == pytest.approx(200.0)
    gallium = one(df, mineral="gallium")
    assert gallium["tonnes"] is None and gallium["trade_coverage"] == "no trade code"
    assert "no price" in gallium["note"]
    # Antimony is a focus mineral outside the reserve: no budget, only the note's tonnes, at
    # the USGS metal price (2023: US$30/t) because the alliance imports none from China.
    antimony = one(df, mineral="antimony")
    assert antimony["in_reserve"] is False and antimony["mineral_budget_usd"] is None
    assert antimony["price_usd_per_t"] == 30.0 and antimony["price_matches_trade"] is False
    assert antimony["note_budget_tonnes"] == pytest.approx(200 / 30)
    assert invariants.validate_mart(
        "scenario_reserve_budget", df, KNOWN | {"economy": frozenset({"AUS"})}
    ).passed


# --- price floor -------------------------------------------------------------------------------


def test_price_floor_back_test() -> None:
    floors = policy_frames.floors_frame(
        [
            policy.PriceFloor("gr-1500", "graphite", 1500.0),
            policy.PriceFloor("gr-fixed", "graphite", 1100.0, covered="100"),
        ]
    )
    df = price_floor.scenario_price_floor(
        flows_of(TRADE),
        SALIENT,
        floors,
        china=CHINA,
        price_series=SERIES,
        years=(2022, 2024),
    )
    assert df.height == 6
    # 2022: price 1,000, gap 500, but BACI has no 2022 rows here: volume unknown.
    y2022 = one(df, floor_id="gr-1500", year=2022)
    assert (
        y2022["gap_usd_per_t"] == 500.0 and y2022["covered_t"] is None and y2022["cost_usd"] is None
    )
    # 2023: gap 300 x non-China, non-alliance imports (MOZ->JPN 7 t; CHN->DEU excluded) = 2,100.
    assert one(df, floor_id="gr-1500", year=2023)["cost_usd"] == pytest.approx(2100.0)
    # 2024: imports MOZ 20 + BRA 10 = 30 t, but no price: no cost.
    y2024 = one(df, floor_id="gr-1500", year=2024)
    assert (
        y2024["covered_t"] == 30.0
        and y2024["cost_usd"] is None
        and "no USGS price" in y2024["note"]
    )
    # Fixed 100 t: 2022 gap 100 -> 10,000; 2023 price above the floor -> 0.
    assert one(df, floor_id="gr-fixed", year=2022)["cost_usd"] == 10_000.0
    assert one(df, floor_id="gr-fixed", year=2023)["cost_usd"] == 0.0
    assert invariants.validate_mart("scenario_price_floor", df, KNOWN).passed


def test_floors_reject_bad_input() -> None:
    with pytest.raises(ValueError, match="covered"):
        policy_frames.floors_frame([policy.PriceFloor("x", "graphite", 1.0, covered="some")])
    with pytest.raises(ValueError, match="registry"):
        policy_frames.floors_frame([policy.PriceFloor("x", "unobtainium", 1.0)])


# --- settings and assets -------------------------------------------------------------------------


def test_scenario_settings_defaults_and_user_floors() -> None:
    from orchestration.scenario_settings import ScenarioSettings

    settings = ScenarioSettings()
    assert settings.days_of_cover == [30, 60, 90, 180]
    assert settings.aud_usd == policy.load_parameters().aud_usd
    (documented,) = settings.floors()
    assert documented.origin.startswith("documented") and documented.covered == "1294"
    assert documented.name.startswith("US Department of Defense")
    custom = ScenarioSettings(
        price_floors=[{"mineral": "gallium", "floor_usd_per_t": 6e5, "covered": "50"}]
    )
    (floor,) = custom.floors()
    assert (floor.floor_id, floor.origin) == ("gallium-600000", "user setting")
    assert policy_frames.floors_frame(custom.floors())["covered_fixed_t"].to_list() == [50.0]


def clean_sources(frames: dict[str, pl.DataFrame]) -> list:
    """Stand-in clean assets that hand ``frames`` to the marts under test."""
    import dagster as dg

    def source(name: str) -> dg.AssetsDefinition:
        @dg.asset(key=["clean", name])
        def _source() -> pl.DataFrame:
            return frames[name]

        return _source

    return [source(n) for n in frames]


def test_assets_materialise_with_checks() -> None:
    import dagster as dg

    from orchestration.assets.mart_factory import importer_flows
    from orchestration.assets.marts_scenarios import marts_scenario_assets, marts_scenario_checks
    from orchestration.scenario_settings import ScenarioSettings
    from orchestration.settings import BriefingSettings
    from transforms.cleaning.china_exports import CHINA_EXPORTS_MONTHLY_SCHEMA

    frames = {
        "trade": TRADE,
        "production": PRODUCTION,
        "us_salient": SALIENT,
        # The event study reads China's monthly exports; none here: its rows say so.
        "china_exports_monthly": pl.DataFrame(schema=CHINA_EXPORTS_MONTHLY_SCHEMA),
    }
    result = dg.materialize(
        [
            *clean_sources(frames),
            importer_flows,
            *marts_scenario_assets,
            *marts_scenario_checks,
        ],
        resources={
            "settings": BriefingSettings(alliance=ALLIANCE),
            "scenario_settings": ScenarioSettings(),
        },
    )
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == len(marts_scenario_checks)
    assert all(e.passed for e in evaluations)


# --- real data -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clean_tables() -> dict[str, pl.DataFrame]:
    from tests._clean_tables import clean_table

    return {n: clean_table(n) for n in ("trade", "production", "us_salient")}


def _default_economies(reference) -> blocs.Economies:
    groups = reference.load_groups()
    return blocs.Economies(
        alliance=tuple(groups["alliance"]), eu27=tuple(groups["eu27"]), china=tuple(groups["china"])
    )


def test_real_export_ban(clean_tables: dict[str, pl.DataFrame]) -> None:
    from orchestration.assets.marts_scenarios import mart_known_sets
    from transforms import reference

    economies = _default_economies(reference)
    df = export_ban.scenario_export_ban(
        flows_of(clean_tables["trade"], economies), clean_tables["production"], economies=economies
    )
    # Every mineral with trade in the latest year is there (29 in BACI 2024: germanium's code
    # has no flows after 2016, gallium and five others have no code in the subset).
    latest = clean_tables["trade"].filter(pl.col("year") == pl.col("year").max())
    assert set(df["mineral"]) == set(latest["mineral"]) and df["mineral"].n_unique() >= 29
    assert invariants.validate_mart("scenario_export_ban", df, mart_known_sets()).passed
    graphite = one(df, importer="ALLIANCE", mineral="graphite", stage="mine")
    # China supplies roughly half of the alliance's natural-graphite imports (BACI 2024).
    assert 0.3 < graphite["lost_share_of_imports"] < 0.7
    assert 3 < graphite["months_of_cover"] < 12
    assert (
        one(df, importer="ALLIANCE", mineral="rare-earths", stage="refinery")[
            "lost_share_of_imports"
        ]
        > 0.5
    )


def test_real_reserve_budget_and_floor(clean_tables: dict[str, pl.DataFrame]) -> None:
    from transforms import reference

    economies = _default_economies(reference)
    flows = flows_of(clean_tables["trade"], economies)
    params = policy.load_parameters()
    budget = stockpile.scenario_reserve_budget(
        flows,
        clean_tables["us_salient"],
        clean_tables["production"],
        budget_aud=params.australia_reserve.budget_aud,
        aud_usd=params.aud_usd,
        minerals=params.australia_reserve.minerals,
        china=economies.china,
        price_series=policy_frames.price_series_frame(params.price_series),
    )
    gallium = one(budget, mineral="gallium")
    # A$400m at the low-purity price is of the order of a year's world primary gallium output.
    assert 0.5 < gallium["share_of_world_production"] < 2
    floor = price_floor.scenario_price_floor(
        flows,
        clean_tables["us_salient"],
        policy_frames.floors_frame(policy.default_price_floors()),
        china=economies.china,
        price_series=policy_frames.price_series_frame(params.price_series),
    )
    # Neodymium oxide averaged US$134/kg in 2022, above the US$110/kg floor: no cost that year.
    assert one(floor, year=2022)["cost_usd"] == 0.0
    assert one(floor, year=2019)["gap_usd_per_t"] > 0
