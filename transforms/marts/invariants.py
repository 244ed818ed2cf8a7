"""The invariants the marts' blocking asset checks test beyond their pandera schemas.

Shares are fractions in [0, 1] and shares of one whole sum to at most 1; HHIs lie within their
bounds; scenario tonnages are never negative. The schemas themselves come from the registry
(:mod:`transforms.metadata`); float sums may exceed a bound by rounding noise only, hence the
tolerances (``transforms.metadata.fields.FLOAT_TOLERANCE``).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from transforms.metadata import TABLES, tables_in
from transforms.metadata import validate as validate_mart
from transforms.metadata.fields import (
    BLOCS,
    FLOAT_TOLERANCE,
    HHI_MAX,
    HHI_WGI_MAX,
    SHARE_CHECK,
    SHARE_MAX,
    T,
)

__all__ = [
    "hhi_violations",
    "known_with_importers",
    "negative_tonnes",
    "share_violations",
    "validate_mart",
]

# Shares that sum to a whole (China + alliance + rest) may exceed 1 by float rounding only.
SHARE_SUM_TOLERANCE = 1e-6
def known_with_importers(known: Mapping[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """The clean layer's reference sets plus ``importer`` (economies and the two blocs)."""
    return {**known, "importer": frozenset(known["economy"]) | frozenset(BLOCS)}


# Share columns per mart (every column the registry bounds to [0, 1]), and the groups of
# shares that partition a whole.
SHARE_COLUMNS: dict[str, tuple[str, ...]] = {
    table: tuple(c for c, f in TABLES[table].columns.items() if SHARE_CHECK[0] in f.checks)
    for table in (
        "concentration",
        "dependence",
        "supply_risk",
        "concentration_history",
        "concentration_outlook",
        "concentration_by_element",
    )
}
SHARE_SUMS: dict[str, tuple[tuple[str, ...], ...]] = {
    # china + alliance + rest is the whole: checked below against parts_total / total, which
    # exceeds 1 where the publisher's rounded world total is below its listed parts.
    "concentration": (),
    # China is never an ally, so the two shares of imports are disjoint parts.
    "dependence": (("china_share", "alliance_share"),),
    "supply_risk": (),
    # Shares of a rounded world total may together exceed 1 (see concentration.py).
    "concentration_history": (),
    "concentration_outlook": (),
    "concentration_by_element": (("china_share", "alliance_share"),),
}


def share_violations(table: str, df: pl.DataFrame) -> pl.DataFrame:
    """Rows with a share outside [0, 1] or shares of one whole summing above 1 (+ rounding).

    Returns the offending rows' primary key and a ``violation`` text; empty when all pass.
    Concentration also needs ``top1_share <= top3_share`` and shares summing to 1 where there
    are figures.
    """
    key = list(TABLES[table].primary_key)
    problems = []
    for col in SHARE_COLUMNS[table]:
        bad = pl.col(col).is_not_null() & ((pl.col(col) < 0) | (pl.col(col) > SHARE_MAX))
        problems.append(
            df.filter(bad).select(*key, pl.lit(f"{col} outside [0, 1]").alias("violation"))
        )
    for cols in SHARE_SUMS[table]:
        total = pl.sum_horizontal(*cols)
        bad = pl.all_horizontal(*(pl.col(c).is_not_null() for c in cols)) & (
            total > 1 + SHARE_SUM_TOLERANCE
        )
        problems.append(
            df.filter(bad).select(*key, pl.lit(f"{' + '.join(cols)} > 1").alias("violation"))
        )
    if table == "concentration":
        whole = pl.col("china_share") + pl.col("alliance_share") + pl.col("rest_share")
        expected = pl.max_horizontal(pl.lit(1.0), pl.col("parts_total") / pl.col("total"))
        problems.append(
            df.filter(
                pl.col("china_share").is_not_null()
                & ((whole - expected).abs() > SHARE_SUM_TOLERANCE)
            ).select(*key, pl.lit("china + alliance + rest != max(1, parts/total)").alias("violation"))
        )
        problems.append(
            df.filter(pl.col("top1_share") > pl.col("top3_share") + SHARE_SUM_TOLERANCE).select(
                *key, pl.lit("top1_share > top3_share").alias("violation")
            )
        )
    return pl.concat(problems, how="vertical")


def hhi_violations(table: str, df: pl.DataFrame) -> pl.DataFrame:
    """Rows whose HHI is out of bounds: concentration 0-10,000 (pooling the alliance can only
    raise it), supply risk 0-1 for the production HHI and 0-10 for the WGI-weighted ones."""
    key = list(TABLES[table].primary_key)
    bounds = {
        "concentration": {"hhi": HHI_MAX, "alliance_pooled_hhi": HHI_MAX},
        "supply_risk": {
            "hhi_production": SHARE_MAX,
            "hhi_wgi_global": HHI_WGI_MAX,
            "hhi_wgi_sourcing": HHI_WGI_MAX,
        },
    }[table]
    problems = []
    for col, hi in bounds.items():
        bad = pl.col(col).is_not_null() & ((pl.col(col) < 0) | (pl.col(col) > hi))
        problems.append(
            df.filter(bad).select(*key, pl.lit(f"{col} outside [0, {hi:g}]").alias("violation"))
        )
    if table == "concentration":
        below = (
            pl.col("alliance_pooled_hhi") < pl.col("hhi") * (1 - FLOAT_TOLERANCE) - FLOAT_TOLERANCE
        )
        problems.append(
            df.filter(below).select(*key, pl.lit("alliance_pooled_hhi < hhi").alias("violation"))
        )
    return pl.concat(problems, how="vertical")


# A trade balance: negative means net exporter, so it is not a tonnage that must stay >= 0.
_SIGNED = {"net_imports_t"}
#: Columns in tonnes that a scenario must never make negative (the blocking tonnage check).
TONNE_COLUMNS: dict[str, tuple[str, ...]] = {
    name: tuple(c for c, f in meta.columns.items() if f.unit == T and c not in _SIGNED)
    for name, meta in tables_in("marts").items()
    if name.startswith("scenario_")
}


def negative_tonnes(table: str, df: pl.DataFrame) -> pl.DataFrame:
    """Rows of a scenario mart with a negative value in any tonnage column (should be none)."""
    columns = [c for c in TONNE_COLUMNS.get(table, ()) if c in df.columns]
    if not columns:
        return df.clear()
    return df.filter(pl.any_horizontal([pl.col(c) < 0 for c in columns]))
