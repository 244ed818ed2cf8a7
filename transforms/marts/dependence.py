"""Dependence mart: where each ally's imports of each mineral come from, and how import-reliant it is.

One row per importer × mineral × stage × year with trade (CEPII BACI, clean ``trade``), for three
kinds of importer:

* every alliance economy on its own (ISO3 code);
* ``EU27``, the EU as one bloc: imports of its members from outside the EU, exports of its
  members to outside the EU (intra-EU trade removed);
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

Pure polars; member lists are arguments.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

BLOC_EU27 = "EU27"
BLOC_ALLIANCE = "ALLIANCE"
IMPORTER_KINDS = ("economy", "bloc")
TRADE_BASIS = "gross_weight"
PRODUCTION_STATUSES = ("reported", "not_listed", "withheld", "not_numeric", "no_table")
NIR_NOTES = (
    "net_exporter",
    "apparent_consumption_not_positive",
    "no_tonnage",
    "production_unknown",
)
KEY = ["importer", "mineral", "stage", "year"]
FLOW_KEY = ["mineral", "stage", "year"]

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


def importer_entities(alliance: Sequence[str], eu27: Sequence[str]) -> pl.DataFrame:
    """Importer -> member economies: each ally alone, the EU27 bloc and the alliance bloc.

    Columns: importer, importer_kind (economy | bloc), member.
    """
    alliance_l = sorted(set(alliance))
    rows = [(code, "economy", code) for code in alliance_l]
    rows += [(BLOC_EU27, "bloc", code) for code in sorted(set(eu27))]
    rows += [(BLOC_ALLIANCE, "bloc", code) for code in alliance_l]
    return pl.DataFrame(
        rows,
        schema={"importer": pl.Utf8, "importer_kind": pl.Utf8, "member": pl.Utf8},
        orient="row",
    )


def entity_flows(trade: pl.DataFrame, entities: pl.DataFrame, direction: str) -> pl.DataFrame:
    """Trade of each entity with partners outside it, by partner.

    ``direction`` 'imports' (entity members are importers) or 'exports'. Flows between two
    members of the same entity are removed. Columns: importer (the entity), mineral, stage, year,
    partner, value_usd, quantity_t (null when no flow has a quantity), value_with_qty_usd.
    """
    if direction == "imports":
        own, partner = "importer_code", "exporter_code"
    elif direction == "exports":
        own, partner = "exporter_code", "importer_code"
    else:
        raise ValueError(f"direction must be 'imports' or 'exports', got {direction!r}")
    members = entities.select("importer", "member")
    rows = trade.join(members, left_on=own, right_on="member", how="inner")
    rows = rows.join(members.rename({"member": partner}), on=["importer", partner], how="anti")
    qty = pl.col("quantity_t")
    return rows.group_by(["importer", *FLOW_KEY, pl.col(partner).alias("partner")]).agg(
        pl.col("value_usd").sum(),
        pl.when(qty.is_not_null().any()).then(qty.sum()).alias("quantity_t"),
        pl.col("value_usd").filter(qty.is_not_null()).sum().alias("value_with_qty_usd"),
    )


def _import_summary(flows: pl.DataFrame, china: list[str], alliance: list[str]) -> pl.DataFrame:
    value, qty, partner = pl.col("value_usd"), pl.col("quantity_t"), pl.col("partner")
    summary = flows.group_by(["importer", *FLOW_KEY]).agg(
        value.sum().alias("imports_usd"),
        pl.when(qty.is_not_null().any()).then(qty.sum()).alias("imports_t"),
        pl.col("value_with_qty_usd").sum().alias("_value_with_qty"),
        value.filter(partner.is_in(china)).sum().alias("_china_usd"),
        qty.filter(partner.is_in(china)).sum().alias("_china_t"),
        value.filter(partner.is_in(alliance)).sum().alias("_alliance_usd"),
        partner.sort_by([value, partner], descending=[True, False]).first().alias("top_supplier"),
        value.max().alias("_top_usd"),
    )
    by_value = pl.col("imports_usd") > 0
    return summary.select(
        "importer",
        *FLOW_KEY,
        "imports_usd",
        "imports_t",
        pl.when(by_value)
        .then(pl.col("_value_with_qty") / pl.col("imports_usd"))
        .alias("import_qty_coverage"),
        pl.when(by_value).then(pl.col("_china_usd") / pl.col("imports_usd")).alias("china_share"),
        pl.when(pl.col("imports_t") > 0)
        .then(pl.col("_china_t") / pl.col("imports_t"))
        .alias("china_share_t"),
        pl.when(by_value)
        .then(pl.col("_alliance_usd") / pl.col("imports_usd"))
        .alias("alliance_share"),
        pl.when(by_value).then(pl.col("top_supplier")).alias("top_supplier"),
        pl.when(by_value)
        .then(pl.col("_top_usd") / pl.col("imports_usd"))
        .alias("top_supplier_share"),
    )


def _export_summary(flows: pl.DataFrame) -> pl.DataFrame:
    qty = pl.col("quantity_t")
    return flows.group_by(["importer", *FLOW_KEY]).agg(
        pl.col("value_usd").sum().alias("exports_usd"),
        pl.when(qty.is_not_null().any()).then(qty.sum()).alias("exports_t"),
    )


def entity_production(production: pl.DataFrame, entities: pl.DataFrame) -> pl.DataFrame:
    """USGS production of each entity per mineral × stage × year, with its status.

    One row per entity and every (mineral, stage, year) table USGS publishes; columns
    production_t, production_status, production_unit_basis, production_source.
    """
    economies = production.filter(pl.col("country_kind") == "economy")
    tables = production.group_by(FLOW_KEY).agg(
        pl.col("unit_basis").unique().sort().str.join(",").alias("production_unit_basis"),
        # The group's source and its editions (none for BGS or World Mining Data).
        (pl.col("source").first() + " " + pl.col("edition").drop_nulls().unique().sort().cast(pl.Utf8).str.join(","))
        .str.strip_chars()
        .alias("production_source"),
    )
    value = pl.col("production_t")
    listed = (
        economies.join(
            entities.select("importer", "member"),
            left_on="country_code",
            right_on="member",
            how="inner",
        )
        .group_by(["importer", *FLOW_KEY])
        .agg(
            value.sum().alias("_sum"),
            (value.is_null() & (pl.col("value_flag") == "W")).sum().alias("_withheld"),
            value.is_null().sum().alias("_null"),
        )
    )
    grid = entities.select("importer").unique().join(tables, how="cross")
    out = grid.join(listed, on=["importer", *FLOW_KEY], how="left")
    status = (
        pl.when(pl.col("_withheld") > 0)
        .then(pl.lit("withheld"))
        .when(pl.col("_null") > 0)
        .then(pl.lit("not_numeric"))
        .when(pl.col("_sum").is_null())
        .then(pl.lit("not_listed"))
        .otherwise(pl.lit("reported"))
    )
    return (
        out.with_columns(status.alias("production_status"))
        .with_columns(
            pl.when(pl.col("production_status") == "reported")
            .then(pl.col("_sum"))
            .when(pl.col("production_status") == "not_listed")
            .then(pl.lit(0.0))
            .alias("production_t")
        )
        .select(
            "importer",
            *FLOW_KEY,
            "production_t",
            "production_status",
            "production_unit_basis",
            "production_source",
        )
    )


def dependence(
    trade: pl.DataFrame,
    production: pl.DataFrame,
    *,
    alliance: Sequence[str],
    eu27: Sequence[str],
    china: Sequence[str],
) -> pl.DataFrame:
    """The dependence mart (see the module docstring), sorted by importer, mineral, stage, year."""
    overlap = sorted(set(china) & set(alliance))
    if overlap:
        raise ValueError(f"China and the alliance overlap ({', '.join(overlap)})")
    entities = importer_entities(alliance, eu27)
    china_l, alliance_l = list(china), list(alliance)
    imports = _import_summary(entity_flows(trade, entities, "imports"), china_l, alliance_l)
    exports = _export_summary(entity_flows(trade, entities, "exports"))
    flows = imports.join(exports, on=["importer", *FLOW_KEY], how="full", coalesce=True)
    no_imports = pl.col("imports_usd").is_null()
    no_exports = pl.col("exports_usd").is_null()
    # No flow in BACI is a true zero: BACI lists every reported flow.
    flows = flows.with_columns(
        pl.when(no_imports).then(0.0).otherwise(pl.col("imports_t")).alias("imports_t"),
        pl.when(no_exports).then(0.0).otherwise(pl.col("exports_t")).alias("exports_t"),
        pl.col("imports_usd").fill_null(0.0),
        pl.col("exports_usd").fill_null(0.0),
    )
    source = (
        trade.select(
            (pl.col("source") + pl.lit(" ") + pl.col("edition")).unique().sort().str.join(",")
        ).item()
        if trade.height
        else ""
    )
    kinds = entities.select("importer", "importer_kind").unique()
    out = (
        flows.join(kinds, on="importer", how="left")
        .join(entity_production(production, entities), on=["importer", *FLOW_KEY], how="left")
        .with_columns(
            pl.col("production_status").fill_null("no_table"), pl.lit(source).alias("source")
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
    alliance: Sequence[str],
    eu27: Sequence[str],
    rel_tolerance: float = 1e-9,
) -> pl.DataFrame:
    """Rows where the mart's import or export value differs from a direct sum of the trade table.

    The expected totals are recomputed here with plain filters (importer in the group, exporter
    outside it), independently of :func:`entity_flows`; the mart must also have a row for every
    importer × mineral × stage × year with trade. Returns the offending rows (empty = reconciled)
    with columns importer, mineral, stage, year, direction, mart_usd, trade_usd.
    """
    groups = {code: [code] for code in sorted(set(alliance))}
    groups[BLOC_EU27] = sorted(set(eu27))
    groups[BLOC_ALLIANCE] = sorted(set(alliance))
    expected = []
    for name, members in groups.items():
        for direction, own, other in (
            ("imports", "importer_code", "exporter_code"),
            ("exports", "exporter_code", "importer_code"),
        ):
            sums = (
                trade.filter(pl.col(own).is_in(members) & ~pl.col(other).is_in(members))
                .group_by(FLOW_KEY)
                .agg(pl.col("value_usd").sum().alias("trade_usd"))
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
