"""Dependence mart: import shares, blocs and net import reliance, on hand-made frames.

Expected values are worked out by hand in each test; frame builders are shared with
tests/test_marts_metrics.py.
"""

from __future__ import annotations

import polars as pl
import pytest

from tests._helpers import one
from tests.test_marts_metrics import (
    production_rows,
    reconcile,
    run_dependence,
    trade_rows,
)


def test_import_shares_of_one_ally():
    # JPN imports 100 USD: CHN 60 (6 t), KOR 30 (3 t), AUS 10 (no quantity).
    trade = trade_rows([("CHN", "JPN", 60, 6.0), ("KOR", "JPN", 30, 3.0), ("AUS", "JPN", 10, None)])
    out = run_dependence(
        trade,
        production_rows([], mineral="graphite", stage="mine"),
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
    out = run_dependence(trade, production_rows([], stage="mine"))
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
    row = one(run_dependence(trade, prod), importer="USA")
    assert row["production_status"] == "reported" and row["production_t"] == 10.0
    assert row["net_import_reliance"] == pytest.approx(1 / 3)
    assert row["basis_mismatch"] is True and row["nir_note"] is None


def test_net_exporter_keeps_a_negative_reliance():
    # Production 10, imports 2, exports 5: NIR = -3 / 7, flagged.
    trade = trade_rows([("CHN", "AUS", 20, 2.0), ("AUS", "CHN", 50, 5.0)])
    prod = production_rows(
        [("AUS", 10.0, None)], mineral="graphite", stage="mine", basis="gross_weight"
    )
    row = one(run_dependence(trade, prod), importer="AUS")
    assert row["net_import_reliance"] == pytest.approx(-3 / 7)
    assert row["nir_note"] == "net_exporter" and row["basis_mismatch"] is False


def test_reliance_is_null_when_apparent_consumption_is_not_positive():
    # JPN not listed by USGS (production 0), imports 1 t, exports 5 t: 0 + 1 - 5 < 0.
    trade = trade_rows([("CHN", "JPN", 10, 1.0), ("JPN", "CHN", 50, 5.0)])
    prod = production_rows([("CHN", 100.0, None)], mineral="graphite", stage="mine")
    row = one(run_dependence(trade, prod), importer="JPN")
    assert (row["production_status"], row["production_t"]) == ("not_listed", 0.0)
    assert row["net_import_reliance"] is None
    assert row["nir_note"] == "apparent_consumption_not_positive"


def test_withheld_production_makes_reliance_unknown():
    trade = trade_rows([("CHN", "USA", 10, 1.0)])
    prod = production_rows(
        [("USA", None, "W"), ("CHN", 100.0, None)], mineral="graphite", stage="mine"
    )
    out = run_dependence(trade, prod)
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
    out = run_dependence(trade, production_rows([]))
    assert reconcile(out, trade).height == 0
    tampered = out.with_columns(
        pl.when(pl.col("importer") == "EU27")
        .then(pl.col("imports_usd") + 1)
        .otherwise(pl.col("imports_usd"))
        .alias("imports_usd")
    )
    bad = reconcile(tampered, trade)
    assert bad.select("importer", "direction", "mart_usd", "trade_usd").rows() == [
        ("EU27", "imports", 41.0, 40.0)
    ]
    missing = out.filter(pl.col("importer") != "USA")
    assert reconcile(missing, trade)["importer"].to_list() == ["USA"]


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
    base = run_dependence(trade, prod)
    shuffled = run_dependence(trade.reverse(), prod.reverse())
    assert shuffled.equals(base)
    # A tie (CHN and KOR both 60 USD into JPN) goes to the first code.
    assert one(base, importer="JPN")["top_supplier"] == "CHN"
