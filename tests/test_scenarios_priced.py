"""The scenarios on real data: tonnes priced at what is traded, "not computable" where the trade
does not carry China's exports, the reserve, the sourced price floor and its sensitivity.

Each expected figure is recomputed here from the clean tables (built from the committed
snapshot of CEPII BACI and USGS MCS) and the curated YAML, not through the marts' helpers.
"""

from __future__ import annotations

import polars as pl
import pytest
import yaml

from tests._helpers import one
from transforms import blocs, policy_frames
from transforms.marts import dependence as dep
from transforms.marts import export_ban, price_floor, scenarios, stockpile
from transforms.reference import load_groups, policy
from transforms.reference.files import REFERENCE_DIR
from transforms.reference.minerals import minerals_frame
from transforms.reference.trade_coverage import (
    COVERAGE_LABELS,
    NO_CODE,
    TRADE_COVERAGE_FILE,
    trade_coverage_frame,
)
from transforms.site.model import PageContext

PARAMS = policy.load_parameters()
THRESHOLDS = scenarios.Thresholds(
    PARAMS.min_china_imports_t, PARAMS.min_china_imports_usd, PARAMS.max_days
)
SERIES = policy_frames.price_series_frame(PARAMS.price_series)


@pytest.fixture(scope="module")
def real() -> dict:
    from tests._clean_tables import clean_table

    groups = load_groups()
    economies = blocs.Economies(
        alliance=tuple(groups["alliance"]), eu27=tuple(groups["eu27"]), china=tuple(groups["china"])
    )
    trade = clean_table("trade")
    production = clean_table("production")
    return {
        "economies": economies,
        "trade": trade,
        "flows": blocs.importer_flows(trade, economies),
        "us_salient": clean_table("us_salient"),
        "production": production,
        # The coverage the dependence marts judge by, as the Dagster assets pass it.
        "coverage": scenarios.scenario_coverage(production, economies),
    }


def _alliance_imports(real: dict, mineral: str, *, from_china: bool) -> dict[str, float]:
    """The alliance's imports of ``mineral`` in the latest year straight from the clean trade
    table: from China, or from outside the alliance and China; value (``usd``) and tonnes of
    the flows that carry a tonnage, and the value of all of them (``all_usd``)."""
    eco = real["economies"]
    trade = real["trade"]
    year = trade["year"].max()
    china = pl.col("exporter_code").is_in(list(eco.china))
    partner = china if from_china else ~china & ~pl.col("exporter_code").is_in(list(eco.alliance))
    rows = trade.filter(
        pl.col("year") == year,
        pl.col("mineral") == mineral,
        pl.col("importer_code").is_in(list(eco.alliance)),
        partner,
    )
    priced = rows.filter(pl.col("quantity_t").is_not_null())
    return {
        "usd": priced["value_usd"].sum(),
        "t": priced["quantity_t"].sum(),
        "all_usd": rows["value_usd"].sum(),
        "year": year,
    }


def _stockpile(real: dict) -> pl.DataFrame:
    return stockpile.scenario_stockpile(
        real["flows"],
        real["us_salient"],
        china=real["economies"].china,
        days=PARAMS.days_of_cover,
        benchmarks=policy_frames.benchmarks_frame(PARAMS.benchmarks),
        price_series=SERIES,
        thresholds=THRESHOLDS,
        coverage=real["coverage"],
    )


def test_rare_earth_stock_costs_no_more_than_the_imports_it_stands_for(real: dict) -> None:
    # Done-when of the task: a 90-day alliance stock of rare earths costs at most 90 days of the
    # alliance's rare-earth imports from China at the same unit values.
    df = _stockpile(real)
    row = one(df, importer="ALLIANCE", mineral="rare-earths", stage="refinery", days=90)
    imports = _alliance_imports(real, "rare-earths", from_china=True)
    ninety_days_of_imports = imports["all_usd"] * 90 / 365
    assert row["cost_usd"] <= ninety_days_of_imports * (1 + 1e-9)
    # The bloc's flows add up its members' flows per partner and code, so two member flows
    # without a tonnage (US$78 of US$416m in 2024) count in its unit value: within 1e-5.
    assert row["price_usd_per_t"] == pytest.approx(imports["usd"] / imports["t"], rel=1e-5)
    assert row["price_matches_trade"] is True and str(imports["year"]) in row["price_source"]
    # The neodymium-oxide price (USGS) would have cost several times more: kept only as a check.
    assert row["cost_usd_at_market_price"] > 3 * row["cost_usd"]
    # Every computable row: cost <= the value of the same days of imports from China.
    computable = df.filter(pl.col("cost_usd").is_not_null())
    assert computable.height > 100
    share = pl.col("days") / 365
    assert (
        computable.filter(
            pl.col("cost_usd") > pl.col("imports_from_china_usd") * share * (1 + 1e-9)
        ).height
        == 0
    )


def test_antimony_and_gallium_are_not_computable_with_a_reason(real: dict) -> None:
    stock = _stockpile(real)
    antimony = one(stock, importer="ALLIANCE", mineral="antimony", days=90)
    assert antimony["stock_t"] is None and antimony["cost_usd"] is None
    # The ore codes (HS 261710) miss the oxide and metal China refines: the dependence marts'
    # reason, with what the codes miss.
    assert antimony["not_computable_reason"].startswith("Ore only")
    assert "antimony oxide and metal" in antimony["not_computable_reason"]
    ban = export_ban.scenario_export_ban(
        real["flows"], real["production"], economies=real["economies"], thresholds=THRESHOLDS
    )
    ban_row = one(ban, importer="ALLIANCE", mineral="antimony")
    assert ban_row["exposure_rank"] is None and ban_row["not_computable_reason"] is not None
    # Gallium has no code in the trade data: no stock row, and the coverage says so.
    assert stock.filter(pl.col("mineral") == "gallium").height == 0
    coverage = scenarios.trade_coverage()
    assert one(coverage, mineral="gallium")["trade_coverage"] == NO_CODE
    # Its reserve row is priced at USGS but is no finding on imports, as in china_import_shares.
    gallium = one(_reserve(real), mineral="gallium")
    assert gallium["finding_ok"] is False and "no HS code" in gallium["note"]


def test_trade_coverage_is_the_declaration_with_the_registry_codes() -> None:
    registry = yaml.safe_load((REFERENCE_DIR / "minerals.yaml").read_text(encoding="utf-8"))
    declared = yaml.safe_load((REFERENCE_DIR / TRADE_COVERAGE_FILE).read_text(encoding="utf-8"))
    forms = {e["mineral"]: tuple(e["forms"]) for e in declared["minerals"]}
    coverage = {r["mineral"]: r for r in scenarios.trade_coverage().to_dicts()}
    assert set(coverage) == set(forms)
    for entry in registry["minerals"]:
        row = coverage[entry["slug"]]
        ordered = tuple(f for f in ("ore", "processed", "product") if f in forms[entry["slug"]])
        assert row["trade_coverage"] == COVERAGE_LABELS[ordered], entry["slug"]
        hs = entry.get("hs") or {}
        codes = sorted(str(c) for stage in ("ore", "refined") for c in hs.get(stage) or ())
        expected = f"HS {', '.join(codes)}" if codes else None
        assert row["trade_codes"] == expected, entry["slug"]


def test_export_ban_months_of_imports(real: dict) -> None:
    ban = export_ban.scenario_export_ban(
        real["flows"], real["production"], economies=real["economies"], thresholds=THRESHOLDS
    )
    row = one(ban, importer="ALLIANCE", mineral="rare-earths", stage="refinery")
    assert row["lost_months_of_imports"] == pytest.approx(
        12 * row["imports_from_china_t"] / row["imports_t"]
    )
    assert row["not_computable_reason"] is None and row["trade_coverage"] == "processed forms only"
    assert ban["lost_months_of_imports"].drop_nulls().max() <= 12 + 1e-9


def _reserve(real: dict) -> pl.DataFrame:
    reserve = PARAMS.australia_reserve
    return stockpile.scenario_reserve_budget(
        real["flows"],
        real["us_salient"],
        real["production"],
        budget_aud=reserve.budget_aud,
        aud_usd=PARAMS.aud_usd,
        minerals=reserve.minerals,
        china=real["economies"].china,
        price_series=SERIES,
        trade=real["trade"],
        note_budget_aud=reserve.note_budget_aud,
        extra_minerals=PARAMS.focus_minerals,
        thresholds=THRESHOLDS,
        coverage=real["coverage"],
    )


def test_reserve_budget_on_real_data(real: dict) -> None:
    df = _reserve(real)
    reserve = PARAMS.australia_reserve
    assert df["mineral"].to_list()[: len(reserve.minerals)] == list(reserve.minerals)
    assert set(PARAMS.focus_minerals) <= set(df["mineral"])
    share_usd = reserve.budget_aud * PARAMS.aud_usd / len(reserve.minerals)
    rare = one(df, mineral="rare-earths")
    imports = _alliance_imports(real, "rare-earths", from_china=True)
    assert rare["price_usd_per_t"] == pytest.approx(imports["usd"] / imports["t"], rel=1e-5)
    assert rare["tonnes"] == pytest.approx(share_usd / rare["price_usd_per_t"])
    assert rare["days_of_alliance_china_imports"] == pytest.approx(
        rare["tonnes"] / (imports["t"] / 365)
    )
    # A$400m at the same price.
    assert rare["note_budget_tonnes"] == pytest.approx(
        reserve.note_budget_aud * PARAMS.aud_usd / rare["price_usd_per_t"]
    )
    # Antimony and gallium: tonnes at the USGS price of the good, days not computable, and no
    # "days of imports" above the cap anywhere.
    for mineral in ("antimony", "gallium"):
        row = one(df, mineral=mineral)
        assert row["days_of_alliance_china_imports"] is None and "not computable" in row["note"]
        assert row["tonnes"] > 0 and row["price_source"].startswith("USGS")
    for column in ("days_of_alliance_china_imports", "days_of_economy_china_imports"):
        assert (df[column].drop_nulls() <= PARAMS.max_days).all()
    outside = df.filter(~pl.col("in_reserve"))
    assert outside["mineral"].to_list() == ["graphite", "cobalt"]
    assert outside["tonnes"].is_null().all() and outside["note_budget_tonnes"].is_not_null().all()


def _floors(real: dict) -> pl.DataFrame:
    """The documented floors of price_floors.yaml back-tested on the real tables."""
    return price_floor.scenario_price_floor(
        real["flows"],
        real["us_salient"],
        policy_frames.floors_frame(policy.default_price_floors()),
        china=real["economies"].china,
        price_series=SERIES,
    )


def test_dod_mp_floor_covers_mp_output_and_2025(real: dict) -> None:
    floors = yaml.safe_load(
        (policy.POLICY_DIR / policy.PRICE_FLOORS_FILE).read_text(encoding="utf-8")
    )["price_floors"]
    documented = next(f for f in floors if f["id"] == "dod-mp-ndpr-2025")
    df = _floors(real)
    assert (df["covered_t"] == float(documented["covered"])).all()
    assert df["floor_name"].unique().to_list() == [documented["name"]]
    ndpr = real["us_salient"].filter(
        pl.col("mineral") == "rare-earths",
        pl.col("statistic") == documented["price_statistics"][0],
        pl.col("year") == 2025,
    )["value"][0]
    y2025 = one(df, year=2025)
    assert y2025["cost_usd"] == pytest.approx(
        max(0.0, documented["floor_usd_per_t"] - ndpr) * float(documented["covered"])
    )
    assert df.filter(pl.col("year").is_between(2018, 2025))["cost_usd"].is_not_null().all()


def _sensitivity(real: dict) -> pl.DataFrame:
    return price_floor.scenario_floor_sensitivity(
        real["flows"],
        china=real["economies"].china,
        minerals=PARAMS.focus_minerals,
        uplifts=PARAMS.floor_uplifts,
        price_series=SERIES,
        thresholds=THRESHOLDS,
        coverage=real["coverage"],
    )


def test_floor_sensitivity_prices_the_non_china_imports(real: dict) -> None:
    df = _sensitivity(real)
    assert df.height == len(PARAMS.focus_minerals) * len(PARAMS.floor_uplifts)
    imports = _alliance_imports(real, "rare-earths", from_china=False)
    # Within 1e-4: member flows without a tonnage count in the bloc's value (see above).
    for uplift in PARAMS.floor_uplifts:
        row = one(df, mineral="rare-earths", uplift=uplift)
        assert row["covered_t"] == pytest.approx(imports["t"])
        assert row["cost_usd"] == pytest.approx(uplift * imports["usd"], rel=1e-4)
        assert row["floor_usd_per_t"] == pytest.approx(
            imports["usd"] / imports["t"] * (1 + uplift), rel=1e-4
        )
    for mineral in ("antimony", "gallium"):
        rows = df.filter(pl.col("mineral") == mineral)
        assert rows["cost_usd"].is_null().all()
        assert rows["not_computable_reason"].is_not_null().all()


def _page(page: str, key: str | None) -> PageContext:
    names = dict(minerals_frame().select("slug", "name").iter_rows())
    return PageContext(page, key, names, {"AUS": "Australia"}, [], ["CHN"], [])


# What an analyst must never read on the site (PREAMBLE: published text rules).
FORBIDDEN = (
    "None",
    "nan",
    "True",
    "False",
    "e+0",
    "e+1",
    "rare-earths",
    "dod-mp-ndpr-2025",
    "budget_aud",
    "aud_usd",
    "price_matches_trade",
    "1.2e",
    "0.333333",
)


def _shown(section) -> str:
    """A section's text as readers see it: fact markers (transforms/site/facts.py) are attributes."""
    from transforms.site.facts import unmarked

    parts = [*map(str, section.paragraphs), str(section.table), *map(str, section.notes)]
    return unmarked("\n".join(parts))


def test_reserve_on_australias_page_is_a_table_for_readers(real: dict) -> None:
    from transforms.site.pages.scenarios import reserve_budget_country

    df = _reserve(real)
    text = _shown(reserve_budget_country(df, _page("country", "AUS")))
    assert not [word for word in FORBIDDEN if word in text]
    assert "A$1.2 billion" in text and "Split rule: equal shares" in text
    assert "not computable — " in text
    assert "What A$400m buys (t)" in text
    # The rare-earth tonnes and the price source are the mart's, formatted.
    rare = one(df, mineral="rare-earths")
    assert f"{rare['tonnes']:,.0f}" in text and "CEPII BACI" in text
    assert reserve_budget_country(df, _page("country", "JPN")) is None


def test_scenario_tables_show_price_source_and_reasons(real: dict) -> None:
    from transforms.site.pages import scenarios as page

    ctx = _page("scenarios", None)
    stock = _shown(page.stockpile_scenarios(_stockpile(real), ctx))
    assert "US$ 2024" in stock and "unit value of imports from China, 2024" in stock
    assert "Antimony | mine | not computable — " in stock
    floors = _floors(real)
    floor = page.price_floor_scenarios(floors, ctx)
    shown = _shown(floor)
    assert "US Department of Defense–MP Materials NdPr floor" in shown and floor.chart
    for text in (stock, shown):
        assert not [word for word in FORBIDDEN if word in text]


# --- one coverage rule for dependence and every scenario -----------------------------------------


@pytest.fixture(scope="module")
def scenario_marts(real: dict) -> dict[str, pl.DataFrame]:
    ban = export_ban.scenario_export_ban(
        real["flows"], real["production"], economies=real["economies"], thresholds=THRESHOLDS
    )
    return {
        "scenario_export_ban": ban,
        "scenario_stockpile": _stockpile(real),
        "scenario_reserve_budget": _reserve(real),
        "scenario_floor_sensitivity": _sensitivity(real),
    }


@pytest.fixture(scope="module")
def dependence(real: dict) -> pl.DataFrame:
    year = int(real["trade"]["year"].max())
    flows = real["flows"].filter(pl.col("year") == year)
    return dep.dependence(
        flows, real["production"], economies=real["economies"], coverage=trade_coverage_frame()
    )


# Where each scenario mart says why a row is no finding, and a figure that must then be empty.
REASON = {
    "scenario_export_ban": ("not_computable_reason", "exposure_rank"),
    "scenario_stockpile": ("not_computable_reason", "cost_usd"),
    "scenario_reserve_budget": ("note", "days_of_alliance_china_imports"),
    "scenario_floor_sensitivity": ("not_computable_reason", "cost_usd"),
}


def test_graphite_and_antimony_ore_figures_are_not_computable_with_the_reason(
    real: dict, scenario_marts: dict[str, pl.DataFrame], dependence: pl.DataFrame
) -> None:
    # Graphite: the codes are natural graphite ore only (HS 250410, 250490) and USGS publishes
    # no refinery table, so nothing shows China's hold to be in mining: no finding.
    production = real["production"]
    graphite = production.filter(pl.col("mineral") == "graphite")
    assert graphite.height and (graphite["stage"] == "mine").all()
    for mineral in ("graphite", "antimony"):
        ore = dependence.filter(pl.col("mineral") == mineral, pl.col("stage") == "mine")
        assert ore.height and not ore["finding_ok"].any(), mineral
        (note,) = ore["coverage_note"].unique().to_list()
        for name, df in scenario_marts.items():
            rows = df.filter(pl.col("mineral") == mineral)
            assert rows.height and (rows["stage"] == "mine").all(), (name, mineral)
            reason, figure = REASON[name]
            assert not rows["finding_ok"].any(), (name, mineral)
            assert rows[reason].str.contains(note, literal=True).all(), (name, mineral)
            assert rows[figure].is_null().all(), (name, mineral)


def test_rare_earths_and_cobalt_stay_computed(
    scenario_marts: dict[str, pl.DataFrame], dependence: pl.DataFrame
) -> None:
    for mineral in ("rare-earths", "cobalt"):
        assert dependence.filter(pl.col("mineral") == mineral)["finding_ok"].all(), mineral
        for name, df in scenario_marts.items():
            rows = df.filter(pl.col("mineral") == mineral)
            if "importer" in df.columns:  # the allies one by one may import too little
                rows = rows.filter(pl.col("importer") == "ALLIANCE")
            assert rows.height and rows["finding_ok"].all(), (name, mineral)
            if name != "scenario_reserve_budget":
                assert rows["not_computable_reason"].is_null().all(), (name, mineral)
        ban = scenario_marts["scenario_export_ban"]
        assert one(ban, importer="ALLIANCE", mineral=mineral)["exposure_rank"] is not None


def test_each_mineral_reads_the_same_in_dependence_and_every_scenario(
    scenario_marts: dict[str, pl.DataFrame], dependence: pl.DataFrame
) -> None:
    key = ["mineral", "stage"]
    judged = dependence.select(*key, "trade_coverage", "finding_ok").unique()
    assert judged.select(key).is_duplicated().sum() == 0
    labels = dict(trade_coverage_frame().select("mineral", "trade_coverage").iter_rows())
    for name, df in scenario_marts.items():
        rows = df.select(*key, "trade_coverage", "finding_ok").unique()
        assert all(labels[m] == c for m, c in rows.select("mineral", "trade_coverage").iter_rows())
        both = rows.join(judged, on=key, how="inner", suffix="_dependence")
        assert both.height > 0, name
        for column in ("trade_coverage", "finding_ok"):
            assert (both[column] == both[f"{column}_dependence"]).all(), (name, column)


def test_mineral_pages_warn_where_the_codes_miss_chinas_stage(
    real: dict, scenario_marts: dict[str, pl.DataFrame]
) -> None:
    from transforms.site.pages import mineral_marts as page

    ban, stock = scenario_marts["scenario_export_ban"], scenario_marts["scenario_stockpile"]
    for section in (
        page.export_ban_mineral(ban, _page("mineral", "graphite")),
        page.stockpile_mineral(stock, _page("mineral", "graphite")),
    ):
        text = _shown(section)
        assert "graphite (natural) ores and concentrates are **not computable**" in text
        assert "Not covered: synthetic graphite" in text and "not computable — " in text
        assert not [word for word in FORBIDDEN if word in text]
    for section in (
        page.export_ban_mineral(ban, _page("mineral", "rare-earths")),
        page.stockpile_mineral(stock, _page("mineral", "rare-earths")),
    ):
        assert "**not computable**" not in _shown(section)
