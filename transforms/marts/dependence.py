"""Dependence mart: where each ally's imports of each mineral come from, and how import-reliant it is.

One row per importer × mineral × stage × year with trade (CEPII BACI, clean ``trade``), for three
kinds of importer:

* every alliance economy on its own (ISO3 code);
* ``EU27``, the EU as one bloc, whatever the alliance (the rule of :mod:`transforms.blocs`):
  imports of its members from outside the EU, exports of its members to outside the EU
  (intra-EU trade removed);
* ``ALLIANCE``, the alliance as one bloc, with intra-alliance trade removed the same way.

Stage follows the HS codes: mine = the mineral's ore and concentrate codes, refinery = its
refined codes (see data/reference/minerals.yaml).

Columns and formulas:

* ``imports_usd``/``imports_t``, ``exports_usd``/``exports_t``: sums of BACI value (current USD)
  and quantity (metric tons of the traded good, gross weight); a tonnage is null where BACI
  gives no quantity for any of the flows, and ``import_qty_coverage`` is the share of import
  value whose flows carry a quantity;
* ``china_share`` = imports from China / imports, on value; ``china_share_t`` the same on tonnes
  (flows with a quantity only);
* ``alliance_share`` = imports from alliance economies / imports, on value. For a member economy
  that is imports from the other allies; for ``EU27`` from the non-EU allies; for ``ALLIANCE``
  it is 0 by construction (intra-alliance trade is removed);
* ``top_supplier`` / ``top_supplier_share``: the largest exporter to the importer, on value
  (ties broken by code; may be an aggregate code such as SACU before 2000);
* net import reliance ``NIR = (imports_t − exports_t) / (production_t + imports_t − exports_t)``
  with ``production_t`` the importer's USGS production of the same mineral and stage and year
  (clean ``production``; for a bloc the sum over its members).

Net import reliance caveats, all explicit in columns rather than clamped away:

* ``basis_mismatch`` is True where the production basis (``production_unit_basis``: contained
  metal, oxide equivalent, ...) is not the gross weight BACI measures, which is almost always:
  tonnes of ore or compound are set against tonnes of metal content, so NIR is indicative only;
* ``production_status``: ``reported`` (every member listed by USGS has a number),
  ``not_listed`` (USGS publishes the table but lists no member: production taken as 0, though a
  small producer may hide in "Other countries"), ``withheld`` (a member's figure is W),
  ``not_numeric`` (NA or empty), ``no_table`` (USGS has no figures for the mineral, stage and
  year); NIR is null unless ``reported`` or ``not_listed``;
* NIR is negative for a net exporter (kept, ``nir_note = 'net_exporter'``) and null where
  apparent consumption ``production + imports − exports`` is not positive
  (``nir_note = 'apparent_consumption_not_positive'``), where a tonnage is missing
  (``no_tonnage``) or production is unknown (``production_unknown``).

Pure polars; who is who (``transforms.blocs.Economies``) and the importers' flows
(``transforms.blocs.importer_flows``) are arguments.
"""

from __future__ import annotations

import polars as pl

from transforms import blocs
from transforms.stable import exact_sum

BLOC_EU27 = blocs.BLOC_EU27
BLOC_ALLIANCE = blocs.BLOC_ALLIANCE
IMPORTER_KINDS = blocs.IMPORTER_KINDS
TRADE_BASIS = "gross_weight"
PRODUCTION_STATUSES = ("reported", "not_listed", "withheld", "not_numeric", "no_table")
NIR_NOTES = (
    "net_exporter",
    "apparent_consumption_not_positive",
    "no_tonnage",
    "production_unknown",
)
KEY = ["importer", "mineral", "stage", "year"]
FLOW_KEY = blocs.FLOW_KEY

OUTPUT_COLUMNS = [
    "importer",
    "importer_kind",
    "mineral",
    "stage",
    "year",
    "source",
    "imports_usd",
    "imports_t",
    "import_qty_coverage",
    "exports_usd",
    "exports_t",
    "china_share",
    "china_share_t",
    "alliance_share",
    "top_supplier",
    "top_supplier_share",
    "production_t",
    "production_status",
    "production_unit_basis",
    "production_source",
    "net_import_reliance",
    "nir_note",
    "basis_mismatch",
]


def dependence(
    flows: pl.DataFrame, production: pl.DataFrame, *, economies: blocs.Economies
) -> pl.DataFrame:
    """The dependence mart (see the module docstring), sorted by importer, mineral, stage, year.

    ``flows``: the importers' trade, ``transforms.blocs.importer_flows`` (the
    ``intermediate/importer_flows`` asset) for the same ``economies``.
    """
    imports = blocs.import_summary(
        blocs.by_partner(blocs.outside(flows, "import")), economies.china, economies.alliance
    ).drop("china_usd")
    exports = blocs.export_summary(blocs.by_partner(blocs.outside(flows, "export")))
    joined = imports.join(exports, on=["importer", *FLOW_KEY], how="full", coalesce=True)
    no_imports = pl.col("imports_usd").is_null()
    no_exports = pl.col("exports_usd").is_null()
    # No flow in BACI is a true zero: BACI lists every reported flow.
    joined = joined.with_columns(
        pl.when(no_imports).then(0.0).otherwise(pl.col("imports_t")).alias("imports_t"),
        pl.when(no_exports).then(0.0).otherwise(pl.col("exports_t")).alias("exports_t"),
        pl.col("imports_usd").fill_null(0.0),
        pl.col("exports_usd").fill_null(0.0),
    )
    out = (
        joined.join(blocs.importer_kinds(flows), on="importer", how="left")
        .join(
            blocs.bloc_production(production, economies.entities()),
            on=["importer", *FLOW_KEY],
            how="left",
        )
        .with_columns(
            pl.col("production_status").fill_null("no_table"),
            pl.lit(blocs.trade_source(flows)).alias("source"),
        )
    )
    net = pl.col("imports_t") - pl.col("exports_t")
    apparent = pl.col("production_t") + net
    production_known = pl.col("production_t").is_not_null()
    tonnage_known = pl.col("imports_t").is_not_null() & pl.col("exports_t").is_not_null()
    nir = pl.when(production_known & tonnage_known & (apparent > 0)).then(net / apparent)
    note = (
        pl.when(~production_known)
        .then(pl.lit("production_unknown"))
        .when(~tonnage_known)
        .then(pl.lit("no_tonnage"))
        .when(apparent <= 0)
        .then(pl.lit("apparent_consumption_not_positive"))
        .when(net < 0)
        .then(pl.lit("net_exporter"))
    )
    mismatch = pl.when(pl.col("production_unit_basis").is_not_null()).then(
        pl.col("production_unit_basis") != TRADE_BASIS
    )
    return (
        out.with_columns(
            nir.alias("net_import_reliance"),
            note.alias("nir_note"),
            mismatch.alias("basis_mismatch"),
        )
        .with_columns(pl.col("year").cast(pl.Int16))
        .select(OUTPUT_COLUMNS)
        .sort(KEY)
    )


def reconcile_trade_totals(
    dependence_df: pl.DataFrame,
    trade: pl.DataFrame,
    *,
    economies: blocs.Economies,
    rel_tolerance: float = 1e-9,
) -> pl.DataFrame:
    """Rows where the mart's import or export value differs from a direct sum of the trade table.

    The expected totals are recomputed here with plain filters (importer in the group, exporter
    outside it), independently of :func:`transforms.blocs.entity_flows` (only the membership of each
    importer comes from :func:`transforms.blocs.importer_entities`); the mart must also have a row for every
    importer × mineral × stage × year with trade. Returns the offending rows (empty = reconciled)
    with columns importer, mineral, stage, year, direction, mart_usd, trade_usd.
    """
    entities = economies.entities()
    groups = entities.group_by("importer").agg(pl.col("member")).iter_rows()
    expected = []
    for name, members in groups:
        for direction, own, other in (
            ("imports", "importer_code", "exporter_code"),
            ("exports", "exporter_code", "importer_code"),
        ):
            sums = (
                trade.filter(pl.col(own).is_in(members) & ~pl.col(other).is_in(members))
                .group_by(FLOW_KEY)
                .agg(exact_sum(pl.col("value_usd")).alias("trade_usd"))
                .with_columns(pl.lit(name).alias("importer"), pl.lit(direction).alias("direction"))
            )
            expected.append(sums)
    key = ["importer", *FLOW_KEY, "direction"]
    expected_df = (
        pl.concat(expected).select(*key, "trade_usd").with_columns(pl.col("year").cast(pl.Int16))
    )
    mart = dependence_df.select(
        "importer", "mineral", "stage", pl.col("year").cast(pl.Int16), "imports_usd", "exports_usd"
    ).unpivot(
        index=["importer", *FLOW_KEY],
        on=["imports_usd", "exports_usd"],
        variable_name="direction",
        value_name="mart_usd",
    )
    mart = mart.with_columns(pl.col("direction").str.replace("_usd", ""))
    both = mart.join(expected_df, on=key, how="full", coalesce=True).with_columns(
        pl.col("mart_usd").fill_null(0.0), pl.col("trade_usd").fill_null(0.0)
    )
    diff = (pl.col("mart_usd") - pl.col("trade_usd")).abs()
    scale = pl.max_horizontal(pl.col("mart_usd").abs(), pl.col("trade_usd").abs(), pl.lit(1.0))
    return both.filter(diff > rel_tolerance * scale).select(*key, "mart_usd", "trade_usd").sort(key)
