"""Clean the IEA Critical Minerals Data Explorer supply sheet: refinery output in tonnes for the
observed year, and the base-case projections as an ``outlook`` table.

Mapping to the registry (data/reference/minerals.yaml): IEA's six minerals map to five slugs;
the IEA block tells the product (lithium chemicals, battery-grade graphite, the four magnet
rare earth elements Nd, Pr, Tb, Dy). The unit basis is what IEA states in the workbook: its
demand-sheet note gives lithium in Li content ("not carbonate equivalent") and the magnet REE
as Pr, Nd, Tb and Dy; the workbook does not say whether REE tonnes are element or oxide, which
``basis_detail`` records. Tonnes are IEA's kt times 1000. ``Rest of world`` becomes the
aggregate ``OTHER``, ``Total`` the aggregate ``WORLD``; the top-3 share (a ratio, not a
quantity) is left to the parsed table.
"""

from __future__ import annotations

import polars as pl

from transforms.cleaning._common import PRODUCTION_COLUMNS, first_row_error, harmonise_or_raise

IEA_SOURCE = "IEA Critical Minerals Data Explorer 2024"
IEA_OBSERVED_YEAR = 2023
KT_TO_T = 1000.0

# The basis notes the IEA gives once per mineral, shared by its mining and processing blocks.
_LITHIUM_BASIS = "Li content, not LCE (IEA note)"
_MAGNET_REE_BASIS = "Nd, Pr, Tb, Dy (IEA note); element or oxide basis not stated in the workbook"
# The IEA's magnet REE blocks, mined and refined, are one product on one basis.
_MAGNET_REE = ("rare-earths", "magnet rare earth elements", "contained", _MAGNET_REE_BASIS)
# (iea_mineral, stage_label) -> mineral slug, product, unit_basis, basis_detail.
IEA_PRODUCTS: dict[tuple[str, str], tuple[str, str, str, str | None]] = {
    ("Copper", "Mining"): ("copper", "copper in ore", "contained", None),
    ("Copper", "Refining"): ("copper", "refined copper", "contained", None),
    ("Cobalt", "Mining"): ("cobalt", "cobalt in ore", "contained", None),
    ("Cobalt", "Refining"): ("cobalt", "refined cobalt", "contained", None),
    ("Lithium", "Mining"): ("lithium", "lithium in ore and brine", "contained", _LITHIUM_BASIS),
    ("Lithium", "Chemicals"): ("lithium", "lithium chemicals", "contained", _LITHIUM_BASIS),
    ("Nickel", "Mining"): ("nickel", "nickel in ore", "contained", None),
    ("Nickel", "Refining"): ("nickel", "refined nickel", "contained", None),
    ("Graphite", "Mining (natural)"): ("graphite", "natural graphite", "gross_weight", None),
    ("Graphite", "Battery grade"): (
        "graphite",
        "battery-grade graphite",
        "gross_weight",
        "battery grade, as the IEA block is headed",
    ),
    ("Magnet rare earth elements", "Mining"): _MAGNET_REE,
    ("Magnet rare earth elements", "Refining"): _MAGNET_REE,
}
_AGGREGATES = {"rest_of_world": "OTHER", "total": "WORLD"}

IEA_CLEAN_SCHEMA: dict[str, pl.DataType] = {
    **PRODUCTION_COLUMNS,
    "scenario": pl.Utf8(),
    "source": pl.Utf8(),
    "file": pl.Utf8(),
    "cell": pl.Utf8(),
}


def _mapped(parsed: pl.DataFrame) -> pl.DataFrame:
    """Every quantity row with registry mineral, product, basis, economy code and tonnes."""
    products = pl.DataFrame(
        [(m, s, *v) for (m, s), v in IEA_PRODUCTS.items()],
        schema=["iea_mineral", "stage_label", "mineral", "product", "unit_basis", "basis_detail"],
        orient="row",
    )
    rows = parsed.filter(pl.col("row_kind") != "top3_share").join(
        products, on=["iea_mineral", "stage_label"], how="left"
    )
    unknown = rows.filter(pl.col("mineral").is_null())
    if unknown.height:
        block = unknown.select(pl.format("{} - {}", "iea_mineral", "stage_label")).item(0, 0)
        raise first_row_error(
            unknown,
            f"block '{block}' has no registry mapping in transforms.cleaning.iea.IEA_PRODUCTS",
        )
    economies = harmonise_or_raise(rows.filter(pl.col("row_kind") == "economy"), "country")
    aggregates = rows.filter(pl.col("row_kind") != "economy").with_columns(
        pl.col("row_kind").replace_strict(_AGGREGATES).alias("economy"),
        pl.lit("aggregate").alias("economy_kind"),
    )
    both = pl.concat([economies, aggregates]).sort("file", "line", "cell")
    return (
        both.with_columns(
            (pl.col("value_kt") * KT_TO_T).alias("quantity_t"),
            pl.col("country").alias("country_name"),
            pl.lit(IEA_SOURCE).alias("source"),
        )
        .select(list(IEA_CLEAN_SCHEMA))
        .cast(IEA_CLEAN_SCHEMA)
    )


def clean_iea_refinery(parsed: pl.DataFrame) -> pl.DataFrame:
    """Refinery output by economy in the observed year (2023), tonnes (see module)."""
    mapped = _mapped(parsed)
    return mapped.filter(pl.col("stage") == "refinery", pl.col("year") == IEA_OBSERVED_YEAR)


def clean_iea_outlook(parsed: pl.DataFrame) -> pl.DataFrame:
    """Base-case projections (2030, 2035, 2040) of mining and refining by economy, tonnes."""
    return _mapped(parsed).filter(pl.col("year") > IEA_OBSERVED_YEAR)


def clean_iea_supply(parsed: pl.DataFrame) -> pl.DataFrame:
    """Mining and refining by economy in the observed year (2023), tonnes: every IEA figure of
    that year, kept beside the one ``production`` chooses."""
    return _mapped(parsed).filter(pl.col("year") == IEA_OBSERVED_YEAR)
