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

Trade coverage (every row): the forms the mineral's HS codes cover (``trade_coverage``, declared
in data/reference/trade_coverage.yaml) and China's latest share of world mine and refinery output
(``china_mine_share``, ``china_refinery_share``, the concentration mart's production shares).
``finding_ok`` is True only where the figure sees the stage that matters (the rule of
:mod:`transforms.marts.coverage`, which the scenario marts apply too):

* a refinery-stage row (processed forms) always does;
* a mine-stage row (ores) does where the mineral is used as mined (industrial minerals, coal), or
  where China's refinery share is known and no larger than its mine share (China's hold is in
  mining); otherwise its China share is no finding: ``coverage_note`` says why (China's hold is
  in refining, or its refining share is not in the data, or the processed forms are in the
  refinery-stage row) and what the codes miss.

Two summaries: :func:`china_import_shares`, one figure per importer × mineral × year (the
processed-form row where the codes have one, else the ore row; minerals without any code are
listed as not computable), and :func:`china_import_summary`, per importer and year the number of
minerals whose processed-form imports come more than half from China, by value and by tonnes.

Pure polars; who is who (``transforms.blocs.Economies``), the importers' flows
(``transforms.blocs.importer_flows``) and the trade coverage
(``transforms.reference.trade_coverage.trade_coverage_frame``) are arguments.
"""

from __future__ import annotations

import polars as pl

from transforms import blocs
from transforms.marts.coverage import mineral_coverage, no_code_note, with_findings
from transforms.reference.trade_coverage import NO_CODE
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
SHARES_KEY = ["importer", "mineral", "year"]
# Trade this small says nothing about dependence (a sample shipment is not a supply chain).
MIN_IMPORTS_USD = 1_000_000.0
# "China supplies most of it": more than half of the imports.
MAJORITY = 0.5
COVERAGE_COLUMNS = [
    "trade_coverage",
    "china_mine_share",
    "china_refinery_share",
    "finding_ok",
    "coverage_note",
]
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
    *COVERAGE_COLUMNS,
]


def dependence(
    flows: pl.DataFrame,
    production: pl.DataFrame,
    *,
    economies: blocs.Economies,
    coverage: pl.DataFrame,
) -> pl.DataFrame:
    """The dependence mart (see the module docstring), sorted by importer, mineral, stage, year.

    ``flows``: the importers' trade, ``transforms.blocs.importer_flows`` (the
    ``intermediate/importer_flows`` asset) for the same ``economies``; ``coverage``: the
    trade-coverage frame (mineral, trade_coverage, covers_processed, used_as_mined, not_covered).
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
    out = out.with_columns(
        nir.alias("net_import_reliance"),
        note.alias("nir_note"),
        mismatch.alias("basis_mismatch"),
    ).with_columns(pl.col("year").cast(pl.Int16))
    held = mineral_coverage(coverage, production, economies)
    return with_findings(out, held).select(OUTPUT_COLUMNS).sort(KEY)


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


SHARES_COLUMNS = [
    "importer",
    "importer_kind",
    "mineral",
    "year",
    "stage",
    "source",
    "imports_usd",
    "imports_t",
    "import_qty_coverage",
    "china_share",
    "china_share_t",
    "top_supplier",
    "top_supplier_share",
    "material_imports",
    *COVERAGE_COLUMNS,
]


def china_import_shares(dependence_df: pl.DataFrame, coverage: pl.DataFrame) -> pl.DataFrame:
    """One figure per importer × mineral × year: China's share of imports by value and by tonnes.

    The figure is the refinery-stage row (processed forms) where the mineral's codes have one,
    else its mine-stage row, with that row's coverage columns; never a sum over stages, whose
    goods differ in scale. Minerals with no trade code get a row per importer and year with null
    figures and ``finding_ok`` False. ``material_imports``: imports of at least MIN_IMPORTS_USD (below
    that a share says nothing about dependence).
    """
    ranked = dependence_df.with_columns(
        pl.when(pl.col("stage") == "refinery").then(0).otherwise(1).alias("_rank")
    )
    chosen = (
        ranked.sort("_rank")
        .group_by(SHARES_KEY, maintain_order=True)
        .first()
        .with_columns((pl.col("imports_usd") >= MIN_IMPORTS_USD).alias("material_imports"))
    )
    no_code = coverage.filter(pl.col("trade_coverage") == NO_CODE).select(
        "mineral",
        pl.lit(False).alias("finding_ok"),
        no_code_note().alias("coverage_note"),
        "trade_coverage",
    )
    grid = dependence_df.select("importer", "importer_kind", "year", "source").unique()
    missing = grid.join(no_code, how="cross").with_columns(
        pl.lit(None, pl.Utf8).alias("stage"),
        pl.lit(None, pl.Utf8).alias("top_supplier"),
        pl.lit(False).alias("material_imports"),
        *(
            pl.lit(None, pl.Float64).alias(c)
            for c in (
                "imports_usd",
                "imports_t",
                "import_qty_coverage",
                "china_share",
                "china_share_t",
                "top_supplier_share",
                "china_mine_share",
                "china_refinery_share",
            )
        ),
    )
    return (
        pl.concat(
            [chosen.select(SHARES_COLUMNS), missing.select(SHARES_COLUMNS)], how="vertical_relaxed"
        )
        .with_columns(pl.col("year").cast(pl.Int16))
        .sort(SHARES_KEY)
    )


def china_import_summary(shares: pl.DataFrame) -> pl.DataFrame:
    """Per importer and year: of the minerals whose processed forms it imports (at least
    MIN_IMPORTS_USD, refinery-stage figures of :func:`china_import_shares`), how many come more
    than half from China by value and by tonnes, which ones (by value), and how many minerals'
    figures are no finding (``finding_ok`` False: ores only where China holds refining, or no
    trade code)."""
    processed = (pl.col("stage") == "refinery") & pl.col("material_imports") & pl.col("finding_ok")
    by_value = processed & (pl.col("china_share") > MAJORITY)
    by_tonnes = processed & (pl.col("china_share_t") > MAJORITY)
    return (
        shares.group_by("importer", "importer_kind", "year", "source")
        .agg(
            processed.sum().cast(pl.Int32).alias("minerals_processed"),
            by_value.sum().cast(pl.Int32).alias("china_majority_value"),
            by_tonnes.fill_null(False).sum().cast(pl.Int32).alias("china_majority_tonnes"),
            pl.col("mineral")
            .filter(by_value)
            .sort()
            .str.join(", ")
            .alias("china_majority_minerals"),
            (~pl.col("finding_ok")).sum().cast(pl.Int32).alias("minerals_not_covered"),
        )
        .with_columns(pl.col("year").cast(pl.Int16))
        .sort("importer", "year")
    )
