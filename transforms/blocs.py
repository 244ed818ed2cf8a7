"""Economies, blocs and flows: who counts as an importer, and which trade is an importer's trade.

The one place that knows bloc membership; the dependence, supply-risk and scenario marts and the
site's import figures all take their importers and flows from here.

Importers (``importer_entities``):

* every alliance economy on its own (ISO3 code, ``importer_kind = 'economy'``);
* ``EU27``, the European Union as one bloc — **always**, whatever the alliance: the EU
  negotiates trade and legislates on critical raw materials as a bloc, so its exposure is
  reported even for an alliance that holds only some (or none) of its members;
* ``ALLIANCE``, the configured alliance as one bloc (EU members count in it only where the
  alliance names them; the default alliance takes in the whole EU27).

Flows (``entity_flows``): every trade flow an importer's member takes part in, as imports
(member imports) and exports (member exports), with ``intra`` true where the partner is a member
of the same importer (trade between two EU members, for ``EU27``). A bloc's trade *with
outsiders* is the rows with ``intra`` false; an economy has no intra rows. Quantities sum with
``null_sum``: the sum of flows none of which carry a quantity is null (unknown), not 0.

China (``Economies.china``) is mainland China, or with Hong Kong and Macao where the settings say
so; it may not overlap the alliance. ``Economies.from_groups`` resolves all three from the
curated groups (data/reference/groups.yaml); everything else is pure polars on frames and
member lists given as arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from transforms import reference
from transforms.stable import exact_sum

BLOC_EU27 = "EU27"
BLOC_ALLIANCE = "ALLIANCE"
BLOCS = (BLOC_EU27, BLOC_ALLIANCE)
IMPORTER_KINDS = ("economy", "bloc")
DIRECTIONS = ("import", "export")
# A stage label that sums the mine and refinery stages (the site's "all HS codes" figures).
STAGE_ALL = "all"
FLOW_KEY = ["mineral", "stage", "year"]
_ENTITY_SCHEMA = {"importer": pl.Utf8, "importer_kind": pl.Utf8, "member": pl.Utf8}


@dataclass(frozen=True)
class Economies:
    """Who is who: the alliance, the EU27 and China, as sorted ISO3 tuples."""

    alliance: tuple[str, ...]
    eu27: tuple[str, ...]
    china: tuple[str, ...]

    def __post_init__(self) -> None:
        for name in ("alliance", "eu27", "china"):
            object.__setattr__(self, name, tuple(sorted(set(getattr(self, name)))))
        overlap = sorted(set(self.china) & set(self.alliance))
        if overlap:
            raise ValueError(f"China and the alliance overlap ({', '.join(overlap)})")

    @classmethod
    def from_groups(
        cls, alliance: Sequence[str] | None = None, *, china_includes_sars: bool = False
    ) -> Economies:
        """Who is who from data/reference/groups.yaml: ``alliance`` as group names and/or ISO3
        codes (None: the default alliance), China with Hong Kong and Macao or without."""
        groups = reference.load_groups(alliance=alliance)
        china = groups["china_with_sars"] if china_includes_sars else groups["china"]
        return cls(
            alliance=tuple(groups["alliance"]), eu27=tuple(groups["eu27"]), china=tuple(china)
        )

    def entities(self, extra_economies: Sequence[str] = ()) -> pl.DataFrame:
        return importer_entities(self.alliance, self.eu27, extra_economies=extra_economies)


def importer_entities(
    alliance: Sequence[str], eu27: Sequence[str], *, extra_economies: Sequence[str] = ()
) -> pl.DataFrame:
    """Importer -> member economies: each ally alone, ``EU27`` (always) and ``ALLIANCE``.

    ``extra_economies`` adds economies outside the alliance as importers of their own (the
    reserve-budget scenario's economy). Columns importer, importer_kind (economy | bloc),
    member: one row per member, so a join on the member code maps a flow or a production
    figure to every importer it belongs to.
    """
    allies = sorted(set(alliance))
    rows = [(code, "economy", code) for code in sorted(set(allies) | set(extra_economies))]
    rows += [(BLOC_EU27, "bloc", code) for code in sorted(set(eu27))]
    rows += [(BLOC_ALLIANCE, "bloc", code) for code in allies]
    return pl.DataFrame(rows, schema=_ENTITY_SCHEMA, orient="row")


def null_sum(expr: pl.Expr) -> pl.Expr:
    """Sum that stays null when every value is null (an unknown quantity is not zero)."""
    return pl.when(expr.is_not_null().any()).then(exact_sum(expr))


def by_member(frame: pl.DataFrame, entities: pl.DataFrame, code: str) -> pl.DataFrame:
    """``frame``'s rows once per importer whose members include the row's ``code`` economy."""
    return frame.join(
        entities.select("importer", "member").unique(), left_on=code, right_on="member"
    )


def entity_flows(trade: pl.DataFrame, entities: pl.DataFrame) -> pl.DataFrame:
    """Each importer's trade by direction, partner and HS code, flagged intra-bloc or not.

    ``trade`` has year, exporter_code, importer_code, mineral, stage, value_usd, quantity_t and
    optionally hs6 and source/edition (kept as ``source``, the editions joined). Columns:
    importer, importer_kind, direction (import | export), mineral, stage, year, [hs6,] partner,
    intra, value_usd, quantity_t (null where no flow carries one), value_with_qty_usd (value of
    the flows that carry a quantity), source.
    """
    source = trade_source(trade)
    hs6 = ["hs6"] if "hs6" in trade.columns else []
    members = entities.lazy().select("importer", "member")
    intra = entities.lazy().select(
        "importer", pl.col("member").alias("partner"), pl.lit(True).alias("intra")
    )
    qty = pl.col("quantity_t")
    rows = trade.lazy().with_columns(
        pl.when(qty.is_not_null()).then(pl.col("value_usd")).otherwise(0.0).alias("_v_qty")
    )
    parts = [
        rows.join(members, left_on=own, right_on="member")
        .rename({other: "partner"})
        .select(
            "importer",
            pl.lit(direction).alias("direction"),
            *FLOW_KEY,
            *hs6,
            "partner",
            "value_usd",
            "quantity_t",
            "_v_qty",
        )
        for direction, own, other in (
            ("import", "importer_code", "exporter_code"),
            ("export", "exporter_code", "importer_code"),
        )
    ]
    # Plain sums and a count (fast aggregations), the null-aware quantity built afterwards.
    grouped = (
        pl.concat(parts)
        .group_by("importer", "direction", *FLOW_KEY, *hs6, "partner")
        .agg(
            exact_sum(pl.col("value_usd")),
            exact_sum(qty),
            qty.count().alias("_n_qty"),
            exact_sum(pl.col("_v_qty")).alias("value_with_qty_usd"),
        )
        .with_columns(pl.when(pl.col("_n_qty") > 0).then(qty).alias("quantity_t"))
    )
    kinds = entities.lazy().select("importer", "importer_kind").unique()
    return (
        grouped.join(intra, on=["importer", "partner"], how="left")
        .join(kinds, on="importer")
        .select(
            "importer",
            "importer_kind",
            "direction",
            *FLOW_KEY,
            *hs6,
            "partner",
            pl.col("intra").fill_null(False),
            "value_usd",
            "quantity_t",
            "value_with_qty_usd",
            pl.lit(source).alias("source"),
        )
        .with_columns(pl.col("year").cast(pl.Int16))
        .collect()
    )


def importer_flows(trade: pl.DataFrame, economies: Economies) -> pl.DataFrame:
    """``entity_flows`` for the importers of ``economies`` (each ally, EU27, ALLIANCE)."""
    return entity_flows(trade, economies.entities())


def trade_source(trade: pl.DataFrame) -> str:
    """The trade sources and editions of a frame, e.g. 'CEPII BACI HS92 V202401b'."""
    if "source" not in trade.columns or not trade.height:
        return ""
    if "edition" not in trade.columns:  # already joined (an entity_flows frame)
        return trade.select(pl.col("source").unique().sort().str.join(",")).item()
    joined = pl.col("source") + pl.lit(" ") + pl.col("edition")
    return trade.select(joined.unique().sort().str.join(",")).item()


def outside(flows: pl.DataFrame, direction: str) -> pl.DataFrame:
    """An importer's imports from (or exports to) partners outside it: intra-bloc trade dropped."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    return flows.filter((pl.col("direction") == direction) & ~pl.col("intra"))


def by_partner(flows: pl.DataFrame, *, all_stages: bool = False) -> pl.DataFrame:
    """Flows summed over HS codes per importer, mineral, stage, year and partner.

    With ``all_stages`` a stage ``'all'`` (mine + refinery) is added. Columns importer,
    mineral, stage, year, partner, value_usd, quantity_t, value_with_qty_usd.
    """
    if all_stages:
        flows = pl.concat(
            [flows, flows.with_columns(pl.lit(STAGE_ALL).alias("stage"))], how="vertical"
        )
    return flows.group_by("importer", *FLOW_KEY, "partner").agg(
        exact_sum(pl.col("value_usd")),
        null_sum(pl.col("quantity_t")).alias("quantity_t"),
        exact_sum(pl.col("value_with_qty_usd")),
    )


def import_summary(
    partner_flows: pl.DataFrame, china: Sequence[str], alliance: Sequence[str] = ()
) -> pl.DataFrame:
    """Imports of each importer per mineral, stage and year: totals, China's share, top supplier.

    ``partner_flows``: ``by_partner`` of ``outside(flows, 'import')``. Columns importer,
    mineral, stage, year, imports_usd, imports_t (null where no flow has a quantity),
    import_qty_coverage (share of value with a quantity), china_usd, china_share (value),
    china_share_t (tonnes, flows with a quantity), alliance_share (value), top_supplier (largest
    partner by value, ties broken by code), top_supplier_share. Shares are null where imports
    are 0.
    """
    value, qty, partner = pl.col("value_usd"), pl.col("quantity_t"), pl.col("partner")
    from_china = partner.is_in(list(china))
    summary = partner_flows.group_by("importer", *FLOW_KEY).agg(
        exact_sum(value).alias("imports_usd"),
        null_sum(qty).alias("imports_t"),
        exact_sum(pl.col("value_with_qty_usd")).alias("_value_with_qty"),
        exact_sum(value.filter(from_china)).alias("china_usd"),
        exact_sum(qty.filter(from_china)).alias("_china_t"),
        exact_sum(value.filter(partner.is_in(list(alliance)))).alias("_alliance_usd"),
        partner.sort_by([value, partner], descending=[True, False]).first().alias("top_supplier"),
        value.max().alias("_top_usd"),
    )
    by_value = pl.col("imports_usd") > 0

    def share(column: str) -> pl.Expr:
        return pl.when(by_value).then(pl.col(column) / pl.col("imports_usd"))

    return summary.select(
        "importer",
        *FLOW_KEY,
        "imports_usd",
        "imports_t",
        share("_value_with_qty").alias("import_qty_coverage"),
        "china_usd",
        share("china_usd").alias("china_share"),
        pl.when(pl.col("imports_t") > 0)
        .then(pl.col("_china_t") / pl.col("imports_t"))
        .alias("china_share_t"),
        share("_alliance_usd").alias("alliance_share"),
        pl.when(by_value).then(pl.col("top_supplier")).alias("top_supplier"),
        share("_top_usd").alias("top_supplier_share"),
    )


def export_summary(partner_flows: pl.DataFrame) -> pl.DataFrame:
    """Exports per importer, mineral, stage and year: exports_usd, exports_t (null-aware)."""
    return partner_flows.group_by("importer", *FLOW_KEY).agg(
        exact_sum(pl.col("value_usd")).alias("exports_usd"),
        null_sum(pl.col("quantity_t")).alias("exports_t"),
    )


def china_trade(flows: pl.DataFrame, china: Sequence[str]) -> pl.DataFrame:
    """Imports (all, from China) and exports with outsiders, per importer, mineral, stage, year.

    Tonnes sum the flows that carry a quantity (null only where none does). Columns importer,
    importer_kind, mineral, stage, year, imports_t, imports_usd, imports_from_china_t,
    imports_from_china_usd, exports_t, exports_usd.
    """
    extra = flows.filter(~pl.col("intra"))
    is_import = pl.col("direction") == "import"
    from_china = is_import & pl.col("partner").is_in(list(china))
    t, usd = pl.col("quantity_t"), pl.col("value_usd")
    return extra.group_by("importer", "importer_kind", *FLOW_KEY).agg(
        null_sum(t.filter(is_import)).alias("imports_t"),
        exact_sum(usd.filter(is_import)).alias("imports_usd"),
        null_sum(t.filter(from_china)).alias("imports_from_china_t"),
        exact_sum(usd.filter(from_china)).alias("imports_from_china_usd"),
        null_sum(t.filter(~is_import)).alias("exports_t"),
        exact_sum(usd.filter(~is_import)).alias("exports_usd"),
    )


def bloc_production(production: pl.DataFrame, entities: pl.DataFrame) -> pl.DataFrame:
    """USGS production of each importer (its members summed) per mineral, stage and year.

    One row per importer and every (mineral, stage, year) table USGS publishes; columns
    production_t, production_status (reported | not_listed | withheld | not_numeric),
    production_unit_basis, production_source. A member a table does not list produces 0
    (``not_listed`` when no member is listed); a withheld (W) or non-numeric member figure makes
    the sum unknown.
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
        by_member(economies, entities, "country_code")
        .group_by("importer", *FLOW_KEY)
        .agg(
            exact_sum(value).alias("_sum"),
            (value.is_null() & (pl.col("value_flag") == "W")).sum().alias("_withheld"),
            value.is_null().sum().alias("_null"),
        )
    )
    grid = entities.select("importer").unique().join(tables, how="cross")
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
        grid.join(listed, on=["importer", *FLOW_KEY], how="left")
        .with_columns(status.alias("production_status"))
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


def importer_kinds(flows: pl.DataFrame) -> pl.DataFrame:
    """importer -> importer_kind, as a flows frame records it."""
    return flows.select("importer", "importer_kind").unique()
