"""The project's trade ingest: BACI trade tables -> trade per mineral, stage, year and partners.

One function, :func:`ingest_trade`, does what the briefing needs from a BACI release, and the
scale benchmark (``benchmarks/baci_ingest.py``) times exactly this code:

1. read each trade table (CSV, CSV.gz, Parquet, or a release zip; one file at a time) with
   :func:`transforms.parsers.baci.iter_baci`, keeping only the registry's HS6 codes
   (:func:`transforms.reference.hs_map_frame`) — every kept row is checked, and a bad row stops
   the ingest with the file, line and column;
2. tag each row with its mineral and stage (an HS code serving two minerals is counted for
   each, never summed across them);
3. harmonise exporters and importers from BACI codes to ISO3 (or a typed aggregate such as
   SACU) with the country-name table (:func:`transforms.reference.harmonise_countries`, source
   "baci"); a code the table does not know stops the ingest, since dropping its flows would
   silently change every share;
4. aggregate per year, mineral, stage, exporter and importer.

Output columns:

    year Int16, mineral Utf8, stage Utf8 (mine / refinery), exporter_code Utf8 (ISO3 or
    aggregate code), importer_code Utf8, value_usd Float64 (current USD), quantity_t Float64
    (metric tons of the traded good, sum of the published quantities; null when none of the
    flows has one), flows UInt32 (BACI rows summed), flows_without_quantity UInt32.

Memory stays at one file's filtered rows plus the aggregate, whatever the number of years.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import polars as pl

from transforms import reference
from transforms.errors import UpstreamFormatError
from transforms.parsers.baci import BaciCodeTables, iter_baci

# BACI's v is in thousand USD.
VALUE_FACTOR_USD = 1000.0
# The registry's HS stages in the vocabulary of the clean tables.
HS_STAGE_TO_STAGE = {"ore": "mine", "refined": "refinery"}
GROUP_KEY = ("year", "mineral", "stage", "exporter_code", "importer_code")

TRADE_FLOWS_SCHEMA: dict[str, pl.DataType] = {
    "year": pl.Int16(),
    "mineral": pl.Utf8(),
    "stage": pl.Utf8(),
    "exporter_code": pl.Utf8(),
    "importer_code": pl.Utf8(),
    "value_usd": pl.Float64(),
    "quantity_t": pl.Float64(),
    "flows": pl.UInt32(),
    "flows_without_quantity": pl.UInt32(),
}
"""Output schema of :func:`ingest_trade`."""


def registry_hs_codes(hs_map: pl.DataFrame | None = None) -> pl.DataFrame:
    """The registry's HS6 codes with mineral and stage: ``hs6``, ``mineral``, ``stage``."""
    hs = hs_map if hs_map is not None else reference.hs_map_frame()
    return hs.select(
        pl.col("hs6").cast(pl.Utf8).str.zfill(6),
        pl.col("slug").alias("mineral"),
        pl.col("stage").replace_strict(HS_STAGE_TO_STAGE, return_dtype=pl.Utf8),
    ).unique(maintain_order=True)


def baci_country_lookup(codes: Iterable[int] | None = None) -> pl.DataFrame:
    """BACI country code -> ISO3/aggregate code: ``baci_code`` Int32, ``country_code`` Utf8.

    Built from the harmonisation table (source "baci"); ``codes`` restricts it to the codes
    given and keeps the ones it cannot map with a null ``country_code``.
    """
    if codes is None:
        names = reference.country_names_frame().filter(pl.col("source") == "baci")
        frame = names.select(pl.col("name").alias("baci"))
    else:
        frame = pl.DataFrame({"baci": sorted(set(codes))}, schema={"baci": pl.Int32})
    mapped = reference.harmonise_countries(
        frame.select(pl.col("baci").cast(pl.Utf8)), "baci", "baci"
    )
    return mapped.select(
        pl.col("baci").cast(pl.Int32).alias("baci_code"), pl.col("code").alias("country_code")
    )


def aggregate_flows(
    rows: pl.DataFrame | pl.LazyFrame, hs: pl.DataFrame, countries: pl.DataFrame
) -> pl.LazyFrame:
    """BACI rows (parser output) -> the aggregate of :data:`TRADE_FLOWS_SCHEMA`, lazily.

    ``hs`` is :func:`registry_hs_codes`, ``countries`` :func:`baci_country_lookup`; rows whose
    code has no ISO3 get a null exporter/importer (the caller decides; :func:`ingest_trade`
    refuses them before aggregating).
    """
    exporters = countries.rename({"baci_code": "exporter_code", "country_code": "exporter"})
    importers = countries.rename({"baci_code": "importer_code", "country_code": "importer"})
    return (
        rows.lazy()
        .join(hs.lazy(), on="hs6", how="inner")
        .join(exporters.lazy(), on="exporter_code", how="left")
        .join(importers.lazy(), on="importer_code", how="left")
        .group_by("year", "mineral", "stage", "exporter", "importer")
        .agg(
            (pl.col("value_kusd").sum() * VALUE_FACTOR_USD).alias("value_usd"),
            pl.when(pl.col("quantity_t").is_not_null().any())
            .then(pl.col("quantity_t").sum())
            .alias("quantity_t"),
            pl.len().alias("flows"),
            pl.col("quantity_t").is_null().sum().cast(pl.UInt32).alias("flows_without_quantity"),
        )
        .rename({"exporter": "exporter_code", "importer": "importer_code"})
        .select([pl.col(c).cast(t) for c, t in TRADE_FLOWS_SCHEMA.items()])
    )


def _refuse_unmapped(frame: pl.DataFrame, countries: pl.DataFrame) -> None:
    """An exporter or importer code without ISO3 is an error naming the file and the code."""
    known = countries.drop_nulls("country_code")["baci_code"]
    for column, label in (("exporter_code", "i (exporter)"), ("importer_code", "j (importer)")):
        unknown = frame.filter(~pl.col(column).is_in(known.implode()))
        if unknown.height:
            row = unknown.row(0, named=True)
            raise UpstreamFormatError(
                row["file"],
                f"BACI country code {row[column]} has no ISO3 in data/reference/country_names.csv "
                f"(source baci); {unknown.height:,} kept rows use it. Add it there",
                column=label,
                value=str(row[column]),
            )


def _refuse_overlap(frame: pl.DataFrame, year_file: dict[int, str]) -> None:
    """Two files holding the same year (a per-year file beside the multi-year extract) would
    count its flows twice."""
    for year, file in frame.select("year", "file").unique().iter_rows():
        if year in year_file and year_file[year] != file:
            raise UpstreamFormatError(
                file,
                f"year {year} is also in {year_file[year]}: the inputs overlap; pass one of them",
                column="t (year)",
                value=str(year),
            )
        year_file[year] = file


def ingest_trade(
    paths: Iterable[Path | str] | Path | str,
    *,
    years: Iterable[int] | None = None,
    hs_map: pl.DataFrame | None = None,
    code_tables: BaciCodeTables | Literal["auto"] | None = "auto",
) -> pl.DataFrame:
    """Trade per year, mineral, stage, exporter and importer (see module docstring).

    ``paths``: BACI trade tables, release zips or folders. ``years`` keeps those years only;
    ``hs_map`` replaces the registry's HS map (columns slug, stage, hs6); ``code_tables`` is
    passed to the parser (check i/j/k against BACI's tables found next to the files).
    Rows are sorted by the group key.
    """
    hs = registry_hs_codes(hs_map)
    countries = baci_country_lookup()
    parts: list[pl.DataFrame] = []
    year_file: dict[int, str] = {}
    for frame in iter_baci(
        paths, hs["hs6"].unique().to_list(), years=years, code_tables=code_tables
    ):
        _refuse_unmapped(frame, countries)
        _refuse_overlap(frame, year_file)
        parts.append(aggregate_flows(frame, hs, countries).collect())
    if not parts:
        return pl.DataFrame(schema=TRADE_FLOWS_SCHEMA)
    out = pl.concat(parts, how="vertical")
    return out.sort(GROUP_KEY)
