"""Source precedence for the clean ``production`` table: one source's figures per (mineral,
stage, year), chosen by the declared order of :mod:`transforms.metadata.precedence`.

Mine production: USGS (latest edition), else BGS, else World Mining Data. Refining: USGS where
it publishes a table, else IEA (2023), else BGS. The choice is per (mineral, stage, year), never
per economy, so that one year's shares never mix two sources' estimates. Fallback figures fill
every year USGS does not cover: before 2021 that is BGS (1971-2023), then World Mining Data.

``edition`` says which release a figure is from: the MCS year for USGS, the workbook's year for
IEA (2024); BGS and World Mining Data name no edition in their downloads, so for them it is the
last year the download covers (its vintage).

Each fallback source becomes *candidates*: rows in the production table's columns plus
``source_product`` (what the figure is for), one per (mineral, stage, economy, year):

* IEA: the 2023 refinery block, economies plus "Rest of world" (OTHER) and "Total" (WORLD);
* BGS: the main series of each commodity (no sub-commodity), economies only, figures only;
  where two BGS commodities map to one mineral and stage (rare earth minerals and oxides), the
  contained basis is preferred, then oxide equivalent, then gross weight;
* World Mining Data: minerals and stages it publishes as a single commodity (a mineral it
  splits into parts, such as platinum and palladium, would need summing and is left out).

Pure functions on polars frames.
"""

from __future__ import annotations

import polars as pl

from transforms import reference
from transforms.cleaning.bgs import clean_production_history
from transforms.cleaning.iea import clean_iea_refinery
from transforms.metadata.precedence import IEA, PRECEDENCE, ranks

# Where a source maps two products to one key, the first basis listed here is kept.
BASIS_PREFERENCE = ("contained", "oxide_equivalent", "gross_weight")
CANDIDATE_SCHEMA: dict[str, pl.DataType] = {
    "mineral": pl.Utf8(),
    "stage": pl.Utf8(),
    "country_code": pl.Utf8(),
    "country_kind": pl.Utf8(),
    "year": pl.Int16(),
    "production_t": pl.Float64(),
    "unit_basis": pl.Utf8(),
    "is_estimate": pl.Boolean(),
    "source": pl.Utf8(),
    "edition": pl.Int16(),
    "source_file": pl.Utf8(),
    "source_line": pl.Int32(),
    "source_product": pl.Utf8(),
}
_KEY = ["mineral", "stage", "country_code", "year"]
_GROUP = ["mineral", "stage", "year"]


def _one_per_key(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per key, by :data:`BASIS_PREFERENCE` then product name (deterministic)."""
    order = pl.col("unit_basis").replace_strict(
        {b: i for i, b in enumerate(BASIS_PREFERENCE)}, default=len(BASIS_PREFERENCE), return_dtype=pl.Int8
    )
    return (
        rows.with_columns(order.alias("_basis_order"))
        .sort([*_KEY, "_basis_order", "source_product"])
        .unique(subset=_KEY, keep="first", maintain_order=True)
        .drop("_basis_order")
    )


def _from_production_like(rows: pl.DataFrame, **columns: pl.Expr) -> pl.DataFrame:
    """Candidates from a table in the IEA/BGS production-like columns (economy, quantity_t,
    file, product); ``columns`` give the candidate columns that differ by source."""
    return rows.select(
        "mineral",
        "stage",
        pl.col("economy").alias("country_code"),
        pl.col("economy_kind").alias("country_kind"),
        "year",
        pl.col("quantity_t").alias("production_t"),
        "unit_basis",
        pl.lit(False).alias("is_estimate"),
        columns["source"].alias("source"),
        columns["edition"].alias("edition"),
        pl.col("file").alias("source_file"),
        columns["line"].alias("source_line"),
        pl.col("product").alias("source_product"),
    ).cast(CANDIDATE_SCHEMA)


def iea_candidates(iea_supply: pl.DataFrame) -> pl.DataFrame:
    """IEA 2023 refinery rows from the snapshot's ``iea_supply`` (see module)."""
    return _from_production_like(
        clean_iea_refinery(iea_supply),
        source=pl.lit(IEA),
        # The workbook's edition is in its name (CM_Data_Explorer_May2024.xlsx).
        edition=pl.col("file").str.extract(r"(\d{4})", 1).cast(pl.Int16),
        line=pl.lit(None, pl.Int32),
    )


def bgs_candidates(history: pl.DataFrame) -> pl.DataFrame:
    """BGS main-series figures of current economies from clean ``production_history``."""
    rows = history.filter(
        pl.col("bgs_sub_commodity").is_null(),
        pl.col("economy_kind") == "economy",
        pl.col("quantity_t").is_not_null(),
    )
    return _one_per_key(
        _from_production_like(rows, source=pl.col("source"), edition=pl.col("year").max(), line=pl.col("line"))
    )


def wmd_candidates(production_wmd: pl.DataFrame) -> pl.DataFrame:
    """World Mining Data figures of minerals and stages it publishes as one commodity."""
    single = pl.col("wmd_commodity").n_unique().over("mineral", "stage") == 1
    rows = production_wmd.filter(single, pl.col("production_t").is_not_null())
    return rows.select(
        "mineral",
        "stage",
        "country_code",
        pl.lit("economy").alias("country_kind"),
        "year",
        "production_t",
        "unit_basis",
        "is_estimate",
        "source",
        pl.col("year").max().alias("edition"),
        "source_file",
        "source_line",
        pl.col("wmd_commodity").alias("source_product"),
    ).cast(CANDIDATE_SCHEMA)


def fallback_candidates(
    iea_supply: pl.DataFrame | None,
    bgs_production: pl.DataFrame | None,
    production_wmd: pl.DataFrame | None,
) -> list[pl.DataFrame]:
    """Candidates of every fallback source present (snapshot IEA and BGS, clean WMD)."""
    out = []
    if iea_supply is not None and iea_supply.height:
        out.append(iea_candidates(iea_supply))
    if bgs_production is not None and bgs_production.height:
        out.append(bgs_candidates(clean_production_history(bgs_production)))
    if production_wmd is not None and production_wmd.height:
        out.append(wmd_candidates(production_wmd))
    return out


def _precedence_frame() -> pl.DataFrame:
    """stage, source, rank, figure, and the 'nothing above me' text of each rank."""
    rows = []
    for choice in PRECEDENCE:
        above = [s for s, r in sorted(ranks(choice.stage).items(), key=lambda x: x[1]) if r < choice.rank]
        if above:
            verb = "publishes" if len(above) == 1 else "publish"
            lead = f"{' and '.join(above)} {verb} no {choice.stage} figure"
        else:
            lead = ""
        rows.append((choice.stage, choice.source, choice.rank, choice.figure, lead))
    return pl.DataFrame(
        rows,
        schema={"stage": pl.Utf8, "source": pl.Utf8, "precedence_rank": pl.Int16, "_figure": pl.Utf8, "_lead": pl.Utf8},
        orient="row",
    )


def apply_precedence(usgs: pl.DataFrame, fallbacks: list[pl.DataFrame]) -> pl.DataFrame:
    """USGS production plus, per (mineral, stage, year), the best-ranked source's figures.

    ``usgs`` is the latest-edition USGS frame (with ``source``); ``fallbacks`` are candidate
    frames (:func:`fallback_candidates`); they fill every year USGS publishes no figure for,
    back to BGS's 1971. Returns ``usgs``'s columns plus precedence_rank, chosen_because and
    sources_available.
    """
    others = [f for f in fallbacks if f.height]
    rows = pl.concat(
        [usgs.with_columns(pl.lit(None, pl.Utf8).alias("source_product")), *others],
        how="diagonal_relaxed",
    ).join(_precedence_frame(), on=["stage", "source"], how="inner")
    available = rows.group_by([*_GROUP, "source", "precedence_rank"]).agg().sort("precedence_rank")
    available = available.group_by(_GROUP).agg(
        pl.col("precedence_rank").min().alias("_chosen"),
        pl.col("source").str.join(", ").alias("sources_available"),
    )
    names = reference.minerals_frame().select(pl.col("slug").alias("mineral"), pl.col("name").alias("_name"))
    product = pl.when(pl.col("source_product").is_not_null()).then(pl.format(" ({})", "source_product")).otherwise(pl.lit(""))
    because = (
        pl.when(pl.col("precedence_rank") == 1)
        .then(pl.format("{}: first choice for {} ({})", "source", "stage", "_figure"))
        .otherwise(
            pl.format(
                "{} for {} in {}; {}: {}{}",
                "_lead",
                pl.coalesce("_name", "mineral"),
                "year",
                "source",
                "_figure",
                product,
            )
        )
    )
    chosen = (
        rows.join(available, on=_GROUP, how="left")
        .filter(pl.col("precedence_rank") == pl.col("_chosen"))
        .join(names, on="mineral", how="left")
        .with_columns(because.alias("chosen_because"))
    )
    return chosen.select(
        [c for c in usgs.columns] + ["precedence_rank", "chosen_because", "sources_available"]
    )


__all__ = [
    "apply_precedence",
    "bgs_candidates",
    "fallback_candidates",
    "iea_candidates",
    "wmd_candidates",
]
