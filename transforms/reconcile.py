"""Cross-checks between figures: country sums vs published world totals, USGS vs World Mining Data,
the three-way source reconciliation (USGS / BGS / World Mining Data, IEA vs USGS, like with like),
and coverage of the country-name harmonisation.

Tolerances are named constants (owid/etl style). Known upstream discrepancies that exceed them
are not fixed in code: they are listed with a reason in ``data/reference/corrections.yaml``
(see :mod:`transforms.corrections`) and reported as accepted.
"""

from __future__ import annotations

import polars as pl

from transforms import reference
from transforms.corrections import mark_accepted
from transforms.metadata.precedence import BGS, IEA, USGS, WMD
from transforms.stable import exact_sum

# USGS rounds world totals to two or three significant figures ("World total (rounded)"), so a
# country sum within 5% of the total is agreement; MCS 2026's own check found 0.965-1.036.
WORLD_TOTAL_REL_TOLERANCE = 0.05
# USGS and World Mining Data estimate independently and sometimes on different bases
# (e.g. ore vs contained); beyond 25% apart for the same mineral, economy and year the
# disagreement is listed for an analyst to look at.
USGS_WMD_REL_TOLERANCE = 0.25
# Below this many tonnes a relative difference says nothing (0 vs 0.4 t is not a finding).
USGS_WMD_MIN_T = 1.0

def world_total_reconciliation(candidates: pl.DataFrame) -> pl.DataFrame:
    """Per mineral, stage, year and edition: sum of economies + 'other' vs the published world total.

    ``candidates`` are production rows of every edition (before the latest-edition pick), with
    ``country_kind``, ``country_code``, ``production_t``, ``value_flag``. Groups where any
    economy's figure is withheld (W) or not numeric cannot be summed exactly and are marked
    ``comparable = False``, but they are still checked one way: the known figures alone may not
    exceed the world total by more than the rounding tolerance (a withheld figure only adds), so
    a country sum twice the total fails whatever is withheld.
    """
    key = ["mineral", "stage", "year", "edition"]
    parts = candidates.filter(
        (pl.col("country_kind") == "economy") | (pl.col("country_code") == "OTHER")
    )
    sums = parts.group_by(key).agg(
        exact_sum(pl.col("production_t")).alias("sum_of_countries_t"),
        pl.len().alias("rows"),
        (pl.col("production_t").is_null() & pl.col("value_text").is_not_null()).sum().alias("non_numeric_rows"),
    )
    totals = (
        candidates.filter(pl.col("country_code") == "WORLD")
        .group_by(key)
        .agg(pl.col("production_t").first().alias("world_total_t"))
    )
    out = sums.join(totals, on=key, how="inner").with_columns(
        pl.when(pl.col("world_total_t") > 0)
        .then(pl.col("sum_of_countries_t") / pl.col("world_total_t"))
        .alias("ratio")
    )
    within = (pl.col("ratio") - 1).abs() <= WORLD_TOTAL_REL_TOLERANCE
    known_exceed = pl.col("ratio") > 1 + WORLD_TOTAL_REL_TOLERANCE
    out = out.with_columns(
        (pl.col("non_numeric_rows") == 0).alias("comparable"),
    ).with_columns(
        pl.when(within)
        .then(pl.lit("ok"))
        .when(pl.col("world_total_t").is_null() & (pl.col("sum_of_countries_t").fill_null(0) == 0))
        .then(pl.lit("no figures"))
        .when(~pl.col("comparable") & known_exceed.fill_null(False))
        .then(pl.lit("outside tolerance"))
        .when(~pl.col("comparable"))
        .then(pl.lit("not comparable (withheld or non-numeric figures)"))
        .when(pl.col("world_total_t").is_null() | (pl.col("world_total_t") == 0))
        .then(pl.lit("no world total"))
        .otherwise(pl.lit("outside tolerance"))
        .alias("status")
    )
    return mark_accepted(out, "world_total", key).sort(key)


def usgs_vs_wmd(production: pl.DataFrame, production_wmd: pl.DataFrame) -> pl.DataFrame:
    """USGS and World Mining Data production side by side for the same mineral, stage, economy, year.

    Returns every pair; ``disagrees`` marks those beyond :data:`USGS_WMD_REL_TOLERANCE`.
    Where World Mining Data has several commodities for one mineral and stage, the one closest
    to USGS is compared, so a mapping choice does not masquerade as a disagreement.
    """
    key = ["mineral", "stage", "country_code", "year"]
    # Only USGS's own rows: production also holds other sources' figures where USGS has none.
    usgs = production.filter(
        (pl.col("source") == USGS) & (pl.col("country_kind") == "economy") & pl.col("production_t").is_not_null()
    ).select(*key, pl.col("production_t").alias("usgs_t"), pl.col("unit_basis").alias("usgs_basis"), "edition")
    wmd = production_wmd.filter(pl.col("production_t").is_not_null()).select(
        *key, "wmd_commodity", pl.col("production_t").alias("wmd_t"), pl.col("unit_basis").alias("wmd_basis")
    )
    pairs = usgs.join(wmd, on=key, how="inner").with_columns(
        ((pl.col("wmd_t") - pl.col("usgs_t")) / pl.max_horizontal("usgs_t", "wmd_t")).alias("rel_diff")
    )
    pairs = pairs.sort(pl.col("rel_diff").abs()).unique(subset=key, keep="first")
    return pairs.with_columns(
        (
            (pl.col("rel_diff").abs() > USGS_WMD_REL_TOLERANCE)
            & (pl.max_horizontal("usgs_t", "wmd_t") >= USGS_WMD_MIN_T)
        ).alias("disagrees"),
        (pl.col("usgs_basis") != pl.col("wmd_basis")).alias("basis_differs"),
    ).sort(key)


# The three-way reconciliation (USGS / BGS / World Mining Data, and IEA vs USGS): tolerances
# on |b - a| / max(a, b), named per pair so that one pair can be tightened or loosened on its
# own evidence. National statistics reach each compiler by different routes and revisions, and
# small producers are rounded to one or two significant figures, so independent compilations
# of one figure commonly differ by a tenth or two; beyond a quarter apart (the tolerance the
# USGS / World Mining Data comparison already used) a pair is listed for an analyst.
USGS_BGS_REL_TOLERANCE = 0.25
BGS_WMD_REL_TOLERANCE = 0.25
IEA_USGS_REL_TOLERANCE = 0.25
PAIR_TOLERANCES: dict[tuple[str, str], float] = {
    (USGS, BGS): USGS_BGS_REL_TOLERANCE,
    (USGS, WMD): USGS_WMD_REL_TOLERANCE,
    (BGS, WMD): BGS_WMD_REL_TOLERANCE,
    (IEA, USGS): IEA_USGS_REL_TOLERANCE,
}
RECONCILIATION_KEY = ["mineral", "stage", "country_code", "year", "source_a", "source_b"]
# Accepted discrepancies (data/reference/corrections.yaml, check source_reconciliation) name a
# whole series: a documented upstream difference holds for every economy and year of it.
ACCEPT_KEY = ["mineral", "stage", "source_a", "source_b"]


def _figures(df: pl.DataFrame, source: str, code: str, value: str, product: str) -> pl.DataFrame:
    """One source's economy figures: mineral, stage, country_code, year, unit_basis, t, product."""
    return df.filter(pl.col(value).is_not_null()).select(
        "mineral",
        "stage",
        pl.col(code).alias("country_code"),
        "year",
        "unit_basis",
        pl.col(value).alias("t"),
        pl.col(product).cast(pl.Utf8).alias("product"),
        pl.lit(source).alias("source"),
    )


def source_figures(
    production: pl.DataFrame,
    production_history: pl.DataFrame,
    production_wmd: pl.DataFrame,
    production_iea: pl.DataFrame,
) -> dict[str, pl.DataFrame]:
    """Each source's own economy-level figures, from its clean table."""
    usgs = production.filter(pl.col("source") == USGS, pl.col("country_kind") == "economy")
    return {
        USGS: _figures(usgs, USGS, "country_code", "production_t", "usgs_type"),
        BGS: _figures(
            production_history.filter(pl.col("economy_kind") == "economy"), BGS, "economy", "quantity_t", "product"
        ),
        WMD: _figures(production_wmd, WMD, "country_code", "production_t", "wmd_commodity"),
        IEA: _figures(
            production_iea.filter(pl.col("economy_kind") == "economy"), IEA, "economy", "quantity_t", "product"
        ),
    }


def source_reconciliation(figures: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Every pair of :data:`PAIR_TOLERANCES` for the same mineral, stage, economy and year **on
    the same unit basis** (like with like: a gross-weight ore figure is never compared with a
    contained-metal one). Where a source has several products on that basis (World Mining Data's
    commodities, BGS's series), the one closest to the other source is compared, so a mapping
    choice does not masquerade as a disagreement; ``product_a``/``product_b`` say which.
    """
    frames = []
    for (a, b), tolerance in PAIR_TOLERANCES.items():
        left, right = figures.get(a), figures.get(b)
        if left is None or right is None:
            continue
        pairs = left.join(
            right, on=["mineral", "stage", "country_code", "year", "unit_basis"], how="inner", suffix="_b"
        ).select(
            "mineral",
            "stage",
            "country_code",
            "year",
            "unit_basis",
            pl.lit(a).alias("source_a"),
            pl.lit(b).alias("source_b"),
            pl.col("t").alias("a_t"),
            pl.col("t_b").alias("b_t"),
            pl.col("product").alias("product_a"),
            pl.col("product_b"),
            pl.lit(tolerance).alias("rel_tolerance"),
        )
        frames.append(pairs)
    if not frames:
        raise ValueError("no pair of sources to reconcile")
    rel = (pl.col("b_t") - pl.col("a_t")) / pl.max_horizontal("a_t", "b_t")
    out = (
        pl.concat(frames)
        .with_columns(rel.alias("rel_diff"))
        .sort([*RECONCILIATION_KEY, pl.col("rel_diff").abs().fill_nan(0.0), "product_a", "product_b"])
        .unique(subset=RECONCILIATION_KEY, keep="first", maintain_order=True)
        .with_columns(
            (
                (pl.col("rel_diff").abs().fill_nan(0.0) <= pl.col("rel_tolerance"))
                | (pl.max_horizontal("a_t", "b_t") < USGS_WMD_MIN_T)
            ).alias("within_tolerance")
        )
    )
    return mark_accepted(out, "source_reconciliation", ACCEPT_KEY).sort(RECONCILIATION_KEY)


def reconciliation_summary(df: pl.DataFrame) -> str:
    """The check in one line: pairs compared, within tolerance, beyond (accepted / not)."""
    beyond = df.filter(~pl.col("within_tolerance"))
    accepted = beyond.filter(pl.col("accepted_reason").is_not_null()).height
    by_pair = ", ".join(
        f"{a}/{b} {n}" for a, b, n in df.group_by("source_a", "source_b").len().sort("source_a", "source_b").iter_rows()
    )
    return (
        f"{df.height:,} pairs compared on the same unit basis ({by_pair}): "
        f"{df.height - beyond.height:,} within tolerance, {beyond.height:,} beyond "
        f"({accepted:,} accepted as documented upstream differences, {beyond.height - accepted:,} not)."
    )


def name_coverage(frames: dict[tuple[str, str], pl.DataFrame]) -> pl.DataFrame:
    """Every distinct country name or code per source, with the code it maps to (null if none).

    ``frames`` maps (source, column) to a frame holding that column.
    """
    rows = []
    for (source, column), df in frames.items():
        if df is None or df.width == 0 or column not in df.columns:
            continue
        names = df.select(pl.col(column).cast(pl.Utf8).alias("name")).unique().drop_nulls()
        mapped = reference.harmonise_countries(names, "name", source)
        rows.append(
            mapped.select(
                pl.lit(source).alias("source"), pl.lit(column).alias("column"), "name", "code", "kind"
            )
        )
    if not rows:
        return pl.DataFrame(schema={"source": pl.Utf8, "column": pl.Utf8, "name": pl.Utf8, "code": pl.Utf8, "kind": pl.Utf8})
    return pl.concat(rows).sort("source", "name", "column")  # ties by column: one order every run
