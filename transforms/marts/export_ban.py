"""Export-ban scenario: China (``china``) stops exporting a mineral to the allies.

For each ally, the EU27 as a bloc and the alliance as a bloc (the importers of
:mod:`transforms.blocs`; the blocs' internal trade removed), in the latest trade year, per mineral
and stage:

- imports lost = imports from China (t, US$), as a share of imports and of supply, where
  supply = domestic production + imports, and in months of imports (share of imports x 12);
- whether the trade codes carry China's exports of the good (``trade_coverage``,
  ``finding_ok``, ``not_computable_reason``: no code, codes that miss the stage China holds
  (the dependence marts' rule, :mod:`transforms.marts.coverage`), or imports from China below
  the thresholds of parameters.yaml, in which case the loss is no finding);
- remaining supply = domestic production + imports from everyone but China;
- current use = apparent consumption = production + imports - exports;
- months of cover = remaining supply / (use / 12). Twelve or more means the remaining annual
  supply covers a year's use. Null where production is not published for the stage (use
  unknown) or use is not positive (net exporter).
- ``months_of_cover_trade_only`` leaves production out: non-China imports / (net imports /
  12). It is the only cover figure for stages without a production table (refined rare
  earths, refined cobalt), and a lower bound of the full one where non-China imports do not
  exceed net imports.

Only direct effects are counted: no re-routing through third countries and no loss of allies'
re-exports of Chinese material. Under that arithmetic the variant "China stops exporting to
one ally only" gives exactly that ally's row. Trade tonnage is the gross weight of the traded
goods and production is usually metal or oxide content: ``basis_mismatch`` flags the rows
where the two are added (see the mineral registry for each basis). Tonnes sum the flows that
carry a quantity; where none does the tonnage counts 0 here (the mart's tonnage columns are
required), and ``imports_usd`` still shows the trade.
"""

from __future__ import annotations

import polars as pl

from transforms import blocs
from transforms.marts.coverage import finding_ok
from transforms.marts.scenarios import (
    DEFAULT_THRESHOLDS,
    SCENARIO_SOURCE,
    Thresholds,
    importer_key,
    latest_trade_year,
    not_computable,
    safe_div,
    scenario_coverage,
    trade_totals,
)
from transforms.stable import exact_sum

_NOTE_NO_PRODUCTION = "production not published for this stage: use and months_of_cover unknown"
_NOTE_NET_EXPORTER = "use (production + imports - exports) is not positive: net exporter"


def production_by_entity(
    production: pl.DataFrame, entities: pl.DataFrame, year: int
) -> pl.DataFrame:
    """Domestic production per importer x mineral x stage, in the latest year <= ``year``.

    The year is chosen per mineral and stage (the latest with any published figure), so every
    importer is measured in the same year. Economies a table does not list produce nothing
    (USGS folds small producers into "Other countries"). Withheld figures (null production
    with a flag such as W) make ``production_withheld`` true: the sum is then a lower bound.
    Columns importer, mineral, stage, production_year, production_t, production_withheld,
    production_basis.
    """
    econ = production.filter(pl.col("country_kind") == "economy", pl.col("year") <= year)
    chosen = (
        econ.filter(pl.col("production_t").is_not_null())
        .group_by("mineral", "stage")
        .agg(pl.col("year").max().alias("production_year"))
    )
    rows = econ.join(
        chosen,
        left_on=["mineral", "stage", "year"],
        right_on=["mineral", "stage", "production_year"],
    )
    basis = rows.group_by("mineral", "stage").agg(
        pl.col("unit_basis").unique().sort().str.join(",").alias("production_basis")
    )
    summed = (
        blocs.by_member(rows, entities, "country_code")
        .group_by("importer", "mineral", "stage")
        .agg(
            exact_sum(pl.col("production_t")).alias("production_t"),
            pl.col("production_t").is_null().any().alias("production_withheld"),
        )
    )
    grid = entities.select("importer").unique().join(chosen, how="cross")
    return (
        grid.join(summed, on=["importer", "mineral", "stage"], how="left")
        .join(basis, on=["mineral", "stage"], how="left")
        .with_columns(
            pl.col("production_t").fill_null(0.0),
            pl.col("production_withheld").fill_null(False),
            pl.col("production_year").cast(pl.Int16),
        )
    )


def scenario_export_ban(
    flows: pl.DataFrame,
    production: pl.DataFrame,
    *,
    economies: blocs.Economies,
    year: int | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    coverage: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """China stops exporting to the allies: imports lost, supply left, months of cover.

    One row per importer (each ally, EU27, ALLIANCE) x mineral x stage with any extra-bloc
    trade in ``year`` (default: the latest trade year); ``flows`` is
    ``blocs.importer_flows`` for ``economies``. See the module docstring for the
    formulas; ``exposure_rank`` ranks each importer's minerals by the share of supply lost
    (or of imports, where production is unknown), 1 = most exposed. ``coverage`` is
    :func:`scenarios.trade_coverage` (by default :func:`scenarios.scenario_coverage` of
    ``production``: the dependence marts' finding rule).
    """
    year = latest_trade_year(flows) if year is None else year
    coverage = scenario_coverage(production, economies) if coverage is None else coverage
    entities = economies.entities()
    totals = trade_totals(flows, economies.china, year).filter(
        (pl.col("imports_usd") > 0) | (pl.col("exports_usd") > 0)
    )
    prod = production_by_entity(production, entities, year)
    no_china = pl.col("imports_from_china_usd").fill_null(0.0) <= 0
    totals = (
        totals.join(coverage, on="mineral", how="left")
        .with_columns(
            finding_ok().alias("finding_ok"),
            not_computable("imports_from_china_t", "imports_from_china_usd", thresholds).alias(
                "not_computable_reason"
            ),
        )
        # Nothing imported from China is a finding (nothing to lose), unless the codes miss
        # the stage China holds and so may miss what China ships.
        .with_columns(
            pl.when(no_china & pl.col("finding_ok"))
            .then(None)
            .otherwise(pl.col("not_computable_reason"))
            .alias("not_computable_reason")
        )
    )
    df = totals.join(prod, on=["importer", "mineral", "stage"], how="left").with_columns(
        pl.col("production_year").is_not_null().alias("production_known"),
        pl.col("production_withheld").fill_null(False),
    )
    prod_t = pl.when(pl.col("production_known")).then(pl.col("production_t"))
    df = df.with_columns(
        prod_t.alias("production_t"),
        (pl.col("imports_t") - pl.col("imports_from_china_t")).alias("non_china_imports_t"),
        (pl.col("imports_t") - pl.col("exports_t")).alias("net_imports_t"),
    ).with_columns(
        (pl.col("production_t") + pl.col("imports_t")).alias("supply_t"),
        (pl.col("production_t") + pl.col("non_china_imports_t")).alias("remaining_supply_t"),
        (pl.col("production_t") + pl.col("net_imports_t")).alias("_use"),
    )
    use = pl.when(pl.col("_use") > 0).then(pl.col("_use"))
    df = df.with_columns(
        use.alias("use_t"),
        safe_div(pl.col("imports_from_china_t"), pl.col("imports_t")).alias(
            "lost_share_of_imports"
        ),
        safe_div(pl.col("imports_from_china_usd"), pl.col("imports_usd")).alias(
            "lost_share_of_imports_usd"
        ),
        safe_div(pl.col("imports_from_china_t"), pl.col("supply_t")).alias("lost_share_of_supply"),
        (safe_div(pl.col("imports_from_china_t"), pl.col("imports_t")) * 12).alias(
            "lost_months_of_imports"
        ),
    ).with_columns(
        safe_div(pl.col("remaining_supply_t"), pl.col("use_t") / 12).alias("months_of_cover"),
        safe_div(pl.col("non_china_imports_t"), pl.col("net_imports_t") / 12).alias(
            "months_of_cover_trade_only"
        ),
        pl.max_horizontal(pl.col("use_t") - pl.col("remaining_supply_t"), pl.lit(0.0)).alias(
            "shortfall_t"
        ),
        (
            pl.col("production_known")
            & (pl.col("production_t") > 0)
            & (pl.col("production_basis") != "gross_weight")
        ).alias("basis_mismatch"),
        pl.when(~pl.col("production_known"))
        .then(pl.lit(_NOTE_NO_PRODUCTION))
        .when(pl.col("use_t").is_null())
        .then(pl.lit(_NOTE_NET_EXPORTER))
        .alias("cover_note"),
        pl.coalesce("lost_share_of_supply", "lost_share_of_imports").alias("exposure_share"),
        pl.when(pl.col("lost_share_of_supply").is_not_null())
        .then(pl.lit("supply"))
        .when(pl.col("lost_share_of_imports").is_not_null())
        .then(pl.lit("imports"))
        .alias("exposure_basis"),
    )
    df = df.with_columns(
        # A loss the trade data cannot support is not ranked among the exposures.
        pl.when(pl.col("not_computable_reason").is_null())
        .then(pl.col("exposure_share"))
        .rank(method="min", descending=True)
        .over("importer")
        .cast(pl.Int32)
        .alias("exposure_rank")
    )
    return df.select(
        *importer_key(),
        "imports_t",
        "imports_usd",
        "imports_from_china_t",
        "imports_from_china_usd",
        "non_china_imports_t",
        "exports_t",
        "net_imports_t",
        "production_year",
        "production_t",
        "production_basis",
        "production_withheld",
        "basis_mismatch",
        "supply_t",
        "lost_share_of_imports",
        "lost_share_of_imports_usd",
        "lost_share_of_supply",
        "lost_months_of_imports",
        "remaining_supply_t",
        "use_t",
        "months_of_cover",
        "months_of_cover_trade_only",
        "shortfall_t",
        "cover_note",
        "exposure_share",
        "exposure_basis",
        "exposure_rank",
        "trade_coverage",
        "finding_ok",
        "not_computable_reason",
        pl.lit(SCENARIO_SOURCE).alias("source"),
    ).sort("importer", "exposure_rank", "mineral", "stage", nulls_last=True)
