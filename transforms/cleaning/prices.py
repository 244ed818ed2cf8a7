"""Clean the World Bank Pink Sheet into ``prices_monthly`` for the registry's metals.

The Pink Sheet prices the base metals, platinum and phosphate rock among the registry's
minerals (data/reference/minerals.yaml); it has no cobalt, lithium or rare-earth series.
:data:`PINK_SHEET_MINERALS` maps World Bank codes to registry slugs; platinum stands for the
``pgm`` group and is labelled as the product. Prices stay in the unit the World Bank states
("$/mt", "$/troy oz"), nominal USD, never converted: a reader sees exactly the published
figure. Coal (thermal, Australian and South African) is not the registry's coking coal and
iron ore, lead, gold and silver are not registry minerals, so they are left out.
"""

from __future__ import annotations

import polars as pl

from transforms.errors import UpstreamFormatError

PINK_SHEET_SOURCE = "World Bank Commodity Price Data (The Pink Sheet)"
# World Bank code -> (registry slug, product)
PINK_SHEET_MINERALS: dict[str, tuple[str, str]] = {
    "ALUMINUM": ("aluminium", "aluminium"),
    "COPPER": ("copper", "copper"),
    "NICKEL": ("nickel", "nickel"),
    "Tin": ("tin", "tin"),
    "Zinc": ("zinc", "zinc"),
    "PLATINUM": ("pgm", "platinum"),
    "PHOSROCK": ("phosphate-rock", "phosphate rock"),
}
PRICES_MONTHLY_COLUMNS = [
    "mineral",
    "product",
    "commodity",
    "wb_code",
    "month",
    "price",
    "unit",
    "currency",
    "source",
    "updated",
    "file",
    "sheet",
    "cell",
]


def clean_prices_monthly(parsed: pl.DataFrame) -> pl.DataFrame:
    """``prices_monthly``: the registry's metals, prices in USD per unit as stated (see module)."""
    missing = sorted(set(PINK_SHEET_MINERALS) - set(parsed["wb_code"].unique().to_list()))
    if missing:
        file = parsed["file"][0] if parsed.height else "Pink Sheet"
        raise UpstreamFormatError(file, f"World Bank codes {missing} not found in the sheet")
    mapping = pl.DataFrame(
        [(code, slug, product) for code, (slug, product) in PINK_SHEET_MINERALS.items()],
        schema=["wb_code", "mineral", "product"],
        orient="row",
    )
    return (
        parsed.join(mapping, on="wb_code", how="inner")
        .with_columns(
            pl.lit("USD").alias("currency"),
            pl.lit(PINK_SHEET_SOURCE).alias("source"),
        )
        .select(PRICES_MONTHLY_COLUMNS)
        .sort("mineral", "product", "month")
    )
