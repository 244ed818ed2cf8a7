"""Metric marts: concentration, dependence and supply risk.

Unit tests run the transforms on small hand-made frames whose expected values are worked out by
hand in each test; property tests check invariance under row order and scale; the real-data
tests compute the clean tables from the committed snapshot.
"""

from __future__ import annotations

import math

import polars as pl
import pytest

from tests._clean_tables import clean_table
from transforms.marts import concentration as conc
from transforms.marts import dependence as dep
from transforms.marts import supply_risk as sr
from transforms.marts.invariants import (
    hhi_violations,
    known_with_importers,
    share_violations,
    validate_mart,
)
from transforms.metadata import TABLES as METRICS_TABLES
from transforms.metadata import schema_from_meta

CHINA = ["CHN"]
ALLIANCE = ["AUS", "DEU", "FRA", "JPN", "KOR", "USA"]
EU27 = ["DEU", "FRA"]
REAL_DATA_FROM_YEAR = 2021


# --- small frame builders -----------------------------------------------------------------

PRODUCTION_SCHEMA = {
    "mineral": pl.Utf8,
    "stage": pl.Utf8,
    "country_code": pl.Utf8,
    "country_kind": pl.Utf8,
    "year": pl.Int16,
    "production_t": pl.Float64,
    "value_flag": pl.Utf8,
    "unit_basis": pl.Utf8,
    "edition": pl.Int16,
}
TRADE_SCHEMA = {
    "year": pl.Int16,
    "exporter_code": pl.Utf8,
    "importer_code": pl.Utf8,
    "hs6": pl.Utf8,
    "mineral": pl.Utf8,
    "stage": pl.Utf8,
    "value_usd": pl.Float64,
    "quantity_t": pl.Float64,
    "unit_basis": pl.Utf8,
    "source": pl.Utf8,
    "edition": pl.Utf8,
}


def production_rows(
    rows, mineral="gallium", stage="refinery", year=2023, basis="contained", edition=2024
):
    """rows: (country_code, production_t or None, flag or None)."""
    return pl.DataFrame(
        {
            "mineral": [mineral] * len(rows),
            "stage": [stage] * len(rows),
            "country_code": [r[0] for r in rows],
            "country_kind": ["economy" if len(r[0]) == 3 else "aggregate" for r in rows],
            "year": [year] * len(rows),
            "production_t": [r[1] for r in rows],
            "value_flag": [r[2] for r in rows],
            "unit_basis": [basis] * len(rows),
            "edition": [edition] * len(rows),
        },
        schema=PRODUCTION_SCHEMA,
    )


def trade_rows(rows, mineral="graphite", stage="mine", year=2023):
    """rows: (exporter, importer, value_usd, quantity_t or None)."""
    return pl.DataFrame(
        {
            "year": [year] * len(rows),
            "exporter_code": [r[0] for r in rows],
            "importer_code": [r[1] for r in rows],
            "hs6": ["250490"] * len(rows),
            "mineral": [mineral] * len(rows),
            "stage": [stage] * len(rows),
            "value_usd": [float(r[2]) for r in rows],
            "quantity_t": [r[3] for r in rows],
            "unit_basis": ["gross_weight"] * len(rows),
            "source": ["CEPII BACI"] * len(rows),
            "edition": ["V202401b"] * len(rows),
        },
        schema=TRADE_SCHEMA,
    )


def one(df: pl.DataFrame, **where) -> dict:
    rows = df.filter(*(pl.col(k) == v for k, v in where.items()))
    assert rows.height == 1, rows
    return rows.row(0, named=True)


# --- concentration ------------------------------------------------------------------------


def test_hhi_of_half_three_tenths_one_fifth_is_3800():
    # Shares 50/30/20 %: HHI = 2500 + 900 + 400 = 3800.
    prod = production_rows(
        [("CHN", 50.0, None), ("AUS", 30.0, None), ("BRA", 20.0, None), ("WORLD", 100.0, None)]
    )
    row = one(conc.production_concentration(prod, china=CHINA, alliance=ALLIANCE))
    assert row["hhi"] == pytest.approx(3800.0)
    assert row["denominator"] == "world_total" and row["total"] == 100.0
    assert (row["top1_code"], row["top1_share"], row["top3_share"]) == ("CHN", 0.5, 1.0)
    assert (row["china_share"], row["alliance_share"]) == (0.5, 0.3)
    assert row["rest_share"] == pytest.approx(0.2)
    # Only AUS is an ally, so pooling the alliance changes nothing.
    assert row["alliance_pooled_hhi"] == pytest.approx(3800.0)


def test_pooled_hhi_counts_the_alliance_as_one_supplier():
    # Alliance = AUS + BRA = 50 %: pooled HHI = 50² + 50² = 5000 (vs 3800 unpooled).
    prod = production_rows(
        [("CHN", 50.0, None), ("AUS", 30.0, None), ("BRA", 20.0, None), ("WORLD", 100.0, None)]
    )
    row = one(conc.production_concentration(prod, china=CHINA, alliance=["AUS", "BRA"]))
    assert row["alliance_share"] == pytest.approx(0.5)
    assert row["alliance_pooled_hhi"] == pytest.approx(5000.0)
    assert row["hhi"] == pytest.approx(3800.0)


def test_other_countries_are_unattributed_rest_on_the_world_total():
    # World 200: CHN 100 (50 %), USA 50 (25 %), "Other countries" 50 (25 %, not an economy).
    # HHI over economies only = 50² + 25² = 3125.
    prod = production_rows(
        [("CHN", 100.0, None), ("USA", 50.0, None), ("OTHER", 50.0, None), ("WORLD", 200.0, None)]
    )
    row = one(conc.production_concentration(prod, china=CHINA, alliance=ALLIANCE))
    assert row["denominator"] == "world_total"
    assert (row["china_share"], row["alliance_share"]) == (0.5, 0.25)
    assert row["unattributed_share"] == pytest.approx(0.25)
    assert row["rest_share"] == pytest.approx(0.25)
    assert row["hhi"] == pytest.approx(3125.0)
    assert row["economies"] == 2


def test_parts_above_a_rounded_world_total_become_the_denominator():
    # USGS rounds: world 100 but CHN 60 + AUS 45 = 105, so shares use 105 (60/105, 45/105).
    prod = production_rows([("CHN", 60.0, None), ("AUS", 45.0, None), ("WORLD", 100.0, None)])
    row = one(conc.production_concentration(prod, china=CHINA, alliance=ALLIANCE))
    assert row["denominator"] == "sum_of_parts" and row["total"] == 105.0
    assert row["china_share"] == pytest.approx(60 / 105)
    assert row["china_share"] + row["alliance_share"] + row["rest_share"] == pytest.approx(1.0)


def test_withheld_figure_is_counted_and_left_in_the_rest():
    # USA withheld (W): world 100, CHN 90 -> China 0.9, the missing 10 unattributed.
    prod = production_rows(
        [("CHN", 90.0, None), ("USA", None, "W"), ("BEL", None, "NA"), ("WORLD", 100.0, None)]
    )
    row = one(conc.production_concentration(prod, china=CHINA, alliance=ALLIANCE))
    assert (row["withheld_economies"], row["not_numeric_economies"]) == (1, 1)
    assert row["china_share"] == pytest.approx(0.9)
    assert row["alliance_share"] == 0.0
    assert row["unattributed_share"] == pytest.approx(0.1)


def test_world_total_excluding_usa_adds_the_published_us_figure():
    # World excl. USA 90 + USA 10 = 100; CHN 45 -> 0.45, USA 0.10.
    prod = production_rows(
        [
            ("CHN", 45.0, None),
            ("USA", 10.0, None),
            ("RUS", 45.0, None),
            ("WORLD_EXCL_USA", 90.0, None),
        ]
    )
    row = one(conc.production_concentration(prod, china=CHINA, alliance=ALLIANCE))
    assert row["denominator"] == "world_total_excl_usa_plus_usa" and row["total"] == 100.0
    assert (row["china_share"], row["alliance_share"]) == (0.45, 0.10)


def test_group_without_figures_is_kept_with_null_shares():
    prod = production_rows([("CHN", None, "NA"), ("WORLD", None, "NA")], mineral="germanium")
    row = one(conc.production_concentration(prod, china=CHINA, alliance=ALLIANCE))
    assert row["denominator"] == "no_figures"
    assert row["hhi"] is None and row["china_share"] is None and row["top1_code"] is None
    assert row["not_numeric_economies"] == 1


def test_reserves_year_is_edition_minus_one_at_mine_stage():
    reserves = pl.DataFrame(
        {
            "mineral": ["cobalt"] * 3,
            "country_code": ["COD", "AUS", "WORLD"],
            "country_kind": ["economy", "economy", "aggregate"],
            "reserves_t": [6.0, 2.0, 10.0],
            "value_flag": [None, None, None],
            "unit_basis": ["contained"] * 3,
            "edition": [2026] * 3,
        },
        schema_overrides={"edition": pl.Int16, "value_flag": pl.Utf8},
    )
    row = one(conc.reserves_concentration(reserves, china=CHINA, alliance=ALLIANCE))
    assert (row["year"], row["stage"], row["measure"], row["source"]) == (
        2025,
        "mine",
        "reserves",
        "USGS MCS 2026",
    )
    # 60 % and 20 % of the world total 10: HHI = 3600 + 400 = 4000.
    assert row["hhi"] == pytest.approx(4000.0)
    assert row["unattributed_share"] == pytest.approx(0.2)


def test_exports_by_value_with_an_aggregate_exporter():
    # World exports 100 USD: CHN 60, DEU 30, SACU 10 (aggregate, unattributed).
    trade = trade_rows(
        [
            ("CHN", "USA", 40, 4.0),
            ("CHN", "JPN", 20, 2.0),
            ("DEU", "USA", 30, 3.0),
            ("SACU", "JPN", 10, None),
        ]
    )
    row = one(conc.export_concentration(trade, china=CHINA, alliance=ALLIANCE))
    assert (row["unit"], row["denominator"], row["total"]) == ("usd", "sum_of_parts", 100.0)
    assert (row["china_share"], row["alliance_share"]) == (0.6, 0.3)
    assert row["unattributed_share"] == pytest.approx(0.1)
    assert row["hhi"] == pytest.approx(3600.0 + 900.0)
    assert row["economies"] == 2


def test_top_supplier_ties_are_broken_by_code():
    prod = production_rows([("RUS", 40.0, None), ("AUS", 40.0, None), ("WORLD", 80.0, None)])
    row = one(conc.production_concentration(prod, china=CHINA, alliance=ALLIANCE))
    assert (row["top1_code"], row["top1_share"]) == ("AUS", 0.5)


def test_concentration_is_invariant_under_row_order_and_scale():
    rows = [
        ("CHN", 61.0, None),
        ("AUS", 17.0, None),
        ("USA", 9.0, None),
        ("RUS", 7.0, None),
        ("OTHER", 4.0, None),
        ("WORLD", 100.0, None),
    ]
    prod = production_rows(rows)
    base = conc.production_concentration(prod, china=CHINA, alliance=ALLIANCE)
    for seed in range(3):
        shuffled = conc.production_concentration(
            prod.sample(fraction=1.0, shuffle=True, seed=seed), china=CHINA, alliance=ALLIANCE
        )
        assert shuffled.equals(base)
    scaled = conc.production_concentration(
        prod.with_columns(pl.col("production_t") * 1000), china=CHINA, alliance=ALLIANCE
    )
    for col in (
        "hhi",
        "china_share",
        "alliance_share",
        "rest_share",
        "top3_share",
        "alliance_pooled_hhi",
    ):
        assert scaled[col][0] == pytest.approx(base[col][0])


def test_china_and_alliance_must_not_overlap():
    prod = production_rows([("CHN", 1.0, None)])
    with pytest.raises(ValueError, match="overlap"):
        conc.production_concentration(prod, china=CHINA, alliance=["CHN", "USA"])


# --- dependence ---------------------------------------------------------------------------


def test_import_shares_of_one_ally():
    # JPN imports 100 USD: CHN 60 (6 t), KOR 30 (3 t), AUS 10 (no quantity).
    trade = trade_rows([("CHN", "JPN", 60, 6.0), ("KOR", "JPN", 30, 3.0), ("AUS", "JPN", 10, None)])
    out = dep.dependence(
        trade,
        production_rows([], mineral="graphite", stage="mine"),
        alliance=ALLIANCE,
        eu27=EU27,
        china=CHINA,
    )
    row = one(out, importer="JPN")
    assert (row["imports_usd"], row["imports_t"]) == (100.0, 9.0)
    assert row["china_share"] == 0.6
    assert row["china_share_t"] == pytest.approx(6 / 9)
    assert row["alliance_share"] == pytest.approx(0.4)
    assert (row["top_supplier"], row["top_supplier_share"]) == ("CHN", 0.6)
    assert row["import_qty_coverage"] == pytest.approx(0.9)
    assert row["production_status"] == "no_table" and row["net_import_reliance"] is None
    assert row["nir_note"] == "production_unknown"


def test_eu_bloc_removes_intra_eu_trade():
    # DEU imports FRA 50 (intra-EU, dropped), CHN 40, USA 10; FRA imports CHN 50.
    # EU27 imports = 40 + 10 + 50 = 100: China 0.9, allies (USA) 0.1.
    # Exports: DEU -> FRA 20 (dropped), DEU -> JPN 5: EU27 exports 5.
    trade = trade_rows(
        [
            ("FRA", "DEU", 50, 5.0),
            ("CHN", "DEU", 40, 4.0),
            ("USA", "DEU", 10, 1.0),
            ("CHN", "FRA", 50, 5.0),
            ("DEU", "FRA", 20, 2.0),
            ("DEU", "JPN", 5, 0.5),
        ]
    )
    out = dep.dependence(
        trade, production_rows([], stage="mine"), alliance=ALLIANCE, eu27=EU27, china=CHINA
    )
    eu = one(out, importer="EU27")
    assert (eu["importer_kind"], eu["imports_usd"], eu["exports_usd"]) == ("bloc", 100.0, 5.0)
    assert (eu["china_share"], eu["alliance_share"]) == (0.9, 0.1)
    deu = one(out, importer="DEU")
    # DEU alone counts France as an ally: 50 of its 100 from FRA and USA = 0.6.
    assert deu["imports_usd"] == 100.0 and deu["alliance_share"] == pytest.approx(0.6)
    bloc = one(out, importer="ALLIANCE")
    # Intra-alliance trade removed: only the 90 USD from China remains; alliance share 0.
    assert (bloc["imports_usd"], bloc["china_share"], bloc["alliance_share"]) == (90.0, 1.0, 0.0)


def test_net_import_reliance_by_hand():
    # Production 10 t (contained), imports 9 t, exports 4 t: NIR = 5 / 15 = 1/3.
    trade = trade_rows(
        [("CHN", "USA", 90, 9.0), ("USA", "MEX", 40, 4.0)], mineral="gallium", stage="refinery"
    )
    prod = production_rows([("USA", 10.0, None), ("CHN", 500.0, None)])
    row = one(
        dep.dependence(trade, prod, alliance=ALLIANCE, eu27=EU27, china=CHINA), importer="USA"
    )
    assert row["production_status"] == "reported" and row["production_t"] == 10.0
    assert row["net_import_reliance"] == pytest.approx(1 / 3)
    assert row["basis_mismatch"] is True and row["nir_note"] is None


def test_net_exporter_keeps_a_negative_reliance():
    # Production 10, imports 2, exports 5: NIR = -3 / 7, flagged.
    trade = trade_rows([("CHN", "AUS", 20, 2.0), ("AUS", "CHN", 50, 5.0)])
    prod = production_rows(
        [("AUS", 10.0, None)], mineral="graphite", stage="mine", basis="gross_weight"
    )
    row = one(
        dep.dependence(trade, prod, alliance=ALLIANCE, eu27=EU27, china=CHINA), importer="AUS"
    )
    assert row["net_import_reliance"] == pytest.approx(-3 / 7)
    assert row["nir_note"] == "net_exporter" and row["basis_mismatch"] is False


def test_reliance_is_null_when_apparent_consumption_is_not_positive():
    # JPN not listed by USGS (production 0), imports 1 t, exports 5 t: 0 + 1 - 5 < 0.
    trade = trade_rows([("CHN", "JPN", 10, 1.0), ("JPN", "CHN", 50, 5.0)])
    prod = production_rows([("CHN", 100.0, None)], mineral="graphite", stage="mine")
    row = one(
        dep.dependence(trade, prod, alliance=ALLIANCE, eu27=EU27, china=CHINA), importer="JPN"
    )
    assert (row["production_status"], row["production_t"]) == ("not_listed", 0.0)
    assert row["net_import_reliance"] is None
    assert row["nir_note"] == "apparent_consumption_not_positive"


def test_withheld_production_makes_reliance_unknown():
    trade = trade_rows([("CHN", "USA", 10, 1.0)])
    prod = production_rows(
        [("USA", None, "W"), ("CHN", 100.0, None)], mineral="graphite", stage="mine"
    )
    out = dep.dependence(trade, prod, alliance=ALLIANCE, eu27=EU27, china=CHINA)
    for importer in ("USA", "ALLIANCE"):
        row = one(out, importer=importer)
        assert row["production_status"] == "withheld" and row["net_import_reliance"] is None


def test_trade_totals_reconcile_and_a_tampered_total_is_caught():
    trade = trade_rows(
        [
            ("CHN", "DEU", 40, 4.0),
            ("FRA", "DEU", 50, 5.0),
            ("DEU", "JPN", 5, 0.5),
            ("BRA", "USA", 7, 1.0),
        ]
    )
    out = dep.dependence(trade, production_rows([]), alliance=ALLIANCE, eu27=EU27, china=CHINA)
    assert dep.reconcile_trade_totals(out, trade, alliance=ALLIANCE, eu27=EU27).height == 0
    tampered = out.with_columns(
        pl.when(pl.col("importer") == "EU27")
        .then(pl.col("imports_usd") + 1)
        .otherwise(pl.col("imports_usd"))
        .alias("imports_usd")
    )
    bad = dep.reconcile_trade_totals(tampered, trade, alliance=ALLIANCE, eu27=EU27)
    assert bad.select("importer", "direction", "mart_usd", "trade_usd").rows() == [
        ("EU27", "imports", 41.0, 40.0)
    ]
    missing = out.filter(pl.col("importer") != "USA")
    assert dep.reconcile_trade_totals(missing, trade, alliance=ALLIANCE, eu27=EU27)[
        "importer"
    ].to_list() == ["USA"]


def test_dependence_is_invariant_under_row_order():
    trade = trade_rows(
        [
            ("CHN", "JPN", 60, 6.0),
            ("KOR", "JPN", 60, 3.0),
            ("CHN", "DEU", 40, None),
            ("FRA", "DEU", 50, 5.0),
            ("JPN", "USA", 3, 0.3),
        ]
    )
    prod = production_rows(
        [("JPN", 2.0, None), ("CHN", 50.0, None)], mineral="graphite", stage="mine"
    )
    base = dep.dependence(trade, prod, alliance=ALLIANCE, eu27=EU27, china=CHINA)
    shuffled = dep.dependence(
        trade.reverse(), prod.reverse(), alliance=ALLIANCE, eu27=EU27, china=CHINA
    )
    assert shuffled.equals(base)
    # A tie (CHN and KOR both 60 USD into JPN) goes to the first code.
    assert one(base, importer="JPN")["top_supplier"] == "CHN"


# --- supply risk --------------------------------------------------------------------------


def wmd_rows(rows, mineral="cobalt", stage="mine", year=2022):
    return pl.DataFrame(
        {
            "mineral": [mineral] * len(rows),
            "wmd_commodity": ["Cobalt"] * len(rows),
            "stage": [stage] * len(rows),
            "country_code": [r[0] for r in rows],
            "year": [year] * len(rows),
            "production_t": [r[1] for r in rows],
            "unit_basis": ["contained"] * len(rows),
        },
        schema_overrides={"year": pl.Int16, "production_t": pl.Float64},
    )


def governance_rows(scores, year=2022):
    return pl.DataFrame(
        {
            "country_code": list(scores),
            "year": [year] * len(scores),
            "political_stability_score": list(scores.values()),
        },
        schema_overrides={"year": pl.Int16, "political_stability_score": pl.Float64},
    )


@pytest.fixture
def risk_case():
    # World production 100: CHN 60, COD 30, AUS 10 -> HHI = 0.36 + 0.09 + 0.01 = 0.46.
    wmd = wmd_rows([("CHN", 60.0), ("COD", 30.0), ("AUS", 10.0)])
    # JPN imports CHN 8 t (80,000 USD) and AUS 2 t (20,000 USD); AUS imports CHN 5 t.
    trade = trade_rows(
        [("CHN", "JPN", 80_000, 8.0), ("AUS", "JPN", 20_000, 2.0), ("CHN", "AUS", 50_000, 5.0)],
        mineral="cobalt",
        stage="mine",
        year=2022,
    )
    gov = governance_rows({"CHN": 0.6, "COD": 0.9, "AUS": 0.2, "JPN": 0.1})
    eol = pl.DataFrame({"mineral": ["cobalt"], "eol_rir": [0.2]})
    out = sr.supply_risk(wmd, trade, gov, eol, alliance=["AUS", "JPN"], eu27=[])
    return out


def test_geopolrisk_score_by_hand(risk_case):
    jpn = one(risk_case, importer="JPN")
    assert jpn["hhi_production"] == pytest.approx(0.46)
    # Σ g f = 8 × 0.6 + 2 × 0.2 = 5.2 over p + F = 0 + 10: WTA = 0.52; score = 0.46 × 0.52.
    assert jpn["weighted_instability"] == pytest.approx(0.52)
    assert jpn["geopolrisk_score"] == pytest.approx(0.2392)
    # Price = 100,000 USD / 10,000 kg = 10 USD/kg; CF = 0.2392 × 10 / 0.409412948.
    assert jpn["price_usd_per_kg"] == pytest.approx(10.0)
    assert jpn["characterisation_factor"] == pytest.approx(2.392 / 0.409412948)
    # AUS produces 10 t and imports 5 t from China: WTA = 5 × 0.6 / 15 = 0.2.
    aus = one(risk_case, importer="AUS")
    assert aus["domestic_production_t"] == 10.0
    assert aus["geopolrisk_score"] == pytest.approx(0.46 * 0.2)


def test_geopolrisk_bloc_counts_members_as_stable(risk_case):
    # ALLIANCE (AUS + JPN): imports 8 + 2 + 5 = 15 t, the 2 t from AUS weighted 0;
    # Σ g f = 13 × 0.6 = 7.8 over p + F = 10 + 15: WTA = 0.312.
    bloc = one(risk_case, importer="ALLIANCE")
    assert bloc["imports_t"] == 15.0 and bloc["domestic_production_t"] == 10.0
    assert bloc["weighted_instability"] == pytest.approx(0.312)
    assert bloc["partners"] == 1


def test_eu_crm_supply_risk_by_hand(risk_case):
    jpn = one(risk_case, importer="JPN")
    # Global: (0.36 × 0.6 + 0.09 × 0.9 + 0.01 × 0.2) × 10 = 2.99.
    assert jpn["hhi_wgi_global"] == pytest.approx(2.99)
    # Sourcing: CHN 0.8, AUS 0.2 -> (0.64 × 0.6 + 0.04 × 0.2) × 10 = 3.92.
    assert jpn["hhi_wgi_sourcing"] == pytest.approx(3.92)
    # IR = 10 / (0 + 10) = 1; SR = (2.99 / 2 + 3.92 / 2) × (1 - 0.2) × 1 = 2.764.
    assert jpn["import_reliance"] == 1.0
    assert jpn["crm_supply_risk"] == pytest.approx(2.764)
    assert jpn["eol_rir_missing"] is False and jpn["substitution_index"] == 1.0


def test_missing_wgi_counts_half_and_is_reported():
    wmd = wmd_rows([("CHN", 50.0), ("COD", 50.0)])
    trade = trade_rows([("TWN", "JPN", 1000, 4.0)], mineral="cobalt", stage="mine", year=2022)
    gov = governance_rows({"CHN": 0.6})
    eol = pl.DataFrame(
        {"mineral": ["cobalt"], "eol_rir": [None]}, schema_overrides={"eol_rir": pl.Float64}
    )
    row = one(sr.supply_risk(wmd, trade, gov, eol, alliance=["JPN"], eu27=[]), importer="JPN")
    assert row["partners_wgi_imputed"] == 1
    assert row["weighted_instability"] == pytest.approx(0.5)
    # Global HHI_WGI: CHN 0.25 × 6 + COD 0.25 × 5 (imputed) = 2.75.
    assert row["hhi_wgi_global"] == pytest.approx(2.75)
    assert row["eol_rir_missing"] is True and row["eol_rir"] == 0.0


def test_trade_falls_back_to_the_other_stage_and_no_trade_gives_no_score():
    # WMD has cobalt at mine stage, trade only has refined codes -> trade_stage = refinery.
    wmd = pl.concat(
        [
            wmd_rows([("CHN", 10.0), ("JPN", 2.0)]),
            wmd_rows([("CHN", 9.0), ("JPN", 1.0)], mineral="gallium", stage="refinery"),
        ]
    )
    trade = trade_rows([("CHN", "JPN", 100, 1.0)], mineral="cobalt", stage="refinery", year=2022)
    gov = governance_rows({"CHN": 0.6, "JPN": 0.1})
    eol = pl.DataFrame({"mineral": ["cobalt", "gallium"], "eol_rir": [0.0, 0.0]})
    out = sr.supply_risk(wmd, trade, gov, eol, alliance=["JPN"], eu27=[])
    cobalt = one(out, importer="JPN", mineral="cobalt")
    assert (cobalt["production_stage"], cobalt["trade_stage"]) == ("mine", "refinery")
    # Gallium has no trade at all: imports unknown, so no score (not a score of 0).
    gallium = one(out, importer="JPN", mineral="gallium")
    assert gallium["trade_stage"] is None and gallium["geopolrisk_score"] is None
    assert gallium["hhi_production"] == pytest.approx(0.82)


# --- metadata, schemas and invariant checks -----------------------------------------------


KNOWN = {
    "mineral": frozenset({"gallium", "graphite", "cobalt", "germanium"}),
    "economy": frozenset(
        {"CHN", "AUS", "BRA", "USA", "RUS", "JPN", "KOR", "DEU", "FRA", "MEX", "BEL", "COD", "TWN"}
    ),
    "country_or_aggregate": frozenset(
        {"CHN", "AUS", "BRA", "USA", "RUS", "JPN", "KOR", "DEU", "FRA", "SACU", "COD", "TWN"}
    ),
}


def test_metadata_describes_every_output_column():
    assert list(METRICS_TABLES["concentration"].columns) == conc.OUTPUT_COLUMNS
    assert list(METRICS_TABLES["dependence"].columns) == dep.OUTPUT_COLUMNS
    assert list(METRICS_TABLES["supply_risk"].columns) == sr.OUTPUT_COLUMNS


def test_schema_accepts_a_hand_made_mart_and_rejects_a_share_above_one():
    prod = production_rows(
        [("CHN", 50.0, None), ("AUS", 30.0, None), ("BRA", 20.0, None), ("WORLD", 100.0, None)]
    )
    df = conc.concentration(
        prod,
        prod.head(0).rename({"production_t": "reserves_t"}).drop("stage", "year"),
        trade_rows([]),
        china=CHINA,
        alliance=ALLIANCE,
    )
    known = known_with_importers(KNOWN)
    assert validate_mart("concentration", df, known).passed
    broken = df.with_columns(pl.lit(1.5).alias("china_share"))
    report = validate_mart("concentration", broken, known)
    assert not report.passed and any("china_share" in k for k in report.counts())
    assert "year" in report.failure_cases.columns  # failure cases carry the row's key
    duplicated = pl.concat([df, df])
    assert not validate_mart("concentration", duplicated, known).passed
    assert schema_from_meta(METRICS_TABLES["concentration"], known).name == "concentration"


def test_share_and_hhi_invariant_checks_catch_violations():
    prod = production_rows(
        [("CHN", 50.0, None), ("AUS", 30.0, None), ("BRA", 20.0, None), ("WORLD", 100.0, None)]
    )
    df = conc.production_concentration(prod, china=CHINA, alliance=ALLIANCE)
    assert share_violations("concentration", df).height == 0
    assert hhi_violations("concentration", df).height == 0
    too_much = df.with_columns(pl.lit(0.9).alias("alliance_share"))
    assert (
        "china_share + alliance_share + rest_share > 1"
        in share_violations("concentration", too_much)["violation"].to_list()
    )
    pooled_low = df.with_columns(pl.lit(100.0).alias("alliance_pooled_hhi"))
    assert hhi_violations("concentration", pooled_low)["violation"].to_list() == [
        "alliance_pooled_hhi < hhi"
    ]
    over = df.with_columns(pl.lit(10_001.0).alias("hhi"))
    assert "hhi outside [0, 10000]" in hhi_violations("concentration", over)["violation"].to_list()


# --- real data ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_marts():
    tables = ("production", "reserves", "trade", "production_wmd", "governance")
    from transforms import reference

    frames = {t: clean_table(t) for t in tables}
    # Recent years only keep the suite fast; the asset checks test the full tables in the build.
    frames["trade"] = frames["trade"].filter(pl.col("year") >= REAL_DATA_FROM_YEAR)
    groups = reference.load_groups()
    eol = reference.minerals_frame().select(pl.col("slug").alias("mineral"), "eol_rir")
    return {
        "concentration": conc.concentration(
            frames["production"],
            frames["reserves"],
            frames["trade"],
            china=groups["china"],
            alliance=groups["alliance"],
        ),
        "dependence": dep.dependence(
            frames["trade"],
            frames["production"],
            alliance=groups["alliance"],
            eu27=groups["eu27"],
            china=groups["china"],
        ),
        "supply_risk": sr.supply_risk(
            frames["production_wmd"],
            frames["trade"],
            frames["governance"],
            eol,
            alliance=groups["alliance"],
            eu27=groups["eu27"],
        ),
        "trade": frames["trade"],
        "groups": groups,
    }


def _real_known() -> dict[str, frozenset[str]]:
    from transforms import reference

    economies = frozenset(reference.economies_frame()["iso3"].to_list())
    aggregates = frozenset(
        reference.country_names_frame().filter(pl.col("kind") == "aggregate")["code"].to_list()
    )
    minerals = frozenset(reference.minerals_frame()["slug"].to_list())
    return known_with_importers(
        {"mineral": minerals, "economy": economies, "country_or_aggregate": economies | aggregates}
    )


@pytest.mark.parametrize("table", ["concentration", "dependence", "supply_risk"])
def test_real_marts_pass_schema_and_invariants(real_marts, table):
    df = real_marts[table]
    report = validate_mart(table, df, _real_known())
    assert report.passed, report.counts()
    assert share_violations(table, df).height == 0
    if table != "dependence":
        assert hhi_violations(table, df).height == 0
    if table == "dependence":
        # Every mineral traded in those years has rows (germanium's HS92 code ends in 2016).
        assert set(df["mineral"]) == set(real_marts["trade"]["mineral"])
    else:
        assert df["mineral"].n_unique() >= 30


def test_real_dependence_reconciles_with_trade(real_marts):
    groups = real_marts["groups"]
    bad = dep.reconcile_trade_totals(
        real_marts["dependence"],
        real_marts["trade"],
        alliance=groups["alliance"],
        eu27=groups["eu27"],
    )
    assert bad.height == 0, bad.head()


def test_real_china_production_shares_match_usgs(real_marts):
    c = real_marts["concentration"].filter(
        pl.col("measure") == "production", pl.col("year") == 2023
    )

    def china(mineral, stage):
        return one(c, mineral=mineral, stage=stage)["china_share"]

    # USGS MCS 2025 (2023 final): gallium 621 of 633 t (98 %), antimony 62,300 of 106,000 t
    # (59 %), rare earths 255,000 of 376,000 t REO (68 %), natural graphite 1.21 of 1.53 Mt (79 %).
    assert china("gallium", "refinery") == pytest.approx(621 / 633, abs=0.01)
    assert china("antimony", "mine") == pytest.approx(62_300 / 106_000, abs=0.01)
    assert china("rare-earths", "mine") == pytest.approx(255_000 / 376_000, abs=0.02)
    assert china("graphite", "mine") == pytest.approx(1_210_000 / 1_530_000, abs=0.01)


def test_real_japan_graphite_comes_from_china(real_marts):
    row = one(real_marts["dependence"], importer="JPN", mineral="graphite", stage="mine", year=2023)
    assert row["china_share"] > 0.8
    risk = one(real_marts["supply_risk"], importer="JPN", mineral="graphite", year=2023)
    assert 0 < risk["geopolrisk_score"] < 1 and not math.isnan(risk["geopolrisk_score"])
