"""The supply-risk mart's deliberate departures from the reference implementation of
GeoPolRisk (geopolrisk-py 2.0.1), each with its effect measured by computing the mart both ways.

One row per departure:

- Taiwan's political stability. The WGI files give Taiwan ("Taiwan, China", TWN) no numeric
  country code, so a lookup by the trade data's numeric codes, as the library's, finds no score
  and counts the middle of the scale (0.5). The mart uses Taiwan's own WGI score.
- Guyana's duplicated WGI row. The WGI files carry two rows under Guyana's code; the first
  (line 81) holds another territory's series (data/reference/corrections.yaml). The mart drops
  it; the reference variant gives Guyana the first row's scores, as a first-match lookup would.
- The price in the characterisation factor. The library divides all import value by the
  tonnes of the flows that report a quantity; the mart divides only the value of those flows,
  so flows without a quantity do not inflate the price.
- Tungsten's HS codes. The method pairs tungsten ore (261100) with tungsten powders (810110);
  the mart follows it (``supply_risk.POOLED_TRADE``). The reference variant here is the mart's
  previous choice, ore only, so the row measures what following the method changed.

Effects compare the two results row by row (importer, mineral, year) on the score the
departure moves: the GeoPolRisk score, or the characterisation factor for the price.

Pure polars; the inputs are the supply-risk mart's, plus the WGI table as published (both
Guyana rows) for the Guyana variant.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from transforms import blocs
from transforms.marts import supply_risk as sr

SOURCE = "supply_risk computed both ways (World Mining Data; CEPII BACI; World Bank WGI)"
REFERENCE = "geopolrisk-py 2.0.1"
TAIWAN, GUYANA = "TWN", "GUY"


def _without_taiwan(governance: pl.DataFrame) -> pl.DataFrame:
    return governance.with_columns(
        pl.when(pl.col("country_code") == TAIWAN)
        .then(None)
        .otherwise(pl.col("political_stability_score"))
        .alias("political_stability_score")
    )


def _first_guyana_row(governance: pl.DataFrame, wgi_published: pl.DataFrame) -> pl.DataFrame:
    """Guyana's scores from the first of its two published rows."""
    rows = wgi_published.filter(pl.col("wb_code") == GUYANA)
    first = rows.filter(pl.col("line") == pl.col("line").min()).select(
        pl.lit(GUYANA).alias("country_code"),
        pl.col("year").cast(governance.schema["year"]),
        pl.col("normalized").alias("_first"),
    )
    return (
        governance.join(first, on=["country_code", "year"], how="left")
        .with_columns(
            pl.coalesce("_first", "political_stability_score").alias("political_stability_score")
        )
        .drop("_first")
    )


def _compare(ours: pl.DataFrame, reference: pl.DataFrame, column: str) -> dict:
    """How ``column`` moves from ``reference`` to ``ours``, row by row."""
    pair = (
        ours.select(*sr.KEY, pl.col(column).alias("ours"))
        .join(reference.select(*sr.KEY, pl.col(column).alias("reference")), on=sr.KEY, how="inner")
        .filter(pl.col("ours").is_not_null() & pl.col("reference").is_not_null())
    )
    changed = pair.filter(
        (pl.col("ours") - pl.col("reference")).abs() > 1e-12 * pl.col("reference").abs().clip(1.0)
    )
    relative = changed.with_columns(
        pl.when(pl.col("reference") != 0)
        .then((pl.col("ours") / pl.col("reference") - 1).abs())
        .alias("_rel")
    )
    row: dict = {
        "rows_compared": pair.height,
        "rows_changed": changed.height,
        "median_change": relative["_rel"].median() if changed.height else 0.0,
        "max_change": relative["_rel"].max() if changed.height else 0.0,
    }
    if changed.height:
        worst = relative.sort("_rel", descending=True, nulls_last=True).row(0, named=True)
        row |= {
            "example_importer": worst["importer"],
            "example_mineral": worst["mineral"],
            "example_year": worst["year"],
            "example_ours": worst["ours"],
            "example_reference": worst["reference"],
        }
    return row


def supply_risk_departures(
    production_wmd: pl.DataFrame,
    flows: pl.DataFrame,
    governance: pl.DataFrame,
    eol_rir: pl.DataFrame,
    wgi_published: pl.DataFrame,
    *,
    economies: blocs.Economies,
) -> pl.DataFrame:
    """One row per departure (see module) with its measured effect."""

    def run(gov: pl.DataFrame = governance, **options: object) -> pl.DataFrame:
        return sr.supply_risk(production_wmd, flows, gov, eol_rir, economies=economies, **options)  # type: ignore[arg-type]

    ours = run()
    cases: list[tuple[str, str, str, str, Callable[[], pl.DataFrame]]] = [
        (
            "Taiwan's political stability",
            "Taiwan's own WGI political-stability score",
            "no score found (the WGI files give Taiwan no numeric code), so the middle of the scale, 0.5",
            "geopolrisk_score",
            lambda: run(_without_taiwan(governance)),
        ),
        (
            "Guyana's duplicated WGI row",
            "the second of the two rows filed under Guyana (the first holds another territory's series)",
            "the first row's scores",
            "geopolrisk_score",
            lambda: run(_first_guyana_row(governance, wgi_published)),
        ),
        (
            "Price of imports in the characterisation factor",
            "value of the import flows that report a quantity, divided by their tonnes",
            "all import value divided by the tonnes of the flows that report a quantity",
            "characterisation_factor",
            lambda: run(price_all_flows=True),
        ),
        (
            "Tungsten's HS codes",
            "ore (261100) and tungsten powders (810110), as the method",
            "ore only (this site's earlier choice; the method uses both)",
            "geopolrisk_score",
            lambda: run(pooled={}),
        ),
    ]
    rows = [
        {"departure": name, "ours": mine, "reference": theirs, "measure": column}
        | _compare(ours, variant(), column)
        for name, mine, theirs, column, variant in cases
    ]
    return (
        pl.DataFrame(rows, schema_overrides=SCHEMA, infer_schema_length=None)
        .select(*SCHEMA)
        .with_columns(pl.lit(f"{SOURCE}; reference: {REFERENCE}").alias("source"))
    )


SCHEMA: dict[str, pl.DataType | type] = {
    "departure": pl.Utf8,
    "ours": pl.Utf8,
    "reference": pl.Utf8,
    "measure": pl.Utf8,
    "rows_compared": pl.Int32,
    "rows_changed": pl.Int32,
    "median_change": pl.Float64,
    "max_change": pl.Float64,
    "example_importer": pl.Utf8,
    "example_mineral": pl.Utf8,
    "example_year": pl.Int16,
    "example_ours": pl.Float64,
    "example_reference": pl.Float64,
}
