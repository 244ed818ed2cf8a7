"""Supply-risk mart: GeoPolRisk and the EU CRM supply-risk indicator, on hand-made frames.

Expected values are worked out by hand in each test; frame builders are shared with
tests/test_marts_metrics.py.
"""

from __future__ import annotations

import polars as pl
import pytest

from tests._helpers import one
from tests.test_marts_metrics import CHINA, economies_of, trade_rows
from transforms import blocs
from transforms.marts import supply_risk as sr
from transforms.marts import supply_risk_departures as departures


def run_supply_risk(wmd, trade, governance, eol, *, alliance, eu27, china=CHINA):
    economies = economies_of(alliance, eu27, china)
    flows = blocs.importer_flows(trade, economies)
    return sr.supply_risk(wmd, flows, governance, eol, economies=economies)


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
    out = run_supply_risk(wmd, trade, gov, eol, alliance=["AUS", "JPN"], eu27=[])
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
    row = one(run_supply_risk(wmd, trade, gov, eol, alliance=["JPN"], eu27=[]), importer="JPN")
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
    out = run_supply_risk(wmd, trade, gov, eol, alliance=["JPN"], eu27=[])
    cobalt = one(out, importer="JPN", mineral="cobalt")
    assert (cobalt["production_stage"], cobalt["trade_stage"]) == ("mine", "refinery")
    # Gallium has no trade at all: imports unknown, so no score (not a score of 0).
    gallium = one(out, importer="JPN", mineral="gallium")
    assert gallium["trade_stage"] is None and gallium["geopolrisk_score"] is None
    assert gallium["hhi_production"] == pytest.approx(0.82)


def test_departures_from_the_reference_are_measured_both_ways():
    """Taiwan's own WGI score vs the library's 0.5, Guyana's second WGI row vs its first, the
    price over flows with a quantity vs all import value, tungsten ore + powders vs ore only."""
    wmd = pl.concat(
        [
            wmd_rows([("CHN", 50.0), ("COD", 50.0)]),  # HHI 0.5
            wmd_rows([("CHN", 80.0), ("GUY", 20.0)], mineral="tungsten"),  # HHI 0.68
        ]
    )
    trade = pl.concat(
        [
            # JPN: 4 t of cobalt from Taiwan (4,000 USD) and 500 USD without a quantity.
            trade_rows(
                [("TWN", "JPN", 4000, 4.0), ("CHN", "JPN", 500, None)],
                mineral="cobalt",
                stage="mine",
                year=2022,
            ),
            # JPN: tungsten ore 1 t from Guyana; tungsten powders 3 t from China.
            trade_rows([("GUY", "JPN", 100, 1.0)], mineral="tungsten", stage="mine", year=2022),
            trade_rows([("CHN", "JPN", 900, 3.0)], mineral="tungsten", stage="refinery", year=2022),
        ]
    )
    gov = governance_rows({"TWN": 0.2, "CHN": 0.6, "COD": 0.9, "GUY": 0.4, "JPN": 0.1})
    # The WGI table as published: Guyana twice, the first row (line 81) another territory's.
    published = pl.DataFrame(
        {
            "wb_code": ["GUY", "GUY"],
            "year": [2022, 2022],
            "normalized": [0.9, 0.4],
            "line": [81, 83],
        },
        schema_overrides={"year": pl.Int16},
    )
    eol = pl.DataFrame({"mineral": ["cobalt", "tungsten"], "eol_rir": [0.0, 0.0]})
    economies = economies_of(["JPN"], [], CHINA)
    flows = blocs.importer_flows(trade, economies)
    out = departures.supply_risk_departures(wmd, flows, gov, eol, published, economies=economies)
    by = {r["departure"]: r for r in out.iter_rows(named=True)}
    # Cobalt: ours 0.5 × 0.2 = 0.1 against 0.5 × 0.5 = 0.25 -> |0.1 / 0.25 - 1| = 0.6.
    taiwan = by["Taiwan's political stability"]
    assert (taiwan["example_ours"], taiwan["example_reference"]) == pytest.approx((0.1, 0.25))
    assert taiwan["max_change"] == pytest.approx(0.6) and taiwan["example_mineral"] == "cobalt"
    # Price: 4,000 USD / 4,000 kg = 1 USD/kg against 4,500 / 4,000 = 1.125 -> CF 1 / 1.125 - 1.
    price = by["Price of imports in the characterisation factor"]
    assert price["measure"] == "characterisation_factor"
    assert price["max_change"] == pytest.approx(1 - 1 / 1.125)
    # Tungsten, ore + powders: (1 × 0.4 + 3 × 0.6) / 4 = 0.55, × 0.68; ore only: 0.4 × 0.68.
    tungsten = by["Tungsten's HS codes"]
    assert tungsten["example_ours"] == pytest.approx(0.68 * 0.55)
    assert tungsten["example_reference"] == pytest.approx(0.68 * 0.4)
    # Guyana's first row (0.9 instead of 0.4) moves the tungsten score: 1 t of 4.
    guyana = by["Guyana's duplicated WGI row"]
    assert guyana["example_reference"] == pytest.approx(0.68 * (0.9 + 1.8) / 4)
    # Japan's tungsten row and the alliance bloc's (Japan alone) change; cobalt's do not.
    assert guyana["rows_changed"] == 2 and guyana["example_mineral"] == "tungsten"
